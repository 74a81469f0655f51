"""The screen contract: JSON objects in, JSON objects out, with errors that name line and field."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .model import ContactRequest, Platform, RecipientContext, SenderProfile, Verdict


class ContractError(ValueError):
    """A request that does not fit the screen contract; `field` is the dotted path of the culprit."""

    def __init__(self, field: str, message: str, *, source: str = "", line: int | None = None) -> None:
        self.field = field
        self.message = message
        self.source = source
        self.line = line
        super().__init__(self.describe())

    def describe(self) -> str:
        """`file:line: field: message`, leaving out what is unknown."""
        where = self.source or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


def _opt_str(obj: dict[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ContractError(path + key, f"expected a string or null, got {type(value).__name__}")
    return value


def _opt_int(obj: dict[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContractError(path + key, f"expected an integer or null, got {type(value).__name__}")
    if value < 0:
        raise ContractError(path + key, f"must not be negative, got {value}")
    return value


def _opt_bool(obj: dict[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ContractError(path + key, f"expected true, false or null, got {type(value).__name__}")
    return value


def _sub(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ContractError(key, f"expected an object, got {type(value).__name__}")
    return value


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ContractError("received_at", f"expected an ISO 8601 string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ContractError("received_at", f"not an ISO 8601 time: {value!r}") from None


def parse_request(obj: Any, *, default_id: str = "") -> ContactRequest:
    """Turn one screen-contract object into a ContactRequest; unknown fields are ignored."""
    if not isinstance(obj, dict):
        raise ContractError("", f"expected a JSON object, got {type(obj).__name__}")
    raw_id = obj.get("id", default_id)
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id:
        raise ContractError("id", "expected a non-empty string")
    platform_raw = obj.get("platform", "other")
    if platform_raw is None:
        platform_raw = "other"
    if not isinstance(platform_raw, str):
        raise ContractError("platform", f"expected a string, got {type(platform_raw).__name__}")
    try:
        platform = Platform(platform_raw.lower())
    except ValueError:
        allowed = "|".join(p.value for p in Platform)
        raise ContractError("platform", f"unknown platform {platform_raw!r} (allowed: {allowed})") from None
    note = obj.get("note")
    if note is not None and not isinstance(note, str):
        raise ContractError("note", f"expected a string or null, got {type(note).__name__}")
    s = _sub(obj, "sender")
    sender = SenderProfile(
        name=_opt_str(s, "name", "sender."),
        headline=_opt_str(s, "headline", "sender."),
        job_title=_opt_str(s, "job_title", "sender."),
        company=_opt_str(s, "company", "sender."),
        location=_opt_str(s, "location", "sender."),
        profile_url=_opt_str(s, "profile_url", "sender."),
        mutual_contacts=_opt_int(s, "mutual_contacts", "sender."),
        connections_visible=_opt_bool(s, "connections_visible", "sender."),
        connections_count=_opt_int(s, "connections_count", "sender."),
        has_photo=_opt_bool(s, "has_photo", "sender."),
        account_age_days=_opt_int(s, "account_age_days", "sender."),
    )
    r = _sub(obj, "recipient")
    interests = r.get("interests") or ()
    if isinstance(interests, str):
        interests = (interests,)
    if not isinstance(interests, list | tuple) or not all(isinstance(i, str) for i in interests):
        raise ContractError("recipient.interests", "expected a list of strings")
    known = r.get("known_people") or ()
    if not isinstance(known, list | tuple) or not all(isinstance(i, str) for i in known):
        raise ContractError("recipient.known_people", "expected a list of strings")
    recipient = RecipientContext(
        name=_opt_str(r, "name", "recipient."),
        headline=_opt_str(r, "headline", "recipient."),
        interests=tuple(interests),
        partnership=_opt_bool(r, "partnership", "recipient."),
        known_people=tuple(known),
    )
    return ContactRequest(
        id=raw_id,
        platform=platform,
        note=note,
        received_at=_parse_time(obj.get("received_at")),
        sender=sender,
        recipient=recipient,
    )


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a JSON Lines input: the request, the raw object, or the error that stopped it."""

    number: int
    request: ContactRequest | None
    raw: dict[str, Any] | None
    error: ContractError | None


def read_jsonl(lines: Iterable[str], source: str) -> Iterator[Line]:
    """Parse JSON Lines; bad lines come back as errors naming source, line and field."""
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            err = ContractError(
                "", f"not valid JSON ({exc.msg} at column {exc.colno})", source=source, line=number
            )
            yield Line(number, None, None, err)
            continue
        try:
            req = parse_request(obj, default_id=f"line-{number}")
        except ContractError as exc:
            exc.source, exc.line = source, number
            exc.args = (exc.describe(),)
            yield Line(number, None, obj if isinstance(obj, dict) else None, exc)
            continue
        yield Line(number, req, obj, None)


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """The screen contract's output object for one verdict (reasons in the verdict's language)."""
    return {
        "id": verdict.request_id,
        "category": verdict.category.value,
        "confidence": round(verdict.confidence, 4),
        "score": verdict.score,
        "action": verdict.action.value,
        "lang": verdict.lang,
        "signals": [
            {"id": h.id, "weight": round(h.weight, 3), "reason": h.reason(verdict.lang)}
            for h in verdict.signals
        ],
    }
