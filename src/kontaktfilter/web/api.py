"""The REST API under /api/v1: screen, inbox, request detail, decide and undo, import, statistics.

Every route needs `Authorization: Bearer TOKEN` (a token from `kontaktfilter token create`, or the
value of KONTAKTFILTER_API_TOKEN); without one the answer is 401.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..contract import ContractError, parse_request, verdict_to_dict
from ..model import Action, Category, Platform
from ..store.models import Decision
from ..store.repository import InboxItem, record_decision
from .imports import UploadError, run_import, save_upload, upload_name
from .queries import (
    InboxFilter,
    SentScorer,
    Stats,
    UndoError,
    compute_stats,
    decision_with_request,
    list_inbox,
    maybe_learn,
    request_detail,
    undo_decision,
)
from .schemas import (
    DecisionIn,
    DecisionOut,
    ErrorOut,
    ImportSummaryOut,
    InboxPage,
    RequestDetailOut,
    StatsOut,
    VerdictOut,
    screen_body_schema,
)
from .services import get_services
from .views import make_draft, top_reasons

bearer = HTTPBearer(
    auto_error=False, description="A token from `kontaktfilter token create` or KONTAKTFILTER_API_TOKEN."
)

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No or an unknown bearer token."}
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "The request body is too large."}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such request or decision."}
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "Invalid input; each problem names its field."}
}


class ApiError(Exception):
    """An API error answered as JSON `{"detail": ...}` with a status code."""

    def __init__(
        self, status: int, detail: str | list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.detail = detail
        self.headers = headers
        super().__init__(str(detail))


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON as UTF-8; text that cannot be encoded (lone surrogates from a client) falls back to escapes."""
    try:
        body = json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(content, ensure_ascii=True, separators=(",", ":"), default=str).encode("ascii")
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """401 unless the request carries a valid bearer token (async: a thread-pool hop would cost more than
    the check, which hits the database only on a cache miss)."""
    services = get_services(request)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(
            401, "missing bearer token (Authorization: Bearer TOKEN)", {"WWW-Authenticate": "Bearer"}
        )
    if not services.tokens.check(credentials.credentials):
        raise ApiError(401, "unknown or revoked token", {"WWW-Authenticate": 'Bearer error="invalid_token"'})


router = APIRouter(
    prefix="/api/v1", tags=["api"], dependencies=[Depends(require_token)], responses=UNAUTHORIZED
)


# --- screen ------------------------------------------------------------------------------------------


def _contract_error(index: int | None, exc: ContractError) -> dict[str, Any]:
    loc: list[str | int] = ["body"]
    if index is not None:
        loc.append(index)
    loc.extend(p for p in exc.field.split(".") if p)
    return {"loc": loc, "msg": exc.message, "type": "contract"}


_COUNT_FIELDS = ("mutual_contacts", "connections_count", "account_age_days")


def _integral_counts(obj: Any) -> Any:
    """JSON has one number type: `3.0` is the integer 3 to JSON Schema and to most JSON encoders, so
    the API reads such values as integers before the contract's strict type check."""
    if not isinstance(obj, dict):
        return obj
    sender = obj.get("sender")
    fixes: dict[str, Any] = {}
    if isinstance(sender, dict) and any(isinstance(sender.get(k), float) for k in _COUNT_FIELDS):
        fixed = dict(sender)
        for k in _COUNT_FIELDS:
            v = fixed.get(k)
            if isinstance(v, float) and v.is_integer():
                fixed[k] = int(v)
        fixes["sender"] = fixed
    rid = obj.get("id")
    if isinstance(rid, float) and rid.is_integer():
        fixes["id"] = int(rid)
    return {**obj, **fixes} if fixes else obj


@router.post(
    "/screen",
    response_model=VerdictOut | list[VerdictOut],
    responses={**INVALID, **TOO_LARGE},
    summary="Screen one request or a list",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": screen_body_schema(1000)}},
        }
    },
)
async def screen(request: Request) -> Response:
    """Screen requests in the screen contract; returns one verdict or a list in input order."""
    services = get_services(request)
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(422, [{"loc": ["body"], "msg": f"not valid JSON ({exc})", "type": "json"}]) from None
    single = not isinstance(body, list)
    items = [body] if single else body
    if len(items) > services.config.max_screen_batch:
        raise ApiError(
            422,
            [
                {
                    "loc": ["body"],
                    "msg": f"at most {services.config.max_screen_batch} requests per call",
                    "type": "too_many",
                }
            ],
        )
    requests = []
    errors = []
    for i, obj in enumerate(items):
        try:
            requests.append(parse_request(_integral_counts(obj), default_id=str(i)))
        except ContractError as exc:
            errors.append(_contract_error(None if single else i, exc))
    if errors:
        raise ApiError(422, errors)
    # Screening one request takes well under a millisecond: doing it on the event loop is cheaper than
    # a hop to the thread pool, and large batches go to the pool instead.
    screener = services.screening.screener
    if len(requests) <= 8:
        verdicts = screener.screen_many(requests)
    else:
        verdicts = await run_in_threadpool(screener.screen_many, requests)
    out = [verdict_to_dict(v) for v in verdicts]
    return json_response(out[0] if single else out)


# --- inbox, detail, decisions ---------------------------------------------------------------------------


def _decision_json(d: Decision, public_id: str) -> dict[str, Any]:
    return {
        "id": d.id,
        "request_id": public_id,
        "action": d.action,
        "recommended": d.recommended,
        "correction": d.correction,
        "note": d.note,
        "decided_at": d.decided_at.isoformat(),
    }


def _item_json(it: InboxItem, lang: str) -> dict[str, Any]:
    r, p, v, d = it.request, it.person, it.verdict, it.decision
    sender = (r.payload or {}).get("sender") or {}
    headline = sender.get("headline")
    return {
        "id": r.public_id,
        "name": p.name or (sender.get("name") if isinstance(sender.get("name"), str) else None),
        "headline": headline if isinstance(headline, str) else None,
        "platform": r.platform,
        "note": r.note,
        "received_at": r.received_at.isoformat() if r.received_at else None,
        "status": r.status,
        "category": v.category if v else None,
        "confidence": round(float(v.confidence), 4) if v else None,
        "score": v.score if v else None,
        "action": v.action if v else None,
        "core_action": v.core_action if v else None,
        "reasons": top_reasons(v.signals, lang, n=3) if v else [],
        "decision": _decision_json(d, r.public_id) if d else None,
    }


Lang = Literal["en", "de"]


@router.get("/inbox", response_model=InboxPage, responses=INVALID, summary="List the inbox")
def inbox(
    request: Request,
    q: Annotated[
        str, Query(max_length=200, description="Words that must all occur in name, note or profile.")
    ] = "",
    category: Category | None = None,
    platform: Platform | None = None,
    state: Literal["todo", "decided", "all"] = "todo",
    since: Annotated[date | None, Query(description="Received on or after this day (UTC).")] = None,
    until: Annotated[date | None, Query(description="Received on or before this day (UTC).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    lang: Annotated[Lang, Query(description="Language of the reasons.")] = "en",
) -> Response:
    """Incoming requests matching the filters, most urgent first (scams and good requests on top)."""
    services = get_services(request)
    f = InboxFilter(
        q.strip(),
        category.value if category else None,
        platform.value if platform else None,
        state,
        since,
        until,
    )
    with services.store.session() as s:
        items, total = list_inbox(s, f, limit=limit, offset=offset)
        body = {
            "total": total,
            "limit": limit,
            "offset": offset,
            "items": [_item_json(it, lang) for it in items],
        }
    return json_response(body)


PublicId = Annotated[str, PathParam(description="The request's id as the inbox shows it.", max_length=300)]


@router.get(
    "/requests/{public_id:path}", response_model=RequestDetailOut, responses=NOT_FOUND, summary="One request"
)
def detail(request: Request, public_id: PublicId, lang: Lang = "en") -> Response:
    """The request with its payload, every signal, probabilities, decisions and the reply draft."""
    services = get_services(request)
    with services.store.session() as s:
        d = request_detail(s, public_id)
        if d is None:
            raise ApiError(404, f"no request with id {public_id!r}")
        item = _item_json(InboxItem(d.request, d.person, d.verdict, d.decision), lang)
        v = d.verdict
        draft = make_draft(services.screening.renderer(), d.request, v, None)
        item.update(
            {
                "direction": d.request.direction,
                "payload": d.request.payload or {},
                "signals": [
                    {
                        k: s_.get(k, "" if k != "weight" else 0.0)
                        for k in ("id", "group", "weight", "reason_de", "reason_en")
                    }
                    for s_ in (v.signals if v else [])
                ],
                "probabilities": dict(v.probabilities) if v else {},
                "policy_rule": v.policy_rule if v else None,
                "decisions": [_decision_json(x, d.request.public_id) for x in d.decisions],
                "draft": None
                if draft is None
                else {
                    "action": draft.action.value,
                    "text": draft.text,
                    "lang": draft.lang,
                    "register": draft.register,
                    "template": draft.template,
                    "send_advised": draft.send_advised,
                },
            }
        )
    return json_response(item)


@router.post(
    "/requests/{public_id:path}/decision",
    response_model=DecisionOut,
    status_code=201,
    responses={
        **NOT_FOUND,
        **INVALID,
        **TOO_LARGE,
        409: {"model": ErrorOut, "description": "An outgoing invitation."},
    },
    summary="Record a decision",
)
def decide(request: Request, body: DecisionIn, public_id: PublicId) -> Response:
    """Record what the owner did with a request (it feeds the personal layer)."""
    services = get_services(request)
    now = services.clock()
    with services.store.session() as s:
        d = request_detail(s, public_id)
        if d is None:
            raise ApiError(404, f"no request with id {public_id!r}")
        if d.request.direction != "incoming":
            raise ApiError(
                409, f"{public_id!r} is the owner's own outgoing invitation; there is nothing to decide"
            )
        decision = record_decision(s, d.request, Action(body.action), body.note, now)
        out = _decision_json(decision, d.request.public_id)
    with services.store.session() as s:
        maybe_learn(s, services.settings, services.screening.policy, now)
    return json_response(out, status=201)


@router.delete(
    "/decisions/{decision_id}",
    response_model=DecisionOut,
    responses={**NOT_FOUND, 409: {"model": ErrorOut, "description": "A newer decision replaced this one."}},
    summary="Undo a decision",
)
def undo(request: Request, decision_id: Annotated[int, PathParam(ge=1, le=2**62)]) -> Response:
    """Undo the newest decision of a request; returns the decision that was removed."""
    services = get_services(request)
    with services.store.session() as s:
        found = decision_with_request(s, decision_id)
        if found is None:
            raise ApiError(404, f"no decision with id {decision_id}")
        out = _decision_json(found.decision, found.request.public_id)
        try:
            undo_decision(s, decision_id)
        except UndoError as exc:
            if exc.reason == "gone":
                raise ApiError(404, f"no decision with id {decision_id}") from None
            raise ApiError(409, "a newer decision exists for this request; undo that one first") from None
    return json_response(out)


# --- import and statistics ------------------------------------------------------------------------------


@router.post(
    "/import",
    response_model=ImportSummaryOut,
    responses={**INVALID, **TOO_LARGE, 409: {"model": ErrorOut, "description": "Another import is running."}},
    summary="Import a LinkedIn export or JSON Lines",
)
async def import_file(
    request: Request,
    file: Annotated[UploadFile, File(description="A LinkedIn export zip or a JSON Lines file.")],
) -> Response:
    """Import an upload with the importer's checks (zip safety, CSV and contract validation) and return the summary."""
    services = get_services(request)
    workdir = Path(tempfile.mkdtemp(prefix="kontaktfilter-upload-"))
    path = await save_upload(file, workdir)
    shown = file.filename or "upload"
    result: dict[str, Any] = {}

    def run(p: Path, progress: Any) -> Any:
        try:
            summary, learned = run_import(services, p, shown, progress)
        except UploadError as exc:
            result["error"] = str(exc)
            raise
        result["summary"], result["learned"] = summary, learned
        return summary, learned

    job = await run_in_threadpool(services.jobs.start, shown, path, workdir, run, wait=True)
    if job is None:
        raise ApiError(409, "another import is running; try again when it has finished")
    if "error" in result or job.state == "failed":
        raise ApiError(
            422,
            [
                {
                    "loc": ["body", "file"],
                    "msg": result.get("error") or job.error or "import failed",
                    "type": "import",
                }
            ],
        )
    summary = result["summary"]

    def counts(label: str, c: Any) -> dict[str, Any]:
        return {
            "file": label,
            "new": c.new,
            "updated": c.updated,
            "skipped": c.skipped,
            "rejected": c.rejected,
        }

    return json_response(
        {
            "source": upload_name(shown),
            "kind": summary.kind,
            "files": [counts(k, c) for k, c in summary.counts.items()],
            "total": counts("total", summary.total()),
            "screened": summary.screened,
            "now_connected": summary.now_connected,
            "resumed_from": summary.resumed_from,
            "problems": [
                {"file": p.file, "line": p.line, "field": p.field, "message": p.message}
                for p in summary.problems
            ],
            "learned": result.get("learned"),
        }
    )


def stats_json(st: Stats) -> dict[str, Any]:
    """The statistics as GET /api/v1/stats returns them."""

    def rate(pair: tuple[int, int]) -> dict[str, Any]:
        sent, accepted = pair
        return {"sent": sent, "accepted": accepted, "rate": round(accepted / sent, 4) if sent else None}

    return {
        "incoming": st.incoming,
        "decided": st.decided,
        "without_note": st.no_note,
        "weeks": [
            {
                "week": w.week.isoformat(),
                "total": w.total,
                "without_note": w.no_note,
                "by_category": w.by_category,
            }
            for w in st.weeks
        ],
        "pitch_phrases": [{"phrase": p, "count": n} for p, n in st.pitch_phrases],
        "sent": {
            "total": rate(st.sent.total),
            "with_note": rate(st.sent.with_note),
            "without_note": rate(st.sent.without_note),
            "by_score_band": [{"band": b, **rate(pair)} for b, pair in st.sent.by_band.items()],
        },
    }


@router.get("/stats", response_model=StatsOut, summary="Statistics")
def stats(request: Request) -> Response:
    """Requests per week by category, the share without a note, pitch phrases, and own acceptance rates."""
    services = get_services(request)
    if services.sent_scorer is None:
        services.sent_scorer = SentScorer(services.screening.coach)
    with services.store.session() as s:
        st = compute_stats(s, services.sent_scorer)
    return json_response(stats_json(st))


__all__ = ["ApiError", "json_response", "router", "stats_json"]
