"""Faults with real processes: two API workers (`serve`) over the Redis Cluster and PostgreSQL servers;
a worker is SIGKILLed in the middle of a batch, and the whole Redis Cluster goes away and comes back."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from kontaktfilter.moderation.auth import token_digest
from kontaktfilter.moderation.events import INVITATION_IGNORED, INVITATION_SENT, Event, parse_timestamp
from kontaktfilter.moderation.policy import DAY_US, Policy
from tests._servers import PostgresServer, RedisClusterServer, free_port

from .reference import Reference
from .strategies import BASE

POLICY = Policy(
    threshold=3, window_us=DAY_US, suspension_us=DAY_US // 2, invitation_limit=2, invitation_window_us=DAY_US
)
POLICY_TOML = "[sanctions]\nthreshold = 3\nwindow_days = 1\nsuspension_days = 0.5\n[rate_limit]\ninvitations = 2\nwindow_days = 1\n"
INGEST = {"Authorization": "Bearer ingest-secret"}
OPERATOR = {"Authorization": "Bearer operator-secret"}
HOUR = DAY_US // 24


@dataclass
class Worker:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Deployment:
    pg: PostgresServer
    cluster: RedisClusterServer
    database: str
    dbname: str
    tmp: Path
    workers: list[Worker]

    def start_worker(self) -> Worker:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KONTAKTFILTER_MODERATION_")}
        log = (self.tmp / f"worker-{port}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kontaktfilter.moderation",
                "serve",
                "--database",
                self.database,
                "--redis-url",
                self.cluster.url,
                "--tokens",
                str(self.tmp / "tokens.toml"),
                "--policy",
                str(self.tmp / "policy.toml"),
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = Worker(port, process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError((self.tmp / f"worker-{port}.log").read_text())
            try:
                if httpx.get(worker.url + "/v1/health", timeout=2).status_code == 200:
                    self.workers.append(worker)
                    return worker
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("worker did not become healthy")

    def pg_connect(self, autocommit: bool = False) -> psycopg.Connection[Any]:
        # Watchers need autocommit: pg_stat_activity is snapshotted once per transaction.
        dsn = f"host=127.0.0.1 port={self.pg.port} user=postgres dbname={self.dbname}"
        return psycopg.connect(dsn, autocommit=autocommit)


@pytest.fixture(scope="module")
def deployment(
    pg: PostgresServer, cluster: RedisClusterServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("deployment")
    (tmp / "policy.toml").write_text(POLICY_TOML)
    (tmp / "tokens.toml").write_text(
        f'[[token]]\nname = "gateway"\nrole = "ingest"\nsha256 = "{token_digest("ingest-secret")}"\n'
        f'[[token]]\nname = "ops"\nrole = "operator"\nsha256 = "{token_digest("operator-secret")}"\n'
    )
    dbname = "faults"
    deployment = Deployment(pg, cluster, pg.create_database(dbname), dbname, tmp, [])
    deployment.start_worker()
    deployment.start_worker()
    yield deployment
    for worker in deployment.workers:
        if worker.process.poll() is None:
            worker.process.terminate()
            worker.process.wait(timeout=20)


def ev(i: int, hours: float, sender: str, kind: str = INVITATION_IGNORED) -> Event:
    return Event(BASE + int(hours * HOUR), f"{sender}-{i:03d}", kind, sender, "r")


def post(worker: Worker, events: list[Event], timeout: float = 30) -> httpx.Response:
    return httpx.post(
        worker.url + "/v1/events", json=[e.to_json() for e in events], headers=INGEST, timeout=timeout
    )


def server_sanctions(worker: Worker, prefix: str) -> list[tuple[Any, ...]]:
    rows = httpx.get(
        worker.url + "/v1/sanctions", params={"limit": 10000}, headers=OPERATOR, timeout=30
    ).json()
    return [
        (
            r["sender"],
            r["kind"],
            parse_timestamp(r["start"]),
            None if r["end"] is None else parse_timestamp(r["end"]),
            r["trigger_event"],
            r["count"],
        )
        for r in rows
        if r["sender"].startswith(prefix)
    ]


def wait_for(condition: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def background_post(worker: Worker, events: list[Event]) -> threading.Thread:
    def send() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the worker dies under this request
            post(worker, events, timeout=60)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def test_worker_killed_while_waiting_for_a_sender_lock(deployment: Deployment) -> None:
    victim, survivor = deployment.workers[-2], deployment.workers[-1]
    first = [ev(0, 0, "lock-a"), ev(1, 1, "lock-a")]
    assert post(victim, first).status_code == 200
    batch = [
        ev(2, 2, "lock-a"),
        ev(3, 0.5, "lock-a"),
        ev(4, 3, "lock-a", INVITATION_SENT),
        ev(5, 1, "lock-b"),
    ]
    with deployment.pg_connect() as holder:
        holder.execute("SELECT sender FROM mod_senders WHERE sender = 'lock-a' FOR UPDATE")
        thread = background_post(victim, batch)
        with deployment.pg_connect(autocommit=True) as watcher:
            wait_for(
                lambda: (
                    watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                        (deployment.dbname,),
                    ).fetchone()[0]  # type: ignore[index]
                    > 0
                )
            )
        victim.kill()
        holder.rollback()
    thread.join(timeout=30)
    response = post(survivor, batch)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["applied"] * 4
    assert server_sanctions(survivor, "lock-") == Reference(POLICY).run(first + batch).sanctions()
    deployment.start_worker()


def test_worker_killed_while_its_redis_write_is_paused(deployment: Deployment) -> None:
    victim, survivor = deployment.workers[-2], deployment.workers[-1]
    first = [ev(0, 0, "pause-a"), ev(1, 1, "pause-a"), ev(0, 0, "pause-b")]
    assert post(victim, first).status_code == 200
    batch = [
        ev(2, 1.5, "pause-a"),
        ev(3, 2, "pause-a"),
        ev(1, 1, "pause-b"),
        ev(2, 2, "pause-b"),
        ev(3, 0.5, "pause-b"),
    ]
    for port in deployment.cluster.ports:
        deployment.cluster._cli(port, "client", "pause", "1500", "WRITE")
    try:
        thread = background_post(victim, batch)
        with deployment.pg_connect(autocommit=True) as watcher:
            # The worker has written the log rows and holds its transaction open while Redis stalls it.
            wait_for(
                lambda: (
                    watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'idle in transaction'",
                        (deployment.dbname,),
                    ).fetchone()[0]  # type: ignore[index]
                    > 0
                ),
                timeout=1.2,
            )
        victim.kill()
    finally:
        for port in deployment.cluster.ports:
            deployment.cluster._cli(port, "client", "unpause")
    thread.join(timeout=30)
    response = post(survivor, batch)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["applied"] * 5
    assert server_sanctions(survivor, "pause-") == Reference(POLICY).run(first + batch).sanctions()
    deployment.start_worker()


def test_redis_down_gives_503_loses_nothing_and_is_rebuilt(deployment: Deployment) -> None:
    worker = deployment.workers[-1]
    acknowledged = [ev(i, i, "down-a") for i in range(3)] + [ev(0, 0, "down-b"), ev(1, 1, "down-b")]
    assert post(worker, acknowledged).status_code == 200
    later = [ev(3, 13, "down-a"), ev(2, 14, "down-b"), ev(4, 14, "down-a"), ev(5, 15, "down-a")]
    deployment.cluster.stop()
    try:
        started = time.monotonic()
        refused = post(worker, later)
        assert refused.status_code == 503
        assert "nothing from this request was stored" in refused.json()["detail"]
        assert time.monotonic() - started < 15
        assert httpx.get(worker.url + "/v1/health", timeout=30).status_code == 503
        # The durable truth stays readable: the sanction acknowledged before the outage is there.
        audit = httpx.get(worker.url + "/v1/audit", params={"sender": "down-a"}, headers=OPERATOR, timeout=30)
        assert [e["trigger_event"] for e in audit.json()["entries"]] == ["down-a-002"]
    finally:
        deployment.cluster.start()  # empty: no persistence, every state must be rebuilt from PostgreSQL

    def healthy() -> bool:
        return httpx.get(worker.url + "/v1/health", timeout=30).status_code == 200

    wait_for(healthy, timeout=30)
    response = post(worker, later)
    assert response.status_code == 200, response.text
    everything = acknowledged + later
    reference = Reference(POLICY).run(everything)
    assert server_sanctions(worker, "down-") == reference.sanctions()
    status = httpx.get(worker.url + "/v1/senders/down-b", headers=INGEST, timeout=30).json()
    assert [x["trigger_event"] for x in status["sanctions"]] == [
        r[4] for r in reference.sanctions() if r[0] == "down-b"
    ]
