"""The app factory: builds the FastAPI app with its services, middleware, routes and error pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ..screener import Screener
from ..settings import Settings, load_settings
from ..store.engine import Store
from .accounts import Accounts
from .api import ApiError, json_response
from .api import router as api_router
from .config import WebConfig
from .login import router as login_router
from .pages import router as pages_router
from .security import BodyLimitMiddleware, SecurityHeadersMiddleware, TokenChecker
from .services import Screening, Services, load_policy, policy_path
from .ui import CsrfFailed, LoginRequired, login_redirect, make_templates, render

STATIC = Path(__file__).parent / "static"
SESSION_COOKIE = "kf_session"


def create_app(
    settings: Settings | None = None,
    *,
    config: WebConfig | None = None,
    store: Store | None = None,
    screener: Screener | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """A ready app: opens (and migrates) the store unless one is given, loads the policy and the models.

    Nothing is opened at import time; tests pass their own store, screener and clock.
    """
    settings = settings or load_settings()
    config = config or WebConfig.from_env()
    owns_store = store is None
    store = store or Store.open(settings.database)
    now = clock or (lambda: datetime.now(UTC))
    accounts = Accounts(store.engine, now)
    policy = load_policy(policy_path(settings, config))
    if screener is None:
        screener = Screener(policy=policy)
    elif policy_path(settings, config).is_file():
        screener = Screener(bundle=screener.bundle, policy=policy)
    services = Services(
        config=config,
        settings=settings,
        store=store,
        accounts=accounts,
        screening=Screening(screener),
        tokens=TokenChecker(accounts, config.env_api_token),
        templates=make_templates(),
        clock=now,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_store:
            store.close()

    app = FastAPI(
        title="Kontaktfilter",
        version="1",
        summary="Screens networking contact requests: category, score, reasons and a recommended action.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services

    app.include_router(api_router)
    app.include_router(login_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    # Outermost first: headers on everything (413s included), then body limits, then sessions.
    app.add_middleware(
        SessionMiddleware,
        secret_key=accounts.session_key(),
        session_cookie=SESSION_COOKIE,
        max_age=config.session_max_age,
        same_site="lax",
        https_only=config.secure_cookies,
    )
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=config.max_body_bytes,
        upload_limit=config.max_upload_bytes,
        upload_paths=("/import", "/api/v1/import"),
    )
    app.add_middleware(SecurityHeadersMiddleware, secure=config.secure_cookies)

    _install_error_handlers(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return json_response({"detail": exc.detail}, status=exc.status, headers=exc.headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        return render(request, "error.html.j2", {"message": "error.csrf"}, status=403)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        if _is_api(request):
            return json_response({"detail": problems}, status=422)
        return render(request, "error.html.j2", {"message": "error.not_found"}, status=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers: dict[str, Any] = dict(exc.headers or {})
        if _is_api(request) or request.url.path.startswith("/static/"):
            return json_response({"detail": exc.detail}, status=exc.status_code, headers=headers)
        return render(
            request, "error.html.j2", {"message": "error.not_found"}, status=exc.status_code, headers=headers
        )


__all__ = ["SESSION_COOKIE", "create_app"]
