"""The REST API's documented shapes (OpenAPI): the screen contract's request schema and response models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..model import Action, Category, Platform


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


# Counts beyond this are not real profiles; the API refuses them instead of feeding the model nonsense.
MAX_COUNT = 1_000_000_000

# A conservative subset of what `datetime.fromisoformat` reads (days 29-31 left out so that every string
# the schema allows is a real date): generated test data must always be accepted.
RECEIVED_AT_PATTERN = (
    r"^[12]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)

_SENDER: dict[str, Any] = {
    "type": "object",
    "description": "What the recipient can see of the sender; every field may be null (unknown).",
    "properties": {
        **{
            k: _nullable({"type": "string"})
            for k in ("name", "headline", "job_title", "company", "location", "profile_url")
        },
        **{
            k: _nullable({"type": "integer", "minimum": 0, "maximum": MAX_COUNT})
            for k in ("mutual_contacts", "connections_count", "account_age_days")
        },
        **{k: _nullable({"type": "boolean"}) for k in ("connections_visible", "has_photo")},
    },
}

_RECIPIENT: dict[str, Any] = {
    "type": "object",
    "description": "The recipient's own context (used for personalisation and partnership checks).",
    "properties": {
        "name": _nullable({"type": "string"}),
        "headline": _nullable({"type": "string"}),
        "interests": _nullable(
            {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
        ),
        "partnership": _nullable({"type": "boolean"}),
        "known_people": _nullable({"type": "array", "items": {"type": "string"}}),
    },
}

SCREEN_REQUEST: dict[str, Any] = {
    "type": "object",
    "title": "ContactRequest",
    "description": "One request in the screen contract; unknown fields are ignored. A missing id becomes "
    "the request's position in the call (0, 1, …).",
    "properties": {
        "id": {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 200}, {"type": "integer"}]},
        "platform": _nullable({"type": "string", "enum": [p.value for p in Platform]}),
        "note": _nullable({"type": "string"}),
        "received_at": _nullable(
            {
                "type": "string",
                "description": "ISO 8601 time; the pattern is a safe subset (any valid ISO time is accepted).",
                "pattern": RECEIVED_AT_PATTERN,
            }
        ),
        "sender": _nullable(_SENDER),
        "recipient": _nullable(_RECIPIENT),
    },
    "example": {
        "id": "r1",
        "platform": "linkedin",
        "note": "Hallo Frau Vogt, wir haben uns gestern beim HR-Barcamp in Köln unterhalten.",
        "received_at": "2026-11-02T09:15:00+01:00",
        "sender": {"name": "Jonas Brenner", "mutual_contacts": 14},
        "recipient": {"name": "Katrin Vogt"},
    },
}


def screen_body_schema(max_batch: int) -> dict[str, Any]:
    """POST /api/v1/screen's body: one request or a list of them."""
    return {
        "anyOf": [
            SCREEN_REQUEST,
            {"type": "array", "items": SCREEN_REQUEST, "minItems": 0, "maxItems": max_batch},
        ]
    }


class ErrorItem(BaseModel):
    """One problem with the input; `loc` is the path to the field."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Errors: a message, or a list of problems each naming the field."""

    detail: str | list[ErrorItem]


class SignalOut(BaseModel):
    """A signal that fired, with its weight and reason in the verdict's language."""

    id: str
    weight: float
    reason: str


class VerdictOut(BaseModel):
    """The screen contract's verdict."""

    id: str
    category: Category
    confidence: float
    score: int
    action: Action
    lang: str
    signals: list[SignalOut]


class DecisionOut(BaseModel):
    """A recorded decision; `correction` when it differs from the recommendation."""

    id: int
    request_id: str
    action: Action
    recommended: Action | None
    correction: bool
    note: str | None
    decided_at: datetime


class DecisionIn(BaseModel):
    """What the owner did with a request."""

    action: Action
    note: str | None = Field(default=None, max_length=2000)


class InboxItemOut(BaseModel):
    """One incoming request as the inbox shows it."""

    id: str
    name: str | None
    headline: str | None
    platform: str
    note: str | None
    received_at: datetime | None
    status: str
    category: Category | None
    confidence: float | None
    score: int | None
    action: Action | None = Field(description="The recommended action (after the personal layer).")
    core_action: Action | None = Field(description="The shipped model's and policy's action.")
    reasons: list[str]
    decision: DecisionOut | None


class InboxPage(BaseModel):
    """A page of the inbox, most urgent first."""

    total: int
    limit: int
    offset: int
    items: list[InboxItemOut]


class StoredSignal(BaseModel):
    """A signal as stored with the verdict: reasons in both languages."""

    id: str
    group: str
    weight: float
    reason_de: str
    reason_en: str


class DraftOut(BaseModel):
    """A reply draft."""

    action: Action
    text: str
    lang: str
    register_: str = Field(alias="register", description="du or sie")
    template: str
    send_advised: bool


class RequestDetailOut(InboxItemOut):
    """One request with everything the detail page shows."""

    direction: Literal["incoming", "outgoing"] | str
    payload: dict[str, Any]
    signals: list[StoredSignal]
    probabilities: dict[str, float]
    policy_rule: str | None
    decisions: list[DecisionOut]
    draft: DraftOut | None


class FileCountsOut(BaseModel):
    """Rows of one imported file."""

    file: str
    new: int
    updated: int
    skipped: int
    rejected: int


class ProblemOut(BaseModel):
    """A row the importer could not read."""

    file: str
    line: int
    field: str
    message: str


class ImportSummaryOut(BaseModel):
    """What an import did."""

    source: str
    kind: str
    files: list[FileCountsOut]
    total: FileCountsOut
    screened: int
    now_connected: int
    resumed_from: str | None
    problems: list[ProblemOut]
    learned: str | None


class WeekOut(BaseModel):
    """One week's incoming requests."""

    week: date
    total: int
    without_note: int
    by_category: dict[str, int]


class PhraseOut(BaseModel):
    """A pitch phrase and how often it was seen."""

    phrase: str
    count: int


class RateOut(BaseModel):
    """Sent and accepted invitations."""

    sent: int
    accepted: int
    rate: float | None


class BandOut(RateOut):
    """Acceptance for one band of the coach's note score."""

    band: str


class SentOut(BaseModel):
    """Acceptance of the owner's own invitations."""

    total: RateOut
    with_note: RateOut
    without_note: RateOut
    by_score_band: list[BandOut]


class StatsOut(BaseModel):
    """The statistics page's numbers."""

    incoming: int
    decided: int
    without_note: int
    weeks: list[WeekOut]
    pitch_phrases: list[PhraseOut]
    sent: SentOut


__all__ = [
    "SCREEN_REQUEST",
    "DecisionIn",
    "DecisionOut",
    "ErrorOut",
    "ImportSummaryOut",
    "InboxItemOut",
    "InboxPage",
    "RequestDetailOut",
    "StatsOut",
    "VerdictOut",
    "screen_body_schema",
]
