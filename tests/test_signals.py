"""Conformance suite every signal passes (like scikit-learn's estimator checks), plus its own examples."""

from __future__ import annotations

from typing import Any

import pytest

from kontaktfilter.contract import parse_request
from kontaktfilter.signals import GROUP_CAPS, REGISTRY, Signal, analyse, detect_all
from kontaktfilter.text import PhraseMatcher, detect_language, du_sie, words

SIGNALS = list(REGISTRY.values())


def _request(example: Any) -> Any:
    obj = {"note": example} if isinstance(example, str) else dict(example)
    obj.setdefault("id", "example")
    return parse_request(obj)


def test_registry_is_large_enough_and_covers_the_spec() -> None:
    assert len(REGISTRY) >= 30
    spec = {
        "no_note", "generic_phrase", "pitch_leads", "pitch_scaling", "pitch_income", "pitch_health",
        "pitch_career_services", "pitch_short_call", "pitch_profile_potential", "unsolicited_du",
        "romantic_language", "looks_remark", "profile_placeholder", "hidden_contacts", "no_mutual_contacts",
        "mutual_named", "specific_occasion", "refers_recipient_content", "personalised", "birthday_offer",
        "note_over_limit", "link_in_note", "phone_number", "messenger_move", "crypto_money",
    }  # fmt: skip
    assert spec <= set(REGISTRY)


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.id)
def test_signal_contract(sig: Signal) -> None:
    assert sig.group in GROUP_CAPS
    assert sig.reason_de.strip() and sig.reason_en.strip() and sig.reason_de != sig.reason_en
    assert sig.hits, "every signal carries positive examples"
    assert sig.misses, "every signal carries negative examples"


@pytest.mark.parametrize(
    ("sig", "example"),
    [(s, e) for s in SIGNALS for e in s.hits],
    ids=lambda x: x.id if isinstance(x, Signal) else "",
)
def test_positive_examples_fire(sig: Signal, example: Any) -> None:
    req = _request(example)
    assert sig.detect(req, analyse(req)) is not None, f"{sig.id} should fire on {example!r}"


@pytest.mark.parametrize(
    ("sig", "example"),
    [(s, e) for s in SIGNALS for e in s.misses],
    ids=lambda x: x.id if isinstance(x, Signal) else "",
)
def test_negative_examples_stay_quiet(sig: Signal, example: Any) -> None:
    req = _request(example)
    assert sig.detect(req, analyse(req)) is None, f"{sig.id} should not fire on {example!r}"


def test_detect_all_returns_evidence_for_a_classic_pitch() -> None:
    req = _request(
        "Hey, ich hab dein Profil analysiert und großes Potenzial gesehen. Hast du 15 Minuten für einen Call?"
    )
    fired = {s.id: ev for s, ev in detect_all(req)}
    assert {"pitch_profile_potential", "pitch_short_call", "unsolicited_du"} <= set(fired)
    assert "15" in fired["pitch_short_call"]


def test_phrase_matcher_prefix_and_sequences() -> None:
    m = PhraseMatcher([("a", "abnehm*"), ("b", "quick call"), ("c", "let's connect"), ("d", "15 minut*")])
    assert m.match(words("Ich will abnehmen")) == {"a": "abnehmen"}
    assert m.match(words("a QUICK call?")) == {"b": "quick call"}
    assert m.match(words("Let’s connect!")) == {"c": "let s connect"}
    assert m.match(words("ein 15-minütiges Gespräch")) == {"d": "15 minutiges"}
    assert m.match(words("quick lunch")) == {}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hallo Frau Weber, ich habe Ihren Artikel gelesen und würde mich freuen.", "de"),
        ("Hi Anna, great to meet you at the conference yesterday!", "en"),
        ("Servus, schee dass ma uns gsehn ham", "de"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect_language(words(text), fallback="de" if lang == "de" else "en") == lang


def test_du_sie_counts() -> None:
    note = "Hallo Herr Maier, ich habe Ihren Beitrag gelesen und wollte dich fragen."
    du, sie = du_sie(note, words(note))
    assert du == 1 and sie == 1
    note2 = "Sie haben recht. Ich danke Ihnen."
    assert du_sie(note2, words(note2)) == (0, 1)


def test_signals_handle_hostile_text_without_crashing() -> None:
    for note in ["", " ", "\u202e<script>alert(1)</script>", "😀" * 500, "a" * 10000, "\x00\x01", "ß" * 50]:
        req = _request(note)
        detect_all(req)
