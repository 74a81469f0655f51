"""Bulk replay: read events in any order, group them by sender, fold each sender's events in (at, id)
order through the pure engine, and persist the outcome in a few bulk statements."""

from __future__ import annotations

import gc
import io
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import compress, islice
from operator import is_not, itemgetter, not_

from sqlalchemy import Connection

from .clock import Clock, system_clock
from .engine import Appeal, Engine, Sanction, item_key
from .events import BadLine, Event, EventError, EventRow, newlines_only, parse_block, parse_chunk, parse_line
from .policy import Policy
from .service import _diff, _imposed
from .store import (
    EVENT_COLUMNS,
    AuditEntry,
    Head,
    SqlStore,
    events_table,
    sanctions_table,
)


@dataclass(slots=True)
class ReplayReport:
    """What a replay did: the resulting sanctions (ordered by start, sender) and every rejected line."""

    sanctions: list[Sanction]
    bad_lines: list[BadLine]
    applied: int
    duplicates: int


@dataclass(slots=True)
class _Read:
    counted: dict[str, list[EventRow]]  # per sender, the new counted events, in no particular order
    bad: list[BadLine]
    duplicates: int
    unique: int


#: Lines parsed per regex pass; large enough to amortise the per-chunk work, small enough that the
#: chunk's text and events are still in the CPU cache when they are deduplicated, grouped and written.
CHUNK_LINES = 16_384
BLOCK_CHARS = 1 << 21
_event_id = itemgetter(1)
_event_type = itemgetter(2)
_event_sender = itemgetter(3)
EventSink = Callable[[list[EventRow]], None]


class _Reader:
    """Parses chunks of lines, keeps the first event of every id, groups new events by sender."""

    def __init__(
        self,
        source: str,
        counted_types: frozenset[str],
        stored: dict[str, Event] | None,
        sink: EventSink | None,
    ) -> None:
        self.source = source
        self.counted_types = counted_types
        self.stored = stored
        self.sink = sink
        # id -> first event seen under it (stored events first, so a file line cannot replace them).
        self.first: dict[str, EventRow] = dict(stored) if stored else {}
        self.groups: defaultdict[str, list[EventRow]] = defaultdict(list)
        self.bad: list[BadLine] = []
        self.duplicates = 0
        self.unique = 0

    def chunk(self, lines: list[str], first_number: int) -> None:
        """Parses one chunk of lines (numbered from first_number) and admits its events."""
        events = parse_chunk(lines)
        if events is not None:
            self._admit(events, range(first_number, first_number + len(events)))
            return
        self._lines(lines, first_number)

    def block(self, text: str, first_number: int) -> int:
        """Parses a block of whole lines read from a stream; returns how many lines it held."""
        if text.endswith("\n") and newlines_only(text):
            n_lines = text.count("\n")
            events = parse_block(text, n_lines)
            if events is not None:
                self._admit(events, range(first_number, first_number + n_lines))
                return n_lines
        # Line ends "\n", "\r\n" and "\r", as when iterating a file opened with newline="".
        lines = io.StringIO(text, newline="").readlines()
        self._lines(lines, first_number)
        return len(lines)

    def _lines(self, lines: list[str], first_number: int) -> None:
        """The per-line path: full validation of every line, errors with their line numbers."""
        parsed: list[EventRow] = []
        numbers: list[int] = []
        for number, line in enumerate(lines, start=first_number):
            try:
                parsed.append(parse_line(line))
            except EventError as exc:
                if line.strip():
                    self.bad.append(BadLine(number, exc.located(self.source, number)))
                continue
            numbers.append(number)
        self._admit(parsed, numbers)

    def _admit(self, events: list[EventRow], numbers: Sequence[int]) -> None:
        # One C-level setdefault per event keeps the first event of every id and hands back whichever
        # event holds the id now; only resends and id conflicts (rare) then take a Python loop.
        holders = list(map(self.first.setdefault, map(_event_id, events), events))
        repeats = list(map(is_not, holders, events))
        fresh = events
        if True in repeats:
            fresh = list(compress(events, map(not_, repeats)))
            for i in compress(range(len(events)), repeats):
                self._repeat(events[i], holders[i], numbers[i])
        self.unique += len(fresh)
        if self.sink is not None:
            self.sink(fresh)
        # Per-sender lists of the counted events only: sanctions depend on nothing else (invitations
        # only feed the rate limit), and grouping costs a cache-missing dict probe per event, so leaving
        # out the ~80 % that cannot matter is the cheapest grouping there is.
        counted = list(compress(fresh, map(self.counted_types.__contains__, map(_event_type, fresh))))
        deque(map(list.append, map(self.groups.__getitem__, map(_event_sender, counted)), counted), maxlen=0)

    def _repeat(self, event: EventRow, holder: EventRow, number: int) -> None:
        """An id seen before: an exact resend is a harmless duplicate, a different event a bad line."""
        if holder == event:
            self.duplicates += 1
            return
        where = "in the database" if self.stored and event[1] in self.stored else "earlier in the file"
        error = EventError("id", f"already used {where} by a different event")
        self.bad.append(BadLine(number, error.located(self.source, number)))

    def result(self) -> _Read:
        """Everything read so far; bad lines in line order."""
        self.bad.sort(key=lambda b: b.line)
        return _Read(dict(self.groups), self.bad, self.duplicates, self.unique)


def read_grouped(
    lines: Iterable[str],
    source: str,
    counted_types: frozenset[str],
    stored: dict[str, Event] | None = None,
    sink: EventSink | None = None,
    block_chars: int = BLOCK_CHARS,
) -> _Read:
    """Parses lines, drops exact duplicates by id (also of `stored` events), rejects a line that reuses an
    id for a different event, and groups the new counted events by sender; `sink` receives each chunk's
    new events (all types) in file order."""
    reader = _Reader(source, counted_types, stored, sink)
    number = 1
    if isinstance(lines, io.TextIOBase):
        for block in _blocks(lines, block_chars):
            number += reader.block(block, number)
        return reader.result()
    iterator = iter(lines)
    while chunk := list(islice(iterator, CHUNK_LINES)):
        reader.chunk(chunk, number)
        number += len(chunk)
    return reader.result()


def _blocks(stream: io.TextIOBase, block_chars: int) -> Iterator[str]:
    """Reads a text stream in blocks of whole lines: one decode and one regex pass per block instead of
    a string per line. Lines end at "\n", "\r\n" or "\r" (a stream opened with newline="", or with
    universal newlines, where no "\r" reaches the reader); the last line may lack an end."""
    carry = ""
    while chunk := stream.read(block_chars):
        text = carry + chunk if carry else chunk
        cut = text.rfind("\n") + 1
        if not cut:
            # No "\n": cut after the last "\r" that is not the final character (that one may be the
            # first half of a "\r\n" split across reads).
            cut = text.rfind("\r", 0, len(text) - 1) + 1
        if cut:
            yield text[:cut]
            carry = text[cut:]
        else:
            carry = text
    if carry:
        yield carry


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
        read = read_grouped(lines, source, policy.counted_types)
        sanctions = _sanctions_of(engine, read.counted)
        return ReplayReport(_sorted_sanctions(sanctions), read.bad, read.unique, read.duplicates)
    with store.bulk_transaction() as conn:
        if store.is_empty(conn):
            return _replay_fresh(engine, store, conn, lines, source, clock())
        return _replay_merge(engine, store, conn, lines, source, clock())


def _sanctions_of(engine: Engine, counted: dict[str, list[EventRow]]) -> list[Sanction]:
    """Folds the counted events of every sender who has at least `threshold` of them; nobody else can
    reach the threshold, so they cannot be sanctioned."""
    sanctions: list[Sanction] = []
    threshold = engine.policy.threshold
    for events in counted.values():
        if len(events) >= threshold:
            events.sort()
            sanctions.extend(engine.fold_sender(engine.new_state(), events))
    return sanctions


def _replay_fresh(
    engine: Engine, store: SqlStore, conn: Connection, lines: Iterable[str], source: str, now: int
) -> ReplayReport:
    with store.indexes_dropped(conn, events_table):
        # Each chunk's new events go to the log while they are still hot in the cache; the indexes are
        # built afterwards by sorting, several times cheaper than maintaining them row by row.
        sink = partial(store.bulk_insert, conn, events_table, EVENT_COLUMNS)
        read = read_grouped(lines, source, engine.policy.counted_types, sink=sink)
    sanctions = _sanctions_of(engine, read.counted)
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
    # One head row per sender, aggregated by the database over the (sender, at) index just built. The
    # token and the state stay NULL: the state is a cache that the service rebuilds from the log on the
    # sender's first touch (one indexed read of that sender), so the replay does not group and fold the
    # ~80 % of events that cannot change a sanction.
    store.insert_heads_from_log(conn)
    return ReplayReport(_sorted_sanctions(sanctions), read.bad, read.unique, read.duplicates)


def _replay_merge(
    engine: Engine, store: SqlStore, conn: Connection, lines: Iterable[str], source: str, now: int
) -> ReplayReport:
    stored = {e.id: e for e in store.all_events(conn)}
    rows: list[EventRow] = []
    read = read_grouped(lines, source, engine.policy.counted_types, stored, rows.extend)
    fresh = [Event(*row) for row in rows]
    items: list[Event | Appeal] = [*stored.values(), *fresh, *store.all_appeals(conn)]
    items.sort(key=item_key)
    result = engine.fold(items)
    touched = sorted({e.sender for e in fresh})
    heads = store.lock_senders(conn, touched)
    store.drop_checkpoints(conn, touched)  # their histories changed wholesale
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
    return ReplayReport(_sorted_sanctions(result.sanctions), read.bad, len(fresh), read.duplicates)
