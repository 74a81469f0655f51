"""The policy: maps a verdict's category, score, confidence and signals to an action.

Layered like rspamd's local.d: built-in defaults (resources/default_policy.toml), then the user's
TOML file. Validation errors name the file and the offending key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .model import GOOD_CATEGORIES, HARSH_ACTIONS, Action, Category


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names file and key."""


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    action: Action
    category: list[Category] = Field(default_factory=list)
    signal: list[str] = Field(default_factory=list)
    min_score: int | None = Field(default=None, ge=0, le=100)
    max_score: int | None = Field(default=None, ge=0, le=100)
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    max_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    has_note: bool | None = None

    _norm_category = field_validator("category", mode="before")(_as_list)
    _norm_signal = field_validator("signal", mode="before")(_as_list)


class _Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    accept_min_score: int = Field(ge=0, le=100)
    collector_ignore_max_score: int = Field(ge=0, le=100)
    harsh_min_confidence: float = Field(ge=0.0, le=1.0)
    good_probability_guard: float = Field(ge=0.0, le=1.0)


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: dict[Category, Action]
    thresholds: _Thresholds
    force: list[_Rule] = Field(default_factory=list)
    rules: list[_Rule] = Field(default_factory=list)
    disabled_rules: list[str] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Decision:
    """The chosen action and the name of the rule that chose it."""

    action: Action
    rule: str


def _matches(
    rule: _Rule, category: Category, score: int, confidence: float, fired: Collection[str], has_note: bool
) -> bool:
    if rule.category and category not in rule.category:
        return False
    if rule.signal and not any(s in fired for s in rule.signal):
        return False
    if rule.min_score is not None and score < rule.min_score:
        return False
    if rule.max_score is not None and score > rule.max_score:
        return False
    if rule.min_confidence is not None and confidence < rule.min_confidence:
        return False
    if rule.max_confidence is not None and confidence > rule.max_confidence:
        return False
    return rule.has_note is None or rule.has_note == has_note


# A rule reduced to plain values for `decide`: the decision it makes, the signals it needs (any of
# them; empty: none needed), score and confidence bounds (None: open), and the note condition.
_Compiled = tuple[Decision, frozenset[str], int | None, int | None, float | None, float | None, bool | None]


class Policy:
    """A validated policy; `decide` is pure and cheap."""

    def __init__(self, spec: _PolicyFile, source: str = "<defaults>") -> None:
        self.spec = spec
        self.source = source
        disabled = set(spec.disabled_rules)
        force = [r for r in spec.force if r.name not in disabled]
        rules = [r for r in spec.rules if r.name not in disabled]
        # Rules that can apply to a category, in order, so `decide` only tries those.
        self._force = {c: [r for r in force if not r.category or c in r.category] for c in Category}
        self._rules = {c: [r for r in rules if not r.category or c in r.category] for c in Category}
        # The same rules compiled to tuples, force rules first: `decide` runs once per request, and
        # reading pydantic fields and building a Decision per call cost more than the logic.
        self._compiled = {
            c: [_compile(r, "force") for r in self._force[c]] + [_compile(r, "rule") for r in self._rules[c]]
            for c in Category
        }
        t = spec.thresholds
        self._accept_min_score = t.accept_min_score
        self._collector_ignore_max_score = t.collector_ignore_max_score
        self._harsh_min_confidence = t.harsh_min_confidence
        self._guard = t.good_probability_guard
        # Decisions are immutable values; the possible ones are few, so each is built once.
        self._decisions: dict[tuple[Action, str], Decision] = {}

    @classmethod
    def default(cls) -> Policy:
        """The built-in policy."""
        return cls.from_mapping(_default_mapping(), "<built-in policy>")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str) -> Policy:
        """Validate a parsed policy; errors name the source and key."""
        try:
            return cls(_PolicyFile.model_validate(data), source)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"])
                problems.append(f"{source}: {key}: {err['msg']}")
            raise PolicyError("\n".join(problems)) from None

    @classmethod
    def load(cls, path: Path | None) -> Policy:
        """Built-in defaults layered with the user's TOML file (if given)."""
        base = _default_mapping()
        if path is None:
            return cls.from_mapping(base, "<built-in policy>")
        try:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PolicyError(f"{path}: policy file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_mapping(merge_policy(base, user), str(path))

    def _decision(self, action: Action, rule: str) -> Decision:
        d = self._decisions.get((action, rule))
        if d is None:
            d = self._decisions[(action, rule)] = Decision(action, rule)
        return d

    def decide(
        self,
        category: Category,
        score: int,
        confidence: float,
        good_probability: float,
        fired: Collection[str],
        has_note: bool,
    ) -> Decision:
        """The action for one verdict, and which rule produced it.

        The same decision as `decide_reference`, from rules compiled once (a test compares them).
        """
        decision: Decision | None = None
        for made, signals, min_s, max_s, min_c, max_c, note in self._compiled[category]:
            if (
                (not signals or not signals.isdisjoint(fired))
                and (min_s is None or score >= min_s)
                and (max_s is None or score <= max_s)
                and (min_c is None or confidence >= min_c)
                and (max_c is None or confidence <= max_c)
                and (note is None or note == has_note)
            ):
                decision = made
                break
        if decision is None:
            action = self.spec.categories.get(category, Action.ASK_BACK)
            name = _CATEGORY_RULE[category]
            if action is Action.ACCEPT and score < self._accept_min_score:
                action, name = Action.ASK_BACK, f"{name}+below_accept_score"
            elif category is Category.COLLECTOR_GENERIC and score <= self._collector_ignore_max_score:
                action, name = Action.IGNORE, f"{name}+low_score"
            if action in HARSH_ACTIONS and confidence < self._harsh_min_confidence:
                action, name = Action.ASK_BACK, f"{name}+unsure"
            decision = self._decision(action, name)
        if decision.action in HARSH_ACTIONS and (
            good_probability >= self._guard or category in GOOD_CATEGORIES
        ):
            decision = self._decision(Action.ASK_BACK, decision.rule + "+good_guard")
        return decision

    def decide_reference(
        self,
        category: Category,
        score: int,
        confidence: float,
        good_probability: float,
        fired: Collection[str],
        has_note: bool,
    ) -> Decision:
        """`decide` written straight from the policy file's fields (the specification it follows)."""
        t = self.spec.thresholds
        decision: Decision | None = None
        for rule in self._force[category]:
            if _matches(rule, category, score, confidence, fired, has_note):
                decision = Decision(rule.action, f"force:{rule.name}")
                break
        if decision is None:
            for rule in self._rules[category]:
                if _matches(rule, category, score, confidence, fired, has_note):
                    decision = Decision(rule.action, f"rule:{rule.name}")
                    break
        if decision is None:
            action = self.spec.categories.get(category, Action.ASK_BACK)
            name = f"category:{category.value}"
            if action is Action.ACCEPT and score < t.accept_min_score:
                action, name = Action.ASK_BACK, f"{name}+below_accept_score"
            elif category is Category.COLLECTOR_GENERIC and score <= t.collector_ignore_max_score:
                action, name = Action.IGNORE, f"{name}+low_score"
            if action in HARSH_ACTIONS and confidence < t.harsh_min_confidence:
                action, name = Action.ASK_BACK, f"{name}+unsure"
            decision = Decision(action, name)
        if decision.action in HARSH_ACTIONS and (
            good_probability >= t.good_probability_guard or category in GOOD_CATEGORIES
        ):
            decision = Decision(Action.ASK_BACK, decision.rule + "+good_guard")
        return decision


_CATEGORY_RULE = {c: f"category:{c.value}" for c in Category}


def _compile(rule: _Rule, kind: str) -> _Compiled:
    return (
        Decision(rule.action, f"{kind}:{rule.name}"),
        frozenset(rule.signal),
        rule.min_score,
        rule.max_score,
        rule.min_confidence,
        rule.max_confidence,
        rule.has_note,
    )


def merge_policy(base: Mapping[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """Merge a user's policy over the defaults: tables key by key, rule lists user-first."""
    out: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for key, value in user.items():
        if key in ("force", "rules") and isinstance(value, list):
            out[key] = list(value) + list(base.get(key, []))
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _default_mapping() -> dict[str, Any]:
    text = (resources.files("kontaktfilter") / "resources" / "default_policy.toml").read_text(
        encoding="utf-8"
    )
    return tomllib.loads(text)
