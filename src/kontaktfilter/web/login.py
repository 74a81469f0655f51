"""Login, logout, the one-time setup link and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from .accounts import MIN_PASSWORD_LENGTH, AccountError, Accounts, User
from .i18n import LANG_COOKIE, LANGS
from .security import csrf_token
from .services import get_accounts, get_services
from .ui import csrf_protect, local_path, render, ui_lang

router = APIRouter(include_in_schema=False)


def _start_session(request: Request, user: User) -> None:
    # A fresh session (and CSRF token) at login so a token planted before it is worthless.
    request.session.clear()
    request.session["uid"] = user.id
    request.session["stamp"] = user.stamp
    csrf_token(request)


@router.get("/login")
def login_page(
    request: Request, accounts: Annotated[Accounts, Depends(get_accounts)], next: str = "/"
) -> Response:
    """The login form (or a hint how to set the first password)."""
    return render(
        request,
        "login.html.j2",
        {"next": local_path(next), "error": None, "no_user": accounts.user() is None},
    )


@router.post("/login", dependencies=[Depends(csrf_protect)])
def login(
    request: Request,
    accounts: Annotated[Accounts, Depends(get_accounts)],
    password: Annotated[str, Form(max_length=2048)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password and start a session."""
    throttle = get_services(request).throttle
    client = request.client.host if request.client else "?"
    target = local_path(next)
    if throttle.blocked(client):
        ctx = {"next": target, "error": "login.throttled", "no_user": False}
        return render(request, "login.html.j2", ctx, status=429)
    user = accounts.verify_password(password)
    if user is None:
        throttle.failed(client)
        ctx = {"next": target, "error": "login.failed", "no_user": accounts.user() is None}
        return render(request, "login.html.j2", ctx, status=401)
    throttle.reset(client)
    _start_session(request, user)
    return RedirectResponse(target, status_code=303)


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/setup")
def setup_page(
    request: Request, accounts: Annotated[Accounts, Depends(get_accounts)], token: str = ""
) -> Response:
    """The first-start page behind the link `kontaktfilter serve` prints."""
    if accounts.user() is not None:
        return RedirectResponse("/login", status_code=303)
    valid = accounts.check_setup_token(token)
    ctx = {
        "token": token if valid else "",
        "error": None if valid else "setup.invalid",
        "n": MIN_PASSWORD_LENGTH,
    }
    return render(request, "setup.html.j2", ctx, status=200 if valid else 403)


@router.post("/setup", dependencies=[Depends(csrf_protect)])
def setup(
    request: Request,
    accounts: Annotated[Accounts, Depends(get_accounts)],
    token: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2048)] = "",
    confirm: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    """Set the first password with the one-time token and log in."""
    if not accounts.check_setup_token(token):
        ctx = {"token": "", "error": "setup.invalid", "n": MIN_PASSWORD_LENGTH}
        return render(request, "setup.html.j2", ctx, status=403)
    error = None
    if password != confirm:
        error = "setup.mismatch"
    elif len(password) < MIN_PASSWORD_LENGTH:
        error = "setup.short"
    if error is None:
        try:
            user = accounts.set_password(password)
        except AccountError:
            error = "setup.short"
        else:
            _start_session(request, user)
            return RedirectResponse("/", status_code=303)
    return render(
        request, "setup.html.j2", {"token": token, "error": error, "n": MIN_PASSWORD_LENGTH}, status=400
    )


@router.post("/lang", dependencies=[Depends(csrf_protect)])
def set_lang(request: Request, lang: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    """Switch the interface language (remembered in a cookie for a year)."""
    response = RedirectResponse(local_path(next), status_code=303)
    chosen = lang if lang in LANGS else ui_lang(request)
    response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


__all__ = ["router"]
