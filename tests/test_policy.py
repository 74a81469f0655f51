"""The policy: defaults, layering, forced actions, the false-positive guard, and validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontaktfilter.model import Action, Category
from kontaktfilter.policy import Policy, PolicyError

P = Policy.default()


def decide(
    cat: Category, score: int = 50, conf: float = 0.9, good: float = 0.0, fired: tuple[str, ...] = ()
) -> Action:
    return P.decide(cat, score, conf, good, fired, True).action


def test_category_defaults() -> None:
    assert decide(Category.PERSONAL_KNOWN, score=80, good=0.95) is Action.ACCEPT
    assert decide(Category.SALES_PITCH) is Action.IGNORE
    assert decide(Category.SCAM) is Action.BLOCK_REPORT
    assert decide(Category.COLLECTOR_GENERIC, score=30) is Action.ASK_BACK
    assert decide(Category.RECRUITER, score=40) is Action.ASK_BACK


def test_thresholds_and_rules() -> None:
    assert decide(Category.RELEVANT_BUSINESS, score=20, good=0.9) is Action.ASK_BACK
    assert decide(Category.COLLECTOR_GENERIC, score=0) is Action.IGNORE
    assert decide(Category.COLLECTOR_GENERIC, score=3) is Action.ASK_BACK
    no_note = P.decide(Category.COLLECTOR_GENERIC, 30, 0.9, 0.0, ("no_note", "profile_placeholder"), False)
    assert no_note.action is Action.IGNORE and no_note.rule == "rule:no_note_empty_profile"
    assert (
        decide(Category.COLLECTOR_GENERIC, score=40, fired=("refers_recipient_content",))
        is Action.SUGGEST_FOLLOW
    )
    assert decide(Category.RECRUITER, score=75) is Action.ACCEPT


def test_forced_actions_stand_outside_the_score() -> None:
    assert decide(Category.ROMANTIC_PRIVATE, fired=("partnership_ignored",)) is Action.BLOCK_REPORT
    assert P.decide(Category.SCAM, 90, 0.9, 0.0, (), True).rule == "force:scam_blocked"


def test_good_guard_wins_over_harsh_actions() -> None:
    # A pitch the model thinks could well be a relevant request is asked back, never ignored.
    assert decide(Category.SALES_PITCH, good=0.3) is Action.ASK_BACK
    assert decide(Category.SCAM, good=0.25) is Action.ASK_BACK
    assert decide(Category.SALES_PITCH, conf=0.3) is Action.ASK_BACK


def test_user_layer_merges_and_prepends_rules(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text(
        '[categories]\nrecruiter = "ignore"\n\n[[rules]]\nname = "pitch_follow"\ncategory = "sales_pitch"\n'
        'max_score = 40\naction = "suggest_follow"\n',
        encoding="utf-8",
    )
    pol = Policy.load(f)
    assert pol.decide(Category.RECRUITER, 40, 0.9, 0.0, (), True).action is Action.IGNORE
    assert pol.decide(Category.SALES_PITCH, 30, 0.9, 0.0, (), True).action is Action.SUGGEST_FOLLOW
    # Defaults that the user did not touch remain.
    assert pol.decide(Category.SCAM, 5, 0.9, 0.0, (), True).action is Action.BLOCK_REPORT


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[categories]\nsales_pitch = "ignor"\n', "categories.sales_pitch"),
        ("[thresholds]\naccept_min_score = 140\n", "thresholds.accept_min_score"),
        ("[thresholdz]\nx = 1\n", "thresholdz"),
        ('[[rules]]\nname = "x"\naction = "accept"\ncategory = "spam"\n', "rules.0.category.0"),
        ("[categories\n", "not valid TOML"),
    ],
)
def test_bad_policy_names_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        Policy.load(f)
    assert str(f) in str(info.value) and needle in str(info.value)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        Policy.load(tmp_path / "none.toml")
