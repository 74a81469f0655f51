"""Login, the one-time setup link, sessions, CSRF, security headers and API tokens."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kontaktfilter.web.security import CSP

from .conftest import PASSWORD, Web, csrf_of, log_in


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/", "/import", "/stats", "/settings", "/requests/x"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next=")


def test_htmx_calls_get_a_client_side_redirect(client: TestClient) -> None:
    r = client.get("/inbox/list", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 204
    assert r.headers["HX-Redirect"].startswith("/login")


def test_setup_link_sets_the_first_password_once(app: FastAPI, client: TestClient) -> None:
    accounts = app.state.services.accounts
    assert "No password is set yet" in client.get("/login").text
    token = accounts.new_setup_token()
    assert client.get("/setup?token=wrong").status_code == 403
    page = client.get(f"/setup?token={token}")
    assert page.status_code == 200
    csrf = csrf_of(page.text)
    short = client.post(
        "/setup", data={"csrf_token": csrf, "token": token, "password": "short", "confirm": "short"}
    )
    assert short.status_code == 400
    r = client.post(
        "/setup",
        data={"csrf_token": csrf, "token": token, "password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/", follow_redirects=False).status_code == 200
    # The link is spent: a user exists now.
    assert not accounts.check_setup_token(token)
    assert client.get(f"/setup?token={token}", follow_redirects=False).status_code == 303


def test_setup_token_expires(app: FastAPI, clock: object) -> None:
    accounts = app.state.services.accounts
    token = accounts.new_setup_token()
    clock.advance(hours=25)  # type: ignore[attr-defined]
    assert not accounts.check_setup_token(token)


def test_login_wrong_password_and_session_cookie_flags(app: FastAPI, client: TestClient) -> None:
    app.state.services.accounts.set_password(PASSWORD)
    page = client.get("/login")
    cookie = page.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    r = client.post("/login", data={"csrf_token": csrf_of(page.text), "password": "wrong password"})
    assert r.status_code == 401
    assert "That password is not right." in r.text
    log_in(client)
    assert client.get("/", follow_redirects=False).status_code == 200


def test_login_is_throttled(app: FastAPI, client: TestClient) -> None:
    app.state.services.accounts.set_password(PASSWORD)
    csrf = csrf_of(client.get("/login").text)
    codes = [
        client.post("/login", data={"csrf_token": csrf, "password": f"guess {i}"}).status_code
        for i in range(11)
    ]
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_changing_the_password_ends_sessions(web: Web) -> None:
    web.app.state.services.accounts.set_password("another password")
    assert web.client.get("/", follow_redirects=False).status_code == 303


def test_logout(web: Web) -> None:
    r = web.post("/logout")
    assert r.status_code == 303
    assert web.client.get("/", follow_redirects=False).status_code == 303


def test_forms_need_the_csrf_token(web: Web) -> None:
    r = web.client.post("/settings", data={"policy": ""}, follow_redirects=False)
    assert r.status_code == 403
    r = web.client.post("/settings", data={"policy": "", "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    # htmx sends the token as a header.
    r = web.client.post("/settings", data={"policy": ""}, headers={"X-CSRF-Token": web.csrf})
    assert r.status_code == 200


def test_cross_site_posts_are_refused(web: Web) -> None:
    r = web.post("/logout", headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert web.client.get("/", follow_redirects=False).status_code == 200


def test_security_headers_on_pages_and_api(web: Web) -> None:
    for r in (web.client.get("/"), web.client.post("/api/v1/screen", json={})):
        assert r.headers["content-security-policy"] == CSP
        assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"


def test_open_redirects_are_refused(app: FastAPI, client: TestClient) -> None:
    app.state.services.accounts.set_password(PASSWORD)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        # Each login starts a fresh session with a fresh CSRF token.
        csrf = csrf_of(client.get("/login").text)
        r = client.post(
            "/login", data={"csrf_token": csrf, "password": PASSWORD, "next": target}, follow_redirects=False
        )
        assert r.headers["location"] == "/"


def test_api_needs_a_token(client: TestClient, token: str) -> None:
    body = {"note": "Hallo"}
    assert client.post("/api/v1/screen", json=body).status_code == 401
    assert client.get("/api/v1/inbox").status_code == 401
    r = client.post("/api/v1/screen", json=body, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and "invalid_token" in r.headers["www-authenticate"]
    assert (
        client.post("/api/v1/screen", json=body, headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    # The environment token works too (KONTAKTFILTER_API_TOKEN).
    env = {"Authorization": "Bearer env-token-for-tests"}
    assert client.post("/api/v1/screen", json=body, headers=env).status_code == 200


def test_tokens_are_stored_hashed_and_revocable(app: FastAPI, client: TestClient, token: str) -> None:
    accounts = app.state.services.accounts
    from sqlalchemy import select

    from kontaktfilter.web.accounts import api_tokens

    with accounts.engine.connect() as conn:
        stored = conn.execute(select(api_tokens.c.token_hash)).scalars().all()
    assert token not in stored and len(stored[0]) == 64
    (entry,) = accounts.tokens()
    assert accounts.revoke_token(entry.id)
    app.state.services.tokens.forget()
    assert client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_language_switch_and_accept_language(web: Web) -> None:
    assert 'lang="de"' in web.client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).text
    r = web.post("/lang", {"lang": "de", "next": "/stats"})
    assert r.status_code == 303 and r.headers["location"] == "/stats"
    page = web.client.get("/stats").text
    assert 'lang="de"' in page and "Posteingang" in page and "Statistik" in page
    web.post("/lang", {"lang": "en", "next": "/"})
    assert "Statistics" in web.client.get("/stats").text
