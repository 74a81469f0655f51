"""The web app in a real browser (Debian's chromium, headless, through Playwright): hostile request text
executes nowhere and breaks no layout, keyboard triage with undo, copying a draft, the charts, phone
width, focus, labels and the German interface. Screenshots go to test-artifacts/web/."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kontaktfilter.store.models import Decision, Request

from .conftest import PASSWORD, LiveServer

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

HOSTILE = [
    {
        "id": "xss-1",
        "platform": "linkedin",
        "note": "<script>window.__pwned='note';alert('note')</script> Hallo, wir kennen uns vom Barcamp.",
        "received_at": "2026-11-20T10:00:00+01:00",
        "sender": {
            "name": "<img src=x onerror=\"window.__pwned='name';alert('name')\">",
            "headline": "<svg onload=\"alert('headline')\"></svg><b>bold</b>",
            "company": '"><script>alert("company")</script>',
            "job_title": "{{ 7*7 }} {% raw %}",
            "profile_url": "javascript:alert('url')",
        },
    },
    {
        "id": "<script>alert('id')</script>",
        "platform": "xing",
        "note": "Klick <a href=\"javascript:alert('link')\">hier</a> für 30 Leads im Monat! javascript:alert(1)",
        "received_at": "2026-11-19T10:00:00+01:00",
        "sender": {
            "name": "\u202eyrollaM\u202c Mallory \u2066RTL\u2069",
            "profile_url": 'https://example.com/"onmouseover="alert(1)',
        },
    },
    {
        "id": "xss/../3?x=1#y",
        "note": "\u202e" + "Guaranteed crypto profit, write me on WhatsApp " * 4,
        "received_at": "2026-11-18T10:00:00+01:00",
        "sender": {"name": "A" * 300, "headline": "B" * 600},
    },
    {
        "id": "xss-4",
        "note": "<iframe src=\"javascript:alert('iframe')\"></iframe><style>body{display:none}</style><meta http-equiv=refresh content=0;url=https://evil.example>",
        "received_at": "2026-11-17T10:00:00+01:00",
        "sender": {
            "name": "Robert'); DROP TABLE people;--",
            "headline": "\u202e\u2067 mixed \u05e9\u05dc\u05d5\u05dd",
        },
    },
]


@dataclass
class Watched:
    """A page with every dialog, console error and page error it produced."""

    page: Any
    base: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")

    def settled(self) -> None:
        """Wait until htmx has swapped and settled (it binds new elements only after settling)."""
        # wait_for_function evaluates a string, which the app's CSP (rightly) forbids: poll instead.
        busy = "!!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        for _ in range(200):
            if not self.page.evaluate(busy):
                break
            self.page.wait_for_timeout(25)
        self.page.wait_for_timeout(50)

    def assert_clean(self, where: str) -> None:
        assert self.dialogs == [], f"{where}: a dialog opened: {self.dialogs}"
        assert self.errors == [], f"{where}: console or page errors: {self.errors}"
        assert self.page.evaluate("window.__pwned === undefined"), where
        scripts = self.page.evaluate("Array.from(document.scripts).map(s => s.getAttribute('src'))")
        assert all(s and s.startswith("/static/") for s in scripts), f"{where}: unexpected script {scripts}"
        assert self.page.locator("img, iframe, object, embed").count() == 0, where
        assert self.page.locator("a[href^='javascript:' i]").count() == 0, where

    def assert_layout(self, where: str) -> None:
        # Nothing wider than the viewport (no sideways scrolling), and the page is still visible.
        wide = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 1, f"{where}: page is {wide}px wider than the viewport"
        assert self.page.locator("main").is_visible(), where


@pytest.fixture
def watched(browser: Any, live_server: LiveServer) -> Iterator[Watched]:
    live_server.app.state.services.accounts.set_password(PASSWORD)
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    w = Watched(page, live_server.url)

    def on_dialog(dialog: Any) -> None:
        w.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: w.errors.append(str(e)))
    w.goto("/")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    yield w
    context.close()


def upload(w: Watched, path: Path) -> None:
    w.goto("/import")
    w.page.set_input_files("#file", str(path))
    w.page.click("form[data-upload] button[type=submit]")
    w.page.wait_for_selector("#job h2:has-text('Import finished')", timeout=60_000)


def detail_paths(w: Watched, query: str = "?state=all") -> list[str]:
    w.goto("/" + query)
    return list(w.page.eval_on_selector_all("li.item", "els => els.map(e => e.dataset.href)"))


def test_hostile_text_executes_nowhere(
    watched: Watched, tmp_path: Path, artifacts: Callable[[str], Path]
) -> None:
    evil = tmp_path / "hostile.jsonl"
    evil.write_text("\n".join(json.dumps(o) for o in HOSTILE) + "\n", encoding="utf-8")
    w = watched
    upload(w, evil)
    w.assert_clean("import summary")
    w.page.screenshot(path=str(artifacts("xss-import.png")), full_page=True)

    paths = detail_paths(w)
    assert len(paths) == len(HOSTILE)
    pages = ["/", "/?state=all", "/?q=%3Cscript%3E", "/stats", "/import", "/settings", *paths]
    for viewport in (DESKTOP, PHONE):
        w.page.set_viewport_size(viewport)
        for path in pages:
            w.goto(path)
            w.assert_clean(path)
            w.assert_layout(f"{path} at {viewport['width']}px")
    w.page.set_viewport_size(DESKTOP)

    # The text is shown literally, not interpreted.
    w.goto("/?state=all")
    assert w.page.get_by_text("<img src=x onerror=", exact=False).count() >= 1
    # An RTL override inside a name stays inside it: the badge after the name is still to its right.
    row = w.page.locator("li.item", has_text="Mallory")
    who, badge = row.locator("a.who").bounding_box(), row.locator(".badge").bounding_box()
    assert who is not None and badge is not None
    assert badge["x"] >= who["x"] + who["width"] - 1
    w.page.screenshot(path=str(artifacts("xss-inbox.png")), full_page=True)

    # Every detail page, its reply drafts for every action, and deciding with the keyboard.
    for path in paths:
        w.goto(path)
        for action in ("accept", "ask_back", "suggest_follow", "ignore", "block_report"):
            with w.page.expect_response(lambda r: "/draft?" in r.url):
                w.page.select_option("#draft-action", action)
            w.page.wait_for_selector(f"#draft-action option[value={action}][selected]", state="attached")
            w.settled()
        # Keys typed into a focused select would pick an option, not decide.
        w.page.locator("h1").click()
        w.page.keyboard.press("i")
        w.page.wait_for_selector("#decision:has-text('Current decision')")
        w.assert_clean(path)
    w.page.screenshot(path=str(artifacts("xss-detail.png")), full_page=True)
    w.page.set_viewport_size(PHONE)
    w.page.screenshot(path=str(artifacts("xss-detail-phone.png")), full_page=True)
    # The profile link that was javascript: is plain text; the quoted one too.
    w.goto("/requests/xss-1")
    assert w.page.locator("dd", has_text="javascript:alert('url')").count() == 1


def decisions(live_server: LiveServer) -> list[tuple[str, str]]:
    with live_server.app.state.services.store.session() as s:
        rows = s.execute(select(Request.public_id, Decision.action).join(Request).order_by(Decision.id)).all()
    return [(r, a) for r, a in rows]


def selected_id(w: Watched) -> str:
    return str(w.page.get_attribute("li.item.selected", "data-id"))


def test_keyboard_triage_copy_undo_and_charts(
    watched: Watched, live_server: LiveServer, demo_zip: Path, artifacts: Callable[[str], Path]
) -> None:
    w = watched
    upload(w, demo_zip)
    w.page.screenshot(path=str(artifacts("import-demo.png")), full_page=True)
    w.goto("/")
    rows = w.page.locator("li.item").count()
    assert rows >= 5
    w.page.screenshot(path=str(artifacts("inbox.png")))

    # Three requests triaged without the mouse: j to move, a/q/i to decide.
    w.page.keyboard.press("j")
    first = selected_id(w)
    w.page.keyboard.press("a")
    w.page.wait_for_selector(f"li.item[data-id='{first}']", state="detached")
    w.page.wait_for_selector("#undo-region button[data-undo]")
    second = selected_id(w)
    w.page.keyboard.press("q")
    w.page.wait_for_selector(f"li.item[data-id='{second}']", state="detached")
    w.page.keyboard.press("k")
    third = selected_id(w)
    w.page.keyboard.press("i")
    w.page.wait_for_selector(f"li.item[data-id='{third}']", state="detached")
    assert decisions(live_server) == [(first, "accept"), (second, "ask_back"), (third, "ignore")]
    assert w.page.locator("li.item").count() == rows - 3
    assert w.page.inner_text("#inbox-count") == f"{rows - 3} requests"
    w.page.screenshot(path=str(artifacts("inbox-triaged.png")))

    # u undoes the last decision; the request comes back into the list.
    w.page.keyboard.press("u")
    w.page.wait_for_selector(f"li.item[data-id='{third}']")
    assert decisions(live_server) == [(first, "accept"), (second, "ask_back")]
    assert w.page.locator("li.item").count() == rows - 2

    # / searches, ? shows the help.
    w.page.keyboard.press("/")
    assert w.page.evaluate("document.activeElement.id") == "search"
    w.page.keyboard.press("Escape")
    w.page.keyboard.press("?")
    assert w.page.locator("dialog#help").is_visible()
    w.page.screenshot(path=str(artifacts("help.png")))
    w.page.keyboard.press("Escape")
    assert not w.page.locator("dialog#help").is_visible()

    # Enter opens the selected request; c copies the reply draft.
    w.page.locator("li.item.selected").focus()
    w.page.keyboard.press("Enter")
    w.page.wait_for_url("**/requests/**")
    w.page.keyboard.press("c")
    w.page.wait_for_selector("#status:has-text('Copied')")
    draft = w.page.input_value("#draft-text")
    assert draft.strip() and w.page.evaluate("navigator.clipboard.readText()") == draft
    w.page.screenshot(path=str(artifacts("detail.png")), full_page=True)
    # Decide on the detail page and undo with the keyboard.
    w.page.keyboard.press("f")
    w.page.wait_for_selector("#decision:has-text('Current decision: Offer to follow')")
    w.page.keyboard.press("u")
    w.page.wait_for_selector("#decision:has-text('Not decided yet.')")
    w.assert_clean("triage")

    # The statistics page draws its charts.
    w.goto("/stats")
    for chart in ("#chart-weeks", "#chart-no-note", "#chart-pitch", "#chart-sent"):
        assert w.page.locator(f"{chart} rect.bar").count() > 0, chart
        box = w.page.locator(chart).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 40, chart
    w.page.screenshot(path=str(artifacts("stats.png")), full_page=True)
    w.page.set_viewport_size(PHONE)
    w.assert_layout("stats at phone width")
    w.page.screenshot(path=str(artifacts("stats-phone.png")), full_page=True)
    w.goto("/")
    w.assert_layout("inbox at phone width")
    w.page.screenshot(path=str(artifacts("inbox-phone.png")))
    w.assert_clean("stats")


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden' && !el.hidden && el.offsetParent !== null)
  .filter(el => {
    const name = (el.getAttribute('aria-label') || '').trim()
      || (el.labels && Array.from(el.labels).map(l => l.textContent).join('').trim())
      || (el.getAttribute('aria-labelledby') || '').trim()
      || (el.tagName === 'BUTTON' ? el.textContent.trim() : '');
    return !name;
  }).map(el => el.outerHTML.slice(0, 120))"""


def test_labels_focus_and_german(
    watched: Watched, live_server: LiveServer, demo_zip: Path, artifacts: Callable[[str], Path]
) -> None:
    w = watched
    upload(w, demo_zip)
    first = detail_paths(w, "")[0]
    for path in ("/", first, "/import", "/stats", "/settings"):
        w.goto(path)
        assert w.page.evaluate(UNLABELLED) == [], path
        assert w.page.locator("h1").count() == 1, path
    # Keyboard focus is visible: a clear outline on the focused control.
    w.goto("/")
    w.page.keyboard.press("Tab")
    w.page.keyboard.press("Tab")
    outline = w.page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] != "none" and outline[1] >= 2
    # The German interface.
    w.page.click("button[name=lang][value=de]")
    w.page.wait_for_selector("html[lang=de]")
    assert w.page.locator("nav a[aria-current=page]").inner_text() == "Posteingang"
    w.page.screenshot(path=str(artifacts("inbox-de.png")))
    w.goto(first)
    assert w.page.locator("h2#h-draft").inner_text() == "Antwortentwurf"
    w.page.screenshot(path=str(artifacts("detail-de.png")), full_page=True)
    w.goto("/stats")
    w.page.screenshot(path=str(artifacts("stats-de.png")), full_page=True)
    w.assert_clean("german")
