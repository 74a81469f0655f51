"""Opening the store: engine, per-connection SQLite settings, and migrations to the newest schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .models import serialize_json

VERSION_TABLE = "inbox_alembic_version"
SCRIPT_LOCATION = "kontaktfilter.store:migrations"
# Pages (4 KiB) of write-ahead log after which an import's connection checkpoints (see `for_import`).
IMPORT_CHECKPOINT_PAGES = 16384


class StoreError(RuntimeError):
    """The store cannot be opened or migrated; the message names the database."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    # Cascading deletes (forget) need foreign keys; secure_delete overwrites deleted rows with
    # zeros so a forgotten person does not linger in free pages of the file.
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # WAL with synchronous=NORMAL commits without an fsync each time; a killed process loses nothing
    # committed (only a power cut can drop the last commits, which a resumed import redoes).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Imports write large transactions into B-trees with random keys; 64 MiB of page cache keeps
    # them from spilling to disk mid-transaction.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


class Store:
    """The inbox database: an engine and a session factory; open with `Store.open(url)`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect to `url` (creating a SQLite file's folder) and bring the schema up to date."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, json_serializer=serialize_json)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, json_serializer=serialize_json)
        store = cls(engine)
        if migrate:
            store.migrate()
        return store

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (a no-op when it is already there)."""
        cfg = alembic_config()
        head = ScriptDirectory.from_config(cfg).get_current_head()
        try:
            with self.engine.begin() as conn:
                current = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
                if current.get_current_revision() == head:
                    return
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except Exception as exc:
            where = self.engine.url.render_as_string(hide_password=True)
            raise StoreError(f"{where}: cannot open or migrate the inbox database: {exc}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error."""
        with self.sessions() as s, s.begin():
            yield s

    @contextmanager
    def for_import(self) -> Iterator[Store]:
        """This store with every session on one connection, for the length of one import.

        On SQLite that connection checkpoints the write-ahead log every 64 MiB instead of every 4 MiB
        (SQLite's default, restored afterwards). An import's batches rewrite thousands of the same index
        pages (people and requests are keyed by URLs and hashes, in no order), so each checkpoint copies
        and fsyncs much of the same data again; fewer of them cut the benchmark import's time in commits
        from about 3 s to 1.8 s. A power cut can drop more of the last commits of an import, which a
        re-run redoes; other writers (decisions in the web app) keep the default.
        """
        with self.engine.connect() as conn:
            before = None
            if self.dialect == "sqlite":
                before = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
                conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={IMPORT_CHECKPOINT_PAGES}")
                conn.commit()
            bound = Store(self.engine)
            bound.sessions = sessionmaker(conn, expire_on_commit=False)
            try:
                yield bound
            finally:
                if before is not None and not conn.invalidated:
                    conn.rollback()
                    conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(before)}")
                    conn.commit()

    def scrub(self) -> bool:
        """After deleting personal data: fold SQLite's write-ahead log into the file and empty it, so
        no old page image of the deleted rows stays behind; False if a reader kept it from finishing."""
        if self.dialect != "sqlite":
            return True
        with self.engine.connect() as conn:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        return busy is None or not busy[0]

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


__all__ = ["IMPORT_CHECKPOINT_PAGES", "VERSION_TABLE", "Store", "StoreError", "alembic_config"]
