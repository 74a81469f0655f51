"""The web app's reads and writes of the inbox that the store's repository does not offer: filtered and
paged listing, undo, statistics, re-screening after a policy change, and learning after a decision.

Everything here works on the store's own SQLAlchemy models and reuses its repository functions; it
adds queries, not tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Select, String, case, cast, delete, func, or_, select
from sqlalchemy.orm import Session

from ..contract import parse_request
from ..learn import Evidence, choose, gate, train
from ..policy import Policy
from ..screener import Screener
from ..sent import BANDS, NO_NOTE, band_of
from ..settings import Settings
from ..store.models import Connection, Decision, Owner, Person, Request, Verdict
from ..store.repository import (
    ATTENTION,
    INCOMING,
    OUTGOING,
    PENDING,
    InboxItem,
    apply_personal_layer,
    decision_count,
    load_personal_layer,
    save_personal_layer,
    training_data,
    verdict_values,
)

State = Literal["todo", "decided", "all"]
STATES: tuple[State, ...] = ("todo", "decided", "all")


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """What the inbox shows: search terms, category, platform, decided or not, and a date range."""

    q: str = ""
    category: str | None = None
    platform: str | None = None
    state: State = "todo"
    since: date | None = None
    until: date | None = None

    def is_default(self) -> bool:
        """Whether nothing narrows the default view."""
        return self == InboxFilter()


def _latest_decision_ids() -> Any:
    return (
        select(Decision.request_id.label("request_id"), func.max(Decision.id).label("did"))
        .group_by(Decision.request_id)
        .subquery()
    )


def _filtered(f: InboxFilter) -> tuple[Select[Request, Person, Verdict, Decision], Any]:
    latest = _latest_decision_ids()
    stmt: Select[Request, Person, Verdict, Decision] = (
        select(Request, Person, Verdict, Decision)
        .join(Person, Person.id == Request.person_id)
        .outerjoin(Verdict, Verdict.request_id == Request.id)
        .outerjoin(latest, latest.c.request_id == Request.id)
        .outerjoin(Decision, Decision.id == latest.c.did)
        .where(Request.direction == INCOMING)
    )
    if f.state == "todo":
        stmt = stmt.where(latest.c.did.is_(None), Request.status == PENDING)
    elif f.state == "decided":
        stmt = stmt.where(latest.c.did.is_not(None))
    if f.category:
        stmt = stmt.where(Verdict.category == f.category)
    if f.platform:
        stmt = stmt.where(Request.platform == f.platform)
    if f.since is not None:
        stmt = stmt.where(Request.received_at >= datetime.combine(f.since, time.min, UTC))
    if f.until is not None:
        stmt = stmt.where(Request.received_at < datetime.combine(f.until + timedelta(days=1), time.min, UTC))
    for term in f.q.split()[:8]:
        stmt = stmt.where(
            or_(
                Request.note.icontains(term, autoescape=True),
                Person.name.icontains(term, autoescape=True),
                cast(Request.payload, String).icontains(term, autoescape=True),
            )
        )
    return stmt, latest


def _attention_rank() -> Any:
    return case(
        *[(Verdict.category == cat, rank) for cat, rank in ATTENTION.items()],
        else_=case((Verdict.request_id.is_(None), 99), else_=50),
    )


def list_inbox(
    session: Session, f: InboxFilter, *, limit: int, offset: int = 0
) -> tuple[list[InboxItem], int]:
    """One page of incoming requests matching `f`, most urgent first (as the store's attention order),
    and how many match in all."""
    stmt, _ = _filtered(f)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    ordered = stmt.order_by(
        _attention_rank(),
        Verdict.score.desc(),
        Request.received_at.is_(None),
        Request.received_at.desc(),
        Request.public_id,
    )
    rows = session.execute(ordered.limit(limit).offset(offset)).all()
    return [InboxItem(r, p, v, d) for r, p, v, d in rows], total


@dataclass(frozen=True, slots=True)
class Detail:
    """One request with everything the detail page shows."""

    request: Request
    person: Person
    verdict: Verdict | None
    decisions: list[Decision]

    @property
    def decision(self) -> Decision | None:
        """The current (newest) decision."""
        return self.decisions[0] if self.decisions else None


def request_detail(session: Session, public_id: str) -> Detail | None:
    """A request by its public id, with its person, verdict and decisions (newest first)."""
    row = session.execute(
        select(Request, Person, Verdict)
        .join(Person, Person.id == Request.person_id)
        .outerjoin(Verdict, Verdict.request_id == Request.id)
        .where(Request.public_id == public_id)
    ).first()
    if row is None:
        return None
    req, person, verdict = row
    decisions = list(
        session.scalars(select(Decision).where(Decision.request_id == req.id).order_by(Decision.id.desc()))
    )
    return Detail(req, person, verdict, decisions)


@dataclass(frozen=True, slots=True)
class RecentDecision:
    """A decision with the request and person it was about."""

    decision: Decision
    request: Request
    person: Person


def recent_decision(session: Session, since: datetime) -> RecentDecision | None:
    """The newest decision made at or after `since` that is still the current one of its request."""
    latest = _latest_decision_ids()
    row = session.execute(
        select(Decision, Request, Person)
        .join(latest, latest.c.did == Decision.id)
        .join(Request, Request.id == Decision.request_id)
        .join(Person, Person.id == Request.person_id)
        .where(Decision.decided_at >= since)
        .order_by(Decision.id.desc())
        .limit(1)
    ).first()
    return RecentDecision(*row) if row is not None else None


def decision_with_request(session: Session, decision_id: int) -> RecentDecision | None:
    """A decision by id with its request and person."""
    row = session.execute(
        select(Decision, Request, Person)
        .join(Request, Request.id == Decision.request_id)
        .join(Person, Person.id == Request.person_id)
        .where(Decision.id == decision_id)
    ).first()
    return RecentDecision(*row) if row is not None else None


class UndoError(ValueError):
    """The decision cannot be undone: it does not exist or a newer one replaced it."""

    def __init__(self, reason: Literal["gone", "stale"]) -> None:
        self.reason = reason
        super().__init__(reason)


def undo_decision(session: Session, decision_id: int) -> RecentDecision:
    """Delete a decision so the request is undecided again (or back to its previous decision).

    Only the newest decision of a request can be undone, so undo never reorders history.
    """
    found = decision_with_request(session, decision_id)
    if found is None:
        raise UndoError("gone")
    newest = session.scalar(select(func.max(Decision.id)).where(Decision.request_id == found.request.id))
    if newest != decision_id:
        raise UndoError("stale")
    session.execute(delete(Decision).where(Decision.id == decision_id))
    return found


def next_todo(session: Session, exclude: str) -> str | None:
    """The public id of the most urgent undecided request other than `exclude`."""
    items, _ = list_inbox(session, InboxFilter(), limit=2)
    for it in items:
        if it.request.public_id != exclude:
            return it.request.public_id
    return None


# --- learning and re-screening -------------------------------------------------------------------


def maybe_learn(session: Session, settings: Settings, policy: Policy, now: datetime) -> str | None:
    """Retrain the personal layer when enough new decisions arrived (as `kontaktfilter decide` does)."""
    count = decision_count(session)
    if count < settings.learn_min_decisions:
        return None
    current = load_personal_layer(session)
    if current is not None and count - current.n_decisions < settings.learn_every:
        return None
    evidence, actions = training_data(session)
    layer = train(evidence, actions, min_decisions=settings.learn_min_decisions)
    save_personal_layer(session, layer, now)
    changed = apply_personal_layer(session, policy, layer)
    if layer is None:
        return gate(actions, settings.learn_min_decisions).reason
    return f"trained on {layer.n_decisions} decisions, {changed} recommendation(s) changed"


def rescreen_pending(session: Session, screener: Screener, now: datetime) -> int:
    """Screen every undecided incoming request again (after the policy changed); returns how many."""
    latest = _latest_decision_ids()
    rows = session.execute(
        select(Request.id, Request.payload, Request.note)
        .outerjoin(latest, latest.c.request_id == Request.id)
        .where(Request.direction == INCOMING, latest.c.did.is_(None))
        .order_by(Request.id)
    ).all()
    if not rows:
        return 0
    layer = load_personal_layer(session)
    done = 0
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        requests = [parse_request(payload) for _, payload, _ in batch]
        verdicts = screener.screen_many(requests)
        evidence = [
            Evidence.from_verdict(v, bool(note and note.strip()))
            for (_, _, note), v in zip(batch, verdicts, strict=True)
        ]
        choices = choose(evidence, [v.action for v in verdicts], screener.policy, layer)
        ids = [rid for rid, _, _ in batch]
        session.execute(delete(Verdict).where(Verdict.request_id.in_(ids)))
        session.add_all(
            Verdict(request_id=rid, **verdict_values(v, c.action, now))
            for rid, v, c in zip(ids, verdicts, choices, strict=True)
        )
        session.flush()
        done += len(batch)
    return done


# --- statistics ----------------------------------------------------------------------------------


@dataclass
class WeekRow:
    """One week's incoming requests by category, and how many had no note."""

    week: date
    by_category: dict[str, int] = field(default_factory=dict)
    no_note: int = 0

    @property
    def total(self) -> int:
        """All requests of the week."""
        return sum(self.by_category.values())


@dataclass
class SentRates:
    """Acceptance of the owner's own invitations: all, with and without a note, and by coach band."""

    total: tuple[int, int] = (0, 0)
    with_note: tuple[int, int] = (0, 0)
    without_note: tuple[int, int] = (0, 0)
    by_band: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Stats:
    """Everything the statistics page and GET /api/v1/stats show."""

    incoming: int
    decided: int
    no_note: int
    weeks: list[WeekRow]
    pitch_phrases: list[tuple[str, int]]
    sent: SentRates


def evidence_of_reason(reason: str) -> str | None:
    """The evidence a signal quoted at the end of its reason (`… [15 minuten]`), or None."""
    if reason.endswith("]") and " [" in reason:
        return reason.rsplit(" [", 1)[1][:-1].strip() or None
    return None


def plain_reason(reason: str) -> str:
    """A reason without its trailing evidence."""
    return reason.rsplit(" [", 1)[0] if reason.endswith("]") and " [" in reason else reason


def week_start(d: date) -> date:
    """The Monday of `d`'s ISO week."""
    return d - timedelta(days=d.weekday())


def compute_stats(session: Session, sent_scores: SentScorer | None = None, max_weeks: int = 26) -> Stats:
    """Weekly counts by category, the share without a note, the top pitch phrases and the acceptance of
    the owner's own invitations."""
    no_note_expr = case((or_(Request.note.is_(None), func.trim(Request.note) == ""), 1), else_=0)
    rows = session.execute(
        select(Request.received_at, Verdict.category, no_note_expr, Verdict.signals)
        .outerjoin(Verdict, Verdict.request_id == Request.id)
        .where(Request.direction == INCOMING)
    ).all()
    weeks: dict[date, WeekRow] = {}
    phrases: Counter[str] = Counter()
    no_note_total = 0
    for received, category, no_note, signals in rows:
        no_note_total += int(no_note)
        if received is not None:
            wk = week_start(received.astimezone(UTC).date())
            row = weeks.setdefault(wk, WeekRow(wk))
            key = category or "unscreened"
            row.by_category[key] = row.by_category.get(key, 0) + 1
            row.no_note += int(no_note)
        for s in signals or ():
            if s.get("group") == "pitch":
                ev = evidence_of_reason(str(s.get("reason_en") or ""))
                if ev:
                    phrases[ev.casefold()] += 1
    decided = int(
        session.scalar(
            select(func.count(func.distinct(Decision.request_id)))
            .join(Request, Request.id == Decision.request_id)
            .where(Request.direction == INCOMING)
        )
        or 0
    )
    ordered = [weeks[k] for k in sorted(weeks)][-max_weeks:]
    return Stats(
        incoming=len(rows),
        decided=decided,
        no_note=no_note_total,
        weeks=ordered,
        pitch_phrases=phrases.most_common(10),
        sent=sent_rates(session, sent_scores),
    )


class SentScorer:
    """Scores the owner's own notes with the coach (as `kontaktfilter sent` does), remembering results."""

    def __init__(self, coach_factory: Any) -> None:
        self._factory = coach_factory
        self._coach: Any = None
        self._cache: dict[tuple[str, str | None, str | None, str | None], int] = {}

    def scores(self, items: Sequence[tuple[str, str | None, str | None, str | None]]) -> list[int]:
        """Coach scores for (note, recipient name, owner name, owner headline) tuples."""
        from ..coach import DraftNote, RecipientProfile
        from ..model import Platform, SenderProfile

        missing = [it for it in dict.fromkeys(items) if it not in self._cache]
        if missing:
            if self._coach is None:
                self._coach = self._factory()
            drafts = [
                DraftNote(
                    note=note,
                    recipient=RecipientProfile(name=to_name),
                    sender=SenderProfile(name=me, headline=headline),
                    platform=Platform.LINKEDIN,
                )
                for note, to_name, me, headline in missing
            ]
            for it, rep in zip(missing, self._coach.check_many(drafts), strict=True):
                self._cache[it] = int(rep.score)
        return [self._cache[it] for it in items]


def sent_rates(session: Session, scorer: SentScorer | None) -> SentRates:
    """Acceptance of outgoing invitations: accepted when the invitee became a connection no earlier
    than the day before the invitation (as `kontaktfilter sent` counts)."""
    rows = session.execute(
        select(Request.note, Request.received_at, Request.payload, Connection.connected_on)
        .outerjoin(Connection, Connection.person_id == Request.person_id)
        .where(Request.direction == OUTGOING)
    ).all()
    out = SentRates()
    if not rows:
        return out
    owner = session.get(Owner, 1)
    me = f"{owner.first_name or ''} {owner.last_name or ''}".strip() or None if owner else None
    headline = owner.headline if owner else None

    def add(pair: tuple[int, int], accepted: bool) -> tuple[int, int]:
        return pair[0] + 1, pair[1] + int(accepted)

    noted: list[tuple[str, str | None, str | None, str | None]] = []
    outcomes: list[tuple[bool, bool]] = []
    for note, sent_at, payload, connected_on in rows:
        accepted = connected_on is not None and (
            sent_at is None or connected_on >= sent_at.astimezone(UTC).date() - timedelta(days=1)
        )
        has_note = bool(note and note.strip())
        outcomes.append((accepted, has_note))
        out.total = add(out.total, accepted)
        if has_note:
            out.with_note = add(out.with_note, accepted)
            to_name = ((payload or {}).get("recipient") or {}).get("name")
            noted.append((str(note), to_name if isinstance(to_name, str) else None, me, headline))
        else:
            out.without_note = add(out.without_note, accepted)
    bands: dict[str, tuple[int, int]] = {label: (0, 0) for label, _, _ in BANDS}
    bands[NO_NOTE] = out.without_note
    if scorer is not None and noted:
        scores = iter(scorer.scores(noted))
        for accepted, has_note in outcomes:
            if has_note:
                b = band_of(next(scores))
                bands[b] = add(bands[b], accepted)
        out.by_band = bands
    return out


__all__ = [
    "STATES",
    "Detail",
    "InboxFilter",
    "RecentDecision",
    "SentRates",
    "SentScorer",
    "State",
    "Stats",
    "UndoError",
    "WeekRow",
    "compute_stats",
    "decision_with_request",
    "evidence_of_reason",
    "list_inbox",
    "maybe_learn",
    "next_todo",
    "plain_reason",
    "recent_decision",
    "request_detail",
    "rescreen_pending",
    "sent_rates",
    "undo_decision",
    "week_start",
]
