"""Security plumbing: response headers, request body limits, CSRF tokens and bearer-token checks."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from threading import Lock
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .accounts import Accounts, digest

# No inline script or style anywhere: htmx is told not to inject its indicator style, and every chart
# is SVG with presentation attributes (which CSP does not treat as inline style).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; manifest-src 'self'"
)
# The docs pages (Swagger UI) load their script and style from a CDN; they are replaced by a plain
# page linking the OpenAPI JSON, so the CSP needs no exception.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # The setup link carries a secret in its query; no Referer may leak it.
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)


class SecurityHeadersMiddleware:
    """Adds the security headers to every response, and `no-store` to everything but static files."""

    def __init__(self, app: ASGIApp, secure: bool = False) -> None:
        self.app = app
        self.extra: tuple[tuple[bytes, bytes], ...] = (
            ((b"strict-transport-security", b"max-age=31536000"),) if secure else ()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, v in (*SECURITY_HEADERS, *self.extra):
                    if k not in present:
                        headers.append((k, v))
                if not static and b"cache-control" not in present:
                    # Pages hold personal data: no copies in shared or back-forward caches.
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """The request body exceeded its limit."""


class BodyLimitMiddleware:
    """Refuses request bodies over a limit with 413, by Content-Length up front and by counting bytes."""

    def __init__(
        self, app: ASGIApp, default_limit: int, upload_limit: int, upload_paths: Iterable[str]
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.upload_paths = frozenset(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope.get("path") in self.upload_paths else self.default_limit
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _refuse(send, limit)
                return
        received = 0
        exceeded = refused = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            # Frameworks may turn the exception from `receive` into their own 400; whatever the app
            # answers after the limit was hit is replaced by the 413.
            if exceeded:
                if not refused and message["type"] == "http.response.start":
                    refused = True
                    await _refuse(send, limit)
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not refused:
                refused = True
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = (
        b'{"detail": [{"loc": ["body"], "msg": "request body larger than '
        + str(limit).encode()
        + b' bytes", "type": "too_large"}]}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- CSRF ----------------------------------------------------------------------------------------

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_token(conn: HTTPConnection) -> str:
    """The session's CSRF token, created on first use (every visitor has a session cookie for it)."""
    session: dict[str, Any] = conn.session
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_valid(conn: HTTPConnection, submitted: str | None) -> bool:
    """Whether a submitted token matches the session's (constant time)."""
    expected = conn.session.get("csrf")
    if not isinstance(expected, str) or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def same_origin(conn: HTTPConnection) -> bool:
    """False when the browser says the request comes from another site (defence in depth to CSRF)."""
    site = conn.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = conn.headers.get("origin")
    # Under `Referrer-Policy: no-referrer` browsers send `Origin: null` for form posts; the CSRF token
    # and Sec-Fetch-Site decide then.
    if origin is None or origin == "null":
        return True
    host = conn.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


# --- API tokens ----------------------------------------------------------------------------------


class TokenChecker:
    """Checks bearer tokens against the environment token and the stored digests, with a short cache."""

    def __init__(
        self,
        accounts: Accounts,
        env_token: str | None,
        ttl: float = 10.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.accounts = accounts
        self.env_digest = digest(env_token) if env_token else None
        self.ttl = ttl
        self.clock = clock or time.monotonic
        # Only successful look-ups are cached, and only briefly: a revoked token stops working
        # within `ttl` seconds while the hot path avoids a database round trip per request.
        self._valid: dict[str, float] = {}
        self._lock = Lock()

    def check(self, token: str | None) -> bool:
        """Whether `token` is a valid API token."""
        if not token or len(token) > 512:
            return False
        d = digest(token)
        if self.env_digest is not None and hmac.compare_digest(d, self.env_digest):
            return True
        now = self.clock()
        with self._lock:
            until = self._valid.get(d)
        if until is not None and until > now:
            return True
        if not self.accounts.token_exists(d):
            return False
        with self._lock:
            if len(self._valid) > 1000:
                self._valid.clear()
            self._valid[d] = now + self.ttl
        return True

    def forget(self) -> None:
        """Drop the cache (after a token was revoked in this process)."""
        with self._lock:
            self._valid.clear()


__all__ = [
    "CSP",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "BodyLimitMiddleware",
    "SecurityHeadersMiddleware",
    "TokenChecker",
    "csrf_token",
    "csrf_valid",
    "same_origin",
]
