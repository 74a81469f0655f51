"""The personal layer: learns from the owner's decisions which action they take, on top of the shipped model.

Like rspamd's Bayes it stays silent until it has seen enough (`min_decisions`, and at least two
different actions). It reads only what a stored verdict holds (the shipped model's category
probabilities, the score, the signals that fired, whether there was a note), so it needs neither the
corpus nor the request text at run time. Its action probabilities are mixed with the action
distribution the shipped model's probabilities induce through the policy; the weight of the personal
side grows with the number of decisions. The false-positive guard of the policy still applies: a
request the shipped model finds likely good is never ignored or blocked because of the personal layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import CATEGORIES, GOOD_CATEGORIES, HARSH_ACTIONS, Action, Category, Verdict
from .policy import Policy
from .signals import SIGNAL_IDS

ACTIONS: tuple[Action, ...] = tuple(Action)
_ACTION_INDEX = {a: i for i, a in enumerate(ACTIONS)}
# Log-probabilities below this carry no extra information and would dominate the scale.
_LOG_FLOOR = math.log(1e-4)
PARAMS_VERSION = 1


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the personal layer reads of one screened request."""

    probabilities: tuple[float, ...]  # in CATEGORIES order
    score: int
    signals: frozenset[str]
    has_note: bool

    @classmethod
    def from_verdict(cls, verdict: Verdict, has_note: bool) -> Evidence:
        """From a fresh verdict of the screener."""
        return cls(
            tuple(float(verdict.probabilities[c]) for c in CATEGORIES),
            verdict.score,
            frozenset(h.id for h in verdict.signals if h.group != "model"),
            has_note,
        )

    @classmethod
    def from_stored(
        cls,
        probabilities: Mapping[str, Any],
        score: int,
        signals: Sequence[Mapping[str, Any]],
        has_note: bool,
    ) -> Evidence:
        """From a verdict row of the store (probabilities by category id, signals as dicts)."""
        return cls(
            tuple(float(probabilities.get(c.value, 0.0)) for c in CATEGORIES),
            int(score),
            frozenset(str(s["id"]) for s in signals if s.get("group") != "model"),
            has_note,
        )

    @property
    def category(self) -> Category:
        """The shipped model's most probable category."""
        return CATEGORIES[int(np.argmax(self.probabilities))]

    @property
    def good_probability(self) -> float:
        """Probability mass the shipped model puts on the good categories."""
        return sum(p for c, p in zip(CATEGORIES, self.probabilities, strict=True) if c in GOOD_CATEGORIES)


def feature_matrix(evidence: Sequence[Evidence], signal_ids: Sequence[str] = SIGNAL_IDS) -> np.ndarray:
    """One row per request: scaled log-probabilities, score, note flag, and the signal indicators."""
    n_cat = len(CATEGORIES)
    index = {sid: i for i, sid in enumerate(signal_ids)}
    x = np.zeros((len(evidence), n_cat + 2 + len(signal_ids)))
    for row, ev in enumerate(evidence):
        logs = np.maximum(np.log(np.maximum(ev.probabilities, 1e-12)), _LOG_FLOOR) / -_LOG_FLOOR
        x[row, :n_cat] = logs
        x[row, n_cat] = ev.score / 100.0
        x[row, n_cat + 1] = 1.0 if ev.has_note else 0.0
        for sid in ev.signals:
            col = index.get(sid)
            if col is not None:
                x[row, n_cat + 2 + col] = 1.0
    return x


@dataclass
class PersonalLayer:
    """A multinomial logistic model of the owner's actions, and how much say it has."""

    actions: tuple[Action, ...]
    coef: np.ndarray
    intercept: np.ndarray
    signal_ids: tuple[str, ...]
    n_decisions: int
    weight: float

    def predict_proba(self, evidence: Sequence[Evidence]) -> np.ndarray:
        """Action probabilities in ACTIONS order (zero for actions the owner never took)."""
        x = feature_matrix(evidence, self.signal_ids)
        out = np.zeros((len(evidence), len(ACTIONS)))
        if len(self.actions) == 1:
            out[:, _ACTION_INDEX[self.actions[0]]] = 1.0
            return out
        z = x @ self.coef.T + self.intercept
        if len(self.actions) == 2 and self.coef.shape[0] == 1:
            p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
            probs = np.column_stack([1.0 - p1, p1])
        else:
            z -= z.max(axis=1, keepdims=True)
            probs = np.exp(z)
            probs /= probs.sum(axis=1, keepdims=True)
        for j, a in enumerate(self.actions):
            out[:, _ACTION_INDEX[a]] = probs[:, j]
        return out

    def to_params(self) -> dict[str, Any]:
        """JSON-ready parameters (stored in the database, exported with the user's data)."""
        return {
            "version": PARAMS_VERSION,
            "actions": [a.value for a in self.actions],
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "signal_ids": list(self.signal_ids),
            "n_decisions": self.n_decisions,
            "weight": self.weight,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PersonalLayer:
        """Inverse of `to_params`."""
        if params.get("version") != PARAMS_VERSION:
            raise ValueError(
                f"personal model parameters of version {params.get('version')!r} are not supported"
            )
        return cls(
            actions=tuple(Action(a) for a in params["actions"]),
            coef=np.asarray(params["coef"], dtype=np.float64),
            intercept=np.asarray(params["intercept"], dtype=np.float64),
            signal_ids=tuple(params["signal_ids"]),
            n_decisions=int(params["n_decisions"]),
            weight=float(params["weight"]),
        )


def personal_weight(n_decisions: int, half: int = 20, cap: float = 0.8) -> float:
    """The personal side's share: half at `half` decisions, never above `cap`."""
    return min(cap, n_decisions / (n_decisions + half))


@dataclass(frozen=True, slots=True)
class Gate:
    """Why the personal layer is (not yet) active."""

    active: bool
    reason: str


def gate(actions: Sequence[Action], min_decisions: int) -> Gate:
    """Enough decisions, and more than one kind of action, before the layer may learn (rspamd min_learns)."""
    if len(actions) < min_decisions:
        return Gate(False, f"{len(actions)} of {min_decisions} decisions needed before it learns")
    if len(set(actions)) < 2:
        return Gate(False, "all decisions so far are the same action; nothing to tell apart yet")
    return Gate(True, f"trained on {len(actions)} decisions")


def train(
    evidence: Sequence[Evidence], actions: Sequence[Action], *, min_decisions: int = 20, c: float = 1.0
) -> PersonalLayer | None:
    """Fit the layer on the owner's decisions; None while the gate is closed."""
    if len(evidence) != len(actions):
        raise ValueError("one action per piece of evidence")
    if not gate(actions, min_decisions).active:
        return None
    from sklearn.linear_model import LogisticRegression

    x = feature_matrix(evidence)
    y = np.array([_ACTION_INDEX[a] for a in actions])
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit(x, y)
    return PersonalLayer(
        actions=tuple(ACTIONS[int(k)] for k in clf.classes_),
        coef=np.asarray(clf.coef_, dtype=np.float64),
        intercept=np.asarray(clf.intercept_, dtype=np.float64),
        signal_ids=tuple(SIGNAL_IDS),
        n_decisions=len(actions),
        weight=personal_weight(len(actions)),
    )


def induced_distribution(ev: Evidence, core_action: Action, policy: Policy) -> np.ndarray:
    """The shipped side in action space: the policy's action for each category, weighted by the
    model's probability, half-anchored on the action the core actually chose."""
    out = np.zeros(len(ACTIONS))
    fired = ev.signals
    p_good = ev.good_probability
    for cat, p in zip(CATEGORIES, ev.probabilities, strict=True):
        if p < 1e-3:
            continue
        act = policy.decide(cat, ev.score, p, p_good, fired, ev.has_note).action
        out[_ACTION_INDEX[act]] += p
    total = out.sum()
    if total > 0:
        out /= total
    out *= 0.5
    out[_ACTION_INDEX[core_action]] += 0.5
    return out


@dataclass(frozen=True, slots=True)
class Choice:
    """The action after the personal layer, and whether the layer changed the core's choice."""

    action: Action
    changed: bool


def choose(
    evidence: Sequence[Evidence],
    core_actions: Sequence[Action],
    policy: Policy,
    layer: PersonalLayer | None,
) -> list[Choice]:
    """The recommended action per request: the core's, moved by the personal layer where it is sure."""
    if layer is None:
        return [Choice(a, False) for a in core_actions]
    personal = layer.predict_proba(evidence)
    guard = policy.spec.thresholds.good_probability_guard
    out: list[Choice] = []
    for ev, core, p_user in zip(evidence, core_actions, personal, strict=True):
        mix = (1.0 - layer.weight) * induced_distribution(ev, core, policy) + layer.weight * p_user
        action = ACTIONS[int(np.argmax(mix))]
        if action in HARSH_ACTIONS and (ev.good_probability >= guard or ev.category in GOOD_CATEGORIES):
            action = core if core not in HARSH_ACTIONS else Action.ASK_BACK
        out.append(Choice(action, action is not core))
    return out


__all__ = [
    "ACTIONS",
    "Choice",
    "Evidence",
    "Gate",
    "PersonalLayer",
    "choose",
    "feature_matrix",
    "gate",
    "induced_distribution",
    "personal_weight",
    "train",
]
