"""JSON Lines in the screen contract: exactly its fields in, problems as file:line:field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract import read_jsonl
from ..model import ContactRequest
from .linkedin_export import RowProblem


class JsonlError(Exception):
    """The file cannot be read at all (missing, a folder, not UTF-8)."""


@dataclass
class JsonlRequests:
    """The requests of one file, in file order, with their line numbers, and the lines that failed."""

    requests: list[tuple[int, ContactRequest]]
    problems: list[RowProblem] = field(default_factory=list)


def request_to_contract(req: ContactRequest) -> dict[str, Any]:
    """The screen contract's object for a request: what `contract.parse_request` reads back unchanged."""
    s, r = req.sender, req.recipient
    return {
        "id": req.id,
        "platform": req.platform.value,
        "note": req.note,
        "received_at": req.received_at.isoformat() if req.received_at else None,
        "sender": {
            "name": s.name, "headline": s.headline, "job_title": s.job_title, "company": s.company,
            "location": s.location, "profile_url": s.profile_url, "mutual_contacts": s.mutual_contacts,
            "connections_visible": s.connections_visible, "connections_count": s.connections_count,
            "has_photo": s.has_photo, "account_age_days": s.account_age_days,
        },
        "recipient": {
            "name": r.name, "headline": r.headline, "interests": list(r.interests),
            "partnership": r.partnership, "known_people": list(r.known_people),
        },
    }  # fmt: skip


def compact_contract(req: ContactRequest) -> dict[str, Any]:
    """The screen-contract object without the fields that are unknown (None) or empty: what the store
    keeps; `contract.parse_request` reads it back to the same request."""
    full = request_to_contract(req)
    out = {k: v for k, v in full.items() if v is not None and k not in ("sender", "recipient")}
    for side in ("sender", "recipient"):
        known = {k: v for k, v in full[side].items() if v is not None and v != []}
        if known:
            out[side] = known
    return out


def read_requests(path: Path, shown: str | None = None) -> JsonlRequests:
    """Every line of a JSON Lines file parsed with the screen contract; bad lines become problems."""
    name = shown or str(path)
    if not path.exists():
        raise JsonlError(f"{name}: no such file")
    if path.is_dir():
        raise JsonlError(f"{name}: is a folder, expected a JSON Lines file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise JsonlError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    out = JsonlRequests([])
    # Split on newlines only: str.splitlines would also cut at U+2028, which JSON strings may hold raw.
    for line in read_jsonl(text.removeprefix("\ufeff").split("\n"), name):
        if line.error is not None:
            out.problems.append(RowProblem(name, line.number, line.error.field, line.error.message))
        elif line.request is not None:
            out.requests.append((line.number, line.request))
    return out


__all__ = ["JsonlError", "JsonlRequests", "compact_contract", "read_requests", "request_to_contract"]
