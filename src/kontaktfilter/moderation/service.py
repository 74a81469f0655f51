"""The moderation service: the pure engine driven over a durable store and a state cache.

Every change to a sender happens in one database transaction that first locks the sender's head row,
so workers on many machines serialise per sender and never per batch. Events that arrive in order of
effect are applied to the cached bounded state; an event that arrives late (its key sorts before what
was already applied) makes the service recompute that one sender from its durable log, which gives
exactly what the reference gets by applying everything in (at, id) order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from .clock import Clock, system_clock
from .engine import (
    BAN,
    BANNED_NOW,
    LIFT,
    REASONS,
    SHORTEN,
    SUSPENDED_NOW,
    Appeal,
    Engine,
    Sanction,
    SenderState,
    item_key,
)
from .events import Event, EventError, format_timestamp, parse_event
from .policy import Policy
from .state import StateCache, StateUnavailable, StateWrite
from .store import AuditEntry, Head, SqlStore, appeal_item_id, digest, event_item_id

__all__ = [
    "AppealInvalid",
    "AppealOutcome",
    "AppealRejected",
    "DatabaseUnavailable",
    "ItemResult",
    "ModerationService",
    "SenderStatus",
    "StateUnavailable",
]

T = TypeVar("T")
Faults = Callable[[str], None]

IMPOSED = "sanction_imposed"
WITHDRAWN = "sanction_withdrawn"
REVISED = "sanction_revised"


class AppealRejected(ValueError):
    """An appeal that cannot apply now (no sanction in force, or it would not shorten anything)."""


class AppealInvalid(AppealRejected):
    """An appeal request that is malformed whatever the state (unknown action, no reason, bad until)."""


class DatabaseUnavailable(RuntimeError):
    """The durable store cannot be reached; nothing of the current request was stored."""


@dataclass(slots=True)
class ItemResult:
    """What happened to one submitted event."""

    index: int
    id: str | None
    status: str  # applied | duplicate | rejected
    decision: str | None = None
    reason: str | None = None
    field: str | None = None


@dataclass(slots=True)
class SenderStatus:
    """A sender as seen at a moment: status, current count, sanction end, and history."""

    sender: str
    at: int
    known: bool
    status: str  # active | suspended | banned
    until: int | None
    count: int
    threshold: int
    invitations: int
    invitation_limit: int
    sanction: Sanction | None
    sanctions: list[Sanction] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)


@dataclass(slots=True)
class AppealOutcome:
    """The appeal as recorded and the sanction after it."""

    appeal: Appeal
    sanction: Sanction
    previous_end: int | None


def _noop_fault(_checkpoint: str) -> None:
    return None


def _retryable(exc: DBAPIError) -> bool:
    # Deadlock or serialisation failure in PostgreSQL; the whole transaction can simply run again.
    return getattr(exc.orig, "sqlstate", None) in {"40P01", "40001"}


def _state_write(sender: str, token: str | None, st: SenderState) -> StateWrite:
    s = st.sanction
    return StateWrite(
        sender,
        token,
        st.to_json(),
        "" if s is None else s.kind,
        None if s is None else s.start,
        None if s is None else s.end,
    )


class ModerationService:
    """Ingest, status, appeals and audit over one store and one state cache (the backend)."""

    def __init__(
        self,
        store: SqlStore,
        cache: StateCache,
        policy: Policy,
        clock: Clock = system_clock,
        faults: Faults = _noop_fault,
        attempts: int = 5,
    ) -> None:
        self.store = store
        self.cache = cache
        self.engine = Engine(policy)
        self.policy = policy
        self.clock = clock
        self._faults = faults
        self._attempts = attempts
        # SQLite has one writer anyway; queueing threads here is cheaper than busy-waiting in SQLite.
        self._lock: threading.Lock | None = threading.Lock() if store.dialect == "sqlite" else None

    # -- transactions ----------------------------------------------------------------------------------
    def _transaction(self, work: Callable[[Connection], T]) -> T:
        for attempt in range(self._attempts):
            try:
                if self._lock is None:
                    with self.store.begin() as conn:
                        return work(conn)
                with self._lock, self.store.begin() as conn:
                    return work(conn)
            except OperationalError as exc:
                if _retryable(exc) and attempt + 1 < self._attempts:
                    continue
                raise DatabaseUnavailable(f"database error: {exc.orig}") from exc
            except DBAPIError as exc:
                if _retryable(exc) and attempt + 1 < self._attempts:
                    continue
                raise
        raise AssertionError("unreachable")

    # -- state ---------------------------------------------------------------------------------------------
    def _trusted_state(self, sender: str, head: Head, cached: dict[str, str]) -> SenderState | None:
        text = cached.get(sender)
        if text is not None:
            return self.engine.state_from_json(sender, text)
        if head.n_items == 0:
            return self.engine.new_state()
        return None

    def _sender_items(self, conn: Connection, sender: str) -> list[Event | Appeal]:
        items: list[Event | Appeal] = [
            *self.store.sender_events(conn, sender),
            *self.store.sender_appeals(conn, sender),
        ]
        items.sort(key=item_key)
        return items

    def _recompute(
        self,
        conn: Connection,
        sender: str,
        extra: Sequence[Event | Appeal],
        cause: str,
        now: int,
        audit: list[AuditEntry],
    ) -> tuple[SenderState, str, dict[str, str], dict[str, tuple[Sanction, int | None] | None]]:
        """Refolds one sender from its durable log plus `extra`, rewrites its sanctions, audits the diff."""
        items = self._sender_items(conn, sender)
        items.extend(extra)
        items.sort(key=item_key)
        result = self.engine.fold(items)
        st = result.states.get(sender) or self.engine.new_state()
        old = self.store.sender_sanctions(conn, sender)
        new = result.sanctions
        audit.extend(_diff(old, new, now, cause))
        if [_row_key(s) for s in old] != [_row_key(s) for s in new]:
            self.store.replace_sanctions(conn, sender, new)
        token = digest(event_item_id(i.id) if isinstance(i, Event) else appeal_item_id(i.id) for i in items)
        assert token is not None
        return st, token, result.decisions, result.appeal_effects

    # -- ingest ----------------------------------------------------------------------------------------------
    def ingest(self, raw_items: Sequence[Any]) -> list[ItemResult]:
        """Validates and applies decoded JSON events; one result per item, bad ones rejected with the reason."""
        results: list[ItemResult | None] = [None] * len(raw_items)
        events: list[Event] = []
        positions: list[int] = []
        for index, obj in enumerate(raw_items):
            try:
                events.append(parse_event(obj))
                positions.append(index)
            except EventError as exc:
                raw_id = obj.get("id") if isinstance(obj, dict) else None
                results[index] = ItemResult(
                    index,
                    raw_id if isinstance(raw_id, str) else None,
                    "rejected",
                    None,
                    exc.message,
                    exc.field,
                )
        for index, result in zip(positions, self.ingest_events(events), strict=True):
            result.index = index
            results[index] = result
        return [r for r in results if r is not None]

    def ingest_events(self, events: Sequence[Event]) -> list[ItemResult]:
        """Applies validated events atomically (all or nothing per call); idempotent by id."""
        first: dict[str, Event] = {}
        unique: list[Event] = []
        for event in events:
            seen = first.get(event.id)
            if seen is None:
                first[event.id] = event
                unique.append(event)
        outcome = self._transaction(lambda conn: self._ingest(conn, unique)) if unique else {}
        results: list[ItemResult] = []
        reported: set[str] = set()
        for index, event in enumerate(events):
            if first[event.id] != event:
                results.append(
                    ItemResult(
                        index,
                        event.id,
                        "rejected",
                        None,
                        "id already used in this batch by a different event",
                        "id",
                    )
                )
                continue
            status, decision, reason, fld = outcome[event.id]
            if event.id in reported and status == "applied":
                status = "duplicate"
            reported.add(event.id)
            results.append(ItemResult(index, event.id, status, decision, reason, fld))
        return results

    def _ingest(
        self, conn: Connection, events: list[Event]
    ) -> dict[str, tuple[str, str | None, str | None, str | None]]:
        now = self.clock()
        heads = self.store.lock_senders(conn, [e.sender for e in events])
        existing = self.store.find_events(conn, [e.id for e in events])
        outcome: dict[str, tuple[str, str | None, str | None, str | None]] = {}
        fresh: dict[str, list[Event]] = {}
        for event in events:
            stored = existing.get(event.id)
            if stored is None:
                fresh.setdefault(event.sender, []).append(event)
            elif stored[0] == event:
                decision = stored[1]
                outcome[event.id] = ("duplicate", decision, REASONS.get(decision or ""), None)
            else:
                outcome[event.id] = ("rejected", None, "id already used by a different stored event", "id")
        if not fresh:
            return outcome
        cached = self.cache.load({s: heads[s] for s in fresh})
        rows: list[tuple[Event, str | None]] = []
        new_sanctions: list[Sanction] = []
        audit: list[AuditEntry] = []
        writes: list[StateWrite] = []
        for sender, batch in fresh.items():
            batch.sort()
            head = heads[sender]
            st = self._trusted_state(sender, head, cached)
            if st is not None and (st.last_key is None or (batch[0].at, 0, batch[0].id) > st.last_key):
                token = digest((event_item_id(e.id) for e in batch), head.token)
                for event in batch:
                    decision = self.engine.apply_event(st, event)
                    rows.append((event, decision))
                    outcome[event.id] = ("applied", decision, REASONS[decision], None)
                    if decision is SUSPENDED_NOW or decision is BANNED_NOW:
                        assert st.sanction is not None
                        new_sanctions.append(st.sanction)
                        audit.append(_imposed(st.sanction, now, event.id))
            else:
                st, token, decisions, _ = self._recompute(conn, sender, batch, batch[0].id, now, audit)
                for event in batch:
                    decision = decisions[event.id]
                    rows.append((event, decision))
                    outcome[event.id] = ("applied", decision, REASONS[decision], None)
            head.token = token
            head.n_items += len(batch)
            head.last_at = batch[-1].at if head.last_at is None else max(head.last_at, batch[-1].at)
            head.state = st.to_json() if self.cache.in_sql else None
            writes.append(_state_write(sender, token, st))
        self.store.insert_events(conn, rows)
        self.store.upsert_sanctions(conn, new_sanctions)
        self.store.append_audit(conn, audit)
        self.store.update_heads(conn, [heads[s] for s in fresh])
        self._faults("after_log_write")
        self.cache.store(writes)
        self._faults("after_state_write")
        return outcome

    # -- appeals -----------------------------------------------------------------------------------------------
    def appeal(
        self, sender: str, action: str, reason: str, operator: str, until: int | None = None
    ) -> AppealOutcome:
        """Lifts or shortens the sanction in force now, recording who did it and why."""
        if action not in (LIFT, SHORTEN):
            raise AppealInvalid(f"action must be '{LIFT}' or '{SHORTEN}', got {action!r}")
        if not reason.strip():
            raise AppealInvalid("a reason is required")
        now = self.clock()
        if action == SHORTEN:
            if until is None:
                raise AppealInvalid("shorten needs 'until', the new end")
            if until <= now:
                raise AppealInvalid("'until' must be in the future; to end a sanction now, lift it")
        elif until is not None:
            raise AppealInvalid("'until' applies only to shorten")
        return self._transaction(
            lambda conn: self._appeal(conn, sender, action, reason, operator, until, now)
        )

    def _appeal(
        self,
        conn: Connection,
        sender: str,
        action: str,
        reason: str,
        operator: str,
        until: int | None,
        now: int,
    ) -> AppealOutcome:
        head = self.store.lock_senders(conn, [sender])[sender]
        st = self._trusted_state(sender, head, self.cache.load({sender: head}))
        future = st is None or (st.last_key is not None and st.last_key[0] > now)
        view = self._state_at(conn, sender, now) if future else st
        assert view is not None
        current = view.sanction
        if current is not None and current.end is not None and current.end <= now:
            current = None
        if current is None:
            raise AppealRejected(f"sender {sender!r} has no sanction in force at {format_timestamp(now)}")
        if action == SHORTEN and current.end is not None and until is not None and until >= current.end:
            raise AppealRejected(f"'until' must be before the current end {format_timestamp(current.end)}")
        appeal = self.store.insert_appeal(conn, sender, now, action, until, reason, operator)
        audit: list[AuditEntry] = []
        if st is not None and not future:
            effect = self.engine.apply_appeal(st, appeal)
            token = digest([appeal_item_id(appeal.id)], head.token)
            assert effect is not None
            self.store.upsert_sanctions(conn, [effect[0]])
        else:
            st, token, _, effects = self._recompute(conn, sender, [], appeal_item_id(appeal.id), now, audit)
            found = effects.get(appeal.id)
            assert found is not None
            effect = found
        sanction, previous = effect
        audit.append(
            AuditEntry(
                0,
                now,
                sender,
                "appeal_" + action,
                sanction.kind,
                sanction.seq,
                sanction.start,
                sanction.end,
                sanction.trigger_event,
                sanction.count,
                appeal_item_id(appeal.id),
                operator,
                reason,
                {"previous_end": previous, "until": until},
            )
        )
        self.store.append_audit(conn, audit)
        head.token = token
        head.n_items += 1
        head.state = st.to_json() if self.cache.in_sql else None
        self.store.update_heads(conn, [head])
        self.cache.store([_state_write(sender, token, st)])
        return AppealOutcome(appeal, sanction, previous)

    # -- reads -------------------------------------------------------------------------------------------------
    def _state_at(self, conn: Connection, sender: str, t: int) -> SenderState:
        """The sender's state after every item at or before t (a read-only refold)."""
        items = [i for i in self._sender_items(conn, sender) if i.at <= t]
        return self.engine.fold(items).states.get(sender) or self.engine.new_state()

    def sender_status(self, sender: str) -> SenderStatus:
        """Status, count, sanction end and history of a sender at the clock's now."""
        now = self.clock()
        with self.store.engine.connect() as conn:
            head = self.store.head(conn, sender)
            if head is None:
                st = self.engine.new_state()
            else:
                st = self._trusted_state(sender, head, self.cache.load({sender: head})) or self._state_at(
                    conn, sender, now
                )
                if st.last_key is not None and st.last_key[0] > now:
                    st = self._state_at(conn, sender, now)
            sanctions = self.store.sender_sanctions(conn, sender) if head else []
            appeals = self.store.sender_appeals(conn, sender) if head else []
        current = st.sanction if st.sanction is not None and st.sanction.in_force(now) else None
        status = "active" if current is None else ("banned" if current.kind == BAN else "suspended")
        return SenderStatus(
            sender,
            now,
            head is not None,
            status,
            None if current is None else current.end,
            self.engine.count_at(st, now),
            self.policy.threshold,
            self.engine.invitations_at(st, now),
            self.policy.invitation_limit,
            current,
            sanctions,
            appeals,
        )

    def sanctions(self, in_force: bool = False, limit: int | None = None) -> list[Sanction]:
        """All sanctions by start then sender, or only those in force now (the operators' review queue)."""
        with self.store.engine.connect() as conn:
            return self.store.sanctions(conn, self.clock() if in_force else None, limit)

    def audit(self, sender: str | None = None, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Audit entries after a cursor."""
        with self.store.engine.connect() as conn:
            return self.store.audit(conn, sender, after, limit)

    def health(self) -> None:
        """Raises StateUnavailable or DatabaseUnavailable when a dependency is down."""
        try:
            with self.store.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database unreachable: {exc.orig}") from exc
        self.cache.ping()


def _row_key(s: Sanction) -> tuple[Any, ...]:
    return (s.seq, s.kind, s.start, s.end, s.trigger_event, s.count, s.planned_end, s.lifted)


def _imposed(s: Sanction, now: int, cause: str) -> AuditEntry:
    return AuditEntry(
        0,
        now,
        s.sender,
        IMPOSED,
        s.kind,
        s.seq,
        s.start,
        s.end,
        s.trigger_event,
        s.count,
        cause,
        None,
        f"{s.count} counted events within the window reached the threshold",
    )


def _diff(old: Sequence[Sanction], new: Sequence[Sanction], now: int, cause: str) -> list[AuditEntry]:
    """Audit entries for what a recompute changed: imposed, withdrawn, or revised (end or lift)."""
    before = {s.identity(): s for s in old}
    after = {s.identity(): s for s in new}
    entries: list[AuditEntry] = []
    for s in new:
        prior = before.get(s.identity())
        if prior is None:
            entries.append(_imposed(s, now, cause))
        elif (prior.end, prior.lifted, prior.seq) != (s.end, s.lifted, s.seq):
            entry = _imposed(s, now, cause)
            entry.action = REVISED
            entry.reason = "recomputed after an event arrived late"
            entry.detail = {"previous_end": prior.end, "previous_seq": prior.seq}
            entries.append(entry)
    for s in old:
        if s.identity() not in after:
            entry = _imposed(s, now, cause)
            entry.action = WITHDRAWN
            entry.reason = (
                "an event that arrived late changed the order of effect; the sanction no longer follows"
            )
            entries.append(entry)
    return entries
