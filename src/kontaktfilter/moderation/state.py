"""Where the bounded per-sender policy state lives: in SQL next to the log (embedded), or in Redis Cluster.

A cached state is trusted only when its token equals the head row's digest of applied ids in the
durable store; anything else (lost, stale, written by a transaction that never committed) is rebuilt
from the event log by the service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from redis.exceptions import NoScriptError, RedisClusterException, RedisError

from .store import Head


class StateUnavailable(RuntimeError):
    """The state store cannot be reached; nothing of the current request was stored."""


class StateWrite(NamedTuple):
    """A sender's new state after a committed change, with the current sanction for fast lookups."""

    sender: str
    token: str | None
    state: str
    sanction_kind: str
    sanction_start: int | None
    sanction_end: int | None


class StateCache(Protocol):
    """Loads and stores per-sender state snapshots keyed by the head digest."""

    in_sql: bool

    def load(self, heads: Mapping[str, Head]) -> dict[str, str]:
        """The trustworthy state JSON for each sender that has one."""
        ...

    def store(self, writes: Sequence[StateWrite]) -> None:
        """Stores new states; idempotent for a repeated token."""
        ...

    def ping(self) -> None:
        """Raises StateUnavailable when the state store is unreachable."""
        ...


class SqlStateCache:
    """The embedded backend: the state is a column of the head row, written in the same transaction."""

    in_sql = True

    def load(self, heads: Mapping[str, Head]) -> dict[str, str]:
        """States held in the head rows themselves."""
        return {s: h.state for s, h in heads.items() if h.state is not None}

    def store(self, writes: Sequence[StateWrite]) -> None:
        """Nothing to do: the service writes the state into the head row."""

    def ping(self) -> None:
        """SQLite is in-process; it is always there."""


# KEYS[1]: the sender's state hash, KEYS[2]: the sender's current-sanction hash. Both carry the sender
# as hash tag, so they live in one slot and the script is legal in a cluster.
# ARGV[1]: token (digest of the applied event and appeal ids), ARGV[2]: state JSON,
# ARGV[3]: sanction kind or "", ARGV[4]: start, ARGV[5]: end ("" for permanent).
# Writing a token that is already there is a no-op: re-applying the same event ids changes nothing.
APPLY_LUA = """
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'state', ARGV[2])
if ARGV[3] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('HSET', KEYS[2], 'kind', ARGV[3], 'start', ARGV[4], 'end', ARGV[5])
end
return 1
"""


class RedisStateCache:
    """Per-sender state in Redis (Cluster): `<prefix>:{<sender>}:state` and `<prefix>:{<sender>}:sanction`."""

    in_sql = False

    def __init__(self, client: Any, prefix: str = "kf:mod") -> None:
        if "{" in prefix or "}" in prefix:
            raise ValueError("the key prefix must not contain braces (they delimit the hash tag)")
        self._client = client
        self._prefix = prefix
        self._sha: str | None = None

    def keys(self, sender: str) -> tuple[str, str]:
        """The sender's two keys, sharing one hash tag and therefore one slot."""
        base = f"{self._prefix}:{{{sender}}}"
        return base + ":state", base + ":sanction"

    def _load_script(self) -> str:
        self._sha = str(self._client.script_load(APPLY_LUA))
        return self._sha

    def load(self, heads: Mapping[str, Head]) -> dict[str, str]:
        """States whose token matches the durable head digest."""
        wanted = [s for s, h in heads.items() if h.token is not None]
        if not wanted:
            return {}
        try:
            pipe = self._client.pipeline()
            for sender in wanted:
                pipe.hmget(self.keys(sender)[0], ["token", "state"])
            replies = pipe.execute()
        except (RedisError, RedisClusterException) as exc:
            raise StateUnavailable(f"Redis unreachable while reading state: {exc}") from exc
        found: dict[str, str] = {}
        for sender, (token, state) in zip(wanted, replies, strict=True):
            if token is not None and state is not None and _text(token) == heads[sender].token:
                found[sender] = _text(state)
        return found

    def store(self, writes: Sequence[StateWrite]) -> None:
        """Runs the apply script once per sender (pipelined); reloads the script after a Redis restart."""
        if not writes:
            return
        try:
            sha = self._sha or self._load_script()
            pending = list(writes)
            for _attempt in range(2):
                pipe = self._client.pipeline()
                for w in pending:
                    state_key, sanction_key = self.keys(w.sender)
                    # redis-py refuses pipe.evalsha() in cluster mode, but routes a raw EVALSHA by its
                    # keys just fine; both keys share the sender's hash tag, so one slot answers.
                    pipe.execute_command(
                        "EVALSHA",
                        sha,
                        2,
                        state_key,
                        sanction_key,
                        w.token or "",
                        w.state,
                        w.sanction_kind,
                        "" if w.sanction_start is None else str(w.sanction_start),
                        "" if w.sanction_end is None else str(w.sanction_end),
                    )
                replies = pipe.execute(raise_on_error=False)
                missing = [w for w, r in zip(pending, replies, strict=True) if isinstance(r, NoScriptError)]
                for reply in replies:
                    if isinstance(reply, Exception) and not isinstance(reply, NoScriptError):
                        raise reply
                if not missing:
                    return
                pending, sha = missing, self._load_script()
            raise StateUnavailable("Redis keeps forgetting the apply script")
        except (RedisError, RedisClusterException) as exc:
            raise StateUnavailable(f"Redis unreachable while writing state: {exc}") from exc

    def ping(self) -> None:
        """Raises StateUnavailable unless every node answers."""
        try:
            self._client.ping()
        except (RedisError, RedisClusterException) as exc:
            raise StateUnavailable(f"Redis unreachable: {exc}") from exc

    def current_sanction(self, sender: str) -> dict[str, str]:
        """The sanction hash a platform component can read without the API (empty when none)."""
        raw = self._client.hgetall(self.keys(sender)[1])
        return {_text(k): _text(v) for k, v in raw.items()}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
