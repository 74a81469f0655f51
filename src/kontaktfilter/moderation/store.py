"""The durable store (SQLAlchemy Core; SQLite embedded, PostgreSQL at scale): the event log, appeals,
sanctions, audit and one head row per sender that serialises work on that sender."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    null,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.pool import StaticPool

from .engine import Appeal, ItemKey, Sanction
from .events import Event

_BIG = BigInteger().with_variant(Integer(), "sqlite")
metadata = MetaData()

# Columns in Event tuple order so the replay can hand its sorted events straight to executemany. No
# primary key but a unique index: a fresh bulk load drops the indexes and rebuilds them by sorting,
# which is several times faster than inserting time-ordered rows into an id-ordered B-tree.
events_table = Table(
    "mod_events",
    metadata,
    Column("at", BigInteger, nullable=False),
    Column("id", String(512), nullable=False),
    Column("type", String(32), nullable=False),
    Column("sender", String(512), nullable=False),
    Column("recipient", String(512), nullable=False),
    # The decision answered when the event arrived through the API (NULL for replayed events).
    Column("decision", String(32)),
    Index("mod_events_id", "id", unique=True),
    Index("mod_events_sender", "sender", "at"),
)

appeals_table = Table(
    "mod_appeals",
    metadata,
    Column("seq", _BIG, primary_key=True, autoincrement=True),
    Column("sender", String(512), nullable=False, index=True),
    Column("at", BigInteger, nullable=False),
    Column("action", String(16), nullable=False),
    Column("until", BigInteger),
    Column("reason", Text, nullable=False),
    Column("operator", String(200), nullable=False),
)

senders_table = Table(
    "mod_senders",
    metadata,
    Column("sender", String(512), primary_key=True),
    # Digest of the ids applied to this sender (see service.digest); NULL means unknown, so a cached
    # state elsewhere cannot be trusted and is rebuilt from the log.
    Column("token", String(32)),
    Column("n_items", BigInteger, nullable=False, default=0),
    Column("last_at", BigInteger),
    # The bounded policy state, when the state lives in SQL (embedded backend); NULL otherwise.
    Column("state", Text),
    sqlite_with_rowid=False,
)

sanctions_table = Table(
    "mod_sanctions",
    metadata,
    Column("sender", String(512), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("start_at", BigInteger, nullable=False),
    Column("end_at", BigInteger),
    Column("planned_end_at", BigInteger),
    Column("trigger_event", String(512), nullable=False),
    Column("count", Integer, nullable=False),
    Column("lifted", Boolean, nullable=False, default=False),
    Index("mod_sanctions_start", "start_at", "sender"),
)

# Snapshots of a sender's state after every item up to (at, rank, id), taken every CHECKPOINT_EVERY items
# and at most CHECKPOINTS_KEPT per sender, so a late item refolds only from the newest snapshot before it
# (an item older than all of them refolds the whole log, as before). Written in the batch's transaction.
checkpoints_table = Table(
    "mod_checkpoints",
    metadata,
    Column("sender", String(512), primary_key=True),
    Column("at", BigInteger, primary_key=True),
    Column("rank", Integer, primary_key=True),
    Column("id", String(512), primary_key=True),
    Column("state", Text, nullable=False),
    sqlite_with_rowid=False,
)

audit_table = Table(
    "mod_audit",
    metadata,
    Column("seq", _BIG, primary_key=True, autoincrement=True),
    Column("recorded_at", BigInteger, nullable=False),
    Column("sender", String(512), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("kind", String(16)),
    Column("sanction_seq", Integer),
    Column("start_at", BigInteger),
    Column("end_at", BigInteger),
    Column("trigger_event", String(512)),
    Column("count", Integer),
    Column("cause", String(512)),
    Column("operator", String(200)),
    Column("reason", Text),
    Column("detail", Text),
)


@dataclass(slots=True)
class Head:
    """A sender's head row: digest of applied ids, item count, newest `at`, and the SQL-held state."""

    sender: str
    token: str | None
    n_items: int
    last_at: int | None
    state: str | None


@dataclass(slots=True)
class AuditEntry:
    """One line of the audit log."""

    seq: int
    recorded_at: int
    sender: str
    action: str
    kind: str | None = None
    sanction_seq: int | None = None
    start: int | None = None
    end: int | None = None
    trigger_event: str | None = None
    count: int | None = None
    cause: str | None = None
    operator: str | None = None
    reason: str | None = None
    detail: dict[str, Any] | None = None


_SQLITE_ROWS_PER_INSERT = 200
_SCHEMA_LOCK = 0x6B66_6D6F_6400  # "kfmod": the advisory lock that serialises schema creation
#: The event log's columns in Event field order (the replay loads its tuples as they are).
EVENT_COLUMNS = ("at", "id", "type", "sender", "recipient")
_PG_CREATE_HEADS = (
    "INSERT INTO mod_senders (sender, token, n_items) SELECT s, %(empty)s, 0 "
    "FROM unnest(%(senders)s::varchar[]) AS s ORDER BY s ON CONFLICT (sender) DO NOTHING"
)
_PG_LOCK_HEADS = (
    "SELECT sender, token, n_items, last_at, state FROM mod_senders "
    "WHERE sender = ANY(%(senders)s::varchar[]) ORDER BY sender FOR UPDATE"
)
_PG_UPDATE_HEADS = (
    "UPDATE mod_senders AS h SET token = v.token, n_items = v.n_items, last_at = v.last_at, "
    "state = v.state FROM unnest(%(senders)s::varchar[], %(tokens)s::varchar[], %(n_items)s::bigint[], "
    "%(last_at)s::bigint[], %(states)s::text[]) AS v(sender, token, n_items, last_at, state) "
    "WHERE h.sender = v.sender"
)
_PG_DROP_CHECKPOINTS_AFTER = (
    "DELETE FROM mod_checkpoints AS c USING unnest(%(senders)s::varchar[], %(ats)s::bigint[], "
    "%(ranks)s::integer[], %(ids)s::varchar[]) AS v(sender, at, rank, id) "
    "WHERE c.sender = v.sender AND (c.at, c.rank, c.id) > (v.at, v.rank, v.id)"
)
_PG_FIND_EVENTS = (
    "SELECT at, id, type, sender, recipient, decision FROM mod_events WHERE id = ANY(%(ids)s::varchar[])"
)
_EMPTY_DIGEST = "0" * 32
_MOD = 1 << 128


def digest(ids: Iterable[str], start: str | None = _EMPTY_DIGEST) -> str | None:
    """Order-independent digest of applied item ids (sum of per-id BLAKE2b mod 2^128), extendable."""
    if start is None:
        return None
    total = int(start, 16)
    for item_id in ids:
        total += int.from_bytes(hashlib.blake2b(item_id.encode(), digest_size=16).digest(), "big")
    return f"{total % _MOD:032x}"


EMPTY_DIGEST = _EMPTY_DIGEST


def event_item_id(event_id: str) -> str:
    """Digest name of an event (events and appeals live in separate id spaces)."""
    return "e:" + event_id


def appeal_item_id(appeal_id: str) -> str:
    """Digest name of an appeal."""
    return "a:" + appeal_id


def appeal_id(seq: int) -> str:
    """Appeal ids sort like their numbers, so (at, rank, id) keys order same-instant appeals correctly."""
    return f"{seq:012d}"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" below issue BEGIN IMMEDIATE: writers queue on the lock up front
        # instead of failing when a read transaction later tries to write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An SQLAlchemy engine for a SQLite or PostgreSQL URL, configured for this store."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        _sqlite_setup(engine)
        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _chunks(items: Sequence[Any], size: int = 2000) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _event_row(event: Event, decision: str | None) -> dict[str, Any]:
    return {
        "id": event.id,
        "sender": event.sender,
        "type": event.type,
        "recipient": event.recipient,
        "at": event.at,
        "decision": decision,
    }


def _sanction_row(s: Sanction) -> dict[str, Any]:
    return {
        "sender": s.sender,
        "seq": s.seq,
        "kind": s.kind,
        "start_at": s.start,
        "end_at": s.end,
        "planned_end_at": s.planned_end,
        "trigger_event": s.trigger_event,
        "count": s.count,
        "lifted": s.lifted,
    }


def _row_sanction(row: Any) -> Sanction:
    return Sanction(
        row.sender,
        row.seq,
        row.kind,
        row.start_at,
        row.end_at,
        row.trigger_event,
        row.count,
        row.planned_end_at,
        bool(row.lifted),
    )


def _row_appeal(row: Any) -> Appeal:
    return Appeal(appeal_id(row.seq), row.sender, row.at, row.action, row.until, row.reason, row.operator)


def _row_audit(row: Any) -> AuditEntry:
    return AuditEntry(
        row.seq,
        row.recorded_at,
        row.sender,
        row.action,
        row.kind,
        row.sanction_seq,
        row.start_at,
        row.end_at,
        row.trigger_event,
        row.count,
        row.cause,
        row.operator,
        row.reason,
        None if row.detail is None else json.loads(row.detail),
    )


class SqlStore:
    """Typed operations on the moderation tables; every method runs inside the caller's transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        with engine.begin() as conn:
            if self.dialect == "postgresql":
                # Workers start together: without a lock two of them can both find a table missing and
                # both create it, and one dies of the duplicate. The lock ends with the transaction.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": _SCHEMA_LOCK})
            metadata.create_all(conn)

    @classmethod
    def from_url(cls, url: str) -> SqlStore:
        """Opens (and creates the tables of) the store at an SQLAlchemy URL."""
        return cls(make_engine(url))

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite)."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def bulk_transaction(self) -> Iterator[Connection]:
        """A write transaction tuned for loading a lot at once; on SQLite a rollback journal instead of
        the WAL, so the pages of a fresh file are written once, not twice."""
        if self.dialect != "sqlite":
            with self.begin() as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA journal_mode=DELETE")
            try:
                with conn.begin():
                    yield conn
            finally:
                raw.execute("PRAGMA journal_mode=WAL")

    def dispose(self) -> None:
        """Closes pooled connections."""
        self.engine.dispose()

    def _insert(self, table: Table) -> Any:
        return pg_insert(table) if self.dialect == "postgresql" else sqlite_insert(table)

    # -- senders -------------------------------------------------------------------------------------
    def lock_senders(self, conn: Connection, senders: Sequence[str]) -> dict[str, Head]:
        """Creates missing head rows and locks them all, in sorted order so workers never deadlock."""
        ordered = sorted(set(senders))
        heads: dict[str, Head] = {}
        if self.dialect == "postgresql":
            # Two statements with a constant text whatever the batch size (arrays, not one placeholder
            # per row), so psycopg parses each once per connection.
            params = {"senders": ordered, "empty": EMPTY_DIGEST}
            conn.exec_driver_sql(_PG_CREATE_HEADS, params)
            for row in conn.exec_driver_sql(_PG_LOCK_HEADS, params):
                heads[row[0]] = Head(*row)
            return heads
        for chunk in _chunks(ordered):
            stmt = self._insert(senders_table).on_conflict_do_nothing(index_elements=["sender"])
            conn.execute(stmt, [{"sender": s, "token": EMPTY_DIGEST, "n_items": 0} for s in chunk])
            query = (
                select(senders_table)
                .where(senders_table.c.sender.in_(chunk))
                .order_by(senders_table.c.sender)
                .with_for_update()
            )
            for row in conn.execute(query):
                heads[row.sender] = Head(row.sender, row.token, row.n_items, row.last_at, row.state)
        return heads

    def head(self, conn: Connection, sender: str) -> Head | None:
        """A sender's head row without locking, or None for a sender never seen."""
        row = conn.execute(select(senders_table).where(senders_table.c.sender == sender)).first()
        return None if row is None else Head(row.sender, row.token, row.n_items, row.last_at, row.state)

    def update_heads(self, conn: Connection, heads: Iterable[Head]) -> None:
        """Writes back head rows changed in this transaction."""
        if self.dialect == "postgresql":
            heads = list(heads)
            if heads:
                conn.exec_driver_sql(
                    _PG_UPDATE_HEADS,
                    {
                        "senders": [h.sender for h in heads],
                        "tokens": [h.token for h in heads],
                        "n_items": [h.n_items for h in heads],
                        "last_at": [h.last_at for h in heads],
                        "states": [h.state for h in heads],
                    },
                )
            return
        rows = [
            {"s": h.sender, "token": h.token, "n_items": h.n_items, "last_at": h.last_at, "state": h.state}
            for h in heads
        ]
        if not rows:
            return
        stmt = (
            update(senders_table)
            .where(senders_table.c.sender == bindparam("s"))
            .values(
                token=bindparam("token"),
                n_items=bindparam("n_items"),
                last_at=bindparam("last_at"),
                state=bindparam("state"),
            )
        )
        conn.execute(stmt, rows)

    def insert_heads_from_log(self, conn: Connection) -> None:
        """Creates the head row of every sender in the event log (count and newest `at`; token and state
        NULL, so the state is rebuilt from the log on first use); for a fresh bulk load."""
        t = events_table.c
        query = select(t.sender, null(), func.count(), func.max(t.at), null()).group_by(t.sender)
        columns = ["sender", "token", "n_items", "last_at", "state"]
        conn.execute(senders_table.insert().from_select(columns, query))

    def sender_count(self, conn: Connection) -> int:
        """Number of senders ever seen."""
        return int(conn.execute(select(func.count()).select_from(senders_table)).scalar_one())

    # -- events and appeals --------------------------------------------------------------------------
    def find_events(self, conn: Connection, ids: Sequence[str]) -> dict[str, tuple[Event, str | None]]:
        """Stored events among the given ids, with the decision given when each arrived."""
        found: dict[str, tuple[Event, str | None]] = {}
        if self.dialect == "postgresql":
            for at, event_id, kind, sender, recipient, decision in conn.exec_driver_sql(
                _PG_FIND_EVENTS, {"ids": list(set(ids))}
            ):
                found[event_id] = (Event(at, event_id, kind, sender, recipient), decision)
            return found
        for chunk in _chunks(sorted(set(ids))):
            for row in conn.execute(select(events_table).where(events_table.c.id.in_(chunk))):
                found[row.id] = (Event(row.at, row.id, row.type, row.sender, row.recipient), row.decision)
        return found

    def insert_events(self, conn: Connection, rows: Sequence[tuple[Event, str | None]]) -> None:
        """Appends new events to the log (COPY on PostgreSQL)."""
        if self.dialect == "postgresql":
            self.bulk_insert(conn, events_table, (*EVENT_COLUMNS, "decision"), [(*e, d) for e, d in rows])
            return
        for chunk in _chunks(rows, 5000):
            conn.execute(events_table.insert(), [_event_row(e, d) for e, d in chunk])

    def sender_events(self, conn: Connection, sender: str) -> list[Event]:
        """The sender's whole event log, in order of effect."""
        t = events_table.c
        query = select(t.at, t.id, t.type, t.sender, t.recipient).where(t.sender == sender)
        return sorted(Event(*row) for row in conn.execute(query))

    def sender_events_after(self, conn: Connection, sender: str, key: ItemKey) -> list[Event]:
        """The sender's events whose key (at, 0, id) sorts after `key`, in order of effect."""
        t = events_table.c
        query = select(t.at, t.id, t.type, t.sender, t.recipient).where(t.sender == sender, t.at >= key[0])
        return sorted(e for e in (Event(*row) for row in conn.execute(query)) if (e.at, 0, e.id) > key)

    def sender_event_ids(self, conn: Connection, sender: str) -> list[str]:
        """The ids of the sender's events (for the digest of a head whose token is unknown)."""
        t = events_table.c
        return [row[0] for row in conn.execute(select(t.id).where(t.sender == sender))]

    def sender_appeals(self, conn: Connection, sender: str) -> list[Appeal]:
        """The sender's appeals in order."""
        t = appeals_table.c
        rows = conn.execute(select(appeals_table).where(t.sender == sender).order_by(t.at, t.seq))
        return [_row_appeal(row) for row in rows]

    def insert_appeal(
        self,
        conn: Connection,
        sender: str,
        at: int,
        action: str,
        until: int | None,
        reason: str,
        operator: str,
    ) -> Appeal:
        """Records an appeal and returns it with its id."""
        values = {
            "sender": sender,
            "at": at,
            "action": action,
            "until": until,
            "reason": reason,
            "operator": operator,
        }
        seq = conn.execute(
            appeals_table.insert().values(**values).returning(appeals_table.c.seq)
        ).scalar_one()
        return Appeal(appeal_id(seq), sender, at, action, until, reason, operator)

    def all_events(self, conn: Connection) -> list[Event]:
        """Every stored event (replay into a non-empty database merges with them)."""
        t = events_table.c
        return [Event(*row) for row in conn.execute(select(t.at, t.id, t.type, t.sender, t.recipient))]

    def all_appeals(self, conn: Connection) -> list[Appeal]:
        """Every stored appeal."""
        return [_row_appeal(row) for row in conn.execute(select(appeals_table))]

    # -- checkpoints -------------------------------------------------------------------------------------
    def checkpoint_before(
        self, conn: Connection, sender: str, key: ItemKey | None
    ) -> tuple[ItemKey, str] | None:
        """The newest checkpoint whose key sorts before `key` (any checkpoint when `key` is None)."""
        t = checkpoints_table.c
        query = select(t.at, t.rank, t.id, t.state).where(t.sender == sender)
        if key is not None:
            query = query.where(tuple_(t.at, t.rank, t.id) < tuple_(*key))
        row = conn.execute(query.order_by(t.at.desc(), t.rank.desc(), t.id.desc()).limit(1)).first()
        return None if row is None else ((row[0], row[1], row[2]), row[3])

    def drop_checkpoints_after(self, conn: Connection, sender: str, key: ItemKey) -> None:
        """Deletes the sender's checkpoints after `key`: an item older than them makes them wrong."""
        t = checkpoints_table.c
        conn.execute(
            delete(checkpoints_table).where(t.sender == sender, tuple_(t.at, t.rank, t.id) > tuple_(*key))
        )

    def drop_checkpoints_after_many(self, conn: Connection, pairs: Sequence[tuple[str, ItemKey]]) -> None:
        """drop_checkpoints_after for many (sender, key) pairs; one statement on PostgreSQL."""
        if not pairs:
            return
        if self.dialect == "postgresql":
            conn.exec_driver_sql(
                _PG_DROP_CHECKPOINTS_AFTER,
                {
                    "senders": [p[0] for p in pairs],
                    "ats": [p[1][0] for p in pairs],
                    "ranks": [p[1][1] for p in pairs],
                    "ids": [p[1][2] for p in pairs],
                },
            )
            return
        for sender, key in pairs:
            self.drop_checkpoints_after(conn, sender, key)

    def drop_checkpoints(self, conn: Connection, senders: Sequence[str]) -> None:
        """Deletes every checkpoint of these senders (their history was rewritten wholesale)."""
        for chunk in _chunks(sorted(set(senders))):
            conn.execute(delete(checkpoints_table).where(checkpoints_table.c.sender.in_(chunk)))

    def add_checkpoints(self, conn: Connection, rows: Sequence[tuple[str, ItemKey, str]], keep: int) -> None:
        """Stores (sender, key, state) checkpoints and deletes all but each sender's `keep` newest."""
        if not rows:
            return
        conn.execute(
            checkpoints_table.insert(),
            [{"sender": s, "at": k[0], "rank": k[1], "id": k[2], "state": st} for s, k, st in rows],
        )
        t = checkpoints_table.c
        for sender in sorted({r[0] for r in rows}):
            oldest_kept = conn.execute(
                select(t.at, t.rank, t.id)
                .where(t.sender == sender)
                .order_by(t.at.desc(), t.rank.desc(), t.id.desc())
                .offset(keep - 1)
                .limit(1)
            ).first()
            if oldest_kept is not None:
                conn.execute(
                    delete(checkpoints_table).where(
                        t.sender == sender, tuple_(t.at, t.rank, t.id) < tuple_(*oldest_kept)
                    )
                )

    # -- sanctions and audit ---------------------------------------------------------------------------
    def sender_sanctions(self, conn: Connection, sender: str, from_seq: int = 1) -> list[Sanction]:
        """The sender's sanctions numbered from `from_seq` on, oldest first."""
        t = sanctions_table.c
        query = select(sanctions_table).where(t.sender == sender, t.seq >= from_seq).order_by(t.seq)
        rows = conn.execute(query)
        return [_row_sanction(row) for row in rows]

    def replace_sanctions(
        self, conn: Connection, sender: str, sanctions: Sequence[Sanction], from_seq: int = 1
    ) -> None:
        """Replaces the sender's sanctions numbered from `from_seq` on with a fresh derivation."""
        t = sanctions_table.c
        conn.execute(sanctions_table.delete().where(t.sender == sender, t.seq >= from_seq))
        if sanctions:
            conn.execute(sanctions_table.insert(), [_sanction_row(s) for s in sanctions])

    def upsert_sanctions(self, conn: Connection, sanctions: Sequence[Sanction]) -> None:
        """Inserts new sanctions or updates changed ones (by sender and seq)."""
        for chunk in _chunks(sanctions, 2000):
            stmt = self._insert(sanctions_table)
            stmt = stmt.on_conflict_do_update(
                index_elements=["sender", "seq"],
                set_={
                    "end_at": stmt.excluded.end_at,
                    "lifted": stmt.excluded.lifted,
                    "kind": stmt.excluded.kind,
                    "start_at": stmt.excluded.start_at,
                    "planned_end_at": stmt.excluded.planned_end_at,
                    "trigger_event": stmt.excluded.trigger_event,
                    "count": stmt.excluded.count,
                },
            )
            conn.execute(stmt, [_sanction_row(s) for s in chunk])

    def sanctions(
        self, conn: Connection, in_force_at: int | None = None, limit: int | None = None
    ) -> list[Sanction]:
        """All sanctions ordered by start then sender, optionally only those in force at a time."""
        t = sanctions_table.c
        query = select(sanctions_table).order_by(t.start_at, t.sender, t.seq)
        if in_force_at is not None:
            query = query.where(t.start_at <= in_force_at).where(
                (t.end_at.is_(None)) | (t.end_at > in_force_at)
            )
        if limit is not None:
            query = query.limit(limit)
        return [_row_sanction(row) for row in conn.execute(query)]

    def append_audit(self, conn: Connection, entries: Sequence[AuditEntry]) -> None:
        """Appends audit entries (their seq is assigned by the database)."""
        rows = [
            {
                "recorded_at": e.recorded_at,
                "sender": e.sender,
                "action": e.action,
                "kind": e.kind,
                "sanction_seq": e.sanction_seq,
                "start_at": e.start,
                "end_at": e.end,
                "trigger_event": e.trigger_event,
                "count": e.count,
                "cause": e.cause,
                "operator": e.operator,
                "reason": e.reason,
                "detail": None if e.detail is None else json.dumps(e.detail, sort_keys=True),
            }
            for e in entries
        ]
        for chunk in _chunks(rows, 5000):
            conn.execute(audit_table.insert(), list(chunk))

    def audit(
        self, conn: Connection, sender: str | None = None, after: int = 0, limit: int = 100
    ) -> list[AuditEntry]:
        """Audit entries after a cursor (seq), oldest first, optionally for one sender."""
        t = audit_table.c
        query = select(audit_table).where(t.seq > after).order_by(t.seq).limit(limit)
        if sender is not None:
            query = query.where(t.sender == sender)
        return [_row_audit(row) for row in conn.execute(query)]

    def bulk_insert(
        self, conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Loads rows with the driver directly, for the replay's bulk load (no per-row dicts): on SQLite
        multi-row INSERT statements, on PostgreSQL COPY."""
        names = ", ".join(f'"{c}"' for c in columns)
        driver = conn.connection.driver_connection
        assert driver is not None
        if self.dialect != "sqlite":
            with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # sqlite3's executemany pays a fixed cost per statement execution (bind, step, reset) that is
        # larger than the row's own insert; binding 200 rows per statement cuts the load to about a third.
        width = len(columns)
        per = _SQLITE_ROWS_PER_INSERT
        one = f"({', '.join(['?'] * width)})"
        many_sql = f"INSERT INTO {table.name} ({names}) VALUES {', '.join([one] * per)}"
        one_sql = f"INSERT INTO {table.name} ({names}) VALUES {one}"
        step = per * width
        cursor = driver.cursor()
        try:
            iterator = iter(rows)
            while batch := list(islice(iterator, 100 * per)):
                flat = list(chain.from_iterable(batch))
                full = len(batch) // per * step
                if full:
                    cursor.executemany(many_sql, [flat[i : i + step] for i in range(0, full, step)])
                if full < len(flat):
                    cursor.executemany(one_sql, batch[full // width :])
        finally:
            cursor.close()

    @contextmanager
    def indexes_dropped(self, conn: Connection, table: Table) -> Iterator[None]:
        """Drops a table's indexes for a bulk load into an empty table and rebuilds them afterwards."""
        for index in table.indexes:
            index.drop(conn)
        yield
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            index.create(conn)

    def is_empty(self, conn: Connection) -> bool:
        """True when no event, appeal or sender has been stored yet."""
        for table in (events_table, appeals_table, senders_table):
            if conn.execute(select(func.count()).select_from(table)).scalar_one():
                return False
        return True
