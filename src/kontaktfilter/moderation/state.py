"""Where the bounded per-sender policy state lives: in SQL next to the log (embedded), or in Redis Cluster.

A cached state is trusted only when its token equals the head row's digest of applied ids in the
durable store; anything else (lost, stale, written by a transaction that never committed) is rebuilt
from the event log by the service.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
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


# One call per bucket: KEYS are (state, sanction) pairs of senders in the same bucket, so they share a
# hash tag and a slot and the script is legal in a cluster. ARGV holds five values per sender: token
# (digest of the applied event and appeal ids), state JSON, sanction kind or "", start, end ("" for
# permanent). The state key holds "<token>\n<state>"; a sender whose stored token already equals the new
# one is skipped, so re-applying the same event ids changes nothing.
APPLY_LUA = """
local written = 0
for i = 1, #KEYS, 2 do
  local a = (i - 1) / 2 * 5
  local token = ARGV[a + 1]
  local head = token .. '\\n'
  local current = redis.call('GET', KEYS[i])
  if not current or string.sub(current, 1, #head) ~= head then
    redis.call('SET', KEYS[i], head .. ARGV[a + 2])
    if ARGV[a + 3] == '' then
      redis.call('DEL', KEYS[i + 1])
    else
      redis.call('HSET', KEYS[i + 1], 'kind', ARGV[a + 3], 'start', ARGV[a + 4], 'end', ARGV[a + 5])
    end
    written = written + 1
  end
end
return written
"""

DEFAULT_BUCKETS = 64


def bucket_of(sender: str, buckets: int) -> int:
    """The sender's bucket: CRC-32 of the UTF-8 id modulo the bucket count (stable across processes)."""
    return zlib.crc32(sender.encode()) % buckets


class RedisStateCache:
    """Per-sender state in Redis (Cluster): `<prefix>:{b<bucket>}:<sender>:state` and `...:sanction`.

    The hash tag is the sender's bucket, not the sender: every sender of a bucket lives in one slot, so
    a batch needs one MGET and one script call per bucket it touches instead of two commands per sender.
    """

    in_sql = False

    def __init__(self, client: Any, prefix: str = "kf:mod", buckets: int = DEFAULT_BUCKETS) -> None:
        if "{" in prefix or "}" in prefix:
            raise ValueError("the key prefix must not contain braces (they delimit the hash tag)")
        if buckets < 1:
            raise ValueError("the bucket count must be positive")
        self._client = client
        self._prefix = prefix
        self._buckets = buckets
        self._sha: str | None = None

    def keys(self, sender: str) -> tuple[str, str]:
        """The sender's two keys, sharing their bucket's hash tag and therefore one slot."""
        base = f"{self._prefix}:{{b{bucket_of(sender, self._buckets)}}}:{sender}"
        return base + ":state", base + ":sanction"

    def _by_bucket(self, senders: Iterable[str]) -> dict[int, list[str]]:
        groups: dict[int, list[str]] = {}
        buckets = self._buckets
        for sender in senders:
            groups.setdefault(bucket_of(sender, buckets), []).append(sender)
        return groups

    def _node(self, key: str) -> Any:
        # Naming the node up front keeps redis-py's cluster pipeline from asking the server for the
        # keys of every EVALSHA (COMMAND GETKEYS, a synchronous round trip per call); a MOVED reply
        # after a resharding is still followed by the pipeline.
        return self._client.get_node_from_key(key)

    def _load_script(self) -> str:
        self._sha = str(self._client.script_load(APPLY_LUA))
        return self._sha

    def load(self, heads: Mapping[str, Head]) -> dict[str, str]:
        """States whose token matches the durable head digest."""
        groups = self._by_bucket(s for s, h in heads.items() if h.token is not None)
        if not groups:
            return {}
        try:
            pipe = self._client.pipeline()
            order: list[list[str]] = []
            for senders in groups.values():
                keys = [self.keys(s)[0] for s in senders]
                pipe.execute_command("MGET", *keys, target_nodes=self._node(keys[0]))
                order.append(senders)
            replies = pipe.execute()
        except (RedisError, RedisClusterException) as exc:
            raise StateUnavailable(f"Redis unreachable while reading state: {exc}") from exc
        found: dict[str, str] = {}
        for senders, values in zip(order, replies, strict=True):
            for sender, value in zip(senders, values, strict=True):
                if value is None:
                    continue
                token, _, state = _text(value).partition("\n")
                if token and token == heads[sender].token:
                    found[sender] = state
        return found

    def store(self, writes: Sequence[StateWrite]) -> None:
        """Runs the apply script once per bucket (pipelined); reloads the script after a Redis restart."""
        if not writes:
            return
        by_sender = {w.sender: w for w in writes}
        try:
            sha = self._sha or self._load_script()
            pending = list(self._by_bucket(by_sender).values())
            for _attempt in range(2):
                pipe = self._client.pipeline()
                for senders in pending:
                    keys: list[str] = []
                    args: list[str] = []
                    for sender in senders:
                        w = by_sender[sender]
                        keys.extend(self.keys(sender))
                        args += (
                            w.token or "",
                            w.state,
                            w.sanction_kind,
                            "" if w.sanction_start is None else str(w.sanction_start),
                            "" if w.sanction_end is None else str(w.sanction_end),
                        )
                    pipe.execute_command(
                        "EVALSHA", sha, len(keys), *keys, *args, target_nodes=self._node(keys[0])
                    )
                replies = pipe.execute(raise_on_error=False)
                missing = [g for g, r in zip(pending, replies, strict=True) if isinstance(r, NoScriptError)]
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
