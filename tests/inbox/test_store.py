"""The store and the importers against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, func, select

from kontaktfilter.sources.importer import Importer
from kontaktfilter.sources.linkedin_export import ExportError
from kontaktfilter.store.engine import VERSION_TABLE, Store
from kontaktfilter.store.models import NAMING, Base, Connection, ImportRun, Message, Person, Request, Verdict
from kontaktfilter.web.accounts import metadata as web_metadata

from .conftest import BACKENDS, DEMO, MakeImporter
from .exports import Con, Inv, Msg, export_files, us_time, utc_time, write_folder, write_zip
from .snapshot import snapshot

pytestmark = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _counts(summary: Any) -> dict[str, tuple[int, int, int, int]]:
    return {k: (c.new, c.updated, c.skipped, c.rejected) for k, c in summary.counts.items()}


def _rows(store: Store, model: type[Base]) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _all_tables() -> MetaData:
    # The inbox's models and the web app's tables, which the same migrations create.
    combined = MetaData(naming_convention=NAMING)
    for table in [*Base.metadata.tables.values(), *web_metadata.tables.values()]:
        table.to_metadata(combined)
    return combined


def test_migrations_create_exactly_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(ctx, _all_tables())
            if not (d[0] == "remove_table" and d[1].name == VERSION_TABLE)
        ]
    assert diff == []
    store.migrate()  # a second run is a no-op


def test_a_database_whose_web_tables_predate_the_migration_keeps_them(db_url: str) -> None:
    # Before revision 0002 the web app created its tables itself: such a database is at revision
    # 0001 and already has them. Opening it migrates to the head and keeps the user and token.
    from alembic import command

    from kontaktfilter.store.engine import alembic_config
    from kontaktfilter.web.accounts import Accounts, digest

    old = Store.open(db_url, migrate=False)
    cfg = alembic_config()
    with old.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    web_metadata.create_all(old.engine)  # what the web app used to do
    accounts = Accounts(old.engine)
    accounts.set_password("a long passphrase")
    token = accounts.create_token("laptop")
    old.close()

    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            current = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            assert current.get_current_revision() == "0002"
        accounts = Accounts(store.engine)
        assert accounts.verify_password("a long passphrase") is not None
        assert accounts.token_exists(digest(token))
        assert [t.name for t in accounts.tokens()] == ["laptop"]
    finally:
        store.close()


def test_demo_import_is_idempotent(store: Store, make_importer: MakeImporter) -> None:
    first = make_importer(store).import_path(DEMO)
    assert _counts(first) == {
        "Profile.csv": (1, 0, 0, 0),
        "Connections.csv": (11, 0, 0, 0),
        "Invitations.csv": (31, 0, 0, 0),
        "messages.csv": (5, 0, 0, 0),
    }
    assert first.screened == 26 and first.problems == []
    before = snapshot(store)
    again = make_importer(store).import_path(DEMO)
    assert _counts(again) == {
        "Profile.csv": (0, 0, 1, 0),
        "Connections.csv": (0, 0, 11, 0),
        "Invitations.csv": (0, 0, 31, 0),
        "messages.csv": (0, 0, 5, 0),
    }
    assert again.screened == 0
    after = snapshot(store)
    assert {k: v for k, v in after.items() if k != "import_runs"} == {
        k: v for k, v in before.items() if k != "import_runs"
    }
    with store.session() as s:
        statuses = dict(s.execute(select(Person.name, Request.status).join(Request)).all())
        assert statuses["Priya Raman"] == "connected" and statuses["Tobias Wendt"] == "pending"
        outgoing = s.scalars(select(Request).where(Request.direction == "outgoing")).all()
        assert len(outgoing) == 5 and all(s.get(Verdict, r.id) is None for r in outgoing)


def test_newer_export_adds_new_and_updates_what_changed(
    store: Store, make_importer: MakeImporter, tmp_path: Path
) -> None:
    invs = [
        Inv("Anna Berg", "anna-berg", utc_time(T0), "Hallo Tess, wir haben uns auf der Konferenz getroffen."),
        Inv("Ben Cole", "ben-cole", us_time(T0 + timedelta(hours=1), "\u202f"), ""),
        Inv(
            "Cleo Diaz",
            "cleo-diaz",
            utc_time(T0 + timedelta(hours=2)),
            "Hi Tess, quick question about your talk.",
        ),
    ]
    old = write_folder(
        tmp_path / "old", export_files(invs, [Con("Dora", "Eck", "dora-eck", date(2026, 1, 5))])
    )
    make_importer(store).import_path(old)
    newer_invs = [
        invs[1],
        Inv(
            "Cleo Diaz",
            "cleo-diaz",
            utc_time(T0 + timedelta(hours=2)),
            "Hi Tess, a question about your data talk.",
        ),
        Inv(
            "Emil Frey",
            "emil-frey",
            utc_time(T0 + timedelta(days=3)),
            "Exclusive crypto returns, WhatsApp me",
        ),
    ]
    cons = [
        Con("Dora", "Eck", "dora-eck", date(2026, 1, 5)),
        Con("Anna", "Berg", "anna-berg", date(2026, 11, 4)),
    ]
    new = write_folder(
        tmp_path / "new",
        export_files(newer_invs, cons, [Msg("Anna Berg", "anna-berg", T0 + timedelta(days=3), "Danke!")]),
    )
    summary = make_importer(store).import_path(new)
    assert _counts(summary)["Invitations.csv"] == (1, 1, 1, 0)
    assert _counts(summary)["Connections.csv"] == (1, 0, 1, 0)
    assert summary.now_connected == 1  # Anna's pending invitation became a connection
    assert summary.screened == 2  # the new one and the changed note, nothing else
    with store.session() as s:
        rows = {p: (r.status, r.note) for p, r in s.execute(select(Person.name, Request).join(Request))}
        assert rows["Anna Berg"][0] == "connected"
        assert rows["Cleo Diaz"] == ("pending", "Hi Tess, a question about your data talk.")
        assert rows["Ben Cole"] == ("pending", None)
        assert len(rows) == 4


def test_people_are_keyed_by_canonical_url_then_name(
    store: Store, make_importer: MakeImporter, tmp_path: Path
) -> None:
    files = export_files(
        [
            Inv("Anna Berg", None, utc_time(T0), "Hallo von Anna"),
            Inv("Anna Berg", "Anna-Berg/", utc_time(T0 + timedelta(days=1)), "Nochmal Anna, jetzt mit URL"),
        ],
        [Con("anna", "BERG", None, date(2026, 11, 5)), Con("Ben", "Cole", "ben-cole", date(2026, 11, 5))],
        [Msg("Ben Cole", None, T0, "Hi")],
    )
    files["Invitations.csv"] = files["Invitations.csv"].replace(b"/in/Anna-Berg/", b"/comm/in/Anna-Berg/")
    make_importer(store).import_path(write_folder(tmp_path / "e", files))
    with store.session() as s:
        people = {p.key: p for p in s.scalars(select(Person))}
        assert "https://www.linkedin.com/in/anna-berg" in people  # /comm dropped, lower-cased
        assert not any(k.startswith("name:anna") for k in people)  # the name-keyed Anna was re-keyed
        anna = people["https://www.linkedin.com/in/anna-berg"]
        assert s.scalar(select(func.count()).select_from(Request).where(Request.person_id == anna.id)) == 2
        assert s.get(Connection, anna.id) is not None  # the URL-less connection row joined her
        ben = people["https://www.linkedin.com/in/ben-cole"]
        assert s.scalar(select(Message.person_id)) == ben.id


def test_unsafe_archives_write_nothing(store: Store, make_importer: MakeImporter, tmp_path: Path) -> None:
    files = export_files([Inv("Anna Berg", "anna", utc_time(T0), "Hallo")])
    slip = write_zip(tmp_path / "slip.zip", {**files, "../../outside.csv": b"x"})
    bomb = write_zip(tmp_path / "bomb.zip", {**files, "messages.csv": b"," * (30 << 20)})
    for path in (slip, bomb, tmp_path / "nothing-here"):
        with pytest.raises(ExportError):
            make_importer(store).import_path(path)
    for table in Base.metadata.sorted_tables:
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(table)) == 0, table.name
    assert not (tmp_path.parent / "outside.csv").exists()


def test_bad_and_duplicate_rows_are_rejected_and_the_rest_imported(
    store: Store, make_importer: MakeImporter, tmp_path: Path
) -> None:
    files = export_files(
        [
            Inv("Anna Berg", "anna", utc_time(T0), "Hallo"),
            Inv("Ben Cole", "ben", "gestern", "Hi"),
            Inv("Anna Berg", "anna", utc_time(T0), "Hallo"),
        ],
        [Con("Cleo", "Diaz", None, date(2026, 1, 1)), Con("Cleo", "Diaz", None, date(2026, 2, 2))],
    )
    summary = make_importer(store).import_path(write_folder(tmp_path / "e", files))
    assert _counts(summary)["Invitations.csv"] == (1, 0, 0, 2)
    assert _counts(summary)["Connections.csv"] == (1, 0, 0, 1)
    assert sorted((p.file, p.line, p.field) for p in summary.problems) == [
        ("Connections.csv", 6, "URL"),
        ("Invitations.csv", 3, "Sent At"),
        ("Invitations.csv", 4, "Sent At"),
    ]
    again = make_importer(store).import_path(write_folder(tmp_path / "e", files))
    assert _counts(again)["Connections.csv"] == (0, 0, 1, 1)  # the first row wins, every time


def test_jsonl_import_takes_the_screen_contract(
    store: Store, make_importer: MakeImporter, tmp_path: Path
) -> None:
    lines = [
        json.dumps(
            {
                "id": "r1",
                "platform": "xing",
                "note": "Hallo Frau Vogt, wir haben uns beim Barcamp getroffen.",
                "received_at": "2026-11-02T09:15:00+01:00",
                "extra": "ignored",
                "sender": {
                    "name": "Jonas Brenner",
                    "profile_url": "https://www.linkedin.com/in/Jonas-B",
                    "mutual_contacts": 4,
                },
                "recipient": {"name": "Katrin Vogt", "interests": ["Lernkultur"]},
            }
        ),
        "{not json",
        json.dumps({"id": "r2", "note": 5}),
        json.dumps({"id": "r3", "note": None, "sender": {}}),
        json.dumps({"id": "r1", "note": "a second r1"}),
    ]
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = make_importer(store).import_path(path)
    assert _counts(summary) == {"requests.jsonl": (2, 0, 0, 3)}
    assert sorted((p.line, p.field) for p in summary.problems) == [(2, ""), (3, "note"), (5, "id")]
    with store.session() as s:
        r1 = s.scalars(select(Request).where(Request.public_id == "r1")).one()
        assert "extra" not in r1.payload and r1.payload["sender"]["mutual_contacts"] == 4
        assert r1.platform == "xing" and r1.received_at == datetime(2026, 11, 2, 8, 15, tzinfo=UTC)
        assert s.get(Person, r1.person_id).key == "https://www.linkedin.com/in/jonas-b"  # type: ignore[union-attr]
        r3 = s.scalars(select(Request).where(Request.public_id == "r3")).one()
        assert s.get(Person, r3.person_id).key.startswith("anonymous:")  # type: ignore[union-attr]
        assert s.get(Verdict, r1.id) is not None
    assert _counts(make_importer(store).import_path(path)) == {"requests.jsonl": (0, 0, 2, 3)}


def test_an_interrupted_import_resumes_to_the_same_database(
    db_url: str, store: Store, make_importer: MakeImporter, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    invs = [
        Inv(f"Person {i}", f"person-{i}", utc_time(T0 + timedelta(minutes=i)), f"Hallo Tess, Nachricht {i}")
        for i in range(40)
    ]
    cons = [Con("Person", str(i), f"person-{i}", date(2026, 11, 1)) for i in range(0, 40, 3)]
    export = write_folder(tmp_path / "e", export_files(invs, cons, [Msg("Person 1", "person-1", T0, "Hi")]))

    class Boom(RuntimeError):
        pass

    crashing = make_importer(store, batch_size=4)
    calls = {"n": 0}
    real = Importer._invitations

    def flaky(self: Importer, s: Any, batch: Any, run: Any) -> None:
        calls["n"] += 1
        real(self, s, batch, run)
        if calls["n"] == 3:
            raise Boom  # after writing, before the commit: this batch must vanish

    crashing._invitations = flaky.__get__(crashing)  # type: ignore[method-assign]
    with pytest.raises(Boom):
        crashing.import_path(export)
    with store.session() as s:
        run = s.scalars(select(ImportRun)).one()
        assert (run.status, run.phase, run.position) == ("running", "invitations", 8)
    resumed = make_importer(store, batch_size=4).import_path(export)
    assert resumed.resumed_from == "Invitations.csv row 8"

    clean_store = Store.open(_sibling(db_url, request))
    try:
        clean = make_importer(clean_store, batch_size=4).import_path(export)
        assert _counts(resumed) == _counts(clean) and resumed.screened == clean.screened
        assert snapshot(store) == snapshot(clean_store)
    finally:
        clean_store.close()


def _sibling(db_url: str, request: pytest.FixtureRequest) -> str:
    if db_url.startswith("sqlite"):
        return db_url.replace(".sqlite3", "-clean.sqlite3")
    return request.getfixturevalue("inbox_pg").create_database("inbox_clean_" + db_url.rsplit("_", 1)[-1])


def test_progress_is_reported_per_phase(store: Store, make_importer: MakeImporter) -> None:
    seen: list[tuple[str, int, int]] = []
    advanced: list[int] = []

    class Recorder:
        def phase(self, label: str, total: int, done: int) -> None:
            seen.append((label, total, done))

        def advance(self, rows: int) -> None:
            advanced.append(rows)

    make_importer(store, batch_size=10, progress=Recorder()).import_path(DEMO)
    assert seen == [
        ("Profile.csv", 1, 0),
        ("Connections.csv", 11, 0),
        ("Invitations.csv", 31, 0),
        ("messages.csv", 5, 0),
    ]
    assert sum(advanced) == 1 + 11 + 31 + 5


def test_signals_are_stored_compactly_and_read_back_whole(
    store: Store, make_importer: MakeImporter, screener: Any
) -> None:
    from kontaktfilter.contract import parse_request
    from kontaktfilter.store.models import compact_signals
    from kontaktfilter.store.repository import verdict_values

    req = parse_request(
        {"id": "x", "note": "Hi Tess, we met at PyCon. Earn 5% per day with bitcoin, WhatsApp me."}
    )
    row = verdict_values(screener.screen(req), screener.screen(req).action, datetime.now(UTC))
    odd = {"id": "gone_signal", "group": "note", "weight": 0.5, "reason_de": "alt", "reason_en": "old"}
    stored = compact_signals([*row["signals"], odd])
    assert any(isinstance(e, list) and e[3] for e in stored)  # evidence kept, reasons dropped
    assert stored[-1] == odd and any(isinstance(e, dict) and e["id"] == "classifier" for e in stored)
    assert len(json.dumps(stored)) < len(json.dumps(row["signals"])) / 2
    make_importer(store).import_path(DEMO)
    with store.session() as s:
        v = s.scalars(select(Verdict)).first()
        assert v is not None
        v.signals = [*row["signals"], odd]
    with store.session() as s:
        again = s.get(Verdict, v.request_id)
        assert again is not None and again.signals == [*row["signals"], odd]
