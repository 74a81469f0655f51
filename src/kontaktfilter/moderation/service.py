"""The moderation service: the pure engine driven over a durable store and a state cache.

Every change to a sender happens in one database transaction that first locks the sender's head row,
so workers on many machines serialise per sender and never per batch. Events that arrive in order of
effect are applied to the cached bounded state; an event that arrives late (its key sorts before what
was already applied) makes the service refold that one sender: in memory when it falls inside the
cached window of recent events, else from the newest checkpoint before it, else from the whole durable
log. Each gives exactly what the reference gets by applying everything in (at, id) order.
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
    APPEAL_RANK,
    BAN,
    BANNED_NOW,
    EVENT_RANK,
    LIFT,
    REASONS,
    SHORTEN,
    SUSPENDED_NOW,
    WINDOW,
    Appeal,
    Engine,
    ItemKey,
    Sanction,
    SenderState,
    Window,
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

#: A checkpoint is written whenever a sender's item count crosses a multiple of this; at most
#: CHECKPOINTS_KEPT per sender are kept, so a late item refolds at most about that many items unless it
#: is older than all of them.
CHECKPOINT_EVERY = 64
CHECKPOINTS_KEPT = 4

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
class Refold:
    """A sender refolded from the durable log: its new window and current state, the new head token,
    a decision per event and the effect of every appeal."""

    window: Window
    state: SenderState
    token: str
    decisions: dict[str, str]
    appeal_effects: dict[str, tuple[Sanction, int | None] | None]


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


def _state_write(sender: str, token: str | None, text: str, st: SenderState) -> StateWrite:
    s = st.sanction
    return StateWrite(
        sender,
        token,
        text,
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
        checkpoint_every: int = CHECKPOINT_EVERY,
        checkpoints_kept: int = CHECKPOINTS_KEPT,
        window: int = WINDOW,
    ) -> None:
        self.store = store
        self.cache = cache
        self.engine = Engine(policy)
        self.policy = policy
        self.clock = clock
        self._faults = faults
        self._attempts = attempts
        self._checkpoint_every = checkpoint_every
        self._checkpoints_kept = checkpoints_kept
        self._window = window
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
    def _trusted_window(self, sender: str, head: Head, cached: dict[str, str]) -> Window | None:
        """The cached window when its token matched the head; a fresh one for a sender without items."""
        text = cached.get(sender)
        if text is not None:
            return self.engine.window_from_json(sender, text)
        if head.n_items == 0:
            return Window(self.engine.new_state(), [])
        return None

    def _trusted_state(self, sender: str, head: Head, cached: dict[str, str]) -> SenderState | None:
        """The current state from a trusted window, or None when it must be rebuilt from the log."""
        window = self._trusted_window(sender, head, cached)
        return None if window is None else self.engine.current(window)[0]

    def _sender_items(
        self, conn: Connection, sender: str, after: ItemKey | None = None
    ) -> list[Event | Appeal]:
        """The sender's logged events and appeals in key order, all of them or those after `after`."""
        if after is None:
            events = self.store.sender_events(conn, sender)
            appeals = self.store.sender_appeals(conn, sender)
        else:
            events = self.store.sender_events_after(conn, sender, after)
            appeals = [a for a in self.store.sender_appeals(conn, sender) if item_key(a) > after]
        items: list[Event | Appeal] = [*events, *appeals]
        items.sort(key=item_key)
        return items

    def _base(
        self, conn: Connection, sender: str, before: ItemKey | None
    ) -> tuple[SenderState, ItemKey | None]:
        """The state to refold from: the newest checkpoint before `before` (None: the newest of all), or
        a fresh state when there is none; with the key it stands at."""
        found = self.store.checkpoint_before(conn, sender, before)
        if found is None:
            return self.engine.new_state(), None
        key, text = found
        return self.engine.state_from_json(sender, text), key

    def _recompute(
        self,
        conn: Connection,
        sender: str,
        head: Head,
        extra: Sequence[Event],
        new_ids: Sequence[str],
        since: ItemKey,
        cause: str,
        now: int,
        audit: list[AuditEntry],
    ) -> Refold:
        """Refolds one sender from the newest checkpoint before `since` (the earliest new item's key), or
        from the start of its log, plus `extra`; rewrites the sanctions that may have changed and audits
        the difference. `new_ids` are the digest names of the items new to the head token."""
        base, base_key = self._base(conn, sender, since)
        # Sanctions numbered before the checkpoint's current one ended before it: the refold cannot
        # change them. The current one (if any) may still be shortened, lifted or withdrawn.
        carried = base.sanction
        first_seq = base.n_sanctions if carried is not None else base.n_sanctions + 1
        self.store.drop_checkpoints_after(conn, sender, since)
        items = self._sender_items(conn, sender, base_key)
        items.extend(extra)
        items.sort(key=item_key)
        # The new window's base stands after the last appeal, its tail holds the events after that.
        last_appeal = max((i for i, item in enumerate(items) if isinstance(item, Appeal)), default=-1)
        result = self.engine.fold(items[: last_appeal + 1], {sender: base})
        window = Window(base, [e for e in items[last_appeal + 1 :] if isinstance(e, Event)])
        st, tail_sanctions, decisions = self._fold_tail(window)
        decisions.update(result.decisions)
        new = [*([carried] if carried is not None else []), *result.sanctions, *tail_sanctions]
        old = self.store.sender_sanctions(conn, sender, first_seq)
        audit.extend(_diff(old, new, now, cause))
        if [_row_key(x) for x in old] != [_row_key(x) for x in new]:
            self.store.replace_sanctions(conn, sender, new, first_seq)
        if head.token is not None:
            token = digest(new_ids, head.token)
        else:
            # A head written by a replay has no token: digest the whole log once.
            ids = [event_item_id(i) for i in self.store.sender_event_ids(conn, sender)]
            ids += [appeal_item_id(a.id) for a in self.store.sender_appeals(conn, sender)]
            ids += [event_item_id(e.id) for e in extra]
            token = digest(ids)
        assert token is not None
        return Refold(window, st, token, decisions, result.appeal_effects)

    def _fold_tail(self, window: Window) -> tuple[SenderState, list[Sanction], dict[str, str]]:
        """Applies a window's tail to a copy of its base: the current state, the sanctions the tail
        caused and a decision per tail event."""
        st = window.base.copy()
        sanctions: list[Sanction] = []
        decisions: dict[str, str] = {}
        apply = self.engine.apply_event
        for event in window.tail:
            decision = decisions[event[1]] = apply(st, event)
            if decision is SUSPENDED_NOW or decision is BANNED_NOW:
                assert st.sanction is not None
                sanctions.append(st.sanction)
        return st, sanctions, decisions

    def _late_in_window(
        self,
        conn: Connection,
        sender: str,
        window: Window,
        batch: list[Event],
        now: int,
        audit: list[AuditEntry],
    ) -> tuple[SenderState, dict[str, str]]:
        """A batch whose earliest event sorts inside the window's tail: refold base + tail + batch in
        memory, compare the sanctions with the ones the old tail gave, and rewrite only on a change
        (no read from the database at all)."""
        base = window.base
        first_seq = base.n_sanctions if base.sanction is not None else base.n_sanctions + 1
        carried = [] if base.sanction is None else [base.sanction]
        _, old_tail_sanctions = self.engine.current(window)
        window.tail = sorted([*window.tail, *batch])
        st, new_tail_sanctions, decisions = self._fold_tail(window)
        old, new = [*carried, *old_tail_sanctions], [*carried, *new_tail_sanctions]
        if [_row_key(x) for x in old] != [_row_key(x) for x in new]:
            audit.extend(_diff(old, new, now, batch[0].id))
            self.store.replace_sanctions(conn, sender, new, first_seq)
        return st, decisions

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
        stale: list[tuple[str, ItemKey]] = []
        checkpoints: list[tuple[str, ItemKey, str]] = []
        for sender, batch in fresh.items():
            batch.sort()
            head = heads[sender]
            items_before = head.n_items
            window, st, token, decisions = self._apply_batch(
                conn,
                sender,
                head,
                self._trusted_window(sender, head, cached),
                batch,
                now,
                audit,
                new_sanctions,
                stale,
            )
            for event in batch:
                decision = decisions[event.id]
                rows.append((event, decision))
                outcome[event.id] = ("applied", decision, REASONS[decision], None)
            self.engine.trim(window, self._window)
            text = window.to_json()
            head.token = token
            head.n_items += len(batch)
            head.last_at = batch[-1].at if head.last_at is None else max(head.last_at, batch[-1].at)
            head.state = text if self.cache.in_sql else None
            writes.append(_state_write(sender, token, text, st))
            if (
                items_before // self._checkpoint_every != head.n_items // self._checkpoint_every
                and st.last_key
            ):
                checkpoints.append((sender, st.last_key, st.to_json()))
        self.store.insert_events(conn, rows)
        self.store.upsert_sanctions(conn, new_sanctions)
        self.store.append_audit(conn, audit)
        self.store.update_heads(conn, [heads[s] for s in fresh])
        # Checkpoints after a late event no longer describe a prefix of the log; drop them before the
        # new ones (which stand after it) are added.
        self.store.drop_checkpoints_after_many(conn, stale)
        self.store.add_checkpoints(conn, checkpoints, self._checkpoints_kept)
        self._faults("after_log_write")
        self.cache.store(writes)
        self._faults("after_state_write")
        return outcome

    def _apply_batch(
        self,
        conn: Connection,
        sender: str,
        head: Head,
        window: Window | None,
        batch: list[Event],
        now: int,
        audit: list[AuditEntry],
        new_sanctions: list[Sanction],
        stale: list[tuple[str, ItemKey]],
    ) -> tuple[Window, SenderState, str, dict[str, str]]:
        """Applies one sender's new events (sorted) by the cheapest exact path; returns the new window,
        the current state, the new head token and a decision per event."""
        first_key: ItemKey = (batch[0].at, EVENT_RANK, batch[0].id)
        if window is not None:
            st, _ = self.engine.current(window)
            if st.last_key is None or first_key > st.last_key:
                # In order: O(1) per event on the cached bounded state.
                decisions: dict[str, str] = {}
                for event in batch:
                    decision = decisions[event.id] = self.engine.apply_event(st, event)
                    if decision is SUSPENDED_NOW or decision is BANNED_NOW:
                        assert st.sanction is not None
                        new_sanctions.append(st.sanction)
                        audit.append(_imposed(st.sanction, now, event.id))
                window.tail.extend(batch)
                return window, st, _extended(head, batch), decisions
            if window.base.last_key is None or first_key > window.base.last_key:
                # Late, but after the window's base: refold base + tail + batch in memory.
                st, decisions = self._late_in_window(conn, sender, window, batch, now, audit)
                stale.append((sender, first_key))
                return window, st, _extended(head, batch), decisions
        # Late beyond the window, or no trusted cached state: refold from the durable log.
        new_ids = [event_item_id(e.id) for e in batch]
        refold = self._recompute(conn, sender, head, batch, new_ids, first_key, batch[0].id, now, audit)
        return refold.window, refold.state, refold.token, refold.decisions

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
            assert effect is not None and token is not None
            self.store.upsert_sanctions(conn, [effect[0]])
            window = Window(st, [])  # an appeal moves the window's base
        else:
            cause = appeal_item_id(appeal.id)
            refold = self._recompute(conn, sender, head, [], [cause], item_key(appeal), cause, now, audit)
            st, token, window = refold.state, refold.token, refold.window
            found = refold.appeal_effects.get(appeal.id)
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
        text = window.to_json()
        head.token = token
        head.n_items += 1
        head.state = text if self.cache.in_sql else None
        self.store.update_heads(conn, [head])
        self.cache.store([_state_write(sender, token, text, st)])
        return AppealOutcome(appeal, sanction, previous)

    # -- reads -------------------------------------------------------------------------------------------------
    def _state_at(self, conn: Connection, sender: str, t: int) -> SenderState:
        """The sender's state after every item at or before t (a read-only refold from a checkpoint)."""
        st, base_key = self._base(conn, sender, (t, APPEAL_RANK + 1, ""))
        items = [i for i in self._sender_items(conn, sender, base_key) if i.at <= t]
        return self.engine.fold(items, {sender: st}).states[sender]

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


def _extended(head: Head, batch: Sequence[Event]) -> str:
    """The head token with the batch's event ids added (a trusted cached state implies a known token)."""
    token = digest((event_item_id(e.id) for e in batch), head.token)
    assert token is not None
    return token


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
