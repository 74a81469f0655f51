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
from operator import is_not
from typing import cast

import numpy as np
import scipy.sparse as sp

from ..model import ContactRequest
from ..signals import Analysis

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

    def _stem_columns(self, tokens: Sequence[str]) -> list[int | None]:
        c = self._ns["c"]
        stems = self._stem_cols
        out: list[int | None] = []
        for t in tokens:
            col = stems.get(t, -1)
            if col == -1:
                col = c.get(t[:_STEM]) if len(t) > _STEM else None
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

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Binary document-feature matrix, each row scaled to unit length."""
        index = self.index
        return self.matrix([{index[f] for f in doc if f in index} for doc in docs])
