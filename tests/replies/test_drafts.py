"""Reply drafts: every template in both languages and registers, register detection, layered overrides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kontaktfilter.model import Action, Category, ContactRequest, Platform, RecipientContext, SenderProfile
from kontaktfilter.replies import (
    LANGS,
    ReplyError,
    ReplyRenderer,
    ReplySettings,
    detect_register,
    draft_reply,
)
from kontaktfilter.replies._text import clean_block, clean_name, first_name
from kontaktfilter.screener import Screener
from kontaktfilter.signals import analyse

SETTINGS = ReplySettings(
    signature="Jana Berg\nEnergieberatung Berg",
    policy_url="https://jana.example/kontakt",
    profile_url="https://www.linkedin.com/in/jana-berg-demo",
)
NAMED = ContactRequest(
    id="n", platform=Platform.LINKEDIN, note="Hallo", sender=SenderProfile(name="Dr. Tom Weber")
)
ANONYMOUS = ContactRequest(id="a", platform=Platform.OTHER, note=None)
INFORMAL_DE = {"du", "dich", "dir", "dein", "deine", "deiner"}
FORMAL_DE = {"Sie", "Ihnen", "Ihre", "Ihr", "Ihrer"}


def _split(name: str) -> tuple[str, Action | None, Category | None]:
    lang, _, file = name.partition("/")
    stem = file.removesuffix(".txt.j2")
    act, _, cat = stem.partition(".")
    action = Action(act) if act in {a.value for a in Action} else None
    return lang, action, Category(cat) if cat else None


def _render(r: ReplyRenderer, name: str, req: ContactRequest, register: str) -> str:
    lang, action, category = _split(name)
    if action is None:
        assert name.endswith("follow_up.txt.j2"), name
        return r.follow_up(req.sender.name, 9, lang=lang, register=register)  # type: ignore[arg-type]
    draft = r.draft(
        req, action=action, category=category or Category.COLLECTOR_GENERIC, lang=lang, register=register
    )  # type: ignore[arg-type]
    assert draft.template == name
    return draft.text


def test_templates_cover_every_action_in_both_languages() -> None:
    names = ReplyRenderer().template_names()
    for lang in LANGS:
        for action in Action:
            assert f"{lang}/{action.value}.txt.j2" in names
        assert f"{lang}/follow_up.txt.j2" in names
    # Category-specific templates exist in both languages alike.
    per_lang = {lang: {n.split("/", 1)[1] for n in names if n.startswith(lang + "/")} for lang in LANGS}
    assert per_lang["de"] == per_lang["en"]


@pytest.mark.parametrize("name", ReplyRenderer().template_names())
@pytest.mark.parametrize("register", ["sie", "du"])
@pytest.mark.parametrize("req", [NAMED, ANONYMOUS], ids=["named", "anonymous"])
def test_every_template_renders_in_both_registers(name: str, register: str, req: ContactRequest) -> None:
    for settings in (SETTINGS, ReplySettings()):
        text = _render(ReplyRenderer(settings), name, req, register)
        lang = name.split("/")[0]
        assert text.strip() == text and "\n\n\n" not in text
        assert "None" not in text and "{{" not in text and "{%" not in text
        first, body = text.split("\n", 1)
        words = set(re.findall(r"\w+", body))
        if lang == "de":
            assert (
                first == ("Guten Tag Dr. Tom Weber," if register == "sie" else "Hallo Tom,")
                if req is NAMED
                else (first == ("Guten Tag," if register == "sie" else "Hallo,"))
            )
            if register == "sie":
                assert words & FORMAL_DE and not words & INFORMAL_DE, text
            else:
                assert words & INFORMAL_DE and not words & (FORMAL_DE - {"Ihr"}), text
        else:
            assert (
                first == ("Dear Dr. Tom Weber," if register == "sie" else "Hi Tom,")
                if req is NAMED
                else (first == ("Hello," if register == "sie" else "Hi,"))
            )
        if settings is SETTINGS:
            assert text.endswith("Jana Berg\nEnergieberatung Berg")
        else:
            assert "Jana" not in text


def test_signature_falls_back_to_own_name_and_links_appear_where_they_belong() -> None:
    req = ContactRequest(id="x", note=None, recipient=RecipientContext(name="Jana Berg"))
    r = ReplyRenderer(SETTINGS.model_copy(update={"signature": None}))
    ask = r.draft(req, action=Action.ASK_BACK, category=Category.COLLECTOR_GENERIC, lang="de", register="sie")
    assert ask.text.endswith("Jana Berg") and "https://jana.example/kontakt" in ask.text
    follow = r.draft(
        req, action=Action.SUGGEST_FOLLOW, category=Category.COLLECTOR_GENERIC, lang="en", register="du"
    )
    assert "https://www.linkedin.com/in/jana-berg-demo" in follow.text
    plain = ReplyRenderer().draft(
        req, action=Action.ASK_BACK, category=Category.RECRUITER, lang="de", register="du"
    )
    assert "http" not in plain.text


def test_most_specific_template_wins() -> None:
    r = ReplyRenderer()
    assert r.resolve("de", Action.IGNORE, Category.SALES_PITCH) == "de/ignore.sales_pitch.txt.j2"
    assert r.resolve("de", Action.IGNORE, Category.SCAM) == "de/ignore.txt.j2"
    assert (
        r.resolve("en", Action.BLOCK_REPORT, Category.ROMANTIC_PRIVATE)
        == "en/block_report.romantic_private.txt.j2"
    )
    for lang in LANGS:
        for action in Action:
            for category in Category:
                assert r.resolve(lang, action, category).startswith(f"{lang}/{action.value}")


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Hey Jana, hast du Lust auf einen Kaffee nach dem Barcamp?", "du"),
        ("Guten Tag Frau Berg, ich habe Ihren Artikel gelesen und hätte eine Frage.", "sie"),
        ("Dear Ms Berg, I enjoyed your talk.", "sie"),
        ("Hi Jana, great talk yesterday!", "du"),
        ("Thanks for the talk.", None),
        (None, None),
    ],
)
def test_register_follows_how_the_sender_wrote(note: str | None, expected: str | None) -> None:
    assert detect_register(analyse(ContactRequest(id="r", note=note))) == expected


def test_register_precedence_explicit_then_settings_then_sender_then_language() -> None:
    du_note = ContactRequest(id="d", note="Hallo Jana, wie geht es dir? Wir haben uns gestern gesehen.")
    r = ReplyRenderer()
    draft = r.draft(du_note, action=Action.ACCEPT, category=Category.PERSONAL_KNOWN)
    assert (draft.lang, draft.register) == ("de", "du")
    assert (
        ReplyRenderer(ReplySettings(address="sie"))
        .draft(du_note, action=Action.ACCEPT, category=Category.PERSONAL_KNOWN)
        .register
        == "sie"
    )
    assert (
        r.draft(du_note, action=Action.ACCEPT, category=Category.PERSONAL_KNOWN, register="sie").register
        == "sie"
    )
    assert (
        r.draft(ANONYMOUS, action=Action.ACCEPT, category=Category.RELEVANT_BUSINESS, lang="de").register
        == "sie"
    )
    assert (
        r.draft(ANONYMOUS, action=Action.ACCEPT, category=Category.RELEVANT_BUSINESS, lang="en").register
        == "du"
    )
    assert (
        ReplyRenderer(ReplySettings(lang="en"))
        .draft(du_note, action=Action.ACCEPT, category=Category.PERSONAL_KNOWN)
        .lang
        == "en"
    )


def test_draft_from_a_real_verdict(screener: Screener) -> None:
    req = ContactRequest(
        id="p",
        platform=Platform.LINKEDIN,
        note="Hey, hast du 15 Minuten für einen kurzen Call? Wir helfen Coaches, mehr Kunden zu gewinnen.",
        sender=SenderProfile(name="Kai Growth 🚀 | Scaling Coach"),
    )
    verdict = screener.screen(req)
    draft = draft_reply(req, verdict, SETTINGS)
    assert (draft.action, draft.category) == (Action.IGNORE, Category.SALES_PITCH)
    assert draft.text.startswith("Hallo Kai,\n") and "Angebot" in draft.text
    assert not draft.send_advised
    welcome = draft_reply(req, verdict, SETTINGS, action=Action.ACCEPT)
    assert welcome.send_advised and welcome.template == "de/accept.txt.j2"


def test_no_action_no_draft() -> None:
    with pytest.raises(ReplyError, match="needs an action"):
        ReplyRenderer().draft(NAMED)
    with pytest.raises(ReplyError, match="unknown language"):
        ReplyRenderer().draft(NAMED, action=Action.ACCEPT, category=Category.SCAM, lang="fr")


def test_user_text_is_inserted_verbatim_never_evaluated() -> None:
    hostile = "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {{ ''.__class__ }}"
    req = ContactRequest(id="h", note=hostile, sender=SenderProfile(name="{{ 7*7 }}\n\nPS: {{ config }}"))
    text = (
        ReplyRenderer(ReplySettings(signature=hostile))
        .draft(req, action=Action.ASK_BACK, category=Category.COLLECTOR_GENERIC, lang="en", register="du")
        .text
    )
    assert text.endswith(hostile)  # the signature, literally
    assert "49" not in text and "looploop" not in text
    assert re.fullmatch(r"Hi[^{}%]*,", text.split("\n")[0])  # the name stays on one line, braces dropped
    assert text.split("\n")[1] == ""


@pytest.mark.parametrize(
    ("raw", "clean", "first"),
    [
        ("Dr. Anna Müller, MBA | Speaker 🚀", "Dr. Anna Müller", "Anna"),
        ("  Tom   Weber – Growth Hacker", "Tom Weber", "Tom"),
        ("Prof. Dipl.-Ing. Karl-Heinz Öztürk", "Prof. Dipl.-Ing. Karl-Heinz Öztürk", "Karl-Heinz"),
        ("Frau Jana Berg", "Frau Jana Berg", "Jana"),
        ("🚀🚀🚀", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_names_are_cleaned(raw: str | None, clean: str | None, first: str | None) -> None:
    assert clean_name(raw) == clean
    assert first_name(clean) == first


def test_signature_keeps_lines_but_drops_control_characters() -> None:
    assert clean_block("Jana\r\nBerg\x1b[31m\x07") == "Jana\nBerg[31m"
    assert clean_block("\n\n  \n") is None
    assert clean_block("\n".join(str(i) for i in range(10))) == "0\n1\n2\n3\n4\n5"


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_user_layers_replace_shipped_templates_file_by_file(tmp_path: Path) -> None:
    local, override = tmp_path / "local.d", tmp_path / "override.d"
    _write(
        local, "de/ask_back.txt.j2", '{% extends "de/_letter.txt.j2" %}{% block body %}LOCAL{% endblock %}'
    )
    _write(local, "en/ask_back.txt.j2", "LOCAL EN {{ to_first_name }}")
    _write(override, "en/ask_back.txt.j2", "OVERRIDE EN {{ to_first_name }}")
    _write(
        override,
        "de/_letter.txt.j2",
        "Moin {{ to_first_name }}!\n\n{% block body %}{% endblock %}\n\nTschüss",
    )
    r = ReplyRenderer(ReplySettings(template_dirs=(local, override)))
    de = r.draft(NAMED, action=Action.ASK_BACK, category=Category.SCAM, lang="de", register="du").text
    assert de == "Moin Tom!\n\nLOCAL\nTschüss"  # the local body inside the override layer's frame
    en = r.draft(NAMED, action=Action.ASK_BACK, category=Category.SCAM, lang="en", register="du").text
    assert en == "OVERRIDE EN Tom"  # the later layer wins
    shipped = r.draft(NAMED, action=Action.ACCEPT, category=Category.SCAM, lang="en", register="du").text
    assert shipped.startswith("Hi Tom,")  # untouched files still come from the package
    _write(local, "de/accept.vip.txt.j2", "x")
    assert "de/accept.vip.txt.j2" in r.template_names()


def test_broken_or_escaping_overrides_fail_with_the_file_name(tmp_path: Path) -> None:
    _write(tmp_path, "en/accept.txt.j2", "{% if %}")
    r = ReplyRenderer(ReplySettings(template_dirs=(tmp_path,)))
    with pytest.raises(ReplyError, match=r"en/accept\.txt\.j2"):
        r.draft(NAMED, action=Action.ACCEPT, category=Category.SCAM, lang="en")
    _write(tmp_path, "en/ignore.txt.j2", "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(ReplyError, match=r"en/ignore\.txt\.j2"):
        r.draft(NAMED, action=Action.IGNORE, category=Category.SCAM, lang="en")
    _write(tmp_path, "en/block_report.txt.j2", "{{ no_such_variable }}")
    with pytest.raises(ReplyError, match="no_such_variable"):
        r.draft(NAMED, action=Action.BLOCK_REPORT, category=Category.SCAM, lang="en")
    with pytest.raises(ReplyError, match="template directory not found"):
        ReplyRenderer(ReplySettings(template_dirs=(tmp_path / "missing",)))


def test_follow_up_says_only_what_is_known() -> None:
    text = ReplyRenderer(ReplySettings(name="Lena Hoffmann")).follow_up(
        "Clara Weiß", 10, lang="de", register="sie"
    )
    assert text.startswith(
        "Guten Tag Clara Weiß,\n\nvor 10 Tagen habe ich Ihnen eine Kontaktanfrage geschickt."
    )
    assert text.endswith("Freundliche Grüße\nLena Hoffmann")


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KONTAKTFILTER_REPLY_SIGNATURE", "Env Signature")
    monkeypatch.setenv("KONTAKTFILTER_REPLY_ADDRESS", "du")
    monkeypatch.setenv("KONTAKTFILTER_REPLY_TEMPLATE_DIRS", f'["{tmp_path}"]')
    s = ReplySettings.from_env(policy_url="https://x.example/p", signature=None)
    assert (s.signature, s.address, s.policy_url, s.template_dirs) == (
        "Env Signature",
        "du",
        "https://x.example/p",
        (tmp_path,),
    )
    monkeypatch.setenv("KONTAKTFILTER_REPLY_ADDRESS", "ihr")
    with pytest.raises(ReplyError, match="KONTAKTFILTER_REPLY_ADDRESS"):
        ReplySettings.from_env()
