"""Throwaway real servers on loopback for tests and benchmarks: a PostgreSQL cluster in a temp dir and a
Redis Cluster of N masters. Each helper is a context manager that tears everything down on exit.

    with postgresql_server() as pg:
        url = pg.create_database("store_tests")   # SQLAlchemy URL (postgresql+psycopg://...)

    with redis_cluster(masters=3) as cluster:
        client = redis.cluster.RedisCluster.from_url(cluster.url)

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user via `runuser`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "PostgresServer",
    "RedisClusterServer",
    "ServerError",
    "free_port",
    "postgresql_server",
    "redis_cluster",
]


class ServerError(RuntimeError):
    """A test server could not be started; the message says why (with the server's log tail)."""


def free_port(also_free_offset: int | None = None) -> int:
    """A TCP port on 127.0.0.1 that is free now (and `port + offset` too, e.g. Redis' cluster bus)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if also_free_offset is None:
            return port
        other = port + also_free_offset
        if other < 65536 and _is_free(other):
            return port
    raise ServerError("no free port found")


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait(condition: object, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    tail = ""
    if log is not None and log.exists():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    raise ServerError(f"timed out after {timeout:.0f}s waiting for {what}{tail}")


# -- PostgreSQL ------------------------------------------------------------------------------------------


def _pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise ServerError("PostgreSQL binaries not found in /usr/lib/postgresql/*/bin (make system-deps)")
    return Path(found[-1]).parent


@dataclass
class PostgresServer:
    """A running PostgreSQL server; `url` is the SQLAlchemy URL of its `postgres` database."""

    port: int
    directory: Path
    bindir: Path
    as_user: str | None
    created: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """SQLAlchemy URL (psycopg 3 driver) of the maintenance database."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Creates a fresh, empty database (dropping one of that name) and returns its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return self.database_url(name)

    def _run(self, args: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.as_user is not None:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(command, check=False, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]

    def stop(self) -> None:
        """Stops the server at once (the data directory is thrown away anyway)."""
        self._run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop"]
        )


@contextlib.contextmanager
def postgresql_server(durable: bool = False, port: int | None = None) -> Iterator[PostgresServer]:
    """Starts PostgreSQL on 127.0.0.1 in a temp dir; `durable=False` turns fsync off for speed."""
    bindir = _pg_bindir()
    as_user = "postgres" if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="kf-pg-"))
    if as_user is not None:
        entry = pwd.getpwnam(as_user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(port or free_port(), directory, bindir, as_user)
    log = directory / "server.log"
    try:
        init = server._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(directory / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C.UTF-8",
            ]
        )
        if init.returncode != 0:
            raise ServerError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        options = [
            f"-p {server.port}",
            "-c listen_addresses=127.0.0.1",
            f"-k {directory}",
            "-c max_connections=200",
            "-c shared_buffers=128MB",
        ]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        started = server._run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(directory / "data"),
                "-l",
                str(log),
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        if started.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ServerError(f"PostgreSQL did not start: {started.stderr.strip()}\n{tail}")
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


# -- Redis Cluster ---------------------------------------------------------------------------------------


@dataclass
class RedisClusterServer:
    """A running Redis Cluster; `url` points at its first master (clients discover the rest)."""

    ports: list[int]
    directory: Path
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """redis:// URL of one node."""
        return f"redis://127.0.0.1:{self.ports[0]}"

    def _cli(self, port: int, *args: str, timeout: float = 10) -> str:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return done.stdout + done.stderr

    def _start_node(self, port: int) -> None:
        node_dir = self.directory / str(port)
        node_dir.mkdir(exist_ok=True)
        config = node_dir / "redis.conf"
        config.write_text(
            "\n".join(
                [
                    f"port {port}",
                    "bind 127.0.0.1",
                    "protected-mode no",
                    "cluster-enabled yes",
                    "cluster-config-file nodes.conf",
                    "cluster-node-timeout 2000",
                    "cluster-require-full-coverage yes",
                    "appendonly no",
                    'save ""',
                    f"dir {node_dir}",
                    f"logfile {node_dir / 'redis.log'}",
                    "daemonize no",
                ]
            )
            + "\n"
        )
        self.processes[port] = subprocess.Popen(
            ["redis-server", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait(
            lambda: "PONG" in self._cli(port, "ping"),
            20,
            f"redis-server on port {port}",
            node_dir / "redis.log",
        )

    def _cluster_ok(self) -> bool:
        return all("cluster_state:ok" in self._cli(p, "cluster", "info") for p in self.ports)

    def stop(self) -> None:
        """Kills every node (no persistence: their data is gone, their cluster config stays)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)

    def start(self) -> None:
        """Restarts every node with its saved cluster config and waits until the cluster is ok again."""
        for port in self.ports:
            self._start_node(port)
        _wait(self._cluster_ok, 60, "the restarted cluster to be ok")

    def flushall(self) -> None:
        """Empties every master."""
        for port in self.ports:
            self._cli(port, "flushall")


@contextlib.contextmanager
def redis_cluster(masters: int = 3) -> Iterator[RedisClusterServer]:
    """Starts `masters` redis-server processes on loopback and joins them into one cluster."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        raise ServerError("redis-server/redis-cli not installed (make system-deps)")
    directory = Path(tempfile.mkdtemp(prefix="kf-redis-"))
    ports: list[int] = []
    while len(ports) < masters:
        port = free_port(also_free_offset=10000)  # the cluster bus listens on port + 10000
        if port not in ports and port + 10000 not in ports:
            ports.append(port)
    cluster = RedisClusterServer(ports, directory)
    try:
        for port in ports:
            cluster._start_node(port)
        created = subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *[f"127.0.0.1:{p}" for p in ports],
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if created.returncode != 0:
            raise ServerError(f"redis-cli --cluster create failed: {created.stdout[-1500:]} {created.stderr}")
        _wait(cluster._cluster_ok, 60, "cluster_state:ok on every node")
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
