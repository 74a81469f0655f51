"""The domain model: plain, immutable data with no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple


class Category(StrEnum):
    """What a contact request is, seen from the recipient's side (SPEC.md vocabulary)."""

    PERSONAL_KNOWN = "personal_known"
    RELEVANT_BUSINESS = "relevant_business"
    RECRUITER = "recruiter"
    SALES_PITCH = "sales_pitch"
    ROMANTIC_PRIVATE = "romantic_private"
    COLLECTOR_GENERIC = "collector_generic"
    SCAM = "scam"


GOOD_CATEGORIES: frozenset[Category] = frozenset({Category.PERSONAL_KNOWN, Category.RELEVANT_BUSINESS})
CATEGORIES: tuple[Category, ...] = tuple(Category)


class Action(StrEnum):
    """What the recipient should do with a request."""

    ACCEPT = "accept"
    ASK_BACK = "ask_back"
    SUGGEST_FOLLOW = "suggest_follow"
    IGNORE = "ignore"
    BLOCK_REPORT = "block_report"


HARSH_ACTIONS: frozenset[Action] = frozenset({Action.IGNORE, Action.BLOCK_REPORT})


class Platform(StrEnum):
    """Where a request came from."""

    LINKEDIN = "linkedin"
    XING = "xing"
    MASTODON = "mastodon"
    EMAIL = "email"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class SenderProfile:
    """What the recipient can see of the sender; every field may be unknown (None)."""

    name: str | None = None
    headline: str | None = None
    job_title: str | None = None
    company: str | None = None
    location: str | None = None
    profile_url: str | None = None
    mutual_contacts: int | None = None
    connections_visible: bool | None = None
    connections_count: int | None = None
    has_photo: bool | None = None
    account_age_days: int | None = None


@dataclass(frozen=True, slots=True)
class RecipientContext:
    """The recipient's own context, used for personalisation and partnership checks."""

    name: str | None = None
    headline: str | None = None
    interests: tuple[str, ...] = ()
    partnership: bool | None = None
    known_people: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContactRequest:
    """One contact request: platform, time, the optional note, and both parties' context."""

    id: str
    platform: Platform = Platform.OTHER
    note: str | None = None
    received_at: datetime | None = None
    sender: SenderProfile = field(default_factory=SenderProfile)
    recipient: RecipientContext = field(default_factory=RecipientContext)


class SignalHit(NamedTuple):
    """A signal that fired: its id, group, the weight it contributed, and readable reasons."""

    id: str
    group: str
    weight: float
    reason_de: str
    reason_en: str

    def reason(self, lang: str) -> str:
        """The reason in German for "de", in English otherwise."""
        return self.reason_de if lang == "de" else self.reason_en


@dataclass(frozen=True, slots=True)
class Verdict:
    """The screening result for one request."""

    request_id: str
    category: Category
    confidence: float
    score: int
    action: Action
    lang: str
    signals: tuple[SignalHit, ...]
    probabilities: dict[Category, float]
    model: str = "fast"
    policy_rule: str = ""

    @property
    def good_probability(self) -> float:
        """Probability that the request is one of the good categories."""
        return sum(p for c, p in self.probabilities.items() if c in GOOD_CATEGORIES)


# The screener builds one Verdict per request. A frozen dataclass's __init__ sets each field through
# `object.__setattr__`, which made construction a noticeable share of a verdict's cost; writing the
# slots through their descriptors gives the identical object in less than half the time.
_VERDICT_FIELDS = (
    "request_id", "category", "confidence", "score", "action", "lang", "signals", "probabilities", "model",
    "policy_rule",
)  # fmt: skip


def _slot_setters() -> tuple[Callable[[Verdict, Any], None], ...] | None:
    if tuple(f.name for f in fields(Verdict)) != _VERDICT_FIELDS:
        return None  # the dataclass changed: `_build_verdict` falls back to the constructor
    return tuple(getattr(Verdict, name).__set__ for name in _VERDICT_FIELDS)


_SETTERS = _slot_setters()


def _build_verdict(
    request_id: str,
    category: Category,
    confidence: float,
    score: int,
    action: Action,
    lang: str,
    signals: tuple[SignalHit, ...],
    probabilities: dict[Category, float],
    model: str,
    policy_rule: str,
) -> Verdict:
    """Exactly `Verdict(request_id, category, ..., policy_rule)`, built faster (for the screener)."""
    setters = _SETTERS
    if setters is None:
        return Verdict(
            request_id, category, confidence, score, action, lang, signals, probabilities, model, policy_rule
        )
    v: Verdict = object.__new__(Verdict)
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 = setters
    s0(v, request_id)
    s1(v, category)
    s2(v, confidence)
    s3(v, score)
    s4(v, action)
    s5(v, lang)
    s6(v, signals)
    s7(v, probabilities)
    s8(v, model)
    s9(v, policy_rule)
    return v
