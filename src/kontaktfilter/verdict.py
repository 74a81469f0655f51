"""Combine signal hits and class probabilities into a verdict: category, confidence, score, reasons."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .classify.model import ScoreWeights
from .model import CATEGORIES, GOOD_CATEGORIES, Category, SignalHit
from .signals import GROUP_CAPS, Signal

MODEL_SIGNAL = "classifier"


def _logit(p: float, clip: float) -> float:
    # Clipped as in training, so a confident model cannot drown every signal.
    p = min(max(p, clip), 1 - clip)
    return math.log(p / (1 - p))


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """How the score came about: each hit's weight, group totals after caps, and the model's share."""

    hits: tuple[SignalHit, ...]
    group_totals: dict[str, float]  # before caps
    model_share: float
    bias: float
    score: int


def score_request(
    fired: Sequence[tuple[Signal, str]], good_probability: float, weights: ScoreWeights
) -> ScoreBreakdown:
    """The 0-100 quality score: logistic over capped group sums of fitted weights plus the model."""
    totals: dict[str, float] = {}
    hits: list[SignalHit] = []
    table = weights.weights
    for sig, evidence in fired:
        w = table.get(sig.id, sig.weight)
        totals[sig.group] = totals.get(sig.group, 0.0) + w
        if evidence:
            hits.append(
                SignalHit(
                    sig.id, sig.group, w, f"{sig.reason_de} [{evidence}]", f"{sig.reason_en} [{evidence}]"
                )
            )
        else:
            hits.append(SignalHit(sig.id, sig.group, w, sig.reason_de, sig.reason_en))
    caps = weights.caps or GROUP_CAPS
    z = weights.bias
    for g, t in totals.items():
        cap = caps.get(g, 99.0)
        z += cap if t > cap else -cap if t < -cap else t
    model_share = weights.model_weight * _logit(good_probability, weights.model_clip)
    z += model_share
    score = round(100.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))
    de, en = _model_reasons(round(100 * good_probability))
    hits.append(SignalHit(MODEL_SIGNAL, "model", model_share, de, en))
    hits.sort(key=_abs_weight)
    return ScoreBreakdown(tuple(hits), totals, model_share, weights.bias, score)


def _abs_weight(h: SignalHit) -> float:
    return -abs(h.weight)


_new_hit = tuple.__new__  # builds a SignalHit without the named tuple's Python-level __new__
# Finished hits kept per signal, by evidence. Most evidence repeats (a lexicon phrase, "0" mutual
# contacts, a connection count); free text such as a phone number rarely does, and the cap bounds
# what such evidence can take (at most about 60 signals x 1,024 short hits).
_EVIDENCE_MEMO_LIMIT = 1024


class _SignalEntry:
    """What scoring needs of one signal under one set of weights, worked out once."""

    __slots__ = ("group", "hits", "key", "plain", "reason_de", "reason_en", "signal", "weight")

    def __init__(self, sig: Signal, weight: float) -> None:
        self.signal = sig
        self.weight = weight
        self.group = sig.group
        self.reason_de = sig.reason_de
        self.reason_en = sig.reason_en
        self.plain = SignalHit(sig.id, sig.group, weight, sig.reason_de, sig.reason_en)
        self.key = _abs_weight(self.plain)
        # evidence -> finished hit (up to `_EVIDENCE_MEMO_LIMIT`)
        self.hits: dict[str, SignalHit] = {}


class Scorer:
    """`score_request` for one set of weights, returning only what a verdict needs.

    The screener scores every request with the same weights, so what depends only on a signal is
    worked out once: its fitted weight, group, sort key, the hit without evidence, and hits with
    evidence seen before. The arithmetic is `score_request`'s, operation for operation and in the same
    order, so scores and weights are bit-for-bit the same (tests/test_screen_golden.py compares
    the two). The weights are read when the scorer is built: build a new one after changing them.
    """

    def __init__(self, weights: ScoreWeights) -> None:
        self.weights = weights
        self._table = dict(weights.weights)
        self._caps = dict(weights.caps or GROUP_CAPS)
        self._bias = weights.bias
        self._model_weight = weights.model_weight
        self._clip = weights.model_clip
        self._signals: dict[int, _SignalEntry] = {}  # id(signal) -> entry
        self._model_reasons: dict[int, tuple[str, str]] = {}  # round(100 * p_good) -> reasons

    def _entry(self, sig: Signal) -> _SignalEntry:
        entry = _SignalEntry(sig, self._table.get(sig.id, sig.weight))
        self._signals[id(sig)] = entry
        return entry

    def score(
        self, fired: Sequence[tuple[Signal, str]], good_probability: float
    ) -> tuple[tuple[SignalHit, ...], int]:
        """The hits sorted as `score_request` sorts them (the model's share included) and the score."""
        totals: dict[str, float] = {}
        hits: list[SignalHit] = []
        keys: list[float] = []
        signals = self._signals
        for sig, evidence in fired:
            entry = signals.get(id(sig))
            # The identity check keeps a recycled id() from ever picking up another signal's entry.
            if entry is None or entry.signal is not sig:
                entry = self._entry(sig)
            w = entry.weight
            group = entry.group
            totals[group] = totals.get(group, 0.0) + w
            if evidence:
                hit = entry.hits.get(evidence)
                if hit is None:
                    hit = _new_hit(
                        SignalHit,
                        (
                            sig.id,
                            group,
                            w,
                            f"{entry.reason_de} [{evidence}]",
                            f"{entry.reason_en} [{evidence}]",
                        ),
                    )
                    if len(entry.hits) < _EVIDENCE_MEMO_LIMIT:
                        entry.hits[evidence] = hit
                hits.append(hit)
            else:
                hits.append(entry.plain)
            keys.append(entry.key)
        caps = self._caps
        z = self._bias
        for g, t in totals.items():
            cap = caps.get(g, 99.0)
            z += cap if t > cap else -cap if t < -cap else t
        # _logit and the clamp inlined, with min/max spelled out exactly as the builtins decide
        # (max(a, b) is b only if b > a; min(a, b) is b only if b < a), NaN included.
        clip = self._clip
        p = clip if clip > good_probability else good_probability
        hi = 1 - clip
        p = hi if hi < p else p
        model_share = self._model_weight * math.log(p / (1 - p))
        z += model_share
        m = z if z < 30.0 else 30.0
        m = m if m > -30.0 else -30.0
        score = round(100.0 / (1.0 + math.exp(-m)))
        pct = round(100 * good_probability)
        reasons = self._model_reasons.get(pct)
        if reasons is None:
            reasons = self._model_reasons[pct] = _model_reasons(pct)
        hits.append(_new_hit(SignalHit, (MODEL_SIGNAL, "model", model_share, reasons[0], reasons[1])))
        keys.append(-abs(model_share))
        if len(hits) == 1:
            return (hits[0],), score
        # A stable sort on the same keys as `hits.sort(key=_abs_weight)`, each key computed once
        # per signal instead of once per hit.
        order = sorted(range(len(hits)), key=keys.__getitem__)
        return tuple(map(hits.__getitem__, order)), score


def _model_reasons(pct: int) -> tuple[str, str]:
    return (
        f"Das gelernte Modell hält die Anfrage zu {pct} % für erwünscht (persönlich bekannt oder relevant).",
        f"The learned model rates the request {pct}% likely to be wanted (known person or relevant).",
    )


def pick_category(probabilities: Sequence[float]) -> tuple[Category, float, dict[Category, float]]:
    """The most probable category, its probability, and the full distribution."""
    dist = {c: float(p) for c, p in zip(CATEGORIES, probabilities, strict=True)}
    best = max(dist, key=dist.__getitem__)
    return best, dist[best], dist


def good_probability(dist: dict[Category, float]) -> float:
    """Probability mass on the good categories."""
    return sum(p for c, p in dist.items() if c in GOOD_CATEGORIES)
