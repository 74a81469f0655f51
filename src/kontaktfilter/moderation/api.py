"""The REST API (FastAPI, OpenAPI at /docs): events in, sender status, appeals, audit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from .auth import INGEST, OPERATOR, Principal, TokenTable
from .engine import Appeal, Sanction
from .events import EventError, format_timestamp, parse_timestamp
from .service import (
    AppealInvalid,
    AppealRejected,
    DatabaseUnavailable,
    ItemResult,
    ModerationService,
    StateUnavailable,
)
from .store import AuditEntry

MAX_BATCH = 10_000


class EventIn(BaseModel):
    """An event as posted (documentation of the contract; validation is per item, see ItemOut)."""

    id: str = Field(description="unique id; resending the same event is harmless")
    type: str = Field(
        description="invitation_sent | invitation_accepted | invitation_ignored | invitation_reported"
    )
    sender: str = Field(description="who sent the invitation")
    recipient: str = Field(description="who received it")
    at: str = Field(description="ISO 8601 with a UTC offset, e.g. 2025-03-01T12:00:00Z")


class ItemOut(BaseModel):
    """What happened to one posted event."""

    index: int
    id: str | None
    status: str = Field(description="applied | duplicate | rejected")
    decision: str | None = Field(None, description="e.g. counted, suspended, allowed, refused_rate_limit")
    reason: str | None = None
    field: str | None = Field(None, description="the offending field when rejected")


class IngestOut(BaseModel):
    """Per-item results, in the order posted."""

    applied: int
    duplicates: int
    rejected: int
    results: list[ItemOut]


class SanctionOut(BaseModel):
    """A suspension or ban."""

    sender: str
    seq: int
    kind: str
    start: str
    end: str | None
    planned_end: str | None
    trigger_event: str
    count: int
    lifted: bool


class AppealOut(BaseModel):
    """An operator's appeal decision."""

    id: str
    at: str
    action: str
    until: str | None
    reason: str
    operator: str


class SenderOut(BaseModel):
    """A sender now: status, count in the window, end of the current sanction, history."""

    sender: str
    at: str
    known: bool
    status: str = Field(description="active | suspended | banned")
    until: str | None
    count: int
    threshold: int
    invitations: int
    invitation_limit: int
    sanctions: list[SanctionOut]
    appeals: list[AppealOut]


class AppealIn(BaseModel):
    """Lift the sanction in force now, or shorten it to `until`; a reason is required."""

    action: str = Field(description="lift | shorten")
    reason: str = Field(min_length=1)
    until: datetime | None = Field(None, description="new end (shorten only), ISO 8601 with offset")


class AppealResultOut(BaseModel):
    """The recorded appeal and the sanction after it."""

    appeal: AppealOut
    sanction: SanctionOut
    previous_end: str | None


class AuditOut(BaseModel):
    """One audit entry; `cause` names the event (e:<id>) or appeal (a:<id>) behind it."""

    seq: int
    recorded_at: str
    sender: str
    action: str
    kind: str | None
    sanction_seq: int | None
    start: str | None
    end: str | None
    trigger_event: str | None
    count: int | None
    cause: str | None
    operator: str | None
    reason: str | None
    detail: dict[str, Any] | None


class AuditPageOut(BaseModel):
    """A page of the audit log; pass `next_after` as `after` for the next page."""

    entries: list[AuditOut]
    next_after: int


def _ts(us: int | None) -> str | None:
    return None if us is None else format_timestamp(us)


def sanction_out(s: Sanction) -> SanctionOut:
    """API form of a sanction."""
    return SanctionOut(
        sender=s.sender,
        seq=s.seq,
        kind=s.kind,
        start=format_timestamp(s.start),
        end=_ts(s.end),
        planned_end=_ts(s.planned_end),
        trigger_event=s.trigger_event,
        count=s.count,
        lifted=s.lifted,
    )


def appeal_out(a: Appeal) -> AppealOut:
    """API form of an appeal."""
    return AppealOut(
        id=a.id,
        at=format_timestamp(a.at),
        action=a.action,
        until=_ts(a.until),
        reason=a.reason,
        operator=a.operator,
    )


def audit_out(e: AuditEntry) -> AuditOut:
    """API form of an audit entry."""
    return AuditOut(
        seq=e.seq,
        recorded_at=format_timestamp(e.recorded_at),
        sender=e.sender,
        action=e.action,
        kind=e.kind,
        sanction_seq=e.sanction_seq,
        start=_ts(e.start),
        end=_ts(e.end),
        trigger_event=e.trigger_event,
        count=e.count,
        cause=e.cause,
        operator=e.operator,
        reason=e.reason,
        detail=e.detail,
    )


def get_service(request: Request) -> ModerationService:
    """The service this app was built with (replace via dependency_overrides in tests)."""
    service: ModerationService = request.app.state.service
    return service


def get_tokens(request: Request) -> TokenTable:
    """The token table this app was built with."""
    tokens: TokenTable = request.app.state.tokens
    return tokens


_bearer = HTTPBearer(auto_error=False)


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency admitting only callers whose token has one of the roles."""

    def check(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        tokens: Annotated[TokenTable, Depends(get_tokens)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
        principal = tokens.authenticate(credentials.credentials)
        if principal is None:
            raise HTTPException(401, "unknown token", headers={"WWW-Authenticate": "Bearer"})
        if principal.role not in roles:
            raise HTTPException(403, f"role {principal.role!r} may not do this (needs {' or '.join(roles)})")
        return principal

    return check


Service = Annotated[ModerationService, Depends(get_service)]
_EVENT_SCHEMA = EventIn.model_json_schema()
_EVENT_BODY_SCHEMA = {
    "oneOf": [_EVENT_SCHEMA, {"type": "array", "items": _EVENT_SCHEMA, "maxItems": MAX_BATCH}],
}


def create_app(service: ModerationService, tokens: TokenTable) -> FastAPI:
    """The API over one service; tokens decide who may call what."""
    app = FastAPI(
        title="Kontaktfilter moderation",
        version="1",
        description="The seed-000 ignore-sanction policy, published and enforced exactly. See docs/moderation.md.",
    )
    app.state.service = service
    app.state.tokens = tokens

    @app.exception_handler(StateUnavailable)
    def _state_down(_request: Request, exc: StateUnavailable) -> JSONResponse:
        detail = f"state store unavailable, nothing from this request was stored; retry later ({exc})"
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(DatabaseUnavailable)
    def _db_down(_request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        detail = f"database unavailable, nothing from this request was stored; retry later ({exc})"
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "5"})

    @app.post(
        "/v1/events",
        response_model=IngestOut,
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": _EVENT_BODY_SCHEMA}}}
        },
        responses={422: {"description": "a single posted event was rejected (batches report per item)"}},
    )
    def post_events(
        service: Service,
        _caller: Annotated[Principal, Depends(require(INGEST, OPERATOR))],
        payload: Annotated[Any, Body()],
    ) -> Any:
        """Applies one event or a batch (at most 10,000); idempotent by id, bad items rejected one by one."""
        single = isinstance(payload, dict)
        items = [payload] if single else payload
        if not isinstance(items, list):
            raise HTTPException(422, "expected an event object or an array of events")
        if len(items) > MAX_BATCH:
            raise HTTPException(413, f"at most {MAX_BATCH} events per request")
        results: list[ItemResult] = service.ingest(items)
        counts = {"applied": 0, "duplicate": 0, "rejected": 0}
        for r in results:
            counts[r.status] += 1
        body = {
            "applied": counts["applied"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "results": [
                {
                    "index": r.index,
                    "id": r.id,
                    "status": r.status,
                    "decision": r.decision,
                    "reason": r.reason,
                    "field": r.field,
                }
                for r in results
            ],
        }
        if single and counts["rejected"]:
            return JSONResponse(body, status_code=422)
        return JSONResponse(body)

    @app.get("/v1/senders/{sender_id:path}", response_model=SenderOut)
    def get_sender(
        sender_id: str, service: Service, _caller: Annotated[Principal, Depends(require(INGEST, OPERATOR))]
    ) -> SenderOut:
        """Status now (active, suspended, banned), count in the window, until, sanctions and appeals."""
        st = service.sender_status(sender_id)
        return SenderOut(
            sender=st.sender,
            at=format_timestamp(st.at),
            known=st.known,
            status=st.status,
            until=_ts(st.until),
            count=st.count,
            threshold=st.threshold,
            invitations=st.invitations,
            invitation_limit=st.invitation_limit,
            sanctions=[sanction_out(s) for s in st.sanctions],
            appeals=[appeal_out(a) for a in st.appeals],
        )

    @app.post("/v1/senders/{sender_id:path}/appeal", response_model=AppealResultOut)
    def post_appeal(
        sender_id: str,
        body: AppealIn,
        service: Service,
        caller: Annotated[Principal, Depends(require(OPERATOR))],
    ) -> AppealResultOut:
        """Lifts or shortens the sanction in force now (operator role; recorded with the reason)."""
        until = None
        if body.until is not None:
            try:
                until = parse_timestamp(body.until.isoformat(), "until")
            except EventError as exc:
                raise HTTPException(422, f"{exc.field}: {exc.message}") from None
        try:
            outcome = service.appeal(sender_id, body.action, body.reason, caller.name, until)
        except AppealInvalid as exc:
            raise HTTPException(422, str(exc)) from None
        except AppealRejected as exc:
            raise HTTPException(409, str(exc)) from None
        return AppealResultOut(
            appeal=appeal_out(outcome.appeal),
            sanction=sanction_out(outcome.sanction),
            previous_end=_ts(outcome.previous_end),
        )

    @app.get("/v1/sanctions", response_model=list[SanctionOut])
    def get_sanctions(
        service: Service,
        _caller: Annotated[Principal, Depends(require(OPERATOR))],
        in_force: bool = False,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> list[SanctionOut]:
        """Sanctions by start then sender; `in_force=true` gives the operators' review queue."""
        return [sanction_out(s) for s in service.sanctions(in_force, limit)]

    @app.get("/v1/audit", response_model=AuditPageOut)
    def get_audit(
        service: Service,
        _caller: Annotated[Principal, Depends(require(OPERATOR))],
        sender: str | None = None,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> AuditPageOut:
        """The audit log: every sanction with its trigger event and count, every appeal and revision."""
        entries = service.audit(sender, after, limit)
        return AuditPageOut(
            entries=[audit_out(e) for e in entries], next_after=entries[-1].seq if entries else after
        )

    @app.get("/v1/health")
    def health(service: Service) -> dict[str, str]:
        """200 when the database and the state store answer, 503 otherwise."""
        service.health()
        return {"status": "ok"}

    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory used by `serve`: settings come from KONTAKTFILTER_MODERATION_* variables."""
    from .backends import service_from_settings
    from .settings import ModerationSettings

    settings = ModerationSettings()
    if settings.tokens is None:
        raise SystemExit("no token file configured (KONTAKTFILTER_MODERATION_TOKENS); refusing to serve")
    return create_app(service_from_settings(settings), TokenTable.load(settings.tokens))
