"""What the routes use, built once per app and handed in through FastAPI's `Depends`.

Tests replace any of the `get_*` dependencies with `app.dependency_overrides`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request
from jinja2 import Environment

from ..policy import Policy
from ..replies import ReplyRenderer, ReplySettings
from ..screener import Screener
from ..settings import Settings
from ..store.engine import Store
from .accounts import Accounts
from .config import WebConfig, default_policy_file
from .jobs import ImportJobs
from .queries import SentScorer
from .security import TokenChecker

if TYPE_CHECKING:
    from ..coach import Coach


def policy_path(settings: Settings, config: WebConfig) -> Path:
    """The policy file the web app screens with and the settings page edits."""
    return config.policy_file or settings.policy or default_policy_file()


def load_policy(path: Path) -> Policy:
    """The policy from `path` layered over the defaults, or the defaults when the file does not exist."""
    return Policy.load(path if path.is_file() else None)


class Screening:
    """The screener under the current policy; the settings page swaps the policy without reloading models."""

    def __init__(self, screener: Screener) -> None:
        self._screener = screener
        self._lock = threading.Lock()
        self._coach: Coach | None = None
        self._renderer: ReplyRenderer | None = None

    @property
    def screener(self) -> Screener:
        """The current screener."""
        return self._screener

    @property
    def policy(self) -> Policy:
        """The current policy."""
        return self._screener.policy

    def use_policy(self, policy: Policy) -> None:
        """Screen with `policy` from now on (the models stay loaded)."""
        with self._lock:
            self._screener = Screener(bundle=self._screener.bundle, policy=policy)
            self._coach = None

    def coach(self) -> Coach:
        """The sender coach over the same models (for the statistics of the owner's own notes)."""
        from ..coach import Coach

        with self._lock:
            if self._coach is None:
                self._coach = Coach(screener=Screener(bundle=self._screener.bundle))
            return self._coach

    def renderer(self) -> ReplyRenderer:
        """Reply drafts with the user's KONTAKTFILTER_REPLY_* settings and template overrides."""
        with self._lock:
            if self._renderer is None:
                self._renderer = ReplyRenderer(ReplySettings.from_env(), include_user_dir=True)
            return self._renderer


class LoginThrottle:
    """Counts failed logins per client; more than `limit` in `window` seconds blocks further tries."""

    def __init__(
        self, limit: int = 10, window: float = 60.0, clock: Callable[[], float] | None = None
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock or time.monotonic
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        """Whether `client` has failed too often recently."""
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if now - t < self.window]
            self._failures[client] = recent
            return len(recent) >= self.limit

    def failed(self, client: str) -> None:
        """Count one failure."""
        with self._lock:
            self._failures.setdefault(client, []).append(self.clock())

    def reset(self, client: str) -> None:
        """Forget the failures after a successful login."""
        with self._lock:
            self._failures.pop(client, None)


@dataclass
class Services:
    """Everything the routes need, created by `create_app`."""

    config: WebConfig
    settings: Settings
    store: Store
    accounts: Accounts
    screening: Screening
    tokens: TokenChecker
    templates: Environment
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    jobs: ImportJobs = field(default_factory=ImportJobs)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    sent_scorer: SentScorer | None = None

    @property
    def policy_file(self) -> Path:
        """The policy file in use."""
        return policy_path(self.settings, self.config)


def get_services(request: Request) -> Services:
    """The app's services (set by `create_app`)."""
    services: Services = request.app.state.services
    return services


def get_store(request: Request) -> Store:
    """The inbox store."""
    return get_services(request).store


def get_screening(request: Request) -> Screening:
    """The screener under the current policy."""
    return get_services(request).screening


def get_accounts(request: Request) -> Accounts:
    """The user, token and secret rows."""
    return get_services(request).accounts


def get_clock(request: Request) -> Callable[[], datetime]:
    """The clock (tests pass a fake one)."""
    return get_services(request).clock


__all__ = [
    "LoginThrottle",
    "Screening",
    "Services",
    "get_accounts",
    "get_clock",
    "get_screening",
    "get_services",
    "get_store",
    "load_policy",
    "policy_path",
]
