"""The networking-policy page: derived from the user's policy, accessible, and safe with hostile input."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from kontaktfilter.policy import Policy, merge_policy
from kontaktfilter.policy import _default_mapping as default_mapping
from kontaktfilter.policy_page import (
    Contact,
    PageConfig,
    PolicyPageError,
    page_model,
    render_policy_page,
    safe_href,
    write_policy_page,
)

TODAY = date(2026, 11, 23)
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "p", "main", "section", "h2", "h3",
    "ul", "li", "a", "footer", "time",
}  # fmt: skip


class _Doc(HTMLParser):
    """Collects tags, attributes, headings and text, the way an accessibility check reads a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2", "h3"):
            self.headings.append(int(tag[1]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)


def _parse(html: str) -> _Doc:
    doc = _Doc()
    doc.feed(html)
    doc.close()
    return doc


def _policy(user: dict[str, Any]) -> Policy:
    return Policy.from_mapping(merge_policy(default_mapping(), user), "<test>")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_default_page_is_complete_and_accessible(lang: str) -> None:
    html = render_policy_page(Policy.default(), lang, today=TODAY)
    doc = _parse(html)
    assert html.startswith('<!doctype html>\n<html lang="' + lang + '">')
    assert {t for t, _ in doc.tags} <= ALLOWED_TAGS
    assert doc.headings[0] == 1 and doc.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(doc.headings, doc.headings[1:], strict=False))  # no skipped levels
    ids = {a["id"] for _, a in doc.tags if a.get("id")}
    labelled = [a["aria-labelledby"] for t, a in doc.tags if t == "section"]
    assert labelled and all(x in ids for x in labelled)
    metas = [a for t, a in doc.tags if t == "meta"]
    assert any(m.get("name") == "viewport" for m in metas)
    assert any(m.get("http-equiv") == "Content-Security-Policy" for m in metas)
    text = " ".join(doc.text)
    assert "300" in text  # LinkedIn's limit, from the core
    assert "2026-11-23" in text
    if lang == "de":
        for heading in ("Diese Anfragen nehme ich gern an", "Hier frage ich erst nach", "Diese Anfragen ignoriere ich",
                        "Diese Anfragen blockiere und melde ich", "Was eine gute Anfrage enthält",
                        "So erreichen Sie mich stattdessen"):  # fmt: skip
            assert heading in text
    else:
        for heading in ("Requests I am glad to accept", "Where I ask back first", "Requests I ignore",
                        "Requests I block and report", "What a good invitation contains", "How to reach me instead"):  # fmt: skip
            assert heading in text


def test_page_follows_the_users_own_policy() -> None:
    user = {
        "categories": {"recruiter": "ignore", "collector_generic": "suggest_follow"},
        "disabled_rules": ["specific_recruiter", "follower_not_contact"],
        "rules": [
            {
                "name": "known_people_only",
                "category": "relevant_business",
                "max_score": 50,
                "action": "ask_back",
            }
        ],
    }
    model = page_model(_policy(user), "en", today=TODAY)
    assert "recruiter" in model.by_action["ignore"]
    assert model.by_action["suggest_follow"] == ("collector_generic",)
    assert [r.action for r in model.rules] == ["block_report", "ask_back", "ignore"]  # forced rules first
    html = render_policy_page(_policy(user), "en", today=TODAY)
    assert (
        "Professional requests: I ask back first when they score at most 50 out of 100 in my assessment."
        in html
    )
    assert "Recruiting requests: I accept them" not in html
    assert "Where I suggest following me instead" in html


def test_a_rule_that_only_restates_a_category_default_is_left_out() -> None:
    model = page_model(Policy.default(), "de", today=TODAY)
    assert all(r.categories != ("scam",) for r in model.rules)  # scam_blocked adds nothing to "scam -> block"


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_input_is_escaped_everywhere() -> None:
    user = {
        "rules": [
            {"name": HOSTILE, "category": "scam", "signal": [HOSTILE, "no_note"], "action": "ignore"},
        ]
    }
    config = PageConfig.from_mapping(
        {
            "name": HOSTILE,
            "intro": f"Hallo {HOSTILE}\n\n<a href='javascript:alert(1)'>klick</a>",
            "contact": [
                {"label": HOSTILE, "text": '"><script>alert(2)</script>', "href": "javascript:alert(1)"},
                {"label": "Data", "text": "x", "href": "data:text/html,<script>alert(3)</script>"},
                {"label": "Quote", "text": "y", "href": 'https://ok.example/" onmouseover="alert(4)'},
                {"label": "Mail", "text": "jana@example.org", "href": "mailto:jana@example.org"},
                {"label": "Web", "text": "jana.example", "href": "https://jana.example/?a=1&b=<2>"},
            ],
        }
    )
    for lang in ("de", "en"):
        html = render_policy_page(_policy(user), lang, config, today=TODAY)
        doc = _parse(html)
        assert {t for t, _ in doc.tags} <= ALLOWED_TAGS  # no script, img or anything injected
        assert not any(k.startswith("on") for _, attrs in doc.tags for k in attrs)
        hrefs = [a["href"] for t, a in doc.tags if t == "a"]
        assert hrefs == ["mailto:jana@example.org"]  # every other link was refused (the last has "<")
        assert "&lt;script&gt;" in html and "<script" not in html
        text = " ".join(doc.text)
        assert HOSTILE in text  # shown as text, not markup
        assert text.count("alert(") >= 3


@pytest.mark.parametrize(
    ("href", "ok"),
    [
        ("https://jana.example/kontakt", True),
        ("http://jana.example", True),
        ("mailto:jana@example.org", True),
        ("  https://jana.example  ", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,x", False),
        ("//evil.example", False),
        ("/relative", False),
        ('https://x.example/"onclick=x', False),
        ("mailto:no-at-sign", False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_and_mailto_links_survive(href: str | None, ok: bool) -> None:
    assert (safe_href(href) is not None) is ok


def test_page_file_errors_name_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "page.toml"
    bad.write_text('name = "Jana"\n[[contact]]\nlabel = "E-Mail"\n', encoding="utf-8")
    with pytest.raises(PolicyPageError, match=r"page\.toml: contact\.0\.text: Field required"):
        PageConfig.load(bad)
    bad.write_text("name = [", encoding="utf-8")
    with pytest.raises(PolicyPageError, match="not valid TOML"):
        PageConfig.load(bad)
    with pytest.raises(PolicyPageError, match="page file not found"):
        PageConfig.load(tmp_path / "missing.toml")
    good = tmp_path / "good.toml"
    good.write_text(
        'name = "Jana Berg"\n[[contact]]\nlabel = "Web"\ntext = "jana.example"\nhref = "https://jana.example"\n'
    )
    assert PageConfig.load(good) == PageConfig(
        name="Jana Berg", contacts=(Contact("Web", "jana.example", "https://jana.example"),)
    )


def test_unknown_language_and_output_paths(tmp_path: Path) -> None:
    with pytest.raises(PolicyPageError, match="unknown language"):
        render_policy_page(Policy.default(), "fr")
    target = write_policy_page(tmp_path / "site" / "de", "<!doctype html>")
    assert target == tmp_path / "site" / "de" / "index.html" and target.read_text() == "<!doctype html>"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PolicyPageError, match="not a directory"):
        write_policy_page(blocker, "x")


def test_page_templates_can_be_overridden(tmp_path: Path) -> None:
    (tmp_path / "en.html.j2").write_text(
        '{% extends "_layout.html.j2" %}{% block heading %}Mine {{ page.name }}{% endblock %}'
    )
    html = render_policy_page(Policy.default(), "en", PageConfig(name="<b>"), template_dirs=(tmp_path,))
    assert "<h1>Mine &lt;b&gt;</h1>" in html
