"""The import's bulk writes store exactly what SQLAlchemy Core stores, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, text

from kontaktfilter.store.bulk import BulkInsert
from kontaktfilter.store.engine import IMPORT_CHECKPOINT_PAGES, Store
from kontaktfilter.store.models import (
    Base,
    Connection,
    EncodedJSON,
    Person,
    Request,
    Verdict,
    serialize_json,
    table_of,
)

from .conftest import BACKENDS

pytestmark = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)

NOW = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC)
BERLIN = NOW.astimezone(timezone(timedelta(hours=1)))  # the same instant, another zone
SIGNALS = [
    {"id": "classifier", "group": "model", "weight": -1.5, "reason_de": "Modell", "reason_en": "model"},
    {"id": "gone_signal", "group": "note", "weight": 0.5, "reason_de": "alt", "reason_en": "old"},
]
PROBABILITIES = {"scam": 0.25, "recruiter": 0.75}


def _raw(store: Store, model: type[Base], order: str) -> list[tuple[Any, ...]]:
    table = table_of(model)
    with store.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}")).all()
    return [tuple(r) for r in rows]


def test_bulk_insert_writes_what_core_writes(store: Store) -> None:
    people = BulkInsert(table_of(Person), skip=("id",))
    requests = BulkInsert(table_of(Request), skip=("id",))
    with store.session() as s:
        conn = s.connection()
        conn.execute(
            insert(table_of(Person)),
            [{"key": "core", "name_key": "anna", "name": "Anna", "profile_url": None,
              "created_at": BERLIN, "updated_at": NOW}],
        )  # fmt: skip
        people.execute(
            conn,
            [{"key": "bulk", "name_key": "anna", "name": "Anna", "profile_url": None}],
            {"created_at": BERLIN, "updated_at": NOW},
        )
        pid = conn.execute(text("SELECT id FROM people WHERE key = 'core'")).scalar_one()
        row = {
            "source": "jsonl", "person_id": pid, "direction": "incoming", "platform": "linkedin",
            "note": None, "received_at": BERLIN, "status": "pending", "content_hash": "h",
            "created_at": NOW, "updated_at": NOW,
        }  # fmt: skip
        conn.execute(
            insert(table_of(Request)),
            [
                {**row, "public_id": "core-dict", "source_key": "a", "payload": {"id": "x", "note": None}},
                {**row, "public_id": "core-text", "source_key": "b", "payload": EncodedJSON('{"id":"y"}')},
            ],
        )
        requests.execute(
            conn,
            [
                {**row, "public_id": "bulk-dict", "source_key": "c", "payload": {"id": "x", "note": None}},
                {**row, "public_id": "bulk-text", "source_key": "d", "payload": EncodedJSON('{"id":"y"}')},
            ],
        )
        ids = dict(conn.execute(text("SELECT public_id, id FROM requests")).all())
        verdict = {
            "category": "scam", "confidence": 0.5, "score": 3, "core_action": "ignore", "action": "ignore",
            "lang": "de", "model": "fast", "policy_rule": "", "screened_at": BERLIN,
        }  # fmt: skip
        encoded = {
            "signals": EncodedJSON(serialize_json([["no_note", "note", -0.25, None], SIGNALS[0]])),
            "probabilities": EncodedJSON(serialize_json(PROBABILITIES)),
        }
        plain = {
            "signals": [["no_note", "note", -0.25, None], SIGNALS[0]],
            "probabilities": PROBABILITIES,
        }
        conn.execute(
            insert(table_of(Verdict)),
            [{"request_id": ids["core-dict"], **verdict, **plain}],
        )
        BulkInsert(table_of(Verdict)).execute(
            conn,
            [
                {"request_id": ids["core-text"], **verdict, **plain},
                {"request_id": ids["bulk-dict"], **verdict, **encoded},  # as the screening worker sends it
            ],
        )
        BulkInsert(table_of(Connection)).execute(
            conn,
            [{"person_id": pid, "first_name": "Anna", "last_name": "", "email": None, "company": None,
              "position": None, "connected_on": date(2026, 1, 5), "content_hash": "h"}],
            {"created_at": BERLIN, "updated_at": BERLIN},
        )  # fmt: skip
    core_person, bulk_person = _raw(store, Person, "key DESC")
    assert core_person[2:] == bulk_person[2:]  # all but id and key
    stored = {r[1]: r[3:] for r in _raw(store, Request, "id")}  # all but id, public_id, source_key
    assert stored["core-dict"] == stored["bulk-dict"] and stored["core-text"] == stored["bulk-text"]
    verdicts = [r[1:] for r in _raw(store, Verdict, "request_id")]
    assert verdicts[0] == verdicts[1] == verdicts[2]
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM connections")).scalar_one() == 1


def test_bulk_insert_refuses_a_row_without_a_column(store: Store) -> None:
    with store.session() as s, pytest.raises(KeyError):
        BulkInsert(table_of(Person), skip=("id",)).execute(
            s.connection(),
            [{"key": "k", "name_key": "", "name": None}],
            {"created_at": NOW, "updated_at": NOW},
        )


def test_an_import_checkpoints_less_often_and_restores_the_default(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("a SQLite setting")

    def pages(s: Any) -> int:
        return int(s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())

    with store.session() as s:
        default = pages(s)
    with store.for_import() as importing:
        with importing.session() as s:
            assert pages(s) == IMPORT_CHECKPOINT_PAGES
        with importing.session() as s:  # every session of the import, on the same connection
            assert pages(s) == IMPORT_CHECKPOINT_PAGES
    with store.session() as s:
        assert pages(s) == default
