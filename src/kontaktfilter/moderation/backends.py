"""Assembles a service from settings: SQLite embedded, or PostgreSQL plus Redis Cluster."""

from __future__ import annotations

from typing import Any

from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from .clock import Clock, system_clock
from .policy import Policy, load_policy
from .service import Faults, ModerationService, _noop_fault
from .settings import ModerationSettings
from .state import DEFAULT_BUCKETS, RedisStateCache, SqlStateCache, StateCache
from .store import SqlStore


def redis_cluster_client(url: str, timeout: float = 2.0) -> Any:
    """A cluster client that fails fast (so the API can answer 503) instead of retrying for long."""
    return RedisCluster.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1),
    )


def build_service(
    database_url: str,
    policy: Policy,
    redis_url: str | None = None,
    redis_prefix: str = "kf:mod",
    clock: Clock = system_clock,
    redis_buckets: int = DEFAULT_BUCKETS,
    faults: Faults = _noop_fault,
) -> ModerationService:
    """The embedded backend without a Redis URL, the scale-out backend with one."""
    store = SqlStore.from_url(database_url)
    cache: StateCache = (
        SqlStateCache()
        if redis_url is None
        else RedisStateCache(redis_cluster_client(redis_url), redis_prefix, redis_buckets)
    )
    return ModerationService(store, cache, policy, clock, faults)


def service_from_settings(settings: ModerationSettings) -> ModerationService:
    """A service configured by settings (used by `serve` and its workers)."""
    return build_service(
        settings.database,
        load_policy(settings.policy),
        settings.redis_url,
        settings.redis_prefix,
        redis_buckets=settings.redis_buckets,
    )
