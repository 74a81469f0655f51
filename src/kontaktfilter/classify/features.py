"""Sparse features for the fast model: note words and bigrams, profile words, signals, structure."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from ..model import ContactRequest
from ..signals import Analysis


def _bucket(value: int | None, edges: Sequence[int]) -> str:
    if value is None:
        return "na"
    for edge in edges:
        if value <= edge:
            return str(edge)
    return "more"


def _structure(req: ContactRequest, a: Analysis) -> list[str]:
    s = req.sender
    out = [
        f"len:{_bucket(len(a.tokens), (0, 3, 8, 20, 40))}",
        f"lang:{a.lang}",
        f"plat:{req.platform.value}",
        f"mut:{_bucket(s.mutual_contacts, (0, 2, 9, 30))}",
        f"conn:{_bucket(s.connections_count, (29, 150, 500, 3000, 10000))}",
        f"age:{_bucket(s.account_age_days, (60, 365))}",
        f"photo:{s.has_photo}",
        f"vis:{s.connections_visible}",
    ]
    if a.du:
        out.append("addr:du")
    if a.sie:
        out.append("addr:sie")
    if req.recipient.name or req.recipient.headline:
        out.append("rcpt:known")
    return out


def feature_names(req: ContactRequest, a: Analysis, fired: Iterable[str]) -> list[str]:
    """The symbolic features of one request (before vocabulary look-up)."""
    toks = a.tokens
    out = [f"w:{t}" for t in toks]
    out.extend(f"b:{x} {y}" for x, y in itertools.pairwise(toks))
    out.extend(f"p:{t}" for t in a.profile_tokens)
    out.extend(f"s:{sid}" for sid in fired)
    out.extend(_structure(req, a))
    return out


class Vocabulary:
    """Maps feature names to column indices; built from training data with a minimum count."""

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        # Per-namespace tables let `columns` skip building feature-name strings on the hot path.
        self._ns: dict[str, dict[str, int]] = {"w": {}, "b": {}, "p": {}, "s": {}}
        for name, col in index.items():
            ns = name[:1]
            if name[1:2] == ":" and ns in self._ns:
                self._ns[ns][name[2:]] = col

    def columns(self, req: ContactRequest, a: Analysis, fired: Iterable[str]) -> set[int]:
        """Column indices of one request's features; the same set `feature_names` maps to."""
        w, b, p, s = self._ns["w"], self._ns["b"], self._ns["p"], self._ns["s"]
        toks = a.tokens
        cols = {w[t] for t in toks if t in w}
        for x, y in itertools.pairwise(toks):
            col = b.get(x + " " + y)
            if col is not None:
                cols.add(col)
        cols.update(p[t] for t in a.profile_tokens if t in p)
        cols.update(s[f] for f in fired if f in s)
        index = self.index
        cols.update(index[f] for f in _structure(req, a) if f in index)
        return cols

    def matrix(self, rows: Sequence[set[int]]) -> sp.csr_matrix:
        """Rows of column sets as a unit-length binary CSR matrix."""
        indptr = [0]
        indices: list[int] = []
        for cols in rows:
            indices.extend(cols)
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        lengths = np.diff(np.asarray(indptr))
        norms = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths).astype(np.float32)
        return sp.csr_matrix(
            (data * norms, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
            shape=(len(rows), len(self.index)),
        )

    @classmethod
    def build(cls, docs: Iterable[Sequence[str]], min_count: int = 2) -> Vocabulary:
        """Keep every feature seen in at least `min_count` documents; signal and structure always."""
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        keep = sorted(f for f, n in df.items() if n >= min_count or not f.startswith(("w:", "b:", "p:")))
        return cls({f: i for i, f in enumerate(keep)})

    def __len__(self) -> int:
        return len(self.index)

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Binary document-feature matrix, each row scaled to unit length."""
        index = self.index
        return self.matrix([{index[f] for f in doc if f in index} for doc in docs])
