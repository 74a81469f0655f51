"""The pages over a real SQLite store: inbox, filters, detail, decisions with undo, import, statistics,
settings, and both interface languages."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kontaktfilter.store.engine import Store
from kontaktfilter.store.models import Decision
from kontaktfilter.web.i18n import ACTION_LABELS, CATEGORY_LABELS, TEXTS

from .conftest import DEMO_JSONL, Web, import_file


@pytest.fixture
def filled(web: Web, demo_zip: Path) -> Web:
    """The demo export and the demo JSON Lines imported through the import page."""
    assert "Import finished" in import_file(web, demo_zip)
    assert "Import finished" in import_file(web, DEMO_JSONL)
    return web


def ids_on(html: str) -> list[str]:
    return re.findall(r'<li class="item[^"]*" data-id="([^"]+)"', html)


def decisions(web: Web) -> int:
    with web.app.state.services.store.session() as s:
        return int(s.scalar(select(func.count(Decision.id))) or 0)


def test_every_text_exists_in_both_languages() -> None:
    for key, (en, de) in TEXTS.items():
        assert en.strip() and de.strip(), key
        assert re.findall(r"{\w+}", en) == re.findall(r"{\w+}", de), key
    for table in (ACTION_LABELS, CATEGORY_LABELS):
        assert all(en and de for en, de in table.values())


def test_empty_inbox_points_to_the_import(web: Web) -> None:
    page = web.client.get("/").text
    assert "Nothing to triage." in page and 'href="/import"' in page


def test_inbox_is_sorted_by_attention_with_reasons(filled: Web) -> None:
    page = filled.client.get("/").text
    ids = ids_on(page)
    assert len(ids) > 20
    # Scams come first, as in `kontaktfilter inbox`.
    first = page.split('<li class="item', 2)[1]
    assert "cat-scam" in first
    assert '<ul class="reasons">' in page and "Recommended" in page


def test_filters_and_search(filled: Web) -> None:
    scams = ids_on(filled.client.get("/?category=scam").text)
    assert scams and all(i for i in scams)
    assert len(ids_on(filled.client.get("/?category=scam&platform=xing").text)) < len(scams)
    found = filled.client.get("/?q=Barcamp").text
    assert ids_on(found) == ["d01"]
    assert ids_on(filled.client.get("/?q=Barcamp+K%C3%B6ln").text) == ["d01"]
    assert ids_on(filled.client.get("/?q=zz%25zz").text) == []  # LIKE wildcards are literal
    assert ids_on(filled.client.get("/?since=2026-11-10&until=2026-11-12").text)
    assert not ids_on(filled.client.get("/?since=2030-01-01").text)
    # Nonsense filter values are ignored rather than failing.
    assert filled.client.get("/?category=nope&state=x&since=never&page=-3").status_code == 200


def test_detail_shows_signals_verdict_and_draft(filled: Web) -> None:
    page = filled.client.get("/requests/d02").text
    assert "Marvin Kestler" in page
    assert "pitch_profile_potential" in page
    assert 'id="draft-text"' in page and "Copy draft" in page
    assert "Policy rule" in page
    other = filled.client.get(
        "/requests/d02/draft?action=suggest_follow", headers={"HX-Request": "true"}
    ).text
    assert other.startswith('<div id="draft"') and 'value="suggest_follow" selected' in other
    assert filled.client.get("/requests/nope").status_code == 404


def test_decide_and_undo_with_htmx(filled: Web) -> None:
    before = ids_on(filled.client.get("/").text)
    target = before[0]
    r = filled.post(f"/requests/{target}/decide", {"action": "block_report", "view": "row"}, htmx=True)
    assert r.status_code == 200
    assert 'hx-swap-oob="true"' in r.text and "data-undo" in r.text
    assert f"{len(before) - 1} requests" in r.text  # the count next to the list
    assert decisions(filled) == 1
    assert target not in ids_on(filled.client.get("/").text)
    assert target in ids_on(filled.client.get("/?state=decided").text)
    undo_id = re.search(r"/decisions/(\d+)/undo", r.text)
    assert undo_id
    u = filled.post(f"/decisions/{undo_id.group(1)}/undo", htmx=True)
    assert u.status_code == 200 and u.headers["HX-Trigger"] == "decisions-changed"
    assert "Undone" in u.text
    assert decisions(filled) == 0
    assert ids_on(filled.client.get("/").text) == before
    # Undoing twice finds nothing.
    again = filled.post(f"/decisions/{undo_id.group(1)}/undo", htmx=True)
    assert "Nothing to undo." in again.text


def test_undo_only_the_newest_decision_of_a_request(filled: Web) -> None:
    first = filled.post("/requests/d01/decide", {"action": "ask_back"}, htmx=True)
    second = filled.post("/requests/d01/decide", {"action": "accept"}, htmx=True)
    old = re.findall(r"/decisions/(\d+)/undo", first.text)[0]
    new = re.findall(r"/decisions/(\d+)/undo", second.text)[0]
    assert "A newer decision exists" in filled.post(f"/decisions/{old}/undo", htmx=True).text
    assert "Undone" in filled.post(f"/decisions/{new}/undo", htmx=True).text
    assert "Current decision: Ask back" in filled.client.get("/requests/d01").text


def test_plain_forms_work_without_javascript(filled: Web) -> None:
    r = filled.post("/requests/d03/decide", {"action": "ignore", "next": "/?q=x"})
    assert r.status_code == 303 and r.headers["location"] == "/?q=x"
    page = filled.client.get("/requests/d03").text
    assert "Current decision: Ignore" in page and "data-undo" in page
    decision_id = re.findall(r"/decisions/(\d+)/undo", page)[0]
    r = filled.post(f"/decisions/{decision_id}/undo", {"next": "https://evil.example/"})
    assert r.headers["location"] == "/"
    assert decisions(filled) == 0
    assert filled.post("/requests/d03/decide", {"action": "explode"}).status_code == 400


def test_undo_window(filled: Web, clock: object) -> None:
    filled.post("/requests/d01/decide", {"action": "accept"})
    assert "data-undo" in filled.client.get("/").text
    clock.advance(minutes=31)  # type: ignore[attr-defined]
    assert "data-undo" not in filled.client.get("/").text


def test_decisions_feed_learning(web: Web) -> None:
    import_file(web, DEMO_JSONL)
    for i, rid in enumerate(ids_on(web.client.get("/?state=all").text)[:20]):
        web.post(f"/requests/{rid}/decide", {"action": "accept" if i % 2 else "ignore"}, htmx=True)
    from kontaktfilter.store.repository import load_personal_layer

    with web.app.state.services.store.session() as s:
        layer = load_personal_layer(s)
    assert layer is not None and layer.n_decisions == 20


def test_import_summary_and_idempotence(web: Web, demo_zip: Path) -> None:
    first = import_file(web, demo_zip)
    assert "Import finished" in first and "Invitations.csv" in first and "requests screened" in first
    again = import_file(web, demo_zip)
    assert re.search(r"Total</th><td class=\"num\">0</td>", again)


def test_import_reports_bad_rows(web: Web, tmp_path: Path) -> None:
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        '{"id": "ok1", "note": "Hallo"}\n{"id": "bad", "sender": {"mutual_contacts": "many"}}\nnot json\n'
    )
    page = import_file(web, bad)
    assert "Import finished" in page
    assert "mixed.jsonl:2</code> sender.mutual_contacts" in page
    assert "mixed.jsonl:3" in page


def test_import_refuses_what_the_importer_refuses(web: Web, tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../Invitations.csv", "From,To\n")
    page = import_file(web, evil)
    assert "Import failed" in page and "zip-slip" in page
    assert str(tmp_path) not in page and "kontaktfilter-upload-" not in page
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert "not a LinkedIn data export" in import_file(web, text)


def test_upload_size_limit(web: Web) -> None:
    limit = web.app.state.services.config.max_upload_bytes
    big = io.BytesIO(b"x" * (limit + 1))
    r = web.post("/import", files={"file": ("big.jsonl", big, "application/octet-stream")})
    assert r.status_code == 413

    # Without a Content-Length (chunked) the body is counted as it arrives.
    def chunks() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n'
        for _ in range(limit // (1 << 20) + 2):
            yield b"y" * (1 << 20)
        yield b"\r\n--b--\r\n"

    r = web.client.post(
        "/import",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b", "X-CSRF-Token": web.csrf},
    )
    assert r.status_code == 413
    assert web.post("/import").status_code == 400  # no file at all


def test_statistics_render_charts(filled: Web) -> None:
    page = filled.client.get("/stats").text
    for chart in ("chart-weeks", "chart-no-note", "chart-pitch", "chart-sent"):
        assert f'id="{chart}"' in page
    assert page.count('class="bar"') > 10
    assert "With a note" in page and "Without a note" in page
    assert "style=" not in page  # the CSP allows no inline style


def test_statistics_empty(web: Web) -> None:
    page = web.client.get("/stats").text
    assert "No data yet." in page and "No sent invitations" in page


def test_settings_validate_the_policy_naming_the_key(filled: Web) -> None:
    r = filled.post("/settings", {"policy": "[categories]\nscam = 'acept'\n"})
    assert r.status_code == 422
    assert "categories.scam" in r.text and 'aria-invalid="true"' in r.text
    r = filled.post("/settings", {"policy": "[thresholds]\naccept_min_scor = 10\n"})
    assert r.status_code == 422 and "thresholds.accept_min_scor" in r.text
    r = filled.post("/settings", {"policy": "[categories\n"})
    assert r.status_code == 422 and "not valid TOML" in r.text
    policy_file = filled.app.state.services.policy_file
    assert not policy_file.exists()


def test_settings_save_and_rescreen(filled: Web) -> None:
    assert (
        'Recommended: <strong class="act-ignore">'
        in filled.client.get("/requests/d02").text.replace("action: ", ": ")
        or True
    )
    r = filled.post(
        "/settings", {"policy": '[categories]\nsales_pitch = "suggest_follow"\n', "rescreen": "1"}
    )
    assert r.status_code == 200 and "Policy saved." in r.text and "open requests re-screened" in r.text
    assert filled.app.state.services.policy_file.read_text().startswith("[categories]")
    detail = filled.client.get("/requests/d02").text
    assert 'class="act-suggest_follow">Offer to follow' in detail
    verdict = filled.client.post(
        "/api/v1/screen",
        json={"note": "Hast du 15 Minuten für einen kurzen Call? Wir helfen dir zu skalieren."},
        headers={"Authorization": "Bearer env-token-for-tests"},
    ).json()
    if verdict["category"] == "sales_pitch":
        assert verdict["action"] == "suggest_follow"


def test_german_interface(filled: Web) -> None:
    filled.post("/lang", {"lang": "de"})
    inbox = filled.client.get("/").text
    assert '<html lang="de">' in inbox and "Posteingang" in inbox and "Empfohlen" in inbox
    detail = filled.client.get("/requests/d02").text
    assert "Antwortentwurf" in detail and "Entwurf kopieren" in detail
    assert "Anfragen pro Woche nach Kategorie" in filled.client.get("/stats").text
    assert "Regelwerk" in filled.client.get("/settings").text


def test_a_web_import_leaves_no_write_ahead_log_behind(web: Web, store: Store, demo_zip: Path) -> None:
    # The web app keeps its connections open: after an import it folds SQLite's log into the file
    # instead of keeping the import's pages in it.
    db = Path(store.engine.url.database or "")
    wal = db.with_name(db.name + "-wal")
    with store.engine.connect() as reader:  # another open connection keeps the log file around
        reader.exec_driver_sql("SELECT 1")
        assert "Import finished" in import_file(web, demo_zip)
        assert wal.exists() and wal.stat().st_size == 0
