"""The command line contract: screen, evaluate, explain."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from kontaktfilter.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, lines: list[str]) -> Path:
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def test_screen_jsonl_keeps_order_and_reports_bad_lines(tmp_path: Path) -> None:
    f = _write(
        tmp_path,
        [
            json.dumps({"id": "a", "note": "Hi Jana, great to meet you at PyCon yesterday!"}),
            "{broken",
            json.dumps({"id": "b", "note": None, "sender": {"mutual_contacts": "lots"}}),
            json.dumps({"id": "c", "note": "Earn 5% per day with bitcoin, guaranteed! WhatsApp me."}),
        ],
    )
    result = runner.invoke(app, ["screen", str(f), "--format", "jsonl"])
    assert result.exit_code == 1
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "c"]
    assert set(out[0]) == {"id", "category", "confidence", "score", "action", "lang", "signals"}
    assert all({"id", "weight", "reason"} == set(s) for s in out[1]["signals"])
    assert out[1]["category"] == "scam"
    assert f"{f}:2: not valid JSON" in result.stderr
    assert f"{f}:3: sender.mutual_contacts: expected an integer" in result.stderr


def test_screen_reads_stdin_and_writes_safe_csv() -> None:
    line = json.dumps({"id": '=HYPERLINK("http://x")', "note": "Hallo"})
    result = runner.invoke(app, ["screen", "-", "--format", "csv"], input=line + "\n")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:5] == ["id", "category", "confidence", "score", "action"]
    assert rows[1][0].startswith("'=")


def test_screen_table_escapes_markup(tmp_path: Path) -> None:
    f = _write(
        tmp_path, [json.dumps({"id": "[bold]x[/bold]", "note": "hi", "sender": {"name": "[red]Eve[/red]"}})]
    )
    result = runner.invoke(app, ["screen", str(f), "--sort", "attention"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.stderr
    assert "[red]Eve[/red]" in result.stdout and "[bold]x[/bold]" in result.stdout


def test_screen_errors(tmp_path: Path) -> None:
    assert runner.invoke(app, ["screen", str(tmp_path / "missing.jsonl")]).exit_code == 2
    f = _write(tmp_path, ['{"id": "a"}'])
    assert "unknown format" in runner.invoke(app, ["screen", str(f), "--format", "xml"]).stderr
    bad = tmp_path / "p.toml"
    bad.write_text('[categories]\nscam = "delete"\n', encoding="utf-8")
    result = runner.invoke(app, ["screen", str(f), "--policy", str(bad)])
    assert result.exit_code == 2 and "categories.scam" in result.stderr


def test_evaluate_prints_the_numbers(tmp_path: Path) -> None:
    rows = [
        {
            "id": "1",
            "note": "Hi Jana, great meeting you at the meetup yesterday!",
            "label": "personal_known",
            "lang": "en",
        },
        {
            "id": "2",
            "note": "Bitcoin trading, 5% per day guaranteed, WhatsApp me",
            "label": "scam",
            "lang": "en",
        },
        {
            "id": "3",
            "note": "Ich möchte mein Netzwerk erweitern.",
            "label": "collector_generic",
            "lang": "de",
        },
    ]
    f = _write(tmp_path, [json.dumps(r) for r in rows])
    result = runner.invoke(app, ["evaluate", str(f), "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["n"] == 3 and set(data["by_lang"]) == {"de", "en"}
    assert len(data["confusion"]["rows_true_cols_predicted"]) == 7
    text = runner.invoke(app, ["evaluate", str(f)]).stdout
    assert "macro-F1" in text and "Confusion matrix" in text


def test_evaluate_rejects_unknown_labels(tmp_path: Path) -> None:
    f = _write(tmp_path, [json.dumps({"id": "1", "note": "x", "label": "spam"})])
    result = runner.invoke(app, ["evaluate", str(f)])
    assert result.exit_code == 1 and ":1: label: unknown" in result.stderr


def test_explain_lists_signals_in_the_requested_language() -> None:
    result = runner.invoke(
        app, ["explain", "Hey, hast du 15 Minuten für einen kurzen Call? Ich helfe dir, mehr Kunden zu gewinnen.",
              "--mutual", "0", "--lang", "de"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "pitch_short_call" in result.stdout and "Aktion" in result.stdout and "classifier" in result.stdout
    result = runner.invoke(app, ["explain", "--json", '{"note": null, "sender": {"job_title": "tba"}}'])
    assert result.exit_code == 0 and "profile_placeholder" in result.stdout
    assert runner.invoke(app, ["explain", "--json", "{nope"]).exit_code == 2
