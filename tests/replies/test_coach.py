"""The sender coach: every finding code with positive and negative examples, the JSON shape, the API."""

from __future__ import annotations

import pytest

from kontaktfilter.coach import (
    CODES,
    SEVERITY,
    Account,
    Coach,
    CoachConfig,
    CoachError,
    CoachReport,
    DraftNote,
    RecipientProfile,
    build_request,
    coach_payload,
    draft_from_payload,
)
from kontaktfilter.coach.findings import quote
from kontaktfilter.model import Platform, SenderProfile
from kontaktfilter.screener import Screener

JANA = RecipientProfile(
    name="Jana Berg", headline="Energieberaterin | Wärmepumpen im Bestand", interests=("Quartierswärme",)
)
JANA_MUTUAL = RecipientProfile(name="Jana Berg", headline="Energieberaterin", mutual_names=("Anna Schmidt",))
TOM = SenderProfile(
    name="Tom Weber",
    headline="Projektleiter Wärmenetze",
    job_title="Projektleiter",
    company="Stadtwerke Ulm",
    connections_visible=True,
    has_photo=True,
    connections_count=350,
    account_age_days=2000,
)
GOOD_DE = (
    "Guten Tag Frau Berg, Ihr Vortrag zu Wärmepumpen im Bestand auf der Fachtagung in Kassel hat mich überzeugt. "
    "Darf ich Ihnen eine Frage zur Quartierswärme stellen? Freundliche Grüße, Tom Weber"
)
GOOD_EN = (
    "Hi Jana, we met at the heat pump meetup in Leipzig yesterday – thanks for the tip on the retrofit study. "
    "Happy to stay in touch! Best, Tom"
)


def _check(coach: Coach, note: str | None, to: RecipientProfile | None = JANA, **kw: object) -> CoachReport:
    return coach.check(DraftNote(note, to, sender=kw.pop("sender", TOM), **kw))  # type: ignore[arg-type]


# code -> (a note that must get it, a similar note that must not), with the recipient profile used.
CASES: dict[str, tuple[str, str, RecipientProfile | None]] = {
    "no_reason": (
        "Hallo Frau Berg, ich bin Projektleiter in Ulm und würde mich über eine Vernetzung freuen. Viele Grüße, Tom",
        GOOD_DE,
        JANA,
    ),
    "no_greeting": (
        "Wir haben uns gestern auf der Fachtagung in Kassel kennengelernt, danke für das Gespräch über Wärmepumpen! "
        "Viele Grüße, Tom",
        "Hallo Jana, wir haben uns gestern auf der Fachtagung in Kassel kennengelernt, danke für das Gespräch über "
        "Wärmepumpen! Viele Grüße, Tom",
        JANA,
    ),
    "pitch": (
        "Hi Jana, we help energy consultants get 30 qualified appointments per month. Open to a quick call next "
        "week? Best, Tom",
        GOOD_EN,
        JANA,
    ),
    "generic": ("Hallo Frau Berg, ich möchte gerne mein Netzwerk erweitern. Viele Grüße, Tom", GOOD_DE, JANA),
    "not_personal": (
        "Hallo Frau Berg, wir suchen für ein Projekt eine Beraterin, hätten Sie Interesse an einem Austausch? "
        "Viele Grüße, Tom",
        GOOD_DE,
        JANA,
    ),
    "du_sie_mixed": (
        "Hallo Frau Berg, ich habe Ihren Beitrag zu Wärmepumpen gelesen und wollte dich fragen, ob du Zeit für "
        "eine Frage hast. Viele Grüße, Tom",
        "Hallo Frau Berg, ich habe Ihren Beitrag zu Wärmepumpen gelesen und wollte Sie fragen, ob Sie Zeit für "
        "eine Frage haben. Viele Grüße, Tom",
        JANA,
    ),
    "link": (
        "Hi Jana, we met at the heat pump meetup in Leipzig yesterday. Here are the slides: "
        "https://example.org/slides Best, Tom",
        GOOD_EN,
        JANA,
    ),
    "no_closing": (
        "Hi Jana, we met at the heat pump meetup in Leipzig yesterday and talked about retrofit studies.",
        GOOD_EN,
        JANA,
    ),
    "no_mutual_context": (
        "Guten Tag Frau Berg, Ihr Beitrag zu Wärmepumpen im Bestand hat mich überzeugt. Darf ich Ihnen eine Frage "
        "dazu stellen? Freundliche Grüße, Tom Weber",
        "Guten Tag Frau Berg, Anna Schmidt hat mir empfohlen, mich bei Ihnen zu melden: Darf ich Ihnen eine Frage "
        "zu Wärmepumpen stellen? Freundliche Grüße, Tom Weber",
        JANA_MUTUAL,
    ),
    "private_advance": (
        "Hi Jana, you have a beautiful smile. Are you single? Would love to take you on a date. Mark",
        GOOD_EN,
        JANA,
    ),
    "money": (
        "Hello Jana, earn 5% per day with bitcoin trading, guaranteed and risk-free! Regards, Mark",
        GOOD_EN,
        JANA,
    ),
    "contact_details": (
        "Hello Jana, please text me on WhatsApp, +49 171 2345678, it is faster. Regards, Mark",
        GOOD_EN,
        JANA,
    ),
    "scam_like": (
        "Sehr geehrter XING-Nutzer, Ihr Konto wurde wegen verdächtiger Aktivitäten eingeschränkt. Bitte bestätigen "
        "Sie Ihre Identität innerhalb von 24 Stunden über den Support.",
        GOOD_DE,
        None,
    ),
    "unsolicited_du": (
        "Hey, ich hab gesehen, dass du auch im Energiebereich bist. Lass uns vernetzen! LG Tom",
        "Hey Jana, schön dich gestern auf der Fachtagung getroffen zu haben! Lass uns in Kontakt bleiben. LG Tom",
        JANA,
    ),
    "shouting": ("Hi Jana, FREE training TODAY ONLY for ambitious consultants! Best, Mark", GOOD_EN, JANA),
    "emoji_heavy": (
        "Hi Jana 🚀🚀 great to meet you at the heat pump meetup yesterday 🔥🔥 Best, Tom",
        "Hi Jana, great to meet you at the heat pump meetup yesterday 🙂 Best, Tom",
        JANA,
    ),
}


def test_every_code_has_examples_and_texts_in_both_languages() -> None:
    from kontaktfilter.coach._texts import TEXTS

    assert set(CODES) == set(TEXTS) == set(SEVERITY)
    assert set(CASES) | {"too_long", "no_note"} == set(CODES)
    required = {"too_long", "no_reason", "no_greeting", "pitch", "generic", "not_personal", "du_sie_mixed", "link",
                "no_closing", "no_mutual_context"}  # fmt: skip
    assert required <= set(CODES)
    for code in CODES:
        assert set(TEXTS[code]) == {"de", "en"}


@pytest.mark.parametrize("code", sorted(CASES))
def test_finding_fires_on_its_example_and_not_on_the_fixed_note(coach: Coach, code: str) -> None:
    positive, negative, to = CASES[code]
    report = _check(coach, positive, to)
    assert code in report.codes, (code, report.codes)
    finding = next(f for f in report.findings if f.code == code)
    assert finding.message and finding.suggestion and finding.severity == SEVERITY[code]
    assert code not in _check(coach, negative, to).codes


@pytest.mark.parametrize("note", [GOOD_DE, GOOD_EN])
def test_good_notes_are_clean_and_high(coach: Coach, note: str) -> None:
    report = _check(coach, note)
    assert report.findings == ()
    assert report.score >= 80 and report.action.value == "accept"
    assert report.summary().endswith(("annehmen.", "accept this invitation."))


def test_too_long_follows_platform_and_account_and_is_configurable(coach: Coach) -> None:
    note = GOOD_DE + " " + "Ich freue mich sehr auf Ihre Antwort." * 1
    assert 200 < len(note) <= 300
    free = _check(coach, note, account=Account.FREE)
    assert "too_long" in free.codes and free.limit == 200
    f = next(f for f in free.findings if f.code == "too_long")
    assert f"{len(note)} Zeichen" in f.message and "kostenlosen Konto" in f.message
    assert f"{len(note) - 200} Zeichen" in f.suggestion
    assert "too_long" not in _check(coach, note, account=Account.PREMIUM).codes
    xing = _check(coach, note, platform=Platform.XING)
    assert xing.limit == 600 and "too_long" not in xing.codes
    strict = Coach(coach.screener, CoachConfig().with_limit(Platform.XING, Account.PREMIUM, 100))
    assert "too_long" in strict.check(DraftNote(note, JANA, sender=TOM, platform=Platform.XING)).codes
    assert Coach(coach.screener).check(DraftNote(note * 5, None, platform=Platform.EMAIL)).limit is None
    with pytest.raises(ValueError, match="positive"):
        CoachConfig().with_limit(Platform.XING, Account.FREE, 0)


def test_empty_draft_gets_one_no_note_finding(coach: Coach) -> None:
    for note in (None, "", "   "):
        report = _check(coach, note, lang="de")
        assert report.codes == ("no_note",)
        assert (
            "300 Zeichen" in report.findings[0].suggestion
            and "Guten Tag Jana Berg," in report.findings[0].suggestion
        )


def test_messages_follow_the_note_language_unless_overridden(coach: Coach) -> None:
    de = _check(coach, CASES["generic"][0])
    assert de.lang == "de" and "Floskel" in next(f.message for f in de.findings if f.code == "generic")
    assert "„mein Netzwerk erweitern“" in next(f.message for f in de.findings if f.code == "generic")
    en = _check(coach, CASES["generic"][0], lang="en")
    assert en.lang == "en" and "stock phrase" in next(f.message for f in en.findings if f.code == "generic")


def test_suggestions_are_concrete(coach: Coach) -> None:
    report = _check(coach, CASES["not_personal"][0])
    not_personal = next(f for f in report.findings if f.code == "not_personal")
    assert "„Quartierswärme“" in not_personal.suggestion and "Jana Berg" in not_personal.message
    mutual = next(
        f
        for f in _check(coach, CASES["no_mutual_context"][0], JANA_MUTUAL).findings
        if f.code == "no_mutual_context"
    )
    assert "Anna Schmidt" in mutual.suggestion and "einen gemeinsamen Kontakt" in mutual.message
    greeting = next(f for f in _check(coach, CASES["no_greeting"][0]).findings if f.code == "no_greeting")
    assert "„Hallo Jana,“" in greeting.suggestion or "„Guten Tag Jana Berg,“" in greeting.suggestion
    pitch = next(f for f in _check(coach, CASES["pitch"][0]).findings if f.code == "pitch")
    assert "“appointments per month”" in pitch.message or "“quick call”" in pitch.message


def test_the_coach_judges_exactly_as_the_recipient_filter(coach: Coach, screener: Screener) -> None:
    draft = DraftNote(CASES["pitch"][0], JANA_MUTUAL, sender=TOM)
    request = build_request(draft)
    assert request.sender.mutual_contacts == 1 and request.recipient.known_people == ("Anna Schmidt",)
    verdict = screener.screen(request)
    report = coach.check(draft)
    assert (report.score, report.category, report.action) == (verdict.score, verdict.category, verdict.action)


def test_json_shape_is_exactly_the_documented_one(coach: Coach) -> None:
    data = _check(coach, CASES["pitch"][0]).to_dict()
    assert list(data) == ["score", "category", "action", "findings"]
    assert data["findings"] and all(list(f) == ["code", "message", "suggestion"] for f in data["findings"])
    assert isinstance(data["score"], int) and data["category"] == "sales_pitch"


def test_batch_equals_single(coach: Coach) -> None:
    drafts = [DraftNote(n, to, sender=TOM) for n, _, to in CASES.values()]
    batch = coach.check_many(drafts)
    assert [r.codes for r in batch] == [coach.check(d).codes for d in drafts]


def test_payload_api_for_the_web_app(coach: Coach) -> None:
    out = coach_payload(
        {
            "note": GOOD_EN,
            "to": {"name": "Jana Berg", "mutual_contacts": 3},
            "platform": "LinkedIn",
            "account": "free",
        },
        coach,
    )
    assert out["action"] == "accept"
    draft = draft_from_payload(
        {"note": "x", "to": {"mutual_contacts": ["A B", "C D"]}, "from": {"name": "Tom"}}
    )
    assert draft.recipient is not None and draft.recipient.mutual_count == 2 and draft.sender.name == "Tom"
    bad = [
        ({"note": 3}, "note"),
        ({"note": "x", "platform": "myspace"}, "platform"),
        ({"note": "x", "account": "gold"}, "account"),
        ({"note": "x", "to": {"mutual_contacts": True}}, "to.mutual_contacts"),
        ({"note": "x", "to": {"mutual_contacts": -1}}, "to.mutual_contacts"),
        ({"note": "x", "to": {"interests": [1]}}, "to.interests"),
        ({"note": "x", "to": {"nmae": "typo"}}, "to.nmae"),
        ({"note": "x", "to": []}, "to"),
        ({"note": "x", "from": {"mutual_contacts": "x"}}, "from.mutual_contacts"),
        ({"note": "x", "lang": "fr"}, "lang"),
        ({"note": "x", "extra": 1}, "extra"),
    ]
    for payload, field in bad:
        with pytest.raises(CoachError) as info:
            draft_from_payload(payload)
        assert info.value.field == field, (payload, info.value)


def test_quote_restores_the_original_words() -> None:
    assert quote("Hast du 15 Minuten für ein kurzes Gespräch?", "kurzes gesprach") == "kurzes Gespräch"
    assert quote("FREE training TODAY", "FREE TODAY") == "FREE TODAY"
    assert quote("abc", "www.example.org/x") == "www.example.org/x"
