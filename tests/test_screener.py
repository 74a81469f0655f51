"""The screening pipeline end to end with the shipped model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from kontaktfilter import Action, Category, parse_request
from kontaktfilter.screener import Screener

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener()


def _req(note: str | None, **sender: object) -> object:
    return parse_request({"id": "t", "platform": "linkedin", "note": note, "sender": sender})


def test_demo_inbox_verdicts_are_well_formed(screener: Screener) -> None:
    lines = (ROOT / "demo" / "inbox.jsonl").read_text(encoding="utf-8").splitlines()
    reqs = [parse_request(json.loads(line)) for line in lines]
    verdicts = screener.screen_many(reqs)
    assert [v.request_id for v in verdicts] == [r.id for r in reqs]
    for v in verdicts:
        assert 0.0 <= v.confidence <= 1.0 and 0 <= v.score <= 100
        assert math.isclose(sum(v.probabilities.values()), 1.0, abs_tol=1e-6)
        assert v.confidence == max(v.probabilities.values())
        assert v.lang in ("de", "en")
        assert any(h.id == "classifier" for h in v.signals)
        assert all(h.reason_de and h.reason_en for h in v.signals)


def test_single_and_batch_agree(screener: Screener) -> None:
    reqs = [
        _req("Hallo, schön dich gestern auf dem Barcamp getroffen zu haben!"),
        _req(None, job_title="tba"),
    ]
    batch = screener.screen_many(reqs)
    assert [screener.screen(r) for r in reqs] == batch


@pytest.mark.parametrize(
    ("note", "sender", "category", "actions"),
    [
        (
            "Hello dear, I made 300% profit with bitcoin trading, guaranteed. Contact me on WhatsApp +44 7700 900123.",
            {
                "headline": "Crypto Investor",
                "mutual_contacts": 0,
                "connections_count": 12,
                "has_photo": False,
            },
            Category.SCAM,
            {Action.BLOCK_REPORT},
        ),
        (
            "Hey, ich hab dein Profil analysiert und sehe riesiges Potenzial. Ich helfe Coaches, planbar Neukunden zu "
            "gewinnen. Hast du 15 Minuten für einen kurzen Call?",
            {"headline": "Ich helfe Coaches zu 6-stelligen Umsätzen | DM me", "mutual_contacts": 0},
            Category.SALES_PITCH,
            {Action.IGNORE},
        ),
        (
            "Hi Jana, great meeting you at the Kubernetes meetup in Leipzig yesterday! Let's stay in touch. Cheers, Tom",
            {"headline": "Platform engineer", "mutual_contacts": 4, "has_photo": True},
            Category.PERSONAL_KNOWN,
            {Action.ACCEPT},
        ),
        (
            "You have a beautiful smile. I would love to get to know you privately, maybe over dinner?",
            {"headline": "Manager", "mutual_contacts": 0},
            Category.ROMANTIC_PRIVATE,
            {Action.IGNORE, Action.BLOCK_REPORT},
        ),
    ],
)
def test_classic_requests(
    screener: Screener, note: str, sender: dict[str, object], category: Category, actions: set[Action]
) -> None:
    v = screener.screen(_req(note, **sender))  # type: ignore[arg-type]
    assert v.category is category, v
    assert v.action in actions, v


def test_empty_placeholder_profile_without_note_is_not_accepted(screener: Screener) -> None:
    v = screener.screen(
        _req(
            None,
            job_title="tba",
            company="tba",
            connections_visible=False,
            mutual_contacts=0,
            has_photo=False,
        )  # type: ignore[arg-type]
    )
    assert v.action is not Action.ACCEPT
    assert {"no_note", "profile_placeholder", "hidden_contacts"} <= {h.id for h in v.signals}


def test_good_request_scores_higher_than_pitch(screener: Screener) -> None:
    good = screener.screen(
        _req(
            "Sehr geehrte Frau Vogt, Ihr Vortrag auf der Logimat hat mich beeindruckt. "
            "Darf ich Ihnen eine Frage zu Ihrer Studie stellen? Beste Grüße"
        )
    )  # type: ignore[arg-type]
    pitch = screener.screen(_req("Hey! Want 30 qualified leads per month? Book a quick call: calendly.com/x"))  # type: ignore[arg-type]
    assert good.score > pitch.score + 30


def test_accurate_path_runs_and_marks_escalated(screener: Screener) -> None:
    acc = Screener(accurate=True)
    reqs = [_req("Hi"), _req("Let's connect!"), _req("Wir kennen uns vom Studium in Aachen, oder?")]
    verdicts = acc.screen_many(reqs)  # type: ignore[arg-type]
    assert len(verdicts) == 3
    assert {v.model for v in verdicts} <= {"fast", "accurate"}
