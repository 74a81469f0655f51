"""Moderation events: parsing and validation of the JSON contract, with errors naming source, line and field."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from operator import methodcaller
from typing import Any, NamedTuple, cast

INVITATION_SENT = "invitation_sent"
INVITATION_ACCEPTED = "invitation_accepted"
INVITATION_IGNORED = "invitation_ignored"
INVITATION_REPORTED = "invitation_reported"

#: Canonical event type strings; looking a raw type up here both validates it and interns it.
EVENT_TYPES: dict[str, str] = {
    t: t for t in (INVITATION_SENT, INVITATION_ACCEPTED, INVITATION_IGNORED, INVITATION_REPORTED)
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FIELDS = ("id", "type", "sender", "recipient", "at")
_MAX_TEXT = 512


class Event(NamedTuple):
    """One event; `at` is microseconds since the Unix epoch (UTC), so tuples sort in order of effect."""

    at: int
    id: str
    type: str
    sender: str
    recipient: str

    def to_json(self) -> dict[str, str]:
        """The event as its JSON contract object."""
        return {
            "id": self.id,
            "type": self.type,
            "sender": self.sender,
            "recipient": self.recipient,
            "at": format_timestamp(self.at),
        }


class EventError(ValueError):
    """A rejected event; `field` names the culprit, `line` is 1-based where the event came from a file."""

    def __init__(self, field: str, message: str, *, source: str = "", line: int | None = None) -> None:
        self.field = field
        self.message = message
        self.source = source
        self.line = line
        super().__init__(self.describe())

    def located(self, source: str, line: int | None) -> EventError:
        """The same error, placed in a file and line."""
        return EventError(self.field, self.message, source=source, line=line)

    def describe(self) -> str:
        """`source:line: field: message`, leaving out what is unknown."""
        where = self.source or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


def parse_timestamp(value: str, field: str = "at") -> int:
    """ISO 8601 with a UTC offset to microseconds since the epoch; naive times are rejected, not guessed."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise EventError(field, f"not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise EventError(field, f"timestamp without a UTC offset: {value!r} (add 'Z' or '+00:00')")
    return (parsed - _EPOCH) // _MICROSECOND


def format_timestamp(us: int) -> str:
    """Microseconds since the epoch as ISO 8601 UTC with a 'Z', microseconds only when present."""
    moment = _EPOCH + timedelta(microseconds=us)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        raise EventError(key, "missing")
    if not isinstance(value, str):
        raise EventError(key, f"expected a string, got {type(value).__name__}")
    if not value or value.isspace():
        raise EventError(key, "empty")
    if len(value) > _MAX_TEXT:
        raise EventError(key, f"longer than {_MAX_TEXT} characters")
    return value


def parse_event(obj: Any) -> Event:
    """Validates one decoded JSON value as an event; raises EventError naming the first bad field."""
    if not isinstance(obj, dict):
        raise EventError("", f"expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(_FIELDS))
    if unknown:
        raise EventError(unknown[0], "unknown field (allowed: id, type, sender, recipient, at)")
    event_id = _text(obj, "id")
    raw_type = _text(obj, "type")
    event_type = EVENT_TYPES.get(raw_type)
    if event_type is None:
        raise EventError("type", f"unknown event type {raw_type!r} (known: {', '.join(EVENT_TYPES)})")
    sender = _text(obj, "sender")
    recipient = _text(obj, "recipient")
    at = parse_timestamp(_text(obj, "at"))
    return Event(at, event_id, event_type, sender, recipient)


# The replay fast path: a canonical line (fields in contract order, plain strings without escapes or
# control characters, JSON whitespace only) decodes to exactly what json.loads would give, four times
# faster. Anything else falls back to json.loads and the full validator.
_WS = r"[ \t\n\r]*"
# The first character may not be whitespace (Python's \s is exactly str.isspace), so a matched value
# is never blank; a value with leading whitespace just takes the full path.
_STR = r'"([^\s"\\\x00-\x1f][^"\\\x00-\x1f]{0,511})"'
_MEMBERS = (_WS + "," + _WS).join(f'"{name}"{_WS}:{_WS}{_STR}' for name in _FIELDS)
_CANONICAL = re.compile(_WS + r"\{" + _WS + _MEMBERS + _WS + r"\}" + _WS + r"\Z")
_match_canonical = _CANONICAL.match
_fromisoformat = datetime.fromisoformat
# NamedTuple.__new__ is a Python-level function; building the tuple directly skips a frame per event.
_new_tuple = tuple.__new__


def parse_line(line: str) -> Event:
    """Parses one JSON Lines record; raises EventError (without source or line, the caller adds them)."""
    match = _match_canonical(line)
    if match is not None:
        event_id, raw_type, sender, recipient, at = match.groups()
        event_type = EVENT_TYPES.get(raw_type)
        if event_type is not None:
            try:
                moment = _fromisoformat(at)
            except ValueError:
                moment = None  # the full path below names the problem
            if moment is not None and moment.tzinfo is not None:
                at_us = (moment - _EPOCH) // _MICROSECOND
                return _new_tuple(Event, (at_us, event_id, event_type, sender, recipient))
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventError("", f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    return parse_event(obj)


# The bulk fast path: one regex pass over a whole block of lines instead of one call per line, then
# C-level maps and one numpy conversion for the timestamps. It accepts only what json.dumps writes by
# default or compactly (`": "` or `":"`, `", "` or `","`), with the same value rules as _STR, and `at`
# strictly as YYYY-MM-DDTHH:MM:SS[.ffffff] in UTC ("Z" or "+00:00"), so every line it accepts decodes
# exactly as json.loads plus parse_event would; anything else sends the block down the per-line path.
# For that shape numpy's datetime64 parser and datetime.fromisoformat agree: both reject an invalid
# month, day, hour, minute or second, and year 0 never matches. Each match consumes exactly one line.
_STRICT_UTC = r'"((?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?)(?:Z|\+00:00)"'
_BULK_ROW = re.compile(
    r"\{"
    + ", ?".join(f'"{name}": ?{_STR}' for name in _FIELDS[:-1])
    + f', ?"at": ?{_STRICT_UTC}'
    + r"\}\r?\n|(.*)\n"
)
_findall_rows = _BULK_ROW.findall
_ends_with_newline = methodcaller("endswith", "\n")

#: An event as a plain tuple in Event's field order (what the bulk path yields: no per-event NamedTuple).
EventRow = tuple[int, str, str, str, str]


def parse_chunk(lines: Sequence[str]) -> list[EventRow] | None:
    """Parses a chunk of canonical JSON Lines records in one go; None when any line needs the per-line
    path (a blank, malformed or non-canonical line, or an element that is not exactly one line)."""
    if not lines:
        return []
    text = "".join(lines)
    if not newlines_only(text) or text.count("\n") != len(lines) or not all(map(_ends_with_newline, lines)):
        return None
    return parse_block(text, len(lines))


def newlines_only(text: str) -> bool:
    """True when every "\r" in the text is part of a "\r\n", so lines end exactly at each "\n"."""
    return "\r" not in text or text.count("\r") == text.count("\r\n")


def parse_block(text: str, n_lines: int) -> list[EventRow] | None:
    """Parses `n_lines` canonical records from a text whose lines all end in "\n" (or "\r\n") and
    which holds no other "\r"; None when any line needs the per-line path."""
    if not n_lines:
        return []
    rows = _findall_rows(text)
    if len(rows) != n_lines:
        return None
    ids, raw_types, senders, recipients, ats, _rest = zip(*rows, strict=True)
    if "" in ids:  # a line that only the catch-all alternative matched
        return None
    types = cast(list[str], list(map(EVENT_TYPES.get, raw_types)))
    if None in types:
        return None
    import numpy as np  # only the bulk path needs it; the API and the CLI start without it

    try:
        at_us: list[int] = np.array(ats, dtype="datetime64[us]").astype(np.int64).tolist()
    except ValueError:  # an impossible date or time: the per-line path names it
        return None
    return list(zip(at_us, ids, types, senders, recipients, strict=True))


class BadLine(NamedTuple):
    """A line that was rejected, with the reason."""

    line: int
    error: EventError


def read_events(lines: Iterable[str], source: str) -> Iterator[tuple[int, Event] | BadLine]:
    """Yields (line number, event) or BadLine for every non-blank line; nothing is dropped silently."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, parse_line(line)
        except EventError as exc:
            yield BadLine(number, exc.located(source, number))
