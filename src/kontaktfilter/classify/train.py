"""Training: the fast model, its calibration, the fitted score weights and the accurate cascade.

All fitting is seeded and deterministic. Nothing here reads the test split; callers pass data in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from sklearn.linear_model import LogisticRegression

from ..contract import ContractError, parse_request
from ..model import CATEGORIES, GOOD_CATEGORIES, Category, ContactRequest
from ..signals import SIGNAL_IDS, Analysis, Signal, analyse, detect_all
from .features import Vocabulary, feature_names
from .model import LinearModel, ScoreWeights, softmax

SEED = 20261123
CLASS_INDEX = {c: i for i, c in enumerate(CATEGORIES)}


@dataclass
class Example:
    """A labelled request with everything computed from it once."""

    request: ContactRequest
    label: Category
    lang: str
    writer: str
    analysis: Analysis
    fired: list[tuple[Signal, str]]
    features: list[str]


def prepare(request: ContactRequest, label: Category, lang: str = "", writer: str = "") -> Example:
    """Analyse a labelled request once."""
    a = analyse(request)
    fired = detect_all(request, a)
    feats = feature_names(request, a, [s.id for s, _ in fired])
    return Example(request, label, lang or a.lang, writer, a, fired, feats)


def load_labelled(path: Path) -> list[Example]:
    """Read labelled JSON Lines (screen contract plus `label`); bad lines raise with file:line:field."""
    out: list[Example] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        obj = json.loads(line)
        try:
            label = Category(obj["label"])
        except (KeyError, ValueError):
            raise ValueError(f"{path}:{n}: label: missing or unknown label {obj.get('label')!r}") from None
        try:
            req = parse_request(obj, default_id=f"{path.name}:{n}")
        except ContractError as exc:
            raise ValueError(f"{path}:{n}: {exc.field}: {exc.message}") from None
        out.append(prepare(req, label, str(obj.get("lang") or ""), str(obj.get("writer") or "")))
    return out


def labels_of(examples: Sequence[Example]) -> np.ndarray:
    """Class indices in CATEGORIES order."""
    return np.array([CLASS_INDEX[e.label] for e in examples], dtype=np.int64)


def fit_linear(x: object, y: np.ndarray, c: float) -> LinearModel:
    """Multinomial logistic regression (L2), as a LinearModel with temperature 1."""
    clf = LogisticRegression(C=c, max_iter=3000, random_state=SEED)
    clf.fit(x, y)
    coef = np.zeros((len(CATEGORIES), clf.coef_.shape[1]), dtype=np.float32)
    intercept = np.full(len(CATEGORIES), -30.0)
    for row, cls in enumerate(clf.classes_):
        coef[int(cls)] = clf.coef_[row]
        intercept[int(cls)] = clf.intercept_[row]
    return LinearModel(coef=coef, intercept=intercept)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out logits."""

    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0))))

    res = minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded")
    return float(res.x)


def signal_matrix(examples: Sequence[Example]) -> np.ndarray:
    """Binary example-by-signal matrix in registry order."""
    index = {sid: i for i, sid in enumerate(SIGNAL_IDS)}
    out: np.ndarray = np.zeros((len(examples), len(SIGNAL_IDS)), dtype=np.float64)
    for row, e in enumerate(examples):
        for sig, _ in e.fired:
            out[row, index[sig.id]] = 1.0
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    q: np.ndarray = np.clip(p, 1e-4, 1 - 1e-4)
    out: np.ndarray = np.log(q / (1 - q))
    return out


def _weighted_logistic(
    x: np.ndarray, y: np.ndarray, sw: np.ndarray, l2: float, bounds: list[tuple[float | None, float | None]]
) -> tuple[np.ndarray, float]:
    """Binary logistic regression with sample weights, L2 and per-weight bounds (L-BFGS-B)."""

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        ll = sw * (np.logaddexp(0.0, z) - y * z)
        grad_z = sw * (p - y)
        grad = np.concatenate([x.T @ grad_z + l2 * w, [grad_z.sum()]]) / sw.sum()
        return float((ll.sum() + 0.5 * l2 * w @ w) / sw.sum()), grad

    theta0 = np.zeros(x.shape[1] + 1)
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=[*bounds, (None, None)])
    return res.x[:-1], float(res.x[-1])


def fit_score_weights(
    examples: Sequence[Example], p_good: np.ndarray, ham_preference: float = 3.0, l2: float = 1.0
) -> ScoreWeights:
    """Fit signal weights for the quality score, SpamAssassin-style with a ham preference.

    Target: good (personal_known, relevant_business) against unwanted (pitch, romance, collector,
    scam); recruiters are left out, as their quality depends on the recipient. Good examples weigh
    `ham_preference` times more, so a weight that would push a good request down costs more.
    Stage 1 fits the signals alone, each weight kept to the sign of its hand-set prior (a signal
    the data contradicts ends at 0 and shows up in the evaluation's hit-frequency table); stage 2
    combines the signal sum with the learned model's out-of-fold log-odds, like rspamd adds its
    Bayes symbol to the rule score.
    """
    from ..signals import GROUP_CAPS, REGISTRY

    keep = [i for i, e in enumerate(examples) if e.label is not Category.RECRUITER]
    x_sig = signal_matrix([examples[i] for i in keep])
    y = np.array([1.0 if examples[i].label in GOOD_CATEGORIES else 0.0 for i in keep])
    sw = np.where(y == 1, ham_preference, 1.0)
    bounds: list[tuple[float | None, float | None]] = []
    for sid in SIGNAL_IDS:
        prior = REGISTRY[sid].weight
        bounds.append((0.0, None) if prior > 0 else (None, 0.0) if prior < 0 else (None, None))
    w, b = _weighted_logistic(x_sig, y, sw, l2, bounds)
    fired_any = x_sig.sum(axis=0) > 0
    # A signal that never fired in training keeps its hand-set prior weight.
    w = np.where(fired_any, w, [REGISTRY[sid].weight for sid in SIGNAL_IDS])
    signal_sum = x_sig @ w + b
    clip = ScoreWeights.model_clip
    stage2 = np.column_stack([signal_sum, _logit(np.clip(p_good[keep], clip, 1 - clip))])
    (alpha, beta), bias = _weighted_logistic(stage2, y, sw, 1e-3, [(0.0, None), (0.0, None)])
    weights = {sid: round(float(alpha * w[i]), 4) for i, sid in enumerate(SIGNAL_IDS)}
    return ScoreWeights(
        bias=round(bias + float(alpha * b), 4),
        weights=weights,
        model_weight=round(float(beta), 4),
        ham_preference=ham_preference,
        caps=dict(GROUP_CAPS),
    )


def writer_folds(examples: Sequence[Example]) -> list[np.ndarray]:
    """Leave-one-writer-out folds (each fold's held-out indices): unseen authors, like the real test."""
    writers = sorted({e.writer for e in examples})
    idx = np.arange(len(examples))
    return [idx[np.array([e.writer == w for e in examples])] for w in writers]


def out_of_fold_logits(examples: Sequence[Example], c: float, min_count: int = 2) -> np.ndarray:
    """Fast-model logits for every example from a model that did not see its writer."""
    y = labels_of(examples)
    logits = np.zeros((len(examples), len(CATEGORIES)))
    for held in writer_folds(examples):
        mask = np.ones(len(examples), dtype=bool)
        mask[held] = False
        train = [examples[int(i)] for i in np.flatnonzero(mask)]
        vocab = Vocabulary.build([e.features for e in train], min_count)
        model = fit_linear(vocab.transform([e.features for e in train]), y[mask], c)
        logits[held] = model.logits(vocab.transform([examples[int(i)].features for i in held]))
    return logits


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted mean F1 over the categories present in the true labels."""
    f1s = []
    for k in sorted(set(y_true.tolist())):
        tp = float(np.sum((y_pred == k) & (y_true == k)))
        fp = float(np.sum((y_pred == k) & (y_true != k)))
        fn = float(np.sum((y_pred != k) & (y_true == k)))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s))


def nll(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true class."""
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0))))


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Gap between confidence and accuracy, averaged over confidence bins."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    ece = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf > lo) & (conf <= lo + 1 / bins)
        if m.any():
            ece += m.mean() * abs(float(conf[m].mean()) - float(correct[m].mean()))
    return float(ece)


__all__ = [
    "SEED",
    "Example",
    "expected_calibration_error",
    "fit_linear",
    "fit_score_weights",
    "fit_temperature",
    "load_labelled",
    "macro_f1",
    "nll",
    "out_of_fold_logits",
    "prepare",
]
