"""Bulk replay: read events in any order, group them by sender, fold each sender's events in (at, id)
order through the pure engine, and persist the outcome in a few bulk statements."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain

from sqlalchemy import Connection

from .clock import Clock, system_clock
from .engine import Appeal, Engine, Sanction, SenderState, item_key
from .events import BadLine, Event, EventError, parse_line
from .policy import Policy
from .service import _diff, _imposed
from .store import (
    AuditEntry,
    Head,
    SqlStore,
    events_table,
    sanctions_table,
    senders_table,
)


@dataclass(slots=True)
class ReplayReport:
    """What a replay did: the resulting sanctions (ordered by start, sender) and every rejected line."""

    sanctions: list[Sanction]
    bad_lines: list[BadLine]
    applied: int
    duplicates: int
    states: dict[str, SenderState] = field(default_factory=dict)


@dataclass(slots=True)
class _Read:
    groups: dict[str, list[Event]]
    bad: list[BadLine]
    duplicates: int
    unique: int


def read_grouped(lines: Iterable[str], source: str, stored: dict[str, Event] | None = None) -> _Read:
    """Parses lines into per-sender lists, drops exact duplicates by id (also of `stored` events), and
    rejects a line that reuses an id for a different event."""
    groups: dict[str, list[Event]] = {}
    group_of = groups.get
    first: dict[str, Event] = {}
    bad: list[BadLine] = []
    duplicates = 0
    parse = parse_line
    for number, line in enumerate(lines, start=1):
        try:
            event = parse(line)
        except EventError as exc:
            if line.strip():
                bad.append(BadLine(number, exc.located(source, number)))
            continue
        event_id = event[1]
        seen = first.get(event_id)
        if seen is None and stored is not None:
            seen = stored.get(event_id)
        if seen is None:
            first[event_id] = event
            # Grouping while the sender string is still hot in the cache; the policy is per sender,
            # so each group is folded on its own and no global sort is needed.
            group = group_of(event[3])
            if group is None:
                groups[event[3]] = [event]
            else:
                group.append(event)
        elif seen == event:
            duplicates += 1
        else:
            where = "earlier in the file" if event_id in first else "in the database"
            error = EventError("id", f"already used {where} by a different event")
            bad.append(BadLine(number, error.located(source, number)))
    return _Read(groups, bad, duplicates, len(first))


def _sorted_sanctions(sanctions: Iterable[Sanction]) -> list[Sanction]:
    return sorted(sanctions, key=lambda s: (s.start, s.sender, s.seq))


@contextmanager
def _paused_gc() -> Iterator[None]:
    # A replay allocates millions of acyclic objects that live to the end; the cyclic collector would
    # rescan them again and again (about a third of the run time) and can reclaim nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def replay(
    lines: Iterable[str],
    source: str,
    policy: Policy,
    store: SqlStore | None = None,
    clock: Clock = system_clock,
) -> ReplayReport:
    """Applies the events of a JSON Lines stream; with a store, merges with what it holds and persists."""
    with _paused_gc():
        return _replay(lines, source, policy, store, clock)


def _replay(
    lines: Iterable[str], source: str, policy: Policy, store: SqlStore | None, clock: Clock
) -> ReplayReport:
    engine = Engine(policy)
    if store is None:
        read = read_grouped(lines, source)
        states, sanctions = _fold_groups(engine, read.groups)
        return ReplayReport(_sorted_sanctions(sanctions), read.bad, read.unique, read.duplicates, states)
    with store.bulk_transaction() as conn:
        if store.is_empty(conn):
            return _replay_fresh(engine, store, conn, read_grouped(lines, source), clock())
        return _replay_merge(engine, store, conn, lines, source, clock())


def _fold_groups(
    engine: Engine, groups: dict[str, list[Event]]
) -> tuple[dict[str, SenderState], list[Sanction]]:
    states: dict[str, SenderState] = {}
    sanctions: list[Sanction] = []
    for sender, events in groups.items():
        events.sort()
        states[sender] = st = engine.new_state()
        sanctions.extend(engine.fold_sender(st, events))
    return states, sanctions


def _replay_fresh(engine: Engine, store: SqlStore, conn: Connection, read: _Read, now: int) -> ReplayReport:
    states, sanctions = _fold_groups(engine, read.groups)
    with store.indexes_dropped(conn, events_table):
        rows = chain.from_iterable(read.groups.values())
        store.bulk_insert(conn, events_table, ("at", "id", "type", "sender", "recipient"), rows)
    store.bulk_insert(
        conn,
        sanctions_table,
        ("sender", "seq", "kind", "start_at", "end_at", "planned_end_at", "trigger_event", "count", "lifted"),
        [
            (s.sender, s.seq, s.kind, s.start, s.end, s.planned_end, s.trigger_event, s.count, s.lifted)
            for s in sanctions
        ],
    )
    store.append_audit(conn, [_imposed(s, now, s.trigger_event) for s in sanctions])
    # The head token stays NULL: a Redis-held state for these senders cannot be trusted any more and is
    # rebuilt from the log on first use; the embedded backend reads the state column directly.
    store.bulk_insert(
        conn,
        senders_table,
        ("sender", "token", "n_items", "last_at", "state"),
        [
            (sender, None, len(read.groups[sender]), read.groups[sender][-1].at, states[sender].to_json())
            for sender in sorted(states)
        ],
    )
    return ReplayReport(_sorted_sanctions(sanctions), read.bad, read.unique, read.duplicates, states)


def _replay_merge(
    engine: Engine, store: SqlStore, conn: Connection, lines: Iterable[str], source: str, now: int
) -> ReplayReport:
    stored = {e.id: e for e in store.all_events(conn)}
    read = read_grouped(lines, source, stored)
    fresh = list(chain.from_iterable(read.groups.values()))
    items: list[Event | Appeal] = [*stored.values(), *fresh, *store.all_appeals(conn)]
    items.sort(key=item_key)
    result = engine.fold(items)
    touched = sorted(read.groups)
    heads = store.lock_senders(conn, touched)
    by_sender: dict[str, list[Sanction]] = {}
    for s in result.sanctions:
        by_sender.setdefault(s.sender, []).append(s)
    audit: list[AuditEntry] = []
    counts = Counter(i.sender for i in items)
    for sender in touched:
        new = by_sender.get(sender, [])
        audit.extend(_diff(store.sender_sanctions(conn, sender), new, now, "replay"))
        store.replace_sanctions(conn, sender, new)
        st = result.states[sender]
        heads[sender] = Head(
            sender, None, counts[sender], st.last_key[0] if st.last_key else None, st.to_json()
        )
    store.insert_events(conn, [(e, result.decisions[e.id]) for e in fresh])
    store.append_audit(conn, audit)
    store.update_heads(conn, heads.values())
    duplicates = read.duplicates
    return ReplayReport(_sorted_sanctions(result.sanctions), read.bad, len(fresh), duplicates, result.states)
