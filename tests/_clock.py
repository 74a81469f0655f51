"""A clock the test moves by hand, shared by the inbox and web tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Starts on 23 November 2026, 09:00 UTC (the demo data is from November 2026)."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)
