"""Clocks, injected wherever "now" matters, so tests and replays never read the wall clock."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Returns the current time in microseconds since the Unix epoch (UTC)."""

    def __call__(self) -> int: ...


def system_clock() -> int:
    """The wall clock."""
    return time.time_ns() // 1000


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, now_us: int = 0) -> None:
        self.now_us = now_us

    def __call__(self) -> int:
        return self.now_us

    def set(self, now_us: int) -> None:
        """Jumps to a time."""
        self.now_us = now_us

    def advance(self, us: int) -> None:
        """Moves forward by a duration."""
        self.now_us += us
