"""Token ids for the batch screening path: every distinct token gets a small int, once.

The screener works through a batch's tokens with NumPy instead of one Python call per request and
token: it turns every token of the batch into its id with one dictionary look-up each, and from
then on per-token facts (is it a German function word, its feature column, does a phrase start
there) are array look-ups by id over the whole batch at once.

Per-token facts live in `TokenAttribute`s: an array indexed by token id, computed from the token by
a function the first time the id is seen, so every table extends itself as new tokens arrive.

The table is bounded (`TokenTable.limit`): once full, `ids` answers None for a text with a token
never seen, and callers take their plain per-request path, which gives the same results. Ids are
never reused, so an id always means the same token for the life of the process.

Thread safety: reading known ids and grown tables takes no lock; everything that assigns ids or
grows a table holds the table's lock (the web app screens in a thread pool).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


class TokenTable:
    """Token <-> small int id, assigned on first sight, up to `limit` tokens."""

    def __init__(self, limit: int = 300_000) -> None:
        self.limit = limit
        self.lock = threading.RLock()
        self.tokens: list[str] = []
        self.index: dict[str, int] = {}
        # `text.token_ids_many`'s memo: a piece of text between separators -> its code (its one
        # token's id, or where in `piece_runs` the ids of its tokens are when it has not one).
        self.pieces: dict[str, int] = {}
        self.piece_runs: list[tuple[int, ...]] = []

    def __len__(self) -> int:
        return len(self.tokens)

    def ids(self, tokens: Iterable[str]) -> list[int] | None:
        """The ids of the tokens, in order; None if a new token finds the table full."""
        toks = tokens if isinstance(tokens, list) else list(tokens)
        index = self.index
        try:
            return list(map(index.__getitem__, toks))  # the common case, in C
        except KeyError:
            pass
        out: list[int] = []
        known = self.tokens
        with self.lock:
            for tok in toks:
                i = index.get(tok)
                if i is None:
                    if len(known) >= self.limit:
                        return None
                    i = len(known)
                    known.append(tok)  # before the index entry: a reader never sees an id beyond `tokens`
                    index[tok] = i
                out.append(i)
        return out


class TokenAttribute:
    """A NumPy array of one fact per token id, `compute(token)`, grown as the table grows."""

    def __init__(self, table: TokenTable, compute: Callable[[str], int | float | bool], dtype: type) -> None:
        self._table = table
        self._compute = compute
        self._data: np.ndarray = np.zeros(1024, dtype=dtype)
        self._filled = 0

    def array(self) -> np.ndarray:
        """The values for every id the table has assigned so far (index by id)."""
        n = len(self._table)
        if n > self._filled:
            with self._table.lock:
                filled = self._filled
                if n > filled:
                    data = self._data
                    if n > len(data):
                        grown = np.zeros(max(n, 2 * len(data)), dtype=data.dtype)
                        grown[:filled] = data[:filled]
                        data = grown
                    new = self._table.tokens[filled:n]
                    data[filled:n] = np.fromiter(map(self._compute, new), data.dtype, len(new))
                    self._data = data
                    self._filled = n
        return self._data[:n]


class TokenObjects(Generic[T]):
    """A list of one Python object per token id, `compute(token)`, grown as the table grows."""

    def __init__(self, table: TokenTable, compute: Callable[[str], T]) -> None:
        self._table = table
        self._compute = compute
        self._values: list[T] = []

    def values(self) -> list[T]:
        """The values for every id the table has assigned so far (index by id)."""
        values = self._values
        n = len(self._table)
        if n > len(values):
            with self._table.lock:
                if n > len(values):
                    values.extend(map(self._compute, self._table.tokens[len(values) : n]))
        return values


# One table for the process: note and profile tokens share it, and so do all consumers.
TOKENS = TokenTable()

__all__ = ["TOKENS", "TokenAttribute", "TokenObjects", "TokenTable"]
