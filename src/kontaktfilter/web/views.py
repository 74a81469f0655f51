"""View models: turn store rows into the plain values the templates show, in the interface language.

Nothing here marks text as safe: every string goes through Jinja's autoescape in the templates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..contract import parse_request
from ..model import Action, Category
from ..replies import Draft, ReplyError, ReplyRenderer
from ..store.models import Decision, Person, Request, Verdict
from ..store.repository import InboxItem
from .i18n import ACTION_LABELS, CATEGORY_LABELS, PLATFORM_LABELS, label
from .queries import Detail, RecentDecision, evidence_of_reason, plain_reason
from .ui import age_text, safe_url


def reason_in(signal: dict[str, Any], lang: str) -> str:
    """A stored signal's reason in the interface language, without its evidence."""
    text = str(signal.get("reason_de" if lang == "de" else "reason_en") or signal.get("reason_en") or "")
    return plain_reason(text)


def top_reasons(signals: Sequence[dict[str, Any]], lang: str, n: int = 2) -> list[str]:
    """The first `n` reasons other than the model's own (as `kontaktfilter inbox` shows them)."""
    return [reason_in(s, lang) for s in signals if s.get("group") != "model"][:n]


def person_name(person: Person, request: Request) -> str:
    """The sender's name as shown: the person's, else the request's sender name, else empty."""
    sender = (request.payload or {}).get("sender") or {}
    name = person.name or sender.get("name")
    return str(name) if isinstance(name, str) else ""


@dataclass(frozen=True, slots=True)
class ItemView:
    """One inbox row."""

    id: str
    name: str
    headline: str
    note: str | None
    category: str
    category_label: str
    score: int | None
    action: str
    action_label: str
    changed_by_layer: bool
    platform: str
    received: datetime | None
    age: str
    reasons: list[str]
    decision: str | None
    connected: bool


def item_view(it: InboxItem, lang: str, t: Callable[..., str], now: datetime) -> ItemView:
    """The row for one inbox item."""
    r, p, v, d = it.request, it.person, it.verdict, it.decision
    sender = (r.payload or {}).get("sender") or {}
    headline = sender.get("headline") or sender.get("job_title") or ""
    note = r.note if r.note and r.note.strip() else None
    return ItemView(
        id=r.public_id,
        name=person_name(p, r),
        headline=str(headline) if isinstance(headline, str) else "",
        note=(note[:220] + "…") if note and len(note) > 220 else note,
        category=v.category if v else "unscreened",
        category_label=label(CATEGORY_LABELS, v.category, lang) if v else "—",
        score=v.score if v else None,
        action=v.action if v else Action.ASK_BACK.value,
        action_label=label(ACTION_LABELS, v.action, lang) if v else "",
        changed_by_layer=bool(v and v.action != v.core_action),
        platform=PLATFORM_LABELS.get(r.platform, r.platform),
        received=r.received_at,
        age=age_text(t, r.received_at, now),
        reasons=top_reasons(v.signals, lang) if v else [],
        decision=d.action if d else None,
        connected=r.status == "connected",
    )


@dataclass(frozen=True, slots=True)
class SignalView:
    """One signal row of the detail page."""

    id: str
    group: str
    weight: float
    reason: str
    evidence: str | None


@dataclass(frozen=True, slots=True)
class ProfileField:
    """One line of the sender's profile."""

    key: str
    value: str
    href: str | None = None


@dataclass
class DetailView:
    """The detail page's values."""

    id: str
    name: str
    note: str | None
    incoming: bool
    platform: str
    received: datetime | None
    age: str
    profile: list[ProfileField]
    category: str | None
    category_label: str
    confidence: float | None
    score: int | None
    action: str | None
    action_label: str
    core_action: str | None
    rule: str
    signals: list[SignalView]
    probabilities: list[tuple[str, str, float]]
    decision: Decision | None
    decisions: list[Decision] = field(default_factory=list)


_PROFILE_KEYS = (
    "headline", "job_title", "company", "location", "profile_url", "mutual_contacts",
    "connections_visible", "connections_count", "has_photo", "account_age_days",
)  # fmt: skip


def detail_view(d: Detail, lang: str, t: Callable[..., str], now: datetime) -> DetailView:
    """The detail page for one request."""
    r, p, v = d.request, d.person, d.verdict
    sender = (r.payload or {}).get("sender") or {}
    profile: list[ProfileField] = []
    for key in _PROFILE_KEYS:
        value = sender.get(key)
        if value is None or value == "":
            continue
        shown = (t("yes") if value else t("no")) if isinstance(value, bool) else str(value)
        profile.append(ProfileField(key, shown, safe_url(value) if key == "profile_url" else None))
    if not any(f.key == "profile_url" for f in profile) and p.profile_url:
        profile.append(ProfileField("profile_url", p.profile_url, safe_url(p.profile_url)))
    signals = [
        SignalView(
            str(s.get("id", "")),
            str(s.get("group", "")),
            float(s.get("weight", 0.0)),
            reason_in(s, lang),
            evidence_of_reason(str(s.get("reason_de" if lang == "de" else "reason_en") or "")),
        )
        for s in (v.signals if v else [])
    ]
    probs = sorted(
        ((c, float(pv)) for c, pv in (v.probabilities if v else {}).items()), key=lambda cp: -cp[1]
    )
    note = r.note if r.note and r.note.strip() else None
    return DetailView(
        id=r.public_id,
        name=person_name(p, r),
        note=note,
        incoming=r.direction == "incoming",
        platform=PLATFORM_LABELS.get(r.platform, r.platform),
        received=r.received_at,
        age=age_text(t, r.received_at, now),
        profile=profile,
        category=v.category if v else None,
        category_label=label(CATEGORY_LABELS, v.category, lang) if v else "",
        confidence=v.confidence if v else None,
        score=v.score if v else None,
        action=v.action if v else None,
        action_label=label(ACTION_LABELS, v.action, lang) if v else "",
        core_action=v.core_action if v else None,
        rule=v.policy_rule if v else "",
        signals=signals,
        probabilities=[(c, label(CATEGORY_LABELS, c, lang), pv) for c, pv in probs],
        decision=d.decision,
        decisions=d.decisions,
    )


def make_draft(
    renderer: ReplyRenderer, request: Request, verdict: Verdict | None, action: str | None
) -> Draft | None:
    """The reply draft for `action` (default: the recommended one), or None when there is no verdict."""
    if verdict is None:
        return None
    try:
        act = Action(action) if action else Action(verdict.action)
    except ValueError:
        act = Action(verdict.action)
    req = parse_request(request.payload or {"id": request.public_id})
    try:
        return renderer.draft(req, None, action=act, category=Category(verdict.category), lang=verdict.lang)
    except ReplyError:
        return None


@dataclass(frozen=True, slots=True)
class UndoView:
    """The newest undoable decision, shown in the undo bar."""

    decision_id: int
    request_id: str
    name: str
    action: str
    action_label: str


def undo_view(found: RecentDecision | None, lang: str) -> UndoView | None:
    """The undo bar's content."""
    if found is None:
        return None
    return UndoView(
        found.decision.id,
        found.request.public_id,
        person_name(found.person, found.request),
        found.decision.action,
        label(ACTION_LABELS, found.decision.action, lang),
    )


__all__ = [
    "DetailView",
    "ItemView",
    "ProfileField",
    "SignalView",
    "UndoView",
    "detail_view",
    "item_view",
    "make_draft",
    "person_name",
    "reason_in",
    "top_reasons",
    "undo_view",
]
