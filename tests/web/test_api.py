"""The REST API: screen contract in and out, inbox, detail, decide and undo, import, statistics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kontaktfilter.contract import parse_request, verdict_to_dict
from kontaktfilter.screener import Screener

from .conftest import DEMO_JSONL


@pytest.fixture
def api(client: TestClient, auth: dict[str, str]) -> TestClient:
    client.headers.update(auth)
    return client


def demo_objects() -> list[dict[str, object]]:
    return [json.loads(line) for line in DEMO_JSONL.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_screen_one_and_many_match_the_core(api: TestClient, screener: Screener) -> None:
    objs = demo_objects()
    expected = [verdict_to_dict(v) for v in screener.screen_many([parse_request(o) for o in objs])]
    one = api.post("/api/v1/screen", json=objs[0])
    assert one.status_code == 200 and one.json() == expected[0]
    many = api.post("/api/v1/screen", json=objs)
    assert many.json() == expected
    assert api.post("/api/v1/screen", json=[]).json() == []


def test_screen_defaults_the_id_to_the_position(api: TestClient) -> None:
    out = api.post("/api/v1/screen", json=[{"note": "Hallo"}, {"note": None}]).json()
    assert [v["id"] for v in out] == ["0", "1"]


def test_screen_errors_name_the_field(api: TestClient) -> None:
    r = api.post("/api/v1/screen", json={"id": "x", "sender": {"mutual_contacts": "three"}})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "sender", "mutual_contacts"]
    r = api.post("/api/v1/screen", json=[{"note": "ok"}, {"platform": "fax"}])
    assert r.json()["detail"][0]["loc"] == ["body", 1, "platform"]
    r = api.post("/api/v1/screen", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    r = api.post("/api/v1/screen", json=[{"note": "x"}] * 1001)
    assert r.status_code == 422 and "at most 1000" in r.text


def test_screen_odd_values(api: TestClient) -> None:
    # A lone surrogate is valid JSON text (escaped) but cannot be encoded as UTF-8.
    raw = b'{"id": 7, "note": "\\ud800 <script>alert(1)</script>", "sender": {"connections_count": 1000000000000000000000000000000}}'
    r = api.post("/api/v1/screen", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert r.json()["id"] == "7"


def test_body_limit(api: TestClient) -> None:
    r = api.post(
        "/api/v1/screen", content=b"[" + b" " * (3 << 20) + b"]", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413


def test_inbox_detail_decide_undo(api: TestClient) -> None:
    with DEMO_JSONL.open("rb") as fh:
        summary = api.post("/api/v1/import", files={"file": ("inbox.jsonl", fh, "application/jsonl")})
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["total"]["new"] == 24 and body["screened"] == 24 and body["kind"] == "jsonl"
    page = api.get("/api/v1/inbox", params={"limit": 5}).json()
    assert page["total"] == 24 and len(page["items"]) == 5
    assert page["items"][0]["category"] == "scam"
    assert api.get("/api/v1/inbox", params={"category": "scam", "lang": "de"}).json()["total"] >= 1
    assert api.get("/api/v1/inbox", params={"limit": 0}).status_code == 422
    detail = api.get("/api/v1/requests/d02").json()
    assert detail["draft"]["text"] and detail["signals"] and detail["payload"]["id"] == "d02"
    assert api.get("/api/v1/requests/none-such").status_code == 404
    decided = api.post("/api/v1/requests/d02/decision", json={"action": "ignore", "note": "pitch"})
    assert decided.status_code == 201
    d = decided.json()
    assert d["action"] == "ignore" and d["request_id"] == "d02"
    assert api.get("/api/v1/inbox").json()["total"] == 23
    assert api.post("/api/v1/requests/d02/decision", json={"action": "nope"}).status_code == 422
    undone = api.delete(f"/api/v1/decisions/{d['id']}")
    assert undone.status_code == 200 and undone.json()["id"] == d["id"]
    assert api.delete(f"/api/v1/decisions/{d['id']}").status_code == 404
    assert api.get("/api/v1/inbox").json()["total"] == 24


def test_import_errors_and_stats(api: TestClient, demo_zip: Path) -> None:
    bad = api.post("/api/v1/import", files={"file": ("x.txt", b"hello", "text/plain")})
    assert bad.status_code == 422 and "not a LinkedIn data export" in bad.text
    with demo_zip.open("rb") as fh:
        ok = api.post("/api/v1/import", files={"file": (demo_zip.name, fh, "application/zip")})
    assert ok.status_code == 200
    assert {f["file"] for f in ok.json()["files"]} >= {"Invitations.csv", "Connections.csv"}
    stats = api.get("/api/v1/stats").json()
    assert stats["incoming"] > 0 and stats["weeks"]
    assert stats["sent"]["total"]["sent"] == 5
    assert stats["sent"]["with_note"]["sent"] + stats["sent"]["without_note"]["sent"] == 5


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) >= {
        "/api/v1/screen",
        "/api/v1/inbox",
        "/api/v1/requests/{public_id}",
        "/api/v1/import",
        "/api/v1/stats",
    }
    assert all(not p.startswith(("/login", "/settings")) for p in paths)
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "401" in paths["/api/v1/screen"]["post"]["responses"]
