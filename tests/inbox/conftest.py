"""Fixtures for the inbox tests: a fresh store on SQLite or a real PostgreSQL server, the shipped
screener loaded once, an importer with a fake clock, and the demo export."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kontaktfilter.policy import Policy
from kontaktfilter.screener import Screener
from kontaktfilter.sources.importer import Importer
from kontaktfilter.store.engine import Store
from tests._clock import FakeClock
from tests._servers import PostgresServer, postgresql_server

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "linkedin-export"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's config or writes into their data directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("KONTAKTFILTER_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("KONTAKTFILTER_CONFIG", str(home / "absent-config.toml"))
    for var in (
        "KONTAKTFILTER_DATABASE_URL",
        "KONTAKTFILTER_POLICY",
        "KONTAKTFILTER_LEARN_MIN_DECISIONS",
        "KONTAKTFILTER_LEARN_EVERY",
        "KONTAKTFILTER_IMPORT_BATCH_SIZE",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def inbox_pg() -> Iterator[PostgresServer]:
    with postgresql_server() as server:
        yield server


_numbers = itertools.count()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database on the backend the test is parametrised with (default SQLite)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        server: PostgresServer = request.getfixturevalue("inbox_pg")
        return server.create_database(f"inbox_{next(_numbers)}")
    return f"sqlite:///{tmp_path / f'inbox_{next(_numbers)}.sqlite3'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def screener() -> Screener:
    return Screener()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


MakeImporter = Callable[..., Importer]


@pytest.fixture
def make_importer(screener: Screener, clock: FakeClock) -> MakeImporter:
    def make(store: Store, batch_size: int = 2000, **kwargs: object) -> Importer:
        return Importer(
            store,
            screener=lambda: screener,
            policy=Policy.default(),
            batch_size=batch_size,
            now=clock,
            **kwargs,
        )

    return make
