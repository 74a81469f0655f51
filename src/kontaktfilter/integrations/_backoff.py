"""Retry delays that grow exponentially with jitter, with the clock and sleep injected for tests."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Exponential backoff: `base * factor**n` seconds, capped, with up to `jitter` of it random."""

    base: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    jitter: float = 0.25
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = field(default=random.random)
    attempt: int = 0

    def next_delay(self) -> float:
        """The delay before the next attempt; each call grows it until `cap`."""
        raw = min(self.cap, self.base * self.factor**self.attempt)
        self.attempt += 1
        # Jitter spreads out reconnects of many clients after a server restart.
        return raw * (1.0 - self.jitter * self.rand())

    def wait(self) -> float:
        """Sleep for the next delay and return it."""
        delay = self.next_delay()
        self.sleep(delay)
        return delay

    def reset(self) -> None:
        """Start again from `base` (after a success)."""
        self.attempt = 0


__all__ = ["Backoff"]
