"""The web commands: `serve` prints the one-time setup link, `user set-password`, `token create|list|revoke`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kontaktfilter.cli import app
from kontaktfilter.store.engine import Store
from kontaktfilter.web.accounts import Accounts

from .conftest import free_port


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KONTAKTFILTER_CONFIG", str(tmp_path / "no-config.toml"))
    url = f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    monkeypatch.setenv("KONTAKTFILTER_DATABASE_URL", url)
    return url


def accounts(url: str) -> Accounts:
    return Accounts(Store.open(url).engine)


def test_set_password_from_stdin(db: str) -> None:
    r = CliRunner().invoke(app, ["user", "set-password", "--password-stdin"], input="a good password\n")
    assert r.exit_code == 0, r.output
    assert accounts(db).verify_password("a good password") is not None
    short = CliRunner().invoke(app, ["user", "set-password"], input="short\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output


def test_token_create_list_revoke(db: str) -> None:
    r = CliRunner().invoke(app, ["token", "create", "--name", "ci"])
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[0]
    assert token.startswith("kf_") and len(token) > 40
    listed = CliRunner().invoke(app, ["token", "list"])
    assert "\tci" in listed.stdout and token not in listed.stdout
    token_id = listed.stdout.split("\t", 1)[0]
    assert CliRunner().invoke(app, ["token", "revoke", token_id]).exit_code == 0
    assert CliRunner().invoke(app, ["token", "revoke", token_id]).exit_code == 2


@pytest.mark.slow
def test_serve_prints_a_setup_link_that_works(db: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "KONTAKTFILTER_DATABASE_URL": db}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "kontaktfilter"), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        link = None
        deadline = time.monotonic() + 60
        while link is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/setup\?token=\S+)", line)
            link = found.group(1) if found else None
        assert link, "serve printed no setup link"
        for _ in range(200):
            try:
                page = httpx.get(link, timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert page.status_code == 200 and 'name="password"' in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/setup?token=wrong", timeout=5).status_code == 403
    finally:
        proc.terminate()
        proc.wait(timeout=20)
