"""Reminders: what is due now, from plain data and an explicit clock (no I/O here).

Two kinds, from the seeds: an ask-back that got no answer within a week suggests ignoring the request
(seeds 003, 004: whoever does not answer the question has settled it); a new connection with no
conversation a week later suggests a short follow-up message (seed 001).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

ASK_BACK_UNANSWERED = "ask_back_unanswered"
FOLLOW_UP = "follow_up"


@dataclass(frozen=True, slots=True)
class AskBack:
    """The owner asked a requester who they are and why (their latest decision was ask_back)."""

    request_id: str
    person_id: int
    person: str
    asked_at: datetime
    still_pending: bool


@dataclass(frozen=True, slots=True)
class NewConnection:
    """Someone the owner is connected with since `connected_on`."""

    person_id: int
    person: str
    connected_on: date


@dataclass(frozen=True, slots=True)
class Contact:
    """A message exchanged with a person ("in": from them, "out": from the owner)."""

    person_id: int
    direction: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Reminder:
    """Something due: what, about whom, since when, and what to do."""

    kind: str
    person: str
    request_id: str | None
    since: datetime
    due: datetime
    suggestion: str  # "ignore" or "send_follow_up"
    reason_de: str
    reason_en: str


def due_reminders(
    ask_backs: Iterable[AskBack],
    connections: Iterable[NewConnection],
    contacts: Sequence[Contact],
    now: datetime,
    *,
    ask_back_days: int = 7,
    follow_up_days: int = 7,
    window_days: int = 30,
) -> list[Reminder]:
    """Every reminder due at `now`, oldest first."""
    answers: dict[int, list[Contact]] = {}
    for c in contacts:
        answers.setdefault(c.person_id, []).append(c)
    out: list[Reminder] = []
    for ab in ask_backs:
        due = ab.asked_at + timedelta(days=ask_back_days)
        if not ab.still_pending or due > now:
            continue
        if any(c.direction == "in" and c.at > ab.asked_at for c in answers.get(ab.person_id, ())):
            continue
        out.append(
            Reminder(
                ASK_BACK_UNANSWERED, ab.person, ab.request_id, ab.asked_at, due, "ignore",
                f"Keine Antwort auf Ihre Rückfrage seit {ask_back_days} Tagen: die Anfrage ignorieren.",
                f"No answer to your question in {ask_back_days} days: ignore the request.",
            )
        )  # fmt: skip
    oldest = now - timedelta(days=window_days)
    for con in connections:
        since = datetime.combine(con.connected_on, time.min, tzinfo=UTC)
        due = since + timedelta(days=follow_up_days)
        if since < oldest or due > now:
            continue
        if any(c.at >= since for c in answers.get(con.person_id, ())):
            continue
        out.append(
            Reminder(
                FOLLOW_UP, con.person, None, since, due, "send_follow_up",
                f"Seit {con.connected_on:%d.%m.%Y} vernetzt und noch kein Gespräch: eine kurze Nachricht schreiben.",
                f"Connected since {con.connected_on:%Y-%m-%d} and no conversation yet: send a short follow-up message.",
            )
        )  # fmt: skip
    out.sort(key=lambda r: (r.due, r.person))
    return out


__all__ = [
    "ASK_BACK_UNANSWERED",
    "FOLLOW_UP",
    "AskBack",
    "Contact",
    "NewConnection",
    "Reminder",
    "due_reminders",
]
