"""The Mastodon API through Mastodon.py: the account behind the token, pending follow requests (every
page, following the Link header), familiar followers, authorize and reject. Network failures, server
errors and rate limits are retried with backoff; a refused token is reported at once."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from mastodon import (
    Mastodon,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)
from pydantic import SecretStr

from .._backoff import Backoff
from ..settings import MastodonSettings

T = TypeVar("T")
# The API returns at most 80 accounts per page; follow_requests defaults to 40.
PAGE = 80
MAX_PAGES = 500
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class MastodonFailure(RuntimeError):
    """The server could not be reached or refused a call, after the retries."""


class MastodonAuthError(MastodonFailure):
    """The access token was refused (or lacks a scope); retrying will not help."""


def instance_url(value: str) -> str:
    """`https://host[:port]` of an instance; plain http only on loopback (tests, tunnels)."""
    raw = value.strip().rstrip("/")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MastodonFailure(f"--instance: not an instance URL: {value!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise MastodonFailure(f"--instance: {value!r}: use https (the token must not travel unencrypted)")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class MastodonClient:
    """Calls against one instance as the token's account."""

    def __init__(
        self,
        api: Mastodon,
        instance: str,
        settings: MastodonSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api = api
        self.instance = instance
        self.settings = settings
        self._sleep = sleep
        self.me: dict[str, Any] = {}

    @property
    def host(self) -> str:
        """The instance's host (and port), as used in request keys."""
        return urlsplit(self.instance).netloc

    @classmethod
    def connect(
        cls,
        instance: str,
        token: SecretStr,
        settings: MastodonSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> MastodonClient:
        """Check the URL, verify the token (GET /api/v1/accounts/verify_credentials)."""
        url = instance_url(instance)
        api = Mastodon(
            access_token=token.get_secret_value(),
            api_base_url=url,
            request_timeout=settings.timeout,
            ratelimit_method="throw",
            version_check_mode="none",
            user_agent="kontaktfilter",
        )
        client = cls(api, url, settings, sleep=sleep)
        client.me = dict(client.call("verify the access token", api.account_verify_credentials))
        return client

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one API call, retrying network errors, 5xx answers and rate limits with backoff."""
        backoff = Backoff(base=1.0, cap=60.0, sleep=self._sleep)
        attempt = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except MastodonUnauthorizedError:
                raise MastodonAuthError(
                    f"{self.instance}: the access token was refused (401) while trying to {what}; "
                    "check --token-file (it needs the scopes read:accounts, read:follows and follow)"
                ) from None
            except MastodonNotFoundError as exc:
                raise MastodonFailure(f"{self.instance}: {what}: not found ({_short(exc)})") from None
            except (MastodonNetworkError, MastodonServerError, MastodonRatelimitError) as exc:
                attempt += 1
                if attempt > self.settings.retries:
                    raise MastodonFailure(
                        f"{self.instance}: {what} failed after {attempt} attempts: {_short(exc)}"
                    ) from None
                backoff.wait()
            except MastodonError as exc:
                raise MastodonFailure(f"{self.instance}: {what} failed: {_short(exc)}") from None

    def follow_requests(self) -> list[dict[str, Any]]:
        """Every pending follow request's account, all pages (the Link header's `next`)."""
        out: list[dict[str, Any]] = []
        page: Any = self.call("list follow requests", self.api.follow_requests, limit=PAGE)
        for _ in range(MAX_PAGES):
            if not page:
                break
            out.extend(dict(a) for a in page)
            page = self.call("list follow requests (next page)", self.api.fetch_next, page)
        return out

    def familiar_followers(self, ids: Sequence[str]) -> dict[str, int]:
        """How many accounts you follow also follow each of `ids` ({} when the server cannot say)."""
        counts: dict[str, int] = {}
        for start in range(0, len(ids), 40):
            chunk = list(ids[start : start + 40])
            try:
                rows = self.call("look up familiar followers", self.api.account_familiar_followers, chunk)
            except MastodonFailure:
                # Older servers lack the endpoint; mutual contacts then stay unknown.
                return {}
            for row in rows:
                counts[str(row["id"])] = len(row.get("accounts") or [])
        return counts

    def authorize(self, account_id: str) -> None:
        """POST /api/v1/follow_requests/:id/authorize."""
        self.call(f"authorize follow request {account_id}", self.api.follow_request_authorize, account_id)

    def reject(self, account_id: str) -> None:
        """POST /api/v1/follow_requests/:id/reject."""
        self.call(f"reject follow request {account_id}", self.api.follow_request_reject, account_id)


def _short(exc: BaseException) -> str:
    text = " ".join(str(a) for a in exc.args) if exc.args else exc.__class__.__name__
    return text[:300]


__all__ = ["MastodonAuthError", "MastodonClient", "MastodonFailure", "instance_url"]
