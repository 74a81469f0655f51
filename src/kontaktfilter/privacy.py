"""A person's data on request: export everything stored, or forget one person completely.

The CSV export neutralises spreadsheet formula injection: request text is untrusted, and a note that
starts with `=`, `+`, `-` or `@` would otherwise run as a formula when the file is opened.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .policy import Policy
from .store.models import (
    Base,
    Connection,
    Decision,
    ImportRun,
    Message,
    Owner,
    Person,
    PersonalModel,
    Request,
    Verdict,
)
from .store.people import fold_name
from .store.repository import retrain_personal_layer

# Parents before children, so an export reads top-down.
EXPORT_TABLES: tuple[type[Base], ...] = (
    Owner, Person, Request, Verdict, Decision, Connection, Message, PersonalModel, ImportRun,
)  # fmt: skip
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV cell that spreadsheets show as text: strings starting with = + - @ (or tab, CR) get a `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(model: type[Base]) -> list[str]:
    return [c.key for c in model.__table__.columns]


def iter_rows(session: Session, model: type[Base]) -> Iterator[dict[str, Any]]:
    """Every row of one table as JSON-ready values, in primary-key order."""
    cols = _columns(model)
    order = [c for c in model.__table__.columns if c.primary_key]
    for obj in session.scalars(select(model).order_by(*order)):
        yield {c: _plain(getattr(obj, c)) for c in cols}


def export_jsonl(session: Session, out: IO[str]) -> dict[str, int]:
    """Everything stored, one JSON object per line with a `table` field; returns rows per table."""
    counts: dict[str, int] = {}
    for model in EXPORT_TABLES:
        name = model.__tablename__
        counts[name] = 0
        for row in iter_rows(session, model):
            out.write(json.dumps({"table": name, **row}, ensure_ascii=False) + "\n")
            counts[name] += 1
    return counts


def export_csv(session: Session, folder: Path) -> dict[str, int]:
    """Everything stored, one CSV file per table in `folder`, formula-safe; returns rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for model in EXPORT_TABLES:
        name = model.__tablename__
        cols = _columns(model)
        counts[name] = 0
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(cols)
            for row in iter_rows(session, model):
                cells = [
                    json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                    for v in (row[c] for c in cols)
                ]
                writer.writerow([safe_cell(v) for v in cells])
                counts[name] += 1
    return counts


@dataclass
class ForgetReport:
    """Who was forgotten and how many rows of each table went with them."""

    people: list[str]
    deleted: dict[str, int] = field(default_factory=dict)
    personal_layer: str = ""


def _mentions(m: Message, urls: set[str], names: set[str]) -> bool:
    if m.sender_url in urls or any(u in urls for u in m.recipient_urls or ()):
        return True
    if fold_name(m.from_name) in names:
        return True
    return any(fold_name(n) in names for n in (m.to_names or "").split(","))


def forget(
    session: Session,
    people: Sequence[Person],
    *,
    policy: Policy,
    min_decisions: int,
    now: Callable[[], datetime],
) -> ForgetReport:
    """Delete the people and everything about them, then retrain the personal layer without them."""
    ids = [p.id for p in people]
    urls = {p.profile_url for p in people if p.profile_url}
    names = {p.name_key for p in people if p.name_key}
    report = ForgetReport([p.name or p.key for p in people])
    request_ids = list(session.scalars(select(Request.id).where(Request.person_id.in_(ids))))
    # Group messages name several people; any that names a forgotten person goes with them.
    message_ids = [
        m.id
        for m in session.scalars(select(Message))
        if m.person_id in ids or _mentions(m, urls, names)
    ]  # fmt: skip
    steps: list[tuple[str, Any]] = [
        ("decisions", delete(Decision).where(Decision.request_id.in_(request_ids))),
        ("verdicts", delete(Verdict).where(Verdict.request_id.in_(request_ids))),
        ("requests", delete(Request).where(Request.id.in_(request_ids))),
        ("connections", delete(Connection).where(Connection.person_id.in_(ids))),
        ("messages", delete(Message).where(Message.id.in_(message_ids))),
        ("people", delete(Person).where(Person.id.in_(ids))),
    ]
    for name, stmt in steps:
        result = session.execute(stmt.execution_options(synchronize_session=False))
        report.deleted[name] = int(getattr(result, "rowcount", 0) or 0)
    # The personal layer's weights were fitted on their decisions too: refit on what is left.
    had_layer = session.scalar(select(PersonalModel.id).limit(1)) is not None
    layer = retrain_personal_layer(session, policy, min_decisions=min_decisions, now=now()).layer
    if layer is not None:
        report.personal_layer = f"retrained on the remaining {layer.n_decisions} decisions"
    elif had_layer:
        report.personal_layer = "removed: too few decisions remain to train it"
    return report


__all__ = ["EXPORT_TABLES", "ForgetReport", "export_csv", "export_jsonl", "forget", "iter_rows", "safe_cell"]
