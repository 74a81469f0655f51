"""Reads and writes of the inbox beyond importing: verdict rows, the inbox listing, decisions, the
personal layer's training data and parameters, and the owner."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, exists, func, select, update
from sqlalchemy.orm import Session

from ..learn import Evidence, Gate, PersonalLayer, choose, gate, train
from ..model import CATEGORIES, Action, Category
from ..model import Verdict as CoreVerdict
from ..policy import Policy
from ..reminders import AskBack, Contact, NewConnection
from .models import Connection, Decision, Message, Owner, Person, PersonalModel, Request, Verdict

INCOMING = "incoming"
OUTGOING = "outgoing"
PENDING = "pending"
CONNECTED = "connected"


_CATEGORY_IDS = tuple(c.value for c in CATEGORIES)


def _probabilities(probs: dict[Category, float]) -> dict[str, float]:
    # The screener fills them in CATEGORIES order; looking members up would call Enum.__hash__.
    values = probs.values() if tuple(probs) == CATEGORIES else [probs[c] for c in CATEGORIES]
    return dict(zip(_CATEGORY_IDS, [int(p * 1e6 + 0.5) / 1e6 for p in values], strict=True))


def verdict_values(v: CoreVerdict, action: Action, now: datetime) -> dict[str, Any]:
    """A verdict row's columns (without request_id) from the screener's verdict and the final action."""
    # Hot path of every import (one call per screened request): plain strings, no enum look-ups, and
    # no round(): with ndigits it costs microseconds per float (the arithmetic gives the same digits).
    return {
        "category": v.category.value,
        "confidence": float(v.confidence),
        "score": int(v.score),
        "core_action": v.action.value,
        "action": action.value,
        "lang": v.lang,
        "signals": [
            {
                "id": h.id,
                "group": h.group,
                "weight": math.floor(h.weight * 1e4 + 0.5) / 1e4,
                "reason_de": h.reason_de,
                "reason_en": h.reason_en,
            }
            for h in v.signals
        ],
        "probabilities": _probabilities(v.probabilities),
        "model": v.model,
        "policy_rule": v.policy_rule,
        "screened_at": now,
    }


def evidence_of(verdict: Verdict, note: str | None) -> Evidence:
    """What the personal layer reads of a stored verdict."""
    return Evidence.from_stored(
        verdict.probabilities, verdict.score, verdict.signals, bool(note and note.strip())
    )


# --- owner ---------------------------------------------------------------------------------------


def get_owner(session: Session) -> Owner | None:
    """The inbox's owner, if an export said who they are."""
    return session.get(Owner, 1)


def owner_name(owner: Owner | None) -> str | None:
    """The owner's full name, or None."""
    if owner is None:
        return None
    full = f"{owner.first_name or ''} {owner.last_name or ''}".strip()
    return full or None


# --- the inbox -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One incoming request as the inbox shows it."""

    request: Request
    person: Person
    verdict: Verdict | None
    decision: Decision | None


def latest_decisions(session: Session, request_ids: Sequence[int] | None = None) -> dict[int, Decision]:
    """The newest decision per request (all requests, or the given ones)."""
    newest = select(Decision.request_id, func.max(Decision.id).label("id")).group_by(Decision.request_id)
    if request_ids is not None:
        newest = newest.where(Decision.request_id.in_(request_ids))
    sub = newest.subquery()
    rows = session.scalars(select(Decision).join(sub, Decision.id == sub.c.id))
    return {d.request_id: d for d in rows}


def inbox_items(session: Session, *, include_all: bool = False) -> list[InboxItem]:
    """Incoming requests, pending and undecided unless `include_all`, in no particular order."""
    stmt = (
        select(Request, Person, Verdict)
        .join(Person, Person.id == Request.person_id)
        .outerjoin(Verdict, Verdict.request_id == Request.id)
        .where(Request.direction == INCOMING)
    )
    if not include_all:
        stmt = stmt.where(Request.status == PENDING)
    rows = session.execute(stmt).all()
    decided = latest_decisions(session)
    out = [InboxItem(r, p, v, decided.get(r.id)) for r, p, v in rows]
    if not include_all:
        out = [i for i in out if i.decision is None]
    return out


# Scams first (to block), then the good requests, then the rest; within a category by score.
ATTENTION = {
    Category.SCAM.value: 0, Category.PERSONAL_KNOWN.value: 1, Category.RELEVANT_BUSINESS.value: 2,
    Category.RECRUITER.value: 3, Category.ROMANTIC_PRIVATE.value: 4, Category.COLLECTOR_GENERIC.value: 5,
    Category.SALES_PITCH.value: 6,
}  # fmt: skip


def attention_order(items: Sequence[InboxItem]) -> list[InboxItem]:
    """Most urgent first: scams and good requests at the top, newest first among equals."""

    def key(i: InboxItem) -> tuple[int, int, float, str]:
        v = i.verdict
        received = i.request.received_at.timestamp() if i.request.received_at else 0.0
        if v is None:
            return (99, 0, -received, i.request.public_id)
        return (ATTENTION.get(v.category, 50), -v.score, -received, i.request.public_id)

    return sorted(items, key=key)


def inbox_page(session: Session, *, include_all: bool = False, limit: int | None = None) -> list[InboxItem]:
    """Incoming requests in attention order, sorted and limited by the database (fast on big inboxes)."""
    rank = case(*[(Verdict.category == cat, r) for cat, r in ATTENTION.items()], else_=50)
    decided = exists().where(Decision.request_id == Request.id)
    stmt = (
        select(Request, Person, Verdict)
        .join(Person, Person.id == Request.person_id)
        .outerjoin(Verdict, Verdict.request_id == Request.id)
        .where(Request.direction == INCOMING)
        .order_by(
            Verdict.request_id.is_(None),
            rank,
            Verdict.score.desc(),
            Request.received_at.desc().nulls_last(),
            Request.public_id,
        )
        .limit(limit)
    )
    if not include_all:
        stmt = stmt.where(Request.status == PENDING, ~decided)
    rows = session.execute(stmt).all()
    latest = latest_decisions(session, [r.id for r, _, _ in rows]) if include_all else {}
    return [InboxItem(r, p, v, latest.get(r.id)) for r, p, v in rows]


def find_request(session: Session, public_id: str) -> Request | None:
    """A request by the id the inbox shows."""
    return session.scalars(select(Request).where(Request.public_id == public_id)).one_or_none()


def record_decision(
    session: Session, request: Request, action: Action, note: str | None, now: datetime
) -> Decision:
    """Store the owner's decision; it is a correction when it differs from the recommended action."""
    verdict = session.get(Verdict, request.id)
    recommended = verdict.action if verdict is not None else None
    decision = Decision(
        request_id=request.id,
        action=action.value,
        recommended=recommended,
        correction=recommended is not None and recommended != action.value,
        note=note,
        decided_at=now,
    )
    session.add(decision)
    session.flush()
    return decision


def decision_count(session: Session) -> int:
    """How many requests have a decision (re-deciding a request does not count twice)."""
    return int(session.scalar(select(func.count(func.distinct(Decision.request_id)))) or 0)


# --- the personal layer --------------------------------------------------------------------------


def training_data(session: Session) -> tuple[list[Evidence], list[Action]]:
    """Each decided request's stored verdict and the owner's latest action on it."""
    decided = latest_decisions(session)
    if not decided:
        return [], []
    rows = session.execute(
        select(Verdict, Request.note, Request.id)
        .join(Request, Request.id == Verdict.request_id)
        .where(Verdict.request_id.in_(list(decided)))
        .order_by(Request.id)
    ).all()
    evidence = [evidence_of(v, note) for v, note, _ in rows]
    actions = [Action(decided[rid].action) for _, _, rid in rows]
    return evidence, actions


def load_personal_layer(session: Session) -> PersonalLayer | None:
    """The newest trained personal layer, or None."""
    row = session.scalars(select(PersonalModel).order_by(PersonalModel.id.desc()).limit(1)).first()
    return PersonalLayer.from_params(row.params) if row is not None else None


def save_personal_layer(session: Session, layer: PersonalLayer | None, now: datetime) -> None:
    """Replace the stored personal layer (None removes it: the gate closed again, e.g. after forget)."""
    session.execute(delete(PersonalModel))
    if layer is not None:
        session.add(PersonalModel(trained_at=now, n_decisions=layer.n_decisions, params=layer.to_params()))
        session.flush()


def apply_personal_layer(session: Session, policy: Policy, layer: PersonalLayer | None) -> int:
    """Recompute the recommended action of every undecided incoming request; returns how many changed."""
    decided = set(latest_decisions(session))
    rows = [
        (v, note)
        for v, note, rid in session.execute(
            select(Verdict, Request.note, Request.id)
            .join(Request, Request.id == Verdict.request_id)
            .where(Request.direction == INCOMING)
        ).all()
        if rid not in decided
    ]
    if not rows:
        return 0
    choices = choose(
        [evidence_of(v, note) for v, note in rows], [Action(v.core_action) for v, _ in rows], policy, layer
    )
    changes = [
        {"rid": v.request_id, "new_action": c.action.value}
        for (v, _), c in zip(rows, choices, strict=True)
        if c.action.value != v.action
    ]
    if changes:
        table = Verdict.__table__
        assert isinstance(table, Table)
        stmt = (
            update(table).where(table.c.request_id == bindparam("rid")).values(action=bindparam("new_action"))
        )
        session.connection().execute(stmt, changes)
    return len(changes)


@dataclass(frozen=True, slots=True)
class Retrained:
    """The outcome of retraining: the layer in use now (None: gate closed), why, and what changed."""

    layer: PersonalLayer | None
    gate: Gate
    changed: int


def retrain_personal_layer(
    session: Session, policy: Policy, *, min_decisions: int, now: datetime
) -> Retrained:
    """Fit the personal layer on every decision, store it, and update the undecided recommendations."""
    evidence, actions = training_data(session)
    layer = train(evidence, actions, min_decisions=min_decisions)
    save_personal_layer(session, layer, now)
    changed = apply_personal_layer(session, policy, layer)
    return Retrained(layer, gate(actions, min_decisions), changed)


def learning_due(session: Session, *, min_decisions: int, every: int) -> bool:
    """Whether enough new decisions arrived since the layer was last trained."""
    count = decision_count(session)
    if count < min_decisions:
        return False
    current = load_personal_layer(session)
    return current is None or count - current.n_decisions >= every


# --- reminders -----------------------------------------------------------------------------------


def reminder_inputs(session: Session) -> tuple[list[AskBack], list[NewConnection], list[Contact]]:
    """The owner's open ask-backs, their connections, and every message with a known person."""
    decided = latest_decisions(session)
    asked = {rid: d for rid, d in decided.items() if d.action == Action.ASK_BACK.value}
    ask_backs: list[AskBack] = []
    if asked:
        rows = session.execute(
            select(Request.id, Request.public_id, Request.person_id, Request.status, Person.name, Person.key)
            .join(Person, Person.id == Request.person_id)
            .where(Request.id.in_(list(asked)))
        ).all()
        for rid, public_id, pid, status, name, key in rows:
            ask_backs.append(AskBack(public_id, pid, name or key, asked[rid].decided_at, status == PENDING))
    connections = [
        NewConnection(pid, f"{first} {last}".strip() or key, on)
        for pid, first, last, key, on in session.execute(
            select(
                Connection.person_id,
                Connection.first_name,
                Connection.last_name,
                Person.key,
                Connection.connected_on,
            ).join(Person, Person.id == Connection.person_id)
        ).all()
    ]
    sent = select(Message.person_id, Message.direction, Message.sent_at)
    contacts = [Contact(pid, d, at) for pid, d, at in session.execute(sent).all() if pid is not None]
    return ask_backs, connections, contacts


__all__ = [
    "ATTENTION",
    "CONNECTED",
    "INCOMING",
    "OUTGOING",
    "PENDING",
    "InboxItem",
    "Retrained",
    "apply_personal_layer",
    "attention_order",
    "decision_count",
    "evidence_of",
    "find_request",
    "get_owner",
    "inbox_items",
    "inbox_page",
    "latest_decisions",
    "learning_due",
    "load_personal_layer",
    "owner_name",
    "record_decision",
    "reminder_inputs",
    "retrain_personal_layer",
    "save_personal_layer",
    "training_data",
    "verdict_values",
]
