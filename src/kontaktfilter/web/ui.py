"""Rendering pages and the dependencies every page shares: the language, the logged-in user and CSRF."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .accounts import Accounts, User
from .i18n import (
    ACTION_KEYS,
    ACTION_LABELS,
    CATEGORY_LABELS,
    LANG_COOKIE,
    PLATFORM_LABELS,
    label,
    pick_lang,
    translator,
)
from .security import CSRF_FIELD, CSRF_HEADER, csrf_token, csrf_valid, same_origin
from .services import Services, get_accounts, get_services

TEMPLATES = Path(__file__).parent / "templates"
HTMX_FILE = "htmx-2.0.11.min.js"
_SAFE_URL = re.compile(r"^(https?://|mailto:)[^\s\"'<>`\\]+$", re.IGNORECASE)
# Bidirectional controls would reorder the text around a name; isolating each value (<bdi>, CSS
# unicode-bidi: isolate) contains them, and titles/attributes get them removed.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


class LoginRequired(Exception):
    """The page needs a logged-in user."""


class CsrfFailed(Exception):
    """A state-changing request without a valid CSRF token or from another site."""


def safe_url(value: object) -> str | None:
    """An http(s) or mailto URL that is safe to put in href, or None (javascript:, data:, relative …)."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    return v if len(v) <= 2000 and _SAFE_URL.match(v) else None


def pathseg(value: object) -> str:
    """A value quoted as one URL path segment (request ids may hold any character)."""
    return quote(str(value), safe="")


def strip_bidi(value: object) -> str:
    """Text without bidirectional control characters (for attributes and plain-text places)."""
    return _BIDI.sub("", str(value or ""))


def local_path(value: str | None, default: str = "/") -> str:
    """`value` when it is a path on this site (no scheme, no host, no `//`), else `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def make_templates() -> Environment:
    """The Jinja environment: autoescape on for every template, undefined names are errors."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pathseg"] = pathseg
    env.filters["safe_url"] = safe_url
    env.filters["nobidi"] = strip_bidi
    env.globals["htmx_file"] = HTMX_FILE
    env.globals["action_keys"] = ACTION_KEYS
    return env


def ui_lang(request: Request) -> str:
    """The interface language of this request."""
    return pick_lang(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it then gets a fragment instead of a page)."""
    return request.headers.get("hx-request") == "true"


def _here(request: Request) -> str:
    """The page the visitor is on: for htmx calls the page that made them, not the fragment's URL."""
    current = request.headers.get("hx-current-url")
    if current:
        parts = urlsplit(current)
        return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a template with the shared context (language, texts, CSRF token, labels)."""
    services = get_services(request)
    lang = ui_lang(request)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "csrf": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "path": request.url.path,
        "here": _here(request),
        "category_label": lambda c: label(CATEGORY_LABELS, c, lang),
        "action_label": lambda a: label(ACTION_LABELS, a, lang),
        "platform_label": lambda p: PLATFORM_LABELS.get(p or "other", p or ""),
        "logged_in": bool(request.session.get("uid")),
        "now": services.clock(),
    }
    if context:
        ctx.update(context)
    if "undo" not in ctx:
        ctx["undo"] = _recent_undo(services, lang) if ctx["logged_in"] else None
    html = services.templates.get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status, headers=headers)


def _recent_undo(services: Services, lang: str) -> Any:
    from .queries import recent_decision
    from .views import undo_view

    since = services.clock() - timedelta(minutes=services.config.undo_minutes)
    with services.store.session() as s:
        return undo_view(recent_decision(s, since), lang)


def current_user(request: Request, accounts: Annotated[Accounts, Depends(get_accounts)]) -> User:
    """The logged-in user; raises LoginRequired otherwise (and when the password changed since)."""
    uid, stamp = request.session.get("uid"), request.session.get("stamp")
    if uid is None:
        raise LoginRequired
    user = accounts.user()
    if user is None or user.id != uid or user.stamp != stamp:
        request.session.clear()
        raise LoginRequired
    return user


async def csrf_protect(request: Request) -> None:
    """Every state-changing form and htmx call carries the session's CSRF token and comes from this site."""
    if not same_origin(request):
        raise CsrfFailed
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not csrf_valid(request, token):
        raise CsrfFailed


def login_redirect(request: Request) -> Response:
    """Send the visitor to the login page and back here afterwards (htmx: a client-side redirect)."""
    target = "/login?next=" + quote(
        local_path(request.url.path + ("?" + request.url.query if request.url.query else "")), safe=""
    )
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def age_text(t: Any, received: datetime | None, now: datetime) -> str:
    """How long ago a request came, in the interface language."""
    if received is None:
        return str(t("age.unknown"))
    days = max(0, (now - received).days)
    if days == 0:
        return str(t("age.today"))
    if days < 21:
        return str(t("age.days", n=days))
    return str(t("age.weeks", n=days // 7))


__all__ = [
    "CsrfFailed",
    "LoginRequired",
    "age_text",
    "csrf_protect",
    "current_user",
    "is_htmx",
    "local_path",
    "login_redirect",
    "make_templates",
    "pathseg",
    "render",
    "safe_url",
    "strip_bidi",
    "ui_lang",
]
