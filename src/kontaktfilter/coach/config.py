"""The coach's settings: note length limits per platform and account, and what counts as a good score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from ..model import Platform
from ..signals import NOTE_LIMITS


class Account(StrEnum):
    """The sender's account type; LinkedIn gives free accounts a shorter note."""

    FREE = "free"
    PREMIUM = "premium"


def _default_limits() -> Mapping[tuple[Platform, Account], int | None]:
    limits: dict[tuple[Platform, Account], int | None] = {}
    for platform, limit in NOTE_LIMITS.items():
        for account in Account:
            limits[(platform, account)] = limit
    # LinkedIn allows 300 characters with Premium and 200 without; every other platform takes the
    # core's limit for both account types until we know better.
    limits[(Platform.LINKEDIN, Account.PREMIUM)] = 300
    limits[(Platform.LINKEDIN, Account.FREE)] = 200
    return MappingProxyType(limits)


DEFAULT_LIMITS: Mapping[tuple[Platform, Account], int | None] = _default_limits()


@dataclass(frozen=True, slots=True)
class CoachConfig:
    """Limits per (platform, account) and the score from which the filter's "good" verdict is trusted."""

    limits: Mapping[tuple[Platform, Account], int | None] = field(default_factory=lambda: DEFAULT_LIMITS)
    good_score: int = 60

    def limit_for(self, platform: Platform, account: Account) -> int | None:
        """The note limit in characters, or None where the platform sets none."""
        return self.limits.get((platform, account))

    def with_limit(self, platform: Platform, account: Account, limit: int | None) -> CoachConfig:
        """A copy with one limit changed (None removes it)."""
        if limit is not None and limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        limits = dict(self.limits)
        limits[(platform, account)] = limit
        return replace(self, limits=MappingProxyType(limits))
