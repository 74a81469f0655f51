"""Crash safety for real: kill -9 an import in a subprocess, re-run it, and compare with one clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from kontaktfilter.store.engine import Store
from tests._servers import PostgresServer

from .conftest import BACKENDS, MakeImporter
from .exports import Con, Inv, Msg, export_files, us_time, utc_time, write_zip
from .snapshot import snapshot

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
NOTES = [
    "Hallo Tess, wir haben uns letzte Woche auf dem Datentag in Köln kennengelernt. Viele Grüße",
    "Hi Tess, I'm hiring a platform lead for a fintech in Berlin, open to a chat?",
    "",
    "Hey, wir helfen Firmen, 50 Leads pro Monat zu gewinnen. 15 Minuten diese Woche?",
    "We're in the same group, let's connect!",
]


def _export(tmp_path: Path, n: int) -> Path:
    invs = [
        Inv(
            f"Person {i}",
            f"person-{i}",
            (utc_time if i % 2 else us_time)(T0 + timedelta(minutes=i)),
            NOTES[i % len(NOTES)],
        )
        for i in range(n)
    ]
    cons = [
        Con("Person", str(i), f"person-{i}", date(2026, 5, 1) + timedelta(days=i % 30))
        for i in range(0, n, 4)
    ]
    msgs = [
        Msg(
            f"Person {i}",
            f"person-{i}",
            T0 + timedelta(days=1, minutes=i),
            f"Danke {i}!",
            conversation=f"c{i}",
        )
        for i in range(0, n, 7)
    ]
    return write_zip(tmp_path / "export.zip", export_files(invs, cons, msgs))


def _position(url: str) -> tuple[str, str, int] | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT status, phase, position FROM import_runs")).first()
            return (row[0], row[1], int(row[2])) if row else None
    except (OperationalError, ProgrammingError):
        return None  # not migrated yet, or the writer holds the lock this instant
    finally:
        engine.dispose()


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _wait_gone(pids: list[int], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        time.sleep(0.1)
    assert not alive, f"processes {alive} outlived the killed import"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_mid_import_then_rerun_equals_one_clean_run(
    backend: str, tmp_path: Path, make_importer: MakeImporter, request: pytest.FixtureRequest
) -> None:
    if backend == "postgresql":
        pg: PostgresServer = request.getfixturevalue("inbox_pg")
        crashed_url, clean_url = pg.create_database("inbox_crashed"), pg.create_database("inbox_clean")
    else:
        crashed_url, clean_url = (
            f"sqlite:///{tmp_path / 'crashed.sqlite3'}",
            f"sqlite:///{tmp_path / 'clean.sqlite3'}",
        )
    n = 6000
    export = _export(tmp_path, n)
    env = {
        **os.environ,
        "KONTAKTFILTER_IMPORT_BATCH_SIZE": "100",
        "KONTAKTFILTER_DATA_DIR": str(tmp_path / "data"),
    }
    cmd = [
        sys.executable,
        "-c",
        "from kontaktfilter.cli import main; main()",
        "import",
        str(export),
        "--database",
        crashed_url,
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    killed_at = None
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        pos = _position(crashed_url)
        if pos is not None and pos[1] == "invitations" and pos[2] >= 1500:
            workers = _children(proc.pid)
            os.kill(proc.pid, signal.SIGKILL)
            killed_at = pos
            break
        time.sleep(0.005)
    proc.wait(timeout=30)
    assert killed_at is not None, (
        f"the import finished before it could be killed: {proc.stderr.read() if proc.stderr else ''}"
    )
    assert proc.returncode == -signal.SIGKILL
    assert workers, "the import should screen in a worker process"
    _wait_gone(workers)  # the screening worker does not outlive its killed parent
    state = _position(crashed_url)
    assert state is not None and state[0] == "running" and state[2] < n

    crashed = Store.open(crashed_url)
    clean = Store.open(clean_url)
    try:
        resumed = make_importer(crashed, batch_size=100).import_path(export)
        assert resumed.resumed_from is not None and resumed.resumed_from.startswith("Invitations.csv row ")
        once = make_importer(clean, batch_size=100).import_path(export)
        assert {k: vars(c) for k, c in resumed.counts.items()} == {k: vars(c) for k, c in once.counts.items()}
        assert resumed.screened == once.screened == n
        assert snapshot(crashed) == snapshot(clean)
    finally:
        crashed.close()
        clean.close()
