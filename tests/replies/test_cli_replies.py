"""The command line: reply, policy-page, coach and sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kontaktfilter.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The user's own template directory and reply settings must not leak into these tests.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for key in ("ADDRESS", "LANG", "NAME", "SIGNATURE", "POLICY_URL", "PROFILE_URL", "TEMPLATE_DIRS"):
        monkeypatch.delenv(f"KONTAKTFILTER_REPLY_{key}", raising=False)


PITCH = "Hey, hast du 15 Minuten für einen kurzen Call? Wir helfen Coaches, mehr Kunden zu gewinnen."


def test_reply_from_options_and_from_json() -> None:
    result = runner.invoke(
        app,
        ["reply", "Hallo, ich möchte mein Netzwerk erweitern.", "--name", "Tom Weber", "--signature", "Jana Berg\\nBerg Energie",
         "--policy-url", "https://jana.example/kontakt"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Guten Tag Tom Weber,\n")
    assert result.stdout.endswith("Jana Berg\nBerg Energie\n")
    assert "https://jana.example/kontakt" in result.stdout
    assert "# ask_back · collector_generic" in result.stderr
    obj = {"note": "You have a beautiful smile. Are you single?", "sender": {"name": "Mark Doe"},
           "platform": "linkedin", "recipient": {"name": "Jana Berg", "partnership": True}}  # fmt: skip
    result = runner.invoke(app, ["reply", "--json", json.dumps(obj), "--register", "sie"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Dear Mark Doe,\n\nI use LinkedIn for professional purposes only")
    assert "not recommended" in result.stderr


def test_reply_overrides_and_errors() -> None:
    ok = runner.invoke(app, ["reply", PITCH, "--action", "accept", "--lang", "en", "--register", "sie"])
    assert ok.exit_code == 0 and ok.stdout.startswith("Hello,\n\nThank you for your invitation")
    for args, message in [
        (["reply", "x", "--action", "nope"], "--action: unknown action 'nope'"),
        (["reply", "x", "--lang", "fr"], "--lang: unknown language 'fr'"),
        (["reply", "x", "--register", "ihr"], "--register: unknown register 'ihr'"),
        (["reply", "--json", "{broken"], "--json: not valid JSON"),
        (["reply", "--json", '{"note": 3}'], "note: expected a string or null"),
        (["reply", "x", "--templates", "/no/such/dir"], "/no/such/dir: template directory not found"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)


def test_reply_template_layers_from_environment_and_command_line(tmp_path: Path) -> None:
    env_dir, cli_dir = tmp_path / "env", tmp_path / "cli"
    for d, text in ((env_dir, "ENV {{ to_first_name }}"), (cli_dir, "CLI {{ to_first_name }}")):
        (d / "en").mkdir(parents=True)
        (d / "en" / "accept.txt.j2").write_text(text)
    (env_dir / "en" / "ask_back.txt.j2").write_text("ENV ASK")
    env = {"KONTAKTFILTER_REPLY_TEMPLATE_DIRS": json.dumps([str(env_dir)])}
    args = [
        "reply",
        "Hi, let's connect!",
        "--name",
        "Tom Weber",
        "--lang",
        "en",
    ]  # a collector: no specific template
    assert runner.invoke(app, [*args, "--action", "accept"], env=env).stdout == "ENV Tom\n"
    assert (
        runner.invoke(app, [*args, "--action", "accept", "--templates", str(cli_dir)], env=env).stdout
        == "CLI Tom\n"
    )
    assert (
        runner.invoke(app, [*args, "--action", "ask_back", "--templates", str(cli_dir)], env=env).stdout
        == "ENV ASK\n"
    )


def test_policy_page_to_stdout_and_to_a_directory(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy-page", "--lang", "en", "--name", "<b>Jana</b>"])
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout.startswith('<!doctype html>\n<html lang="en">')
        and "&lt;b&gt;Jana&lt;/b&gt;" in result.stdout
    )
    page = tmp_path / "page.toml"
    page.write_text(
        'name = "Jana Berg"\n[[contact]]\nlabel = "E-Mail"\ntext = "jana@example.org"\nhref = "mailto:jana@example.org"\n'
    )
    result = runner.invoke(app, ["policy-page", "--out", str(tmp_path / "site"), "--page", str(page)])
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html and 'href="mailto:jana@example.org"' in html
    bad = runner.invoke(app, ["policy-page", "--policy", str(tmp_path / "missing.toml")])
    assert bad.exit_code == 2 and "policy file not found" in bad.stderr


def test_coach_json_prints_exactly_the_documented_shape(tmp_path: Path) -> None:
    profile = tmp_path / "jana.json"
    profile.write_text(
        json.dumps({"name": "Jana Berg", "headline": "Energieberaterin", "mutual_contacts": ["Anna Schmidt"]})
    )
    result = runner.invoke(app, ["coach", PITCH, "--to", str(profile), "--json", "--account", "free"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["score", "category", "action", "findings"]
    assert data["category"] == "sales_pitch" and data["action"] == "ignore"
    assert all(list(f) == ["code", "message", "suggestion"] for f in data["findings"])
    assert "pitch" in [f["code"] for f in data["findings"]]


def test_coach_human_output_reads_stdin_and_names_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["coach", "-", "--platform", "xing"], input="Hi, let's connect!")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Score: ") and "[generic] (problem)" in result.stdout
    assert "/600 characters" in result.stdout
    me = tmp_path / "me.json"
    me.write_text('{"name": "Tom", "mutual_contacts": "many"}')
    bad_profile = tmp_path / "to.json"
    bad_profile.write_text('{"name": "Jana", "interests": "x", "partnership": "yes"}')
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": ')
    for args, message in [
        (["coach", "x", "--from", str(me)], f"{me}: mutual_contacts: expected an integer"),
        (
            ["coach", "x", "--to", str(bad_profile)],
            f"{bad_profile}: partnership: expected true, false or null",
        ),
        (["coach", "x", "--to", str(broken)], f"{broken}:1: not valid JSON"),
        (["coach", "x", "--to", str(tmp_path / "none.json")], "none.json: no such file"),
        (["coach", "x", "--account", "gold"], "--account: unknown account 'gold'"),
        (["coach", "x", "--platform", "myspace"], "--platform: unknown platform 'myspace'"),
        (["coach", "x", "--limit", "0"], "--limit: must be positive"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    limited = runner.invoke(
        app,
        ["coach", "Hallo Jana, wir haben uns gestern beim Stammtisch getroffen!", "--limit", "20", "--json"],
    )
    assert "too_long" in [f["code"] for f in json.loads(limited.stdout)["findings"]]


def test_sent_prints_the_report_and_json(export_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["sent", str(export_dir), "--as-of", "2026-03-01"])
    assert result.exit_code == 0, result.stderr
    assert "Sent invitations (2026-03-01)" in result.stdout and "Clara Weiß" in result.stdout
    assert "Invitations.csv:12: Sent At" in result.stderr
    data = json.loads(runner.invoke(app, ["sent", str(export_dir), "--as-of", "2026-03-01", "--json"]).stdout)
    assert data["with_note"] == {"sent": 6, "accepted": 2, "rate": 0.3333}
    de = runner.invoke(app, ["sent", str(export_dir), "--as-of", "2026-03-01", "--lang", "de"])
    assert "Gesendete Einladungen" in de.stdout
    for args, message in [
        (["sent", str(tmp_path)], "not a LinkedIn data export"),
        (["sent", str(export_dir), "--as-of", "soon"], "--as-of: not a date"),
        (["sent", str(export_dir), "--pending-days", "0"], "--pending-days must be at least 1"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)


def test_reply_takes_the_same_request_options_as_explain() -> None:
    # Both commands declare their request options once (cli/_common.py), so the profile options of
    # `explain` reach `reply`'s screening too: a photo-less mass profile with hidden contacts and
    # no mutual contacts scores lower than the same note alone.
    import re

    note = "Hello, I would like to add you to my network."
    poor = ["--connections", "12000", "--no-photo", "--hidden-contacts", "--mutual", "0"]
    explained = runner.invoke(app, ["explain", note, "--lang", "en", *poor])
    assert explained.exit_code == 0, explained.stderr
    for signal in ("mass_connector", "no_photo", "hidden_contacts", "no_mutual_contacts"):
        assert signal in explained.stdout, signal
    scores = []
    for extra in ([], poor):
        result = runner.invoke(app, ["reply", note, "--lang", "en", *extra])
        assert result.exit_code == 0, result.stderr
        found = re.search(r"score (\d+)", result.stderr)
        assert found, result.stderr
        scores.append(int(found.group(1)))
    assert scores[1] < scores[0], scores
