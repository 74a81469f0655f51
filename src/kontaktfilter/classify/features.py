"""Sparse features for the fast model: the note's words and word stems, the profile's words, signals.

Stems are the first five letters of longer words: they carry German compounds and inflections
("Bewerbungsunterlagen", "bewerben") and many typos, and raised leave-one-writer-out macro-F1 by
almost a point.

Bigrams and raw profile metadata (mutual-contact or connection buckets, photo) were measured and
left out: in leave-one-writer-out validation they did not help, and metadata distributions differ
more between writers than wording does (the signals still read the metadata, explainably).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import partial
from itertools import chain, repeat
from operator import is_not
from typing import cast

import numpy as np
import scipy.sparse as sp

from ..model import ContactRequest
from ..signals import Analysis, BatchAnalysis
from ..tokens import TOKENS, TokenAttribute

_NAMESPACES = ("w", "c", "p", "s")
_STEM = 5
_not_none = partial(is_not, None)


def feature_names(req: ContactRequest, a: Analysis, fired: Iterable[str]) -> list[str]:
    """The symbolic features of one request (before vocabulary look-up)."""
    out = [f"w:{t}" for t in a.tokens]
    out.extend(f"c:{t[:_STEM]}" for t in a.tokens if len(t) > _STEM)
    out.extend(f"p:{t}" for t in a.profile_tokens)
    out.extend(f"s:{sid}" for sid in fired)
    return out


def _or_minus_one(col: int | None) -> int:
    return -1 if col is None else col


class Vocabulary:
    """Maps feature names to column indices; built from training data with a minimum count."""

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        # Per-namespace tables let `columns` skip building feature-name strings on the hot path.
        self._ns: dict[str, dict[str, int]] = {ns: {} for ns in _NAMESPACES}
        for name, col in index.items():
            table = self._ns.get(name[:1])
            if table is not None and name[1:2] == ":":
                table[name[2:]] = col
        # Token -> column of its stem feature (None: too short, or the stem is not in the
        # vocabulary), filled as tokens are first seen, so `columns` never slices a token twice.
        self._stem_cols: dict[str, int | None] = {}
        # The same look-ups by token id for `batch_matrix` (-1: no column).
        words, profile = self._ns["w"], self._ns["p"]
        self._word_by_id = TokenAttribute(TOKENS, lambda t: words.get(t, -1), np.int32)
        self._stem_by_id = TokenAttribute(TOKENS, lambda t: _or_minus_one(self._stem_column(t)), np.int32)
        self._profile_by_id = TokenAttribute(TOKENS, lambda t: profile.get(t, -1), np.int32)

    @classmethod
    def build(cls, docs: Iterable[Sequence[str]], min_count: int = 2) -> Vocabulary:
        """Keep every word seen in at least `min_count` documents, and every signal."""
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        keep = sorted(f for f, n in df.items() if n >= min_count or f.startswith("s:"))
        return cls({f: i for i, f in enumerate(keep)})

    def __len__(self) -> int:
        return len(self.index)

    def columns(self, a: Analysis, fired: Iterable[str]) -> set[int]:
        """Column indices of one request's features; the same set `feature_names` maps to.

        The columns are inserted in a fixed order (note words, stems, profile words, signals, each
        in input order): a set's iteration order depends on it, that order becomes the order of a
        sparse row, and the model's float32 dot product sums in row order. The look-ups run
        through `map`/`filter` so the per-token loop stays in C.
        """
        ns = self._ns
        tokens = a.tokens
        cols = set(filter(_not_none, map(ns["w"].get, tokens)))
        stems = self._stem_cols
        try:
            stem_cols = list(map(stems.__getitem__, tokens))
        except KeyError:
            stem_cols = self._stem_columns(tokens)
        cols.update(filter(_not_none, stem_cols))
        cols.update(filter(_not_none, map(ns["p"].get, a.profile_tokens)))
        cols.update(filter(_not_none, map(ns["s"].get, fired)))
        # `_not_none` dropped every None; mypy cannot see through `partial(is_not, None)`.
        return cast("set[int]", cols)

    _STEM_MEMO_LIMIT = 500_000

    def _stem_column(self, token: str) -> int | None:
        """The column of the token's stem feature; None if it is too short or the stem is unknown."""
        return self._ns["c"].get(token[:_STEM]) if len(token) > _STEM else None

    def _stem_columns(self, tokens: Sequence[str]) -> list[int | None]:
        stems = self._stem_cols
        out: list[int | None] = []
        for t in tokens:
            col = stems.get(t, -1)
            if col == -1:
                col = self._stem_column(t)
                if len(stems) < self._STEM_MEMO_LIMIT:
                    stems[t] = col
            out.append(col)
        return out

    def matrix(self, rows: Sequence[set[int]]) -> sp.csr_matrix:
        """Rows of column sets as a unit-length binary CSR matrix."""
        indptr = [0]
        indices: list[int] = []
        for cols in rows:
            indices.extend(cols)
            indptr.append(len(indices))
        lengths = np.diff(np.asarray(indptr))
        data = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths).astype(np.float32)
        return sp.csr_matrix(
            (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
            shape=(len(rows), len(self.index)),
        )

    def batch_matrix(self, batch: BatchAnalysis, fired: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """`matrix(list(map(columns, batch.analyses, fired)))`, built for the whole batch at once.

        Each row holds the same columns with the same values; only the order of columns inside a
        row differs (here ascending), which the model's float64 sum does not notice.
        """
        n = len(batch.analyses)
        if (
            batch.note_ids is None
            or batch.note_bounds is None
            or batch.profile_ids is None
            or batch.profile_bounds is None
        ):
            return self.matrix(list(map(self.columns, batch.analyses, fired)))
        signal_index = self._ns["s"]
        signal_cols = np.fromiter(map(signal_index.get, chain.from_iterable(fired), repeat(-1)), np.int64)
        rows = np.arange(n)
        note_rows = np.repeat(rows, np.diff(batch.note_bounds))
        cols = np.concatenate(
            [
                self._word_by_id.array()[batch.note_ids],
                self._stem_by_id.array()[batch.note_ids],
                self._profile_by_id.array()[batch.profile_ids],
                signal_cols,
            ]
        )
        owners = np.concatenate(
            [
                note_rows,
                note_rows,
                np.repeat(rows, np.diff(batch.profile_bounds)),
                np.repeat(rows, np.fromiter(map(len, fired), np.intp, n)),
            ]
        )
        keep = cols >= 0
        width = len(self.index)
        # One key per (row, column), sorted; repeats are dropped as the set in `columns` drops them
        # (`np.unique` would do the same, several times slower on this NumPy).
        keys = np.sort(owners[keep].astype(np.int64) * width + cols[keep])
        if len(keys) > 1:
            first = np.empty(len(keys), dtype=bool)
            first[0] = True
            np.not_equal(keys[1:], keys[:-1], out=first[1:])
            keys = keys[first]
        row_of = keys // width
        lengths = np.bincount(row_of, minlength=n)
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(lengths, out=indptr[1:])
        data = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths).astype(np.float32)
        return sp.csr_matrix((data, (keys - row_of * width).astype(np.int32), indptr), shape=(n, width))

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Binary document-feature matrix, each row scaled to unit length."""
        index = self.index
        return self.matrix([{index[f] for f in doc if f in index} for doc in docs])
