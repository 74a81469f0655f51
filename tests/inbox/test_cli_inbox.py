"""The inbox commands end to end through the CLI: import, inbox, decide, learn, reminders, export, forget."""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kontaktfilter.cli import app

from .conftest import BACKENDS, DEMO
from .exports import Inv, export_files, utc_time, write_folder

runner = CliRunner()
VERDICT_FIELDS = {"id", "category", "confidence", "score", "action", "lang", "signals"}


@pytest.fixture
def demo_db(db_url: str) -> str:
    result = runner.invoke(app, ["import", str(DEMO), "--database", db_url])
    assert result.exit_code == 0, result.output
    return db_url


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_import_prints_a_summary_and_is_idempotent(db_url: str) -> None:
    first = runner.invoke(app, ["import", str(DEMO), "--database", db_url])
    assert first.exit_code == 0, first.output
    assert "Invitations.csv            31        0        0        0" in first.stdout
    assert "total                      48        0        0        0" in first.stdout
    assert "screened 26 request(s)" in first.stdout
    assert first.stderr == ""  # no progress bar when stderr is not a terminal
    again = runner.invoke(app, ["import", str(DEMO), "--database", db_url])
    assert "total                       0        0       48        0" in again.stdout


def test_bad_rows_are_named_on_stderr_and_exit_1(db_url: str, tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "e",
        export_files(
            [
                Inv("Anna Berg", "anna", "soon", "Hi"),
                Inv("Ben Cole", "ben", utc_time(datetime(2026, 1, 1, tzinfo=UTC)), "Hi"),
            ]
        ),
    )
    result = runner.invoke(app, ["import", str(folder), "--database", db_url])
    assert result.exit_code == 1
    assert f"{folder}/Invitations.csv:2: Sent At: expected a time like" in result.stderr
    assert "Invitations.csv             1        0        0        1" in result.stdout


def test_not_an_export_is_one_clear_error(db_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "holiday.png"
    junk.write_bytes(b"\x89PNG\r\n")
    result = runner.invoke(app, ["import", str(junk), "--database", db_url])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"error: {junk}: not a LinkedIn data export (zip or folder) nor a JSON Lines file"
    )


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_inbox_orders_by_attention_and_jsonl_carries_the_contract(demo_db: str) -> None:
    result = runner.invoke(app, ["inbox", "--database", demo_db, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    items = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(items) == 23  # 26 incoming, 3 of them already connections
    for it in items:
        assert VERDICT_FIELDS | {"person", "platform", "note", "received_at"} <= set(it)
        assert it["platform"] == "linkedin" and it["person"]["name"]
    cats = [it["category"] for it in items]
    assert cats[:2] == ["scam", "scam"] and cats[2] == "personal_known"
    assert cats.index("sales_pitch") > cats.index("relevant_business")
    table = runner.invoke(app, ["inbox", "--database", demo_db])
    assert (
        table.stdout.index("Amelia Rossi")
        < table.stdout.index("Tobias Wendt")
        < table.stdout.index("Marco Delling")
    )
    everything = runner.invoke(app, ["inbox", "--database", demo_db, "--all", "--format", "jsonl"])
    assert len(everything.stdout.splitlines()) == 26


def test_request_text_is_escaped_in_the_table(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps({"id": "[bold]x[/bold]", "note": "Hi", "sender": {"name": "[red]Mallory[/red]"}}) + "\n"
    )
    runner.invoke(app, ["import", str(path), "--database", db_url])
    out = runner.invoke(app, ["inbox", "--database", db_url]).stdout
    assert "[red]Mallory[/red]" in out and "[bold]x[/bold]" in out


def test_decide_records_corrections_and_learns_automatically(demo_db: str) -> None:
    items = [
        json.loads(x)
        for x in runner.invoke(app, ["inbox", "--database", demo_db, "--format", "jsonl"]).stdout.splitlines()
    ]
    env = {"KONTAKTFILTER_LEARN_MIN_DECISIONS": "4", "KONTAKTFILTER_LEARN_EVERY": "2"}
    first = items[0]
    same = runner.invoke(app, ["decide", first["id"], first["action"], "--database", demo_db], env=env)
    assert same.exit_code == 0 and same.stdout.startswith(f"{first['id']}: {first['action']} recorded\n")
    flipped = "ignore" if items[1]["action"] != "ignore" else "accept"
    corrected = runner.invoke(
        app, ["decide", items[1]["id"], flipped, "--note", "not my field", "--database", demo_db], env=env
    )
    assert f"(correction: recommended {items[1]['action']})" in corrected.stdout
    gated = runner.invoke(app, ["learn", "--database", demo_db], env=env)
    assert "personal layer not active: 2 of 4 decisions needed" in gated.stdout
    out = ""
    for it in items[2:4]:
        out = runner.invoke(
            app,
            [
                "decide",
                it["id"],
                "ignore" if it["category"] != "personal_known" else "accept",
                "--database",
                demo_db,
            ],
            env=env,
        ).stdout
    assert "personal layer trained on 4 decisions" in out
    pending = runner.invoke(app, ["inbox", "--database", demo_db, "--format", "jsonl"]).stdout.splitlines()
    assert len(pending) == len(items) - 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["decide", "li-000000000000", "accept"], "ID: no request with id 'li-000000000000'"),
        (
            ["decide", "x", "maybe"],
            "ACTION: unknown action 'maybe' (allowed: accept, ask_back, suggest_follow, ignore, block_report)",
        ),
        (["inbox", "--format", "xml"], "--format: unknown format 'xml' (allowed: table, jsonl)"),
        (["export", "--format", "csv"], "--output: --format csv needs a folder"),
        (["forget", "Nobody Here", "--yes"], "PERSON: nobody matches 'Nobody Here'"),
        (["forget", "Priya Raman"], "add --yes to confirm"),
    ],
)
def test_errors_name_the_argument(demo_db: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, [*args, "--database", demo_db])
    assert result.exit_code == 2 and message in result.stderr


def test_outgoing_invitations_cannot_be_decided(demo_db: str) -> None:
    exported = runner.invoke(app, ["export", "--database", demo_db]).stdout.splitlines()
    outgoing = next(json.loads(x) for x in exported if '"direction": "outgoing"' in x)
    result = runner.invoke(app, ["decide", outgoing["public_id"], "accept", "--database", demo_db])
    assert result.exit_code == 2 and "outgoing invitation" in result.stderr


def test_reminders_for_the_demo(demo_db: str) -> None:
    result = runner.invoke(
        app, ["reminders", "--database", demo_db, "--as-of", "2026-11-23", "--format", "jsonl"]
    )
    due = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(d["person"], d["suggestion"]) for d in due] == [
        ("Samuel Adeyemi", "send_follow_up"),
        ("Clara Jensen", "send_follow_up"),
    ]
    items = [
        json.loads(x)
        for x in runner.invoke(app, ["inbox", "--database", demo_db, "--format", "jsonl"]).stdout.splitlines()
    ]
    recruiter = next(i for i in items if i["category"] == "recruiter")
    runner.invoke(app, ["decide", recruiter["id"], "ask_back", "--database", demo_db])
    week = runner.invoke(app, ["reminders", "--database", demo_db, "--as-of", "2099-01-01", "--lang", "de"])
    assert (
        recruiter["person"]["name"] in week.stdout and "ignore" in week.stdout and "Rückfrage" in week.stdout
    )
    assert runner.invoke(app, ["reminders", "--database", demo_db, "--as-of", "2026-13-01"]).exit_code == 2


def test_export_and_forget(demo_db: str, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = runner.invoke(app, ["export", "--database", demo_db, "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0 and "exported" in result.stderr
    with (out / "people.csv").open(encoding="utf-8", newline="") as fh:
        assert any(row[3] == "Priya Raman" for row in csv.reader(fh))
    gone = runner.invoke(app, ["forget", "priya-raman-data", "--yes", "--database", demo_db])
    assert gone.exit_code == 0 and gone.stdout.startswith("forgot Priya Raman: ")
    again = runner.invoke(app, ["export", "--database", demo_db]).stdout
    assert "Priya" not in again and "priya-raman" not in again


def test_database_option_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = runner.invoke(app, ["inbox", "--database", "mysql://u@h/db"])
    assert bad.exit_code == 2 and "error: --database: unsupported database 'mysql'" in bad.stderr
    monkeypatch.setenv("KONTAKTFILTER_DATABASE_URL", "nonsense")
    env_bad = runner.invoke(app, ["inbox"])
    assert (
        env_bad.exit_code == 2
        and "error: KONTAKTFILTER_DATABASE_URL: not a database URL: 'nonsense'" in env_bad.stderr
    )
    url = f"sqlite:///{tmp_path / 'env.sqlite3'}"
    monkeypatch.setenv("KONTAKTFILTER_DATABASE_URL", url)
    assert runner.invoke(app, ["import", str(DEMO)]).exit_code == 0
    assert (tmp_path / "env.sqlite3").exists()
    assert "Tobias Wendt" in runner.invoke(app, ["inbox"]).stdout
    monkeypatch.delenv("KONTAKTFILTER_DATABASE_URL")
    runner.invoke(app, ["import", str(DEMO)])
    default = Path(os.environ["KONTAKTFILTER_DATA_DIR"]) / "inbox.sqlite3"
    assert default.exists()


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    db = f"sqlite:///{tmp_path / 'tty.sqlite3'}"
    cmd = [
        sys.executable,
        "-c",
        "from kontaktfilter.cli import main; main()",
        "import",
        str(DEMO),
        "--database",
        db,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, env={**os.environ, "COLUMNS": "100"})
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=120)
    os.close(master)
    assert proc.returncode == 0
    text = seen.decode("utf-8", "replace")
    assert "Invitations.csv" in text and "31/31" in text and "Connections.csv" in text
    assert b"imported" in out and b"Invitations.csv" in out  # the summary stays on stdout
