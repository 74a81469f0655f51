"""The HTML pages: inbox, request detail with reply draft, decisions with undo, import, statistics, settings."""

from __future__ import annotations

import math
import tempfile
import tomllib
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ..model import Action, Category, Platform
from ..policy import Policy, PolicyError, merge_policy
from ..store.repository import record_decision
from .charts import CATEGORY_COLOURS, Series, horizontal_bars, stacked_columns
from .i18n import CATEGORY_LABELS, label, translator
from .imports import run_import, save_upload
from .queries import (
    STATES,
    InboxFilter,
    SentScorer,
    UndoError,
    compute_stats,
    list_inbox,
    maybe_learn,
    next_todo,
    recent_decision,
    request_detail,
    rescreen_pending,
    undo_decision,
)
from .services import Services, get_services, load_policy
from .ui import csrf_protect, current_user, is_htmx, local_path, pathseg, render, ui_lang
from .views import detail_view, item_view, make_draft, undo_view

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_user)])

ACTIONS = [a.value for a in Action]


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def inbox_filter(
    q: str = "",
    category: str = "",
    platform: str = "",
    state: str = "todo",
    since: str = "",
    until: str = "",
) -> InboxFilter:
    """The inbox filter from query parameters; values that make no sense are ignored, not errors."""
    return InboxFilter(
        q=q.strip()[:200],
        category=category if category in {c.value for c in Category} else None,
        platform=platform if platform in {p.value for p in Platform} else None,
        state=next((st for st in STATES if st == state), "todo"),
        since=_parse_date(since),
        until=_parse_date(until),
    )


def _current_filter(request: Request) -> InboxFilter:
    """The inbox filter of the page an htmx call came from."""
    query = urlsplit(request.headers.get("hx-current-url", "")).query
    params = {
        k: v[-1]
        for k, v in parse_qs(query).items()
        if k in ("q", "category", "platform", "state", "since", "until")
    }
    return inbox_filter(**params)


def _filter_query(f: InboxFilter, page: int = 1) -> str:
    params = {
        "q": f.q,
        "category": f.category or "",
        "platform": f.platform or "",
        "state": f.state if f.state != "todo" else "",
        "since": f.since.isoformat() if f.since else "",
        "until": f.until.isoformat() if f.until else "",
        "page": str(page) if page > 1 else "",
    }
    return urlencode({k: v for k, v in params.items() if v})


def _undo_context(s: Session, services: Services, lang: str) -> dict[str, Any]:
    since = services.clock() - timedelta(minutes=services.config.undo_minutes)
    return {"undo": undo_view(recent_decision(s, since), lang)}


def _inbox_context(request: Request, services: Services, f: InboxFilter, page: int) -> dict[str, Any]:
    lang = ui_lang(request)
    t = translator(lang)
    size = services.config.page_size
    with services.store.session() as s:
        items, total = list_inbox(s, f, limit=size, offset=(max(page, 1) - 1) * size)
        ctx = _undo_context(s, services, lang)
    pages = max(1, math.ceil(total / size))
    now = services.clock()
    ctx.update(
        {
            "items": [item_view(it, lang, t, now) for it in items],
            "total": total,
            "filter": f,
            "page": page,
            "pages": pages,
            "query": _filter_query(f, page),
            "prev_query": _filter_query(f, page - 1) if page > 1 else None,
            "next_query": _filter_query(f, page + 1) if page < pages else None,
            "categories": [(c.value, label(CATEGORY_LABELS, c.value, lang)) for c in Category],
            "platforms": [p.value for p in Platform],
            "states": STATES,
            "actions": ACTIONS,
        }
    )
    return ctx


@router.get("/", response_class=HTMLResponse)
def inbox(
    request: Request,
    f: Annotated[InboxFilter, Depends(inbox_filter)],
    services: Annotated[Services, Depends(get_services)],
    page: int = 1,
) -> Response:
    """The inbox: pending requests, most urgent first, with filters and search."""
    return render(request, "inbox.html.j2", _inbox_context(request, services, f, max(page, 1)))


@router.get("/inbox/list", response_class=HTMLResponse)
def inbox_list(
    request: Request,
    f: Annotated[InboxFilter, Depends(inbox_filter)],
    services: Annotated[Services, Depends(get_services)],
    page: int = 1,
) -> Response:
    """The inbox list alone (htmx refreshes it after an undo)."""
    return render(request, "_inbox_list.html.j2", _inbox_context(request, services, f, max(page, 1)))


def _detail_context(
    request: Request, services: Services, public_id: str, action: str | None
) -> dict[str, Any] | None:
    lang = ui_lang(request)
    t = translator(lang)
    with services.store.session() as s:
        d = request_detail(s, public_id)
        if d is None:
            return None
        ctx = _undo_context(s, services, lang)
        ctx["next_id"] = next_todo(s, public_id)
    view = detail_view(d, lang, t, services.clock())
    draft = make_draft(services.screening.renderer(), d.request, d.verdict, action)
    ctx.update({"r": view, "draft": draft, "actions": ACTIONS, "undoable": _undoable(ctx, view.decision)})
    return ctx


def _undoable(ctx: dict[str, Any], decision: Any) -> bool:
    undo = ctx.get("undo")
    return decision is not None and undo is not None and undo.decision_id == decision.id


def _not_found(request: Request) -> Response:
    return render(request, "error.html.j2", {"message": "error.not_found"}, status=404)


@router.get("/requests/{public_id:path}/draft", response_class=HTMLResponse)
def draft(
    request: Request, services: Annotated[Services, Depends(get_services)], public_id: str, action: str = ""
) -> Response:
    """The reply draft for one action (htmx swaps it into the detail page)."""
    ctx = _detail_context(request, services, public_id, action if action in ACTIONS else None)
    if ctx is None:
        return _not_found(request)
    return render(request, "_draft.html.j2", ctx)


@router.post("/requests/{public_id:path}/decide", dependencies=[Depends(csrf_protect)])
def decide(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    public_id: str,
    action: Annotated[str, Form()] = "",
    view: Annotated[str, Form()] = "detail",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Record a decision; htmx gets the updated fragment and the undo bar, a plain form a redirect."""
    if action not in ACTIONS:
        return render(request, "error.html.j2", {"message": "error.bad_action"}, status=400)
    now = services.clock()
    with services.store.session() as s:
        d = request_detail(s, public_id)
        if d is None or d.request.direction != "incoming":
            return _not_found(request)
        record_decision(s, d.request, Action(action), None, now)
    with services.store.session() as s:
        # Learning is a second transaction: a failing retrain must not lose the decision.
        maybe_learn(s, services.settings, services.screening.policy, now)
    if not is_htmx(request):
        return RedirectResponse(local_path(next, f"/requests/{pathseg(public_id)}"), status_code=303)
    if view == "row":
        lang = ui_lang(request)
        with services.store.session() as s:
            ctx = _undo_context(s, services, lang)
            # The list the visitor looks at shrank: its count is swapped in out of band.
            _, ctx["total"] = list_inbox(s, _current_filter(request), limit=1)
        return render(request, "_decided_row.html.j2", ctx)
    detail_ctx = _detail_context(request, services, public_id, None)
    if detail_ctx is None:
        return _not_found(request)
    return render(request, "_decision.html.j2", detail_ctx | {"oob_undo": True})


@router.post("/decisions/{decision_id}/undo", dependencies=[Depends(csrf_protect)])
def undo(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    decision_id: int,
    next: Annotated[str, Form()] = "",
) -> Response:
    """Undo a decision: the request is undecided again (htmx refreshes the inbox or the detail panel)."""
    lang = ui_lang(request)
    message: str | None = None
    undone = None
    with services.store.session() as s:
        try:
            undone = undo_decision(s, decision_id)
        except UndoError as exc:
            message = "undo.gone" if exc.reason == "gone" else "undo.stale"
    with services.store.session() as s:
        ctx = _undo_context(s, services, lang)
    if not is_htmx(request):
        return RedirectResponse(local_path(next, "/"), status_code=303)
    ctx["message"] = message
    ctx["undone"] = undone
    return render(request, "_undo_region.html.j2", ctx, headers={"HX-Trigger": "decisions-changed"})


@router.get("/requests/{public_id:path}/decision", response_class=HTMLResponse)
def decision_panel(
    request: Request, services: Annotated[Services, Depends(get_services)], public_id: str
) -> Response:
    """The decision panel alone (refreshed after an undo)."""
    ctx = _detail_context(request, services, public_id, None)
    if ctx is None:
        return _not_found(request)
    return render(request, "_decision.html.j2", ctx | {"oob_undo": False})


@router.get("/requests/{public_id:path}", response_class=HTMLResponse)
def detail(
    request: Request, services: Annotated[Services, Depends(get_services)], public_id: str, action: str = ""
) -> Response:
    """One request: note, sender, every signal, the verdict, the reply draft and the decision buttons."""
    ctx = _detail_context(request, services, public_id, action if action in ACTIONS else None)
    if ctx is None:
        return _not_found(request)
    return render(request, "detail.html.j2", ctx)


# --- import ----------------------------------------------------------------------------------------


def _size(n: int, lang: str) -> str:
    mib = n / (1 << 20)
    return f"{mib:.0f} MiB" if lang == "en" else f"{mib:.0f} MiB".replace(".", ",")


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, services: Annotated[Services, Depends(get_services)]) -> Response:
    """The upload form."""
    lang = ui_lang(request)
    return render(
        request,
        "import.html.j2",
        {
            "limit": _size(services.config.max_upload_bytes, lang),
            "error": None,
            "job": None,
            "busy": services.jobs.busy(),
        },
    )


@router.post("/import", dependencies=[Depends(csrf_protect)])
async def import_upload(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Take an upload, check it with the importer and import it in the background."""
    lang = ui_lang(request)
    limit = _size(services.config.max_upload_bytes, lang)
    if file is None or not file.filename:
        ctx = {"limit": limit, "error": "import.no_file", "job": None, "busy": False}
        return render(request, "import.html.j2", ctx, status=400)
    workdir = Path(tempfile.mkdtemp(prefix="kontaktfilter-upload-"))
    path = await save_upload(file, workdir)
    job = services.jobs.start(
        file.filename,
        path,
        workdir,
        lambda p, progress: run_import(services, p, file.filename or "", progress),
    )
    if job is None:
        ctx = {"limit": limit, "error": "import.busy", "job": None, "busy": True}
        return render(request, "import.html.j2", ctx, status=409)
    if is_htmx(request):
        return render(request, "_import_job.html.j2", {"job": job, "limit": limit})
    return RedirectResponse(f"/import/jobs/{job.id}", status_code=303)


@router.get("/import/jobs/{job_id}", response_class=HTMLResponse)
def import_job(
    request: Request, services: Annotated[Services, Depends(get_services)], job_id: str
) -> Response:
    """An import's progress and, when it is done, its summary (htmx polls the fragment)."""
    job = services.jobs.get(job_id)
    if job is None:
        return _not_found(request)
    lang = ui_lang(request)
    ctx = {"job": job, "limit": _size(services.config.max_upload_bytes, lang), "error": None, "busy": False}
    if is_htmx(request):
        return render(request, "_import_job.html.j2", ctx)
    return render(request, "import.html.j2", ctx)


# --- statistics --------------------------------------------------------------------------------------


@router.get("/stats", response_class=HTMLResponse)
def stats(request: Request, services: Annotated[Services, Depends(get_services)]) -> Response:
    """Charts: requests per week by category, share without a note, pitch phrases, own acceptance rates."""
    lang = ui_lang(request)
    t = translator(lang)
    if services.sent_scorer is None:
        services.sent_scorer = SentScorer(services.screening.coach)
    with services.store.session() as s:
        st = compute_stats(s, services.sent_scorer)
        ctx = _undo_context(s, services, lang)
    ctx.update(stats_charts(st, lang, t))
    ctx["st"] = st
    return render(request, "stats.html.j2", ctx)


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def stats_charts(st: Any, lang: str, t: Any) -> dict[str, Any]:
    """The four charts as SVG markup, plus the numbers for their tables."""
    cats = [c.value for c in Category]
    present = {k for w in st.weeks for k in w.by_category}
    series = [Series(c, label(CATEGORY_LABELS, c, lang), CATEGORY_COLOURS[c]) for c in cats if c in present]
    if "unscreened" in present:
        series.append(Series("unscreened", "—", CATEGORY_COLOURS["unscreened"]))
    columns = [
        (
            w.week.strftime("%d.%m.") if lang == "de" else w.week.strftime("%b %d"),
            {k: float(v) for k, v in w.by_category.items()},
        )
        for w in st.weeks
    ]
    per_week = stacked_columns(
        "chart-weeks",
        t("stats.per_week"),
        t("stats.summary", n=st.incoming, decided=st.decided),
        columns,
        series,
    )
    share_cols = [
        (label_, {"share": _pct(w.no_note, w.total)})
        for (label_, _), w in zip(columns, st.weeks, strict=True)
    ]
    no_note = stacked_columns(
        "chart-no-note",
        t("stats.no_note"),
        t("stats.no_note_total", pct=f"{_pct(st.no_note, st.incoming):.0f} %", n=st.incoming),
        share_cols,
        [Series("share", t("stats.share"), "#5f6b7a")],
        percent=True,
    )
    pitch = horizontal_bars(
        "chart-pitch",
        t("stats.pitch"),
        t("stats.pitch"),
        [(phrase, float(n), str(n)) for phrase, n in st.pitch_phrases],
        colour=CATEGORY_COLOURS["sales_pitch"],
    )
    sent_rows = []
    for key, pair in (("stats.with_note", st.sent.with_note), ("stats.without_note", st.sent.without_note)):
        sent_n, accepted = pair
        sent_rows.append(
            (t(key), _pct(accepted, sent_n), f"{_pct(accepted, sent_n):.0f} % ({accepted}/{sent_n})")
        )
    band_rows = [
        (
            band if band != "no note" else t("stats.without_note"),
            _pct(acc, n),
            f"{_pct(acc, n):.0f} % ({acc}/{n})",
        )
        for band, (n, acc) in st.sent.by_band.items()
        if n
    ]
    sent = horizontal_bars(
        "chart-sent", t("stats.sent"), t("stats.sent"), sent_rows, colour="#1b7f3b", maximum=100.0
    )
    bands = horizontal_bars(
        "chart-sent-band",
        t("stats.sent_band"),
        t("stats.sent_band"),
        band_rows,
        colour="#2563c9",
        maximum=100.0,
    )
    return {
        "chart_weeks": per_week,
        "chart_no_note": no_note,
        "chart_pitch": pitch,
        "chart_sent": sent,
        "chart_bands": bands,
        "series": series,
        "week_labels": [c[0] for c in columns],
        "sent_rows": sent_rows,
        "band_rows": band_rows,
    }


# --- settings ----------------------------------------------------------------------------------------


def default_policy_text() -> str:
    """The built-in policy file as shipped (commented TOML)."""
    return (resources.files("kontaktfilter") / "resources" / "default_policy.toml").read_text(
        encoding="utf-8"
    )


def validate_policy_text(text: str, source: str) -> tuple[Policy | None, list[str]]:
    """The policy a TOML text gives over the defaults, or the problems, each naming the key."""
    try:
        user = tomllib.loads(text)
        base = tomllib.loads(default_policy_text())
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{source}: not valid TOML: {exc}"]
    try:
        return Policy.from_mapping(merge_policy(base, user), source), []
    except PolicyError as exc:
        return None, str(exc).splitlines()


def _settings_context(
    services: Services, text: str | None, errors: list[str], saved: bool, rescreened: int | None
) -> dict[str, Any]:
    path = services.policy_file
    if text is None:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    defaults = default_policy_text()
    return {
        "policy_text": text,
        "policy_path": str(path),
        "errors": errors,
        "saved": saved,
        "rescreened": rescreened,
        "defaults": defaults,
        "token_count": len(services.accounts.tokens()),
    }


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, services: Annotated[Services, Depends(get_services)]) -> Response:
    """The policy editor."""
    return render(request, "settings.html.j2", _settings_context(services, None, [], False, None))


@router.post("/settings", dependencies=[Depends(csrf_protect)])
def save_settings(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    policy: Annotated[str, Form(max_length=200_000)] = "",
    rescreen: Annotated[str, Form()] = "",
) -> Response:
    """Check the policy and save it; errors name the key and keep the text for fixing."""
    path = services.policy_file
    checked, errors = validate_policy_text(policy, path.name)
    if checked is None:
        return render(
            request, "settings.html.j2", _settings_context(services, policy, errors, False, None), status=422
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(policy, encoding="utf-8")
    tmp.replace(path)
    services.screening.use_policy(load_policy(path))
    count: int | None = None
    if rescreen:
        with services.store.session() as s:
            count = rescreen_pending(s, services.screening.screener, services.clock())
    return render(request, "settings.html.j2", _settings_context(services, policy, [], True, count))


__all__ = ["router", "stats_charts", "validate_policy_text"]
