"""Writing requests found by an integration into the inbox store, screened like imported ones.

Requests are keyed by a source key (`linkedin:invitation:<id>`, `mastodon:<host>:<account id>`), so
seeing the same invitation mail or follow request again changes nothing. A LinkedIn invitation mail
and the same invitation in a LinkedIn export (which carries no invitation id) are the same request
when they name the same person within `TWIN_WINDOW`; the export's row is kept, because re-importing
the export finds it by its own key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from ..contract import parse_request
from ..learn import Evidence, choose
from ..model import Action, ContactRequest, Platform, RecipientContext
from ..model import Verdict as CoreVerdict
from ..policy import Policy
from ..screener import Screener
from ..sources.jsonl import request_to_contract
from ..sources.linkedin_export import canonical_profile_url
from ..store.models import Connection, Decision, Request, Verdict
from ..store.people import PersonDirectory
from ..store.repository import (
    CONNECTED,
    INCOMING,
    PENDING,
    get_owner,
    latest_decisions,
    load_personal_layer,
    owner_name,
    verdict_values,
)

# The source column of rows this module writes, and the importer's value for LinkedIn exports.
SOURCE_IMAP = "imap"
SOURCE_MASTODON = "mastodon"
SOURCE_EXPORT = "linkedin_export"
# LinkedIn writes the export's "Sent At" in UTC to the minute and mails the notification within
# minutes; a person cannot invite the same person again for weeks after withdrawing, so two days
# cannot join two different invitations.
TWIN_WINDOW = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    """A request an integration found: where it is from, its stable key, and the request itself.

    `verdict` is set when the integration screened the request itself (Mastodon accounts); otherwise
    the shipped screener screens it.
    """

    source: str
    source_key: str
    public_id: str
    request: ContactRequest
    verdict: CoreVerdict | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing one incoming request did: `new`, `updated`, `unchanged` or `twin` (the same
    invitation is already there from a LinkedIn export), with the row's ids and recommended action.

    `decision` is the owner's latest decision on the request, if any.
    """

    outcome: str
    request_id: int
    public_id: str
    action: Action | None
    category: str | None
    score: int | None
    decision: str | None
    decision_note: str | None = None


def content_hash(payload: dict[str, Any]) -> str:
    """A digest of a request's contract payload, to notice when it changed."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _with_recipient(session: Session, req: ContactRequest) -> ContactRequest:
    owner = get_owner(session)
    if owner is None:
        return req
    # The owner's name and headline are the recipient context, as for imported requests.
    return replace(req, recipient=RecipientContext(name=owner_name(owner), headline=owner.headline))


def _find_twin(session: Session, person_id: int, at: datetime | None) -> Request | None:
    if at is None:
        return None
    return session.scalars(
        select(Request)
        .where(
            Request.person_id == person_id,
            Request.source == SOURCE_EXPORT,
            Request.direction == INCOMING,
            Request.platform == Platform.LINKEDIN.value,
            Request.received_at >= at - TWIN_WINDOW,
            Request.received_at <= at + TWIN_WINDOW,
        )
        .order_by(Request.id)
        .limit(1)
    ).first()


class _Screening:
    """Screens requests (or takes the integration's verdict), then applies the personal layer."""

    def __init__(self, screener: Callable[[], Screener], policy: Policy, now: datetime) -> None:
        self._factory = screener
        self._screener: Screener | None = None
        self.policy = policy
        self.now = now

    def rows(
        self, session: Session, items: Sequence[tuple[int, ContactRequest, CoreVerdict | None]]
    ) -> list[dict[str, Any]]:
        todo = [req for _, req, v in items if v is None]
        if todo and self._screener is None:
            self._screener = self._factory()
        screened = iter(self._screener.screen_many(todo) if todo and self._screener else [])
        verdicts = [v if v is not None else next(screened) for _, _, v in items]
        evidence = [
            Evidence.from_verdict(v, bool(req.note and req.note.strip()))
            for (_, req, _), v in zip(items, verdicts, strict=True)
        ]
        layer = load_personal_layer(session)
        choices = choose(evidence, [v.action for v in verdicts], self.policy, layer)
        return [
            {"request_id": rid, **verdict_values(v, c.action, self.now)}
            for (rid, _, _), v, c in zip(items, verdicts, choices, strict=True)
        ]


def store_requests(
    session: Session,
    items: Sequence[IncomingRequest],
    *,
    screener: Callable[[], Screener],
    policy: Policy,
    now: datetime,
) -> list[Stored]:
    """Insert new requests, update changed ones, skip known ones, screen what is new or changed."""
    if not items:
        return []
    directory = PersonDirectory.load(session)
    items = [replace(it, request=_with_recipient(session, it.request)) for it in items]
    people = [(canonical_profile_url(it.request.sender.profile_url), it.request.sender.name) for it in items]
    pids = directory.resolve_many(session, people, now)
    person_ids = [
        pid if pid is not None else directory.anonymous(session, content_hash({"k": it.source_key})[:24], now)
        for it, pid in zip(items, pids, strict=True)
    ]
    connected = set(session.scalars(select(Connection.person_id).where(Connection.person_id.in_(person_ids))))
    keys = [it.source_key for it in items]
    existing: dict[str, tuple[int, str]] = {
        key: (rid, digest)
        for rid, key, digest in session.execute(
            select(Request.id, Request.source_key, Request.content_hash).where(Request.source_key.in_(keys))
        )
    }
    screening = _Screening(screener, policy, now)
    to_screen: list[tuple[int, ContactRequest, CoreVerdict | None]] = []
    rescreen: list[tuple[int, ContactRequest, CoreVerdict | None]] = []
    plan: list[tuple[str, int]] = []
    for it, pid in zip(items, person_ids, strict=True):
        payload = request_to_contract(it.request)
        digest = content_hash(payload)
        old = existing.get(it.source_key)
        if old is None and it.request.platform is Platform.LINKEDIN and it.source == SOURCE_IMAP:
            twin = _find_twin(session, pid, it.request.received_at)
            if twin is not None:
                if _enrich_twin(twin, it.request, now):
                    rescreen.append((twin.id, _twin_request(twin), None))
                plan.append(("twin", twin.id))
                continue
        status = CONNECTED if pid in connected else PENDING
        values: dict[str, Any] = {
            "person_id": pid, "platform": it.request.platform.value, "note": it.request.note,
            "received_at": it.request.received_at, "payload": payload, "content_hash": digest,
            "updated_at": now,
        }  # fmt: skip
        if old is None:
            rid = session.scalars(
                insert(Request).returning(Request.id),
                [{"public_id": it.public_id, "source_key": it.source_key, "source": it.source,
                  "direction": INCOMING, "status": status, "created_at": now, **values}],
            ).one()  # fmt: skip
            existing[it.source_key] = (rid, digest)
            to_screen.append((rid, it.request, it.verdict))
            plan.append(("new", rid))
        elif old[1] == digest:
            plan.append(("unchanged", old[0]))
        else:
            session.execute(update(Request).where(Request.id == old[0]).values(**values))
            existing[it.source_key] = (old[0], digest)
            rescreen.append((old[0], it.request, it.verdict))
            plan.append(("updated", old[0]))
    if to_screen:
        session.execute(insert(Verdict), screening.rows(session, to_screen))
    if rescreen:
        session.execute(delete(Verdict).where(Verdict.request_id.in_([rid for rid, _, _ in rescreen])))
        session.execute(insert(Verdict), screening.rows(session, rescreen))
    return _outcomes(session, plan)


def _outcomes(session: Session, plan: Sequence[tuple[str, int]]) -> list[Stored]:
    ids = [rid for _, rid in plan]
    rows = {
        r.id: (r, v)
        for r, v in session.execute(
            select(Request, Verdict)
            .outerjoin(Verdict, Verdict.request_id == Request.id)
            .where(Request.id.in_(ids))
        ).all()
    }
    decided = latest_decisions(session, ids)
    out: list[Stored] = []
    for outcome, rid in plan:
        req, verdict = rows[rid]
        d = decided.get(rid)
        out.append(
            Stored(
                outcome, rid, req.public_id,
                Action(verdict.action) if verdict is not None else None,
                verdict.category if verdict is not None else None,
                verdict.score if verdict is not None else None,
                d.action if d is not None else None,
                d.note if d is not None else None,
            )
        )  # fmt: skip
    return out


def _enrich_twin(twin: Request, mail: ContactRequest, now: datetime) -> bool:
    """Give an export row what only the mail knows (the headline); its content hash stays the
    export's, so re-importing the same export still skips the row."""
    payload = dict(twin.payload)
    sender = dict(payload.get("sender") or {})
    changed = False
    if mail.sender.headline and not sender.get("headline"):
        sender["headline"] = mail.sender.headline
        changed = True
    if mail.note and not payload.get("note"):
        payload["note"] = mail.note
        twin.note = mail.note
        changed = True
    if changed:
        payload["sender"] = sender
        twin.payload = payload
        twin.updated_at = now
    return changed


def _twin_request(twin: Request) -> ContactRequest:
    return parse_request(twin.payload, default_id=twin.public_id)


def reconcile_mail_invitations(
    session: Session, *, screener: Callable[[], Screener], policy: Policy, now: datetime
) -> int:
    """Fold requests made from invitation mails into the same invitation imported later from a
    LinkedIn export: decisions move over, the export row learns the headline; returns how many."""
    mail_rows = list(
        session.scalars(
            select(Request).where(
                Request.source == SOURCE_IMAP,
                Request.platform == Platform.LINKEDIN.value,
                Request.direction == INCOMING,
            )
        )
    )
    merged = 0
    rescreen: list[tuple[int, ContactRequest, CoreVerdict | None]] = []
    for row in mail_rows:
        twin = _find_twin(session, row.person_id, row.received_at)
        if twin is None:
            continue
        session.execute(
            update(Decision)
            .where(Decision.request_id == row.id)
            .values(request_id=twin.id)
            .execution_options(synchronize_session=False)
        )
        if _enrich_twin(twin, parse_request(row.payload, default_id=row.public_id), now):
            rescreen.append((twin.id, _twin_request(twin), None))
        session.execute(delete(Request).where(Request.id == row.id))
        merged += 1
    if rescreen:
        session.flush()
        screening = _Screening(screener, policy, now)
        session.execute(delete(Verdict).where(Verdict.request_id.in_([rid for rid, _, _ in rescreen])))
        session.execute(insert(Verdict), screening.rows(session, rescreen))
    return merged


def mark_connected(session: Session, request_id: int, now: datetime) -> None:
    """The request was accepted on the platform (a Mastodon follow request authorized)."""
    session.execute(update(Request).where(Request.id == request_id).values(status=CONNECTED, updated_at=now))


__all__ = [
    "SOURCE_EXPORT",
    "SOURCE_IMAP",
    "SOURCE_MASTODON",
    "TWIN_WINDOW",
    "IncomingRequest",
    "Stored",
    "content_hash",
    "mark_connected",
    "reconcile_mail_invitations",
    "store_requests",
]
