"""The REST API over the embedded backend: roles, per-item results, status, appeals, audit, 503s."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kontaktfilter.moderation.api import create_app
from kontaktfilter.moderation.auth import TokenFileError, TokenTable, token_digest
from kontaktfilter.moderation.backends import build_service
from kontaktfilter.moderation.clock import ManualClock
from kontaktfilter.moderation.events import format_timestamp
from kontaktfilter.moderation.state import StateUnavailable, StateWrite
from kontaktfilter.moderation.store import Head

from .conftest import HOUR, SMALL
from .strategies import BASE

INGEST = {"Authorization": "Bearer ingest-secret"}
OPERATOR = {"Authorization": "Bearer operator-secret"}
TOKENS = TokenTable.from_secrets(
    {"ingest-secret": ("gateway", "ingest"), "operator-secret": ("alice", "operator")}
)


def event(i: int, hours: float, kind: str = "invitation_ignored", sender: str = "s") -> dict[str, str]:
    return {
        "id": f"e{i}",
        "type": kind,
        "sender": sender,
        "recipient": "r",
        "at": format_timestamp(BASE + int(hours * HOUR)),
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(BASE + 3 * HOUR)


@pytest.fixture
def client(tmp_path: Path, clock: ManualClock) -> Iterator[TestClient]:
    service = build_service(f"sqlite:///{tmp_path / 'api.sqlite3'}", SMALL, clock=clock)
    with TestClient(create_app(service, TOKENS)) as test_client:
        yield test_client
    service.store.dispose()


def test_tokens_and_roles_are_enforced(client: TestClient) -> None:
    assert client.post("/v1/events", json=event(1, 0)).status_code == 401
    assert (
        client.post("/v1/events", json=event(1, 0), headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert client.get("/v1/audit", headers=INGEST).status_code == 403
    assert (
        client.post(
            "/v1/senders/s/appeal", json={"action": "lift", "reason": "x"}, headers=INGEST
        ).status_code
        == 403
    )
    assert client.get("/v1/senders/s", headers=INGEST).status_code == 200
    assert client.get("/v1/audit", headers=OPERATOR).status_code == 200


def test_single_and_batch_ingest_report_per_item(client: TestClient) -> None:
    one = client.post("/v1/events", json=event(1, 0), headers=INGEST)
    assert one.status_code == 200
    assert one.json()["results"][0]["decision"] == "counted"
    bad = client.post("/v1/events", json={**event(9, 0), "at": "2025-01-01T00:00:00"}, headers=INGEST)
    assert bad.status_code == 422
    assert bad.json()["results"][0]["field"] == "at"
    batch = client.post(
        "/v1/events",
        json=[
            event(1, 0),
            event(2, 1),
            {"id": "x", "type": "poke"},
            event(3, 2),
            event(4, 2, "invitation_sent"),
        ],
        headers=INGEST,
    ).json()
    assert (batch["applied"], batch["duplicates"], batch["rejected"]) == (3, 1, 1)
    assert [r["decision"] for r in batch["results"]] == [
        "counted",
        "counted",
        None,
        "suspended",
        "refused_suspended",
    ]
    assert batch["results"][2]["field"] == "type"
    assert client.post("/v1/events", json="hello", headers=INGEST).status_code == 422


def test_sender_status_appeal_and_audit(client: TestClient, clock: ManualClock) -> None:
    client.post("/v1/events", json=[event(1, 0), event(2, 1), event(3, 2)], headers=INGEST)
    status = client.get("/v1/senders/s", headers=INGEST).json()
    assert (status["status"], status["count"], status["until"]) == (
        "suspended",
        3,
        format_timestamp(BASE + 7 * HOUR),
    )
    assert status["sanctions"][0]["trigger_event"] == "e3"
    assert (
        client.post(
            "/v1/senders/s/appeal", json={"action": "poke", "reason": "x"}, headers=OPERATOR
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/v1/senders/s/appeal", json={"action": "lift", "reason": ""}, headers=OPERATOR
        ).status_code
        == 422
    )
    until = format_timestamp(BASE + 4 * HOUR)
    shortened = client.post(
        "/v1/senders/s/appeal",
        json={"action": "shorten", "reason": "first time", "until": until},
        headers=OPERATOR,
    )
    assert shortened.status_code == 200, shortened.text
    assert shortened.json()["sanction"]["end"] == until
    assert shortened.json()["appeal"]["operator"] == "alice"
    clock.set(BASE + 5 * HOUR)
    conflict = client.post("/v1/senders/s/appeal", json={"action": "lift", "reason": "x"}, headers=OPERATOR)
    assert conflict.status_code == 409
    assert "no sanction in force" in conflict.json()["detail"]
    audit = client.get("/v1/audit", params={"sender": "s"}, headers=OPERATOR).json()
    actions = [(e["action"], e["trigger_event"], e["count"]) for e in audit["entries"]]
    assert actions == [("sanction_imposed", "e3", 3), ("appeal_shorten", "e3", 3)]
    page = client.get("/v1/audit", params={"after": audit["next_after"]}, headers=OPERATOR).json()
    assert page["entries"] == []
    queue = client.get("/v1/sanctions", params={"in_force": "true"}, headers=OPERATOR).json()
    assert queue == []
    assert len(client.get("/v1/sanctions", headers=OPERATOR).json()) == 1


def test_sender_ids_with_slashes_are_addressable(client: TestClient) -> None:
    client.post("/v1/events", json=event(1, 0, sender="team/bob"), headers=INGEST)
    assert client.get("/v1/senders/team/bob", headers=INGEST).json()["count"] == 1


def test_openapi_documents_the_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/events", "/v1/senders/{sender_id}", "/v1/senders/{sender_id}/appeal", "/v1/audit"} <= set(
        spec["paths"]
    )
    body = spec["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["oneOf"][0]["properties"]) == {"id", "type", "sender", "recipient", "at"}


class _DownCache:
    in_sql = False

    def load(self, heads: Mapping[str, Head]) -> dict[str, str]:
        raise StateUnavailable("connection refused")

    def store(self, writes: Sequence[StateWrite]) -> None:
        raise StateUnavailable("connection refused")

    def ping(self) -> None:
        raise StateUnavailable("connection refused")


def test_an_unreachable_state_store_gives_503_and_stores_nothing(tmp_path: Path, clock: ManualClock) -> None:
    service = build_service(f"sqlite:///{tmp_path / 'down.sqlite3'}", SMALL, clock=clock)
    service.cache = _DownCache()
    with TestClient(create_app(service, TOKENS)) as down:
        response = down.post("/v1/events", json=[event(1, 0)], headers=INGEST)
        assert response.status_code == 503
        assert "nothing from this request was stored" in response.json()["detail"]
        assert response.headers["Retry-After"]
        assert down.get("/v1/health").status_code == 503
        assert down.get("/v1/audit", headers=OPERATOR).status_code == 200
    with service.store.engine.connect() as conn:
        assert service.store.is_empty(conn)
    service.store.dispose()


def test_token_file_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "tokens.toml"
    good.write_text(f'[[token]]\nname = "gw"\nrole = "ingest"\nsha256 = "{token_digest("s3cret")}"\n')
    table = TokenTable.load(good)
    assert table.authenticate("s3cret") is not None and table.authenticate("other") is None
    bad = tmp_path / "bad.toml"
    bad.write_text('[[token]]\nname = "gw"\nrole = "admin"\nsha256 = "00"\n')
    with pytest.raises(TokenFileError, match="token #1: role"):
        TokenTable.load(bad)
    bad.write_text("")
    with pytest.raises(TokenFileError, match="no \\[\\[token\\]\\] entries"):
        TokenTable.load(bad)
