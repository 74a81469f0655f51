"""Fixtures for the web tests: an app over a fresh SQLite store with a fake clock, a logged-in test
client, an API token, the demo export as an upload, and a real server on loopback for the browser."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kontaktfilter.screener import Screener
from kontaktfilter.settings import Settings, load_settings
from kontaktfilter.store.engine import Store
from kontaktfilter.web import WebConfig, create_app
from tests._clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]
DEMO_EXPORT = ROOT / "demo" / "linkedin-export"
DEMO_JSONL = ROOT / "demo" / "inbox.jsonl"
ARTIFACTS = ROOT / "test-artifacts" / "web"
PASSWORD = "correct horse battery"
BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def screener() -> Screener:
    return Screener()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # Nothing from the developer's own config or environment may leak into a test.
    monkeypatch.setenv("KONTAKTFILTER_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("KONTAKTFILTER_DATABASE_URL", raising=False)
    monkeypatch.delenv("KONTAKTFILTER_API_TOKEN", raising=False)
    monkeypatch.delenv("KONTAKTFILTER_POLICY", raising=False)
    return load_settings(database_url=f"sqlite:///{tmp_path / 'inbox.sqlite3'}", data_dir=tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path) -> WebConfig:
    return WebConfig(policy_file=tmp_path / "policy.toml", env_api_token="env-token-for-tests")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store.open(settings.database)
    yield s
    s.close()


@pytest.fixture
def app(settings: Settings, config: WebConfig, store: Store, screener: Screener, clock: FakeClock) -> FastAPI:
    return create_app(settings, config=config, store=store, screener=screener, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as c:
        yield c


def csrf_of(html: str) -> str:
    """The CSRF token a page carries in its forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def log_in(c: TestClient, password: str = PASSWORD) -> str:
    """Log the client in; returns the session's CSRF token."""
    page = c.get("/login")
    r = c.post(
        "/login", data={"csrf_token": csrf_of(page.text), "password": password}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return csrf_of(c.get("/").text)


@dataclass
class Web:
    """A logged-in client with its CSRF token and the app."""

    client: TestClient
    csrf: str
    app: FastAPI

    def post(
        self,
        url: str,
        data: dict[str, str] | None = None,
        *,
        htmx: bool = False,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """POST a form with the CSRF token (as htmx when `htmx`)."""
        sent = {**({"HX-Request": "true"} if htmx else {}), **(headers or {})}
        return self.client.post(
            url,
            data={"csrf_token": self.csrf, **(data or {})},
            headers=sent,
            follow_redirects=False,
            **kwargs,
        )


@pytest.fixture
def web(app: FastAPI, client: TestClient) -> Web:
    app.state.services.accounts.set_password(PASSWORD)
    return Web(client, log_in(client), app)


@pytest.fixture
def token(app: FastAPI) -> str:
    return str(app.state.services.accounts.create_token("tests"))


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def demo_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo LinkedIn export zipped as LinkedIn ships it."""
    path = tmp_path_factory.mktemp("export") / "Basic_LinkedInDataExport_11-23-2026.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(DEMO_EXPORT.iterdir()):
            if f.suffix == ".csv":
                zf.write(f, f.name)
    return path


def import_file(web: Web, path: Path, name: str | None = None) -> str:
    """Upload a file through the import page and wait for the job; returns the job page's HTML."""
    with path.open("rb") as fh:
        r = web.post("/import", files={"file": (name or path.name, fh, "application/octet-stream")})
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = web.client.get(job_url)
        if 'hx-trigger="load delay' not in page.text:
            return page.text
        time.sleep(0.1)
    raise AssertionError("import did not finish within 60 s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A real uvicorn server on loopback serving an app in a thread."""

    url: str
    app: FastAPI


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium, headless, driven by Playwright (its own browser download does not work here)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (scripts/install-system-deps.sh installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def artifacts() -> Callable[[str], Path]:
    """Where a test saves its screenshots (test-artifacts/web/, gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return lambda name: ARTIFACTS / name
