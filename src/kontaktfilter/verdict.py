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
    pct = round(100 * good_probability)
    hits.append(
        SignalHit(
            MODEL_SIGNAL,
            "model",
            model_share,
            f"Das gelernte Modell hält die Anfrage zu {pct} % für erwünscht (persönlich bekannt oder relevant).",
            f"The learned model rates the request {pct}% likely to be wanted (known person or relevant).",
        )
    )
    hits.sort(key=_abs_weight)
    return ScoreBreakdown(tuple(hits), totals, model_share, weights.bias, score)


def _abs_weight(h: SignalHit) -> float:
    return -abs(h.weight)


def pick_category(probabilities: Sequence[float]) -> tuple[Category, float, dict[Category, float]]:
    """The most probable category, its probability, and the full distribution."""
    dist = {c: float(p) for c, p in zip(CATEGORIES, probabilities, strict=True)}
    best = max(dist, key=dist.__getitem__)
    return best, dist[best], dist


def good_probability(dist: dict[Category, float]) -> float:
    """Probability mass on the good categories."""
    return sum(p for c, p in dist.items() if c in GOOD_CATEGORIES)
