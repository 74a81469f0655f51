"""The sanction policy: typed defaults, loaded from TOML with errors that name the file and the key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .events import EVENT_TYPES, INVITATION_IGNORED, INVITATION_REPORTED

DAY_US = 86_400_000_000


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Policy:
    """Every number of the seed-000 rule; durations are microseconds so comparisons stay exact."""

    counted_types: frozenset[str] = frozenset({INVITATION_IGNORED, INVITATION_REPORTED})
    window_us: int = 30 * DAY_US
    threshold: int = 50
    suspension_us: int = 30 * DAY_US
    suspensions_before_ban: int = 1
    invitation_limit: int = 100
    invitation_window_us: int = 7 * DAY_US

    def __post_init__(self) -> None:
        for name in ("window_us", "suspension_us", "invitation_window_us", "threshold", "invitation_limit"):
            if getattr(self, name) < 1:
                raise PolicyError(f"{name} must be positive, got {getattr(self, name)}")
        if self.suspensions_before_ban < 0:
            raise PolicyError("suspensions_before_ban must be 0 or more")
        unknown = self.counted_types - set(EVENT_TYPES)
        if unknown or not self.counted_types:
            raise PolicyError(
                f"counted_types must be non-empty event types, got {sorted(self.counted_types)}"
            )


class _Sanctions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counted_types: list[str] = Field(default_factory=lambda: [INVITATION_IGNORED, INVITATION_REPORTED])
    window_days: float = Field(default=30, gt=0)
    threshold: int = Field(default=50, ge=1)
    suspension_days: float = Field(default=30, gt=0)
    suspensions_before_ban: int = Field(default=1, ge=0)

    @field_validator("counted_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        for item in value:
            if item not in EVENT_TYPES:
                raise ValueError(f"unknown event type {item!r} (known: {', '.join(EVENT_TYPES)})")
        if not value:
            raise ValueError("at least one event type must be counted")
        return value


class _RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invitations: int = Field(default=100, ge=1)
    window_days: float = Field(default=7, gt=0)


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sanctions: _Sanctions = Field(default_factory=lambda: _Sanctions())
    rate_limit: _RateLimit = Field(default_factory=lambda: _RateLimit())


def _days(value: float) -> int:
    return round(value * DAY_US)


def policy_from_mapping(data: dict[str, Any], source: str = "<policy>") -> Policy:
    """Builds a Policy from a decoded TOML document; missing keys take the defaults."""
    try:
        parsed = _PolicyFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise PolicyError(f"{source}: {key}: {first['msg']}") from None
    s, r = parsed.sanctions, parsed.rate_limit
    return Policy(
        counted_types=frozenset(EVENT_TYPES[t] for t in s.counted_types),
        window_us=_days(s.window_days),
        threshold=s.threshold,
        suspension_us=_days(s.suspension_days),
        suspensions_before_ban=s.suspensions_before_ban,
        invitation_limit=r.invitations,
        invitation_window_us=_days(r.window_days),
    )


def default_policy_text() -> str:
    """The shipped, commented default policy file."""
    return (resources.files("kontaktfilter") / "resources" / "moderation_policy.toml").read_text("utf-8")


def load_policy(path: Path | None = None) -> Policy:
    """Reads a policy TOML file, or returns the defaults when no path is given."""
    if path is None:
        return Policy()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: invalid TOML: {exc}") from None
    return policy_from_mapping(data, str(path))
