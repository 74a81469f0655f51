"""The inbox's tables (SQLAlchemy 2 declarative): people, their requests, verdicts, decisions,
connections and messages, the owner, import runs and the personal model.

Times are stored as aware UTC on PostgreSQL and as UTC text on SQLite; `UTCDateTime` hands back aware
UTC datetimes from both. Everything about a person hangs off `people` with ON DELETE CASCADE, so
forgetting a person is one delete.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..signals import REGISTRY


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class EncodedJSON(str):
    """JSON text that is already encoded; the store's serializer writes it as it is (no second pass)."""

    __slots__ = ()


# One encoder for every call: json.dumps with options builds a new one each time, a quarter of the cost
# of encoding a verdict's probabilities.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def serialize_json(value: Any) -> str:
    """The engines' JSON serializer: compact JSON, passing `EncodedJSON` through unchanged."""
    if isinstance(value, EncodedJSON):
        return value
    return _COMPACT.encode(value)


def _compact_signal(hit: dict[str, Any]) -> Any:
    sig = REGISTRY.get(str(hit.get("id")))
    de, en = str(hit.get("reason_de", "")), str(hit.get("reason_en", ""))
    if sig is not None:
        if de == sig.reason_de and en == sig.reason_en:
            return [sig.id, hit.get("group"), hit.get("weight"), None]
        # The screener appends the evidence to both reasons as " [evidence]".
        ev_de, ev_en = de[len(sig.reason_de) + 2 : -1], en[len(sig.reason_en) + 2 : -1]
        if ev_de == ev_en and de == f"{sig.reason_de} [{ev_de}]" and en == f"{sig.reason_en} [{ev_en}]":
            return [sig.id, hit.get("group"), hit.get("weight"), ev_de]
    return hit


def _expand_signal(entry: Any) -> dict[str, Any]:
    if isinstance(entry, dict):
        return entry
    sid, group, weight, evidence = entry
    sig = REGISTRY.get(sid)
    de, en = (sig.reason_de, sig.reason_en) if sig is not None else (sid, sid)
    if evidence is not None:
        de, en = f"{de} [{evidence}]", f"{en} [{evidence}]"
    return {"id": sid, "group": group, "weight": weight, "reason_de": de, "reason_en": en}


def compact_signals(signals: list[Any]) -> list[Any]:
    """Signals in their stored form (what `SignalList` writes); reading expands them again."""
    return [_compact_signal(h) if isinstance(h, dict) else h for h in signals]


class SignalList(TypeDecorator[list[Any]]):
    """A verdict's signals: read and written as dicts with both reasons, stored without the registry's
    fixed reason texts (a verdict's signals shrink from about 1.5 KB to 0.3 KB)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: list[Any] | EncodedJSON | None, dialect: Dialect) -> Any:
        if value is None or isinstance(value, EncodedJSON):
            return value  # EncodedJSON: already compacted and encoded (by the screening worker)
        return compact_signals(value)

    def process_result_value(self, value: list[Any] | None, dialect: Dialect) -> list[Any] | None:
        if value is None:
            return None
        return [_expand_signal(e) for e in value]


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic compares them)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class Person(Base):
    """Someone the owner deals with, keyed by canonical profile URL or, without one, by name."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "https://www.linkedin.com/in/<slug>", "name:<folded name>" or "anonymous:<request id>".
    key: Mapped[str] = mapped_column(String(700), unique=True)
    name_key: Mapped[str] = mapped_column(String(400), index=True)
    name: Mapped[str | None] = mapped_column(String(400))
    profile_url: Mapped[str | None] = mapped_column(String(700))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Request(Base):
    """A contact request, incoming (screened) or outgoing (the owner's own invitation)."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_direction_status", "direction", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(200), unique=True)
    source_key: Mapped[str] = mapped_column(String(900), unique=True)
    source: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # incoming | outgoing
    platform: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # pending | connected
    # The request in the screen contract's shape, as it was screened.
    payload: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Verdict(Base):
    """The latest screening result for a request; `action` includes the personal layer."""

    __tablename__ = "verdicts"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    score: Mapped[int] = mapped_column(Integer)
    core_action: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(8))
    signals: Mapped[list[Any]] = mapped_column(SignalList())
    probabilities: Mapped[dict[str, Any]]
    model: Mapped[str] = mapped_column(String(16))
    policy_rule: Mapped[str] = mapped_column(String(200))
    screened_at: Mapped[datetime]


class Decision(Base):
    """What the owner did with a request; differing from the recommendation makes it a correction."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    recommended: Mapped[str | None] = mapped_column(String(16))
    correction: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime]


class Connection(Base):
    """A first-degree connection of the owner (Connections.csv)."""

    __tablename__ = "connections"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(400))
    company: Mapped[str | None] = mapped_column(String(400))
    position: Mapped[str | None] = mapped_column(String(400))
    connected_on: Mapped[date] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Message(Base):
    """One message of a conversation with a person (messages.csv); `person_id` is the other party."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_person_sent", "person_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    sent_at: Mapped[datetime]
    from_name: Mapped[str] = mapped_column(String(400))
    sender_url: Mapped[str | None] = mapped_column(String(700))
    to_names: Mapped[str] = mapped_column(Text)
    recipient_urls: Mapped[list[Any]]
    subject: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    folder: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Owner(Base):
    """The inbox's owner (Profile.csv); their name and headline are the recipient context."""

    __tablename__ = "owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    headline: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    profile_url: Mapped[str | None] = mapped_column(String(700))
    updated_at: Mapped[datetime]


class ImportRun(Base):
    """One import: its input's fingerprint, how far it got (committed with every batch), and counts."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # linkedin | jsonl
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # running | done
    phase: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class PersonalModel(Base):
    """A trained personal layer (plain JSON arrays, no pickles), newest row in use."""

    __tablename__ = "personal_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[datetime]
    n_decisions: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]]


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model (for executemany inserts that skip the ORM's bookkeeping)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


__all__ = [
    "Base",
    "Connection",
    "Decision",
    "EncodedJSON",
    "ImportRun",
    "Message",
    "Owner",
    "Person",
    "PersonalModel",
    "Request",
    "SignalList",
    "UTCDateTime",
    "Verdict",
    "compact_signals",
    "serialize_json",
    "table_of",
]
