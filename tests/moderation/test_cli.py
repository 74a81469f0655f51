"""`kontaktfilter moderation replay` and `serve` as a user runs them."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from kontaktfilter.moderation.cli import app
from kontaktfilter.moderation.events import INVITATION_IGNORED, Event, format_timestamp
from kontaktfilter.moderation.policy import DAY_US, Policy

from .reference import Reference
from .strategies import BASE

runner = CliRunner()
POLICY_TOML = "[sanctions]\nthreshold = 3\nwindow_days = 1\nsuspension_days = 2\n"
POLICY = Policy(threshold=3, window_us=DAY_US, suspension_us=2 * DAY_US)


def spammer_events() -> list[Event]:
    events = []
    for i in range(30):
        sender = "zoe" if i % 3 else "adam"
        events.append(Event(BASE + i * DAY_US // 5, f"ev{i:03d}", INVITATION_IGNORED, sender, "r"))
    return events


def write(path: Path, events: list[Event], extra: list[str] = ()) -> Path:  # type: ignore[assignment]
    lines = [json.dumps(e.to_json()) for e in events] + list(extra)
    random.Random(4).shuffle(lines)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_replay_prints_sanctions_in_order_as_json_lines(tmp_path: Path) -> None:
    events = spammer_events()
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY_TOML)
    result = runner.invoke(app, ["replay", str(write(tmp_path / "e.jsonl", events)), "--policy", str(policy)])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records, "the spammers must be sanctioned"
    assert all(list(r) == ["sender", "kind", "start", "end", "trigger_event", "count"] for r in records)
    expected = [
        {
            "sender": s,
            "kind": k,
            "start": format_timestamp(a),
            "end": None if b is None else format_timestamp(b),
            "trigger_event": t,
            "count": c,
        }
        for s, k, a, b, t, c in Reference(POLICY).run(events).sanctions()
    ]
    assert records == expected
    assert [(r["start"], r["sender"]) for r in records] == sorted((r["start"], r["sender"]) for r in records)
    assert any(r["kind"] == "ban" and r["end"] is None for r in records)


def test_bad_lines_go_to_stderr_with_line_numbers_and_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    good = [json.dumps(e.to_json()) for e in spammer_events()[:4]]
    conflicting = json.dumps({**spammer_events()[0].to_json(), "sender": "someone-else"})
    lines = [
        good[0],
        '{"id": "x1", "type": "invitation_liked", "sender": "a", "recipient": "b", "at": "2025-01-01T00:00:00Z"}',
    ]
    lines += ["", good[1], "{broken", good[2], conflicting, good[3], good[0]]
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["replay", str(path)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert errors[0].startswith(f"{path}:2: type: unknown event type 'invitation_liked'")
    assert errors[1].startswith(f"{path}:5: invalid JSON")
    assert errors[2].startswith(f"{path}:7: id: already used earlier in the file")
    assert "replayed 4 events (1 duplicates, 3 bad lines)" in result.stderr


def test_replay_into_a_database_persists_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mod.sqlite3'}"
    events = spammer_events()
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY_TOML)
    first = runner.invoke(
        app,
        ["replay", str(write(tmp_path / "a.jsonl", events[:20])), "--database", url, "--policy", str(policy)],
    )
    assert first.exit_code == 0, first.stderr
    both = runner.invoke(
        app, ["replay", str(write(tmp_path / "b.jsonl", events)), "--database", url, "--policy", str(policy)]
    )
    assert both.exit_code == 0, both.stderr
    again = runner.invoke(
        app, ["replay", str(write(tmp_path / "b.jsonl", events)), "--database", url, "--policy", str(policy)]
    )
    assert again.stdout == both.stdout
    assert "replayed 0 events (30 duplicates" in again.stderr
    fresh = runner.invoke(app, ["replay", str(tmp_path / "b.jsonl"), "--policy", str(policy)])
    assert fresh.stdout == both.stdout


def test_missing_file_and_bad_policy_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["replay", str(tmp_path / "none.jsonl")]).exit_code == 2
    policy = tmp_path / "p.toml"
    policy.write_text("[sanctions]\nthreshold = -1\n")
    result = runner.invoke(app, ["replay", str(write(tmp_path / "e.jsonl", [])), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "sanctions.threshold" in result.stderr


def test_module_entry_point_reads_stdin(tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(e.to_json()) for e in spammer_events()) + "\n"
    done = subprocess.run(
        [sys.executable, "-m", "kontaktfilter.moderation", "replay", "-"],
        input=lines,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # 30 events, default threshold 50: nobody is sanctioned
    assert "replayed 30 events" in done.stderr


def test_serve_refuses_to_start_without_tokens(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--database", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 2
    assert "token" in result.stderr
