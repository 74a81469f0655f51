"""Fixtures: real PostgreSQL and Redis Cluster servers (started once per session, only when a test needs
them) and a factory that builds a moderation service on either backend with a fresh store."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from kontaktfilter.moderation.backends import redis_cluster_client
from kontaktfilter.moderation.clock import ManualClock
from kontaktfilter.moderation.policy import DAY_US, Policy
from kontaktfilter.moderation.service import Faults, ModerationService, _noop_fault
from kontaktfilter.moderation.state import RedisStateCache, SqlStateCache
from kontaktfilter.moderation.store import SqlStore
from tests._servers import PostgresServer, RedisClusterServer, postgresql_server, redis_cluster

BACKENDS = ["sqlite", "cluster"]
HOUR = 3_600_000_000

#: A small policy whose edges tests and generated sequences can hit: 3 counted in 10 h, 5 h suspension,
#: one suspension before a ban, 2 invitations per 4 h.
SMALL = Policy(
    threshold=3,
    window_us=10 * HOUR,
    suspension_us=5 * HOUR,
    suspensions_before_ban=1,
    invitation_limit=2,
    invitation_window_us=4 * HOUR,
)
assert DAY_US == 24 * HOUR

#: Service tuning that makes short generated sequences cross every path a late event can take: refold
#: in memory within the window, refold from a checkpoint, refold the whole log (and trimmed windows and
#: dropped checkpoints on the way).
TINY = {"window": 2, "checkpoint_every": 2, "checkpoints_kept": 3}


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    with postgresql_server() as server:
        yield server


@pytest.fixture(scope="session")
def cluster() -> Iterator[RedisClusterServer]:
    with redis_cluster(masters=3) as server:
        yield server


_db_numbers = itertools.count()

MakeService = Callable[..., ModerationService]


class ServiceFactory:
    """Builds services on one backend; each call gets a fresh store (new SQLite file or PG database)."""

    def __init__(self, backend: str, request: pytest.FixtureRequest, tmp: Path) -> None:
        self.backend = backend
        self._request = request
        self._tmp = tmp
        self._made: list[ModerationService] = []

    def fresh_url(self) -> str:
        """A new empty database URL on this backend's SQL server."""
        number = next(_db_numbers)
        if self.backend == "sqlite":
            return f"sqlite:///{self._tmp / f'mod{number}.sqlite3'}"
        server: PostgresServer = self._request.getfixturevalue("pg")
        return server.create_database(f"mod_{number}")

    def __call__(
        self,
        policy: Policy = SMALL,
        clock: ManualClock | None = None,
        faults: Faults = _noop_fault,
        url: str | None = None,
        prefix: str | None = None,
        tuning: Mapping[str, int] | None = None,
    ) -> ModerationService:
        store = SqlStore.from_url(url or self.fresh_url())
        if self.backend == "sqlite":
            cache: SqlStateCache | RedisStateCache = SqlStateCache()
        else:
            server: RedisClusterServer = self._request.getfixturevalue("cluster")
            cache = RedisStateCache(
                redis_cluster_client(server.url), prefix or f"t{uuid.uuid4().hex[:12]}", buckets=4
            )
        service = ModerationService(store, cache, policy, clock or ManualClock(0), faults, **(tuning or {}))
        self._made.append(service)
        return service

    def close(self) -> None:
        for service in self._made:
            service.store.dispose()


@pytest.fixture(params=BACKENDS)
def make_service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServiceFactory]:
    """A factory of services on the parametrized backend (the conformance suite runs on both)."""
    factory = ServiceFactory(request.param, request, tmp_path)
    yield factory
    factory.close()


@pytest.fixture(scope="module", params=[(b, t) for b in BACKENDS for t in ("default", "tiny")])
def shared_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ModerationService, ManualClock]]:
    """One long-lived service per backend and tuning for property tests (each example uses its own
    namespace)."""
    backend, tuning = request.param
    factory = ServiceFactory(backend, request, tmp_path_factory.mktemp("shared"))
    clock = ManualClock(0)
    yield factory(SMALL, clock, tuning=TINY if tuning == "tiny" else None), clock
    factory.close()
