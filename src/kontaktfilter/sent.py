"""Sent-invitation analytics from the user's LinkedIn export (seed 001): acceptance and what to follow up.

OUTGOING invitations joined with Connections.csv give acceptance with and without a note and by coach score.
"""

# An invitation counts as accepted when its invitee appears among the connections (by canonical
# profile URL, by full name when a URL is missing) no earlier than the day before it was sent.

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from .coach import Account, Coach, DraftNote, RecipientProfile
from .model import ContactRequest, Platform, SenderProfile
from .replies import ReplyRenderer, ReplySettings, detect_register
from .signals import analyse
from .sources.linkedin_export import Connection, ExportError, Invitation, LinkedInExport, read_export

Suggestion = Literal["follow_up", "withdraw"]
NO_NOTE = "no note"
# Score bands of the coach (the recipient filter's 0-100 score of the note).
BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-39", 0, 39),
    ("40-59", 40, 59),
    ("60-79", 60, 79),
    ("80-100", 80, 100),
)
# A new connection with no conversation is worth a nudge after a week, not after a year.
QUIET_WINDOW_DAYS = 60


class SentError(ValueError):
    """The export cannot be analysed; the message names the path."""


@dataclass(frozen=True, slots=True)
class Rate:
    """How many invitations were sent and how many of them were accepted."""

    sent: int = 0
    accepted: int = 0

    @property
    def rate(self) -> float | None:
        """Accepted share, or None when nothing was sent."""
        return self.accepted / self.sent if self.sent else None

    def add(self, accepted: bool) -> Rate:
        """This rate with one more invitation counted."""
        return Rate(self.sent + 1, self.accepted + int(accepted))

    def to_dict(self) -> dict[str, Any]:
        """Counts and the rate rounded to four places."""
        r = self.rate
        return {"sent": self.sent, "accepted": self.accepted, "rate": round(r, 4) if r is not None else None}


@dataclass(frozen=True, slots=True)
class SentInvitation:
    """One outgoing invitation with its outcome and the coach's score of its note."""

    to_name: str
    invitee_url: str | None
    sent_at: datetime
    note: str | None
    accepted: bool
    connected_on: date | None
    score: int | None
    band: str
    line: int


@dataclass(frozen=True, slots=True)
class Pending:
    """An invitation still open after the waiting period, with what to do about it."""

    invitation: SentInvitation
    days: int
    suggestion: Suggestion
    draft: str | None  # a friendly follow-up text for `follow_up`


@dataclass(frozen=True, slots=True)
class Quiet:
    """An accepted invitation after which neither side has written."""

    invitation: SentInvitation
    days_since: int


@dataclass
class SentReport:
    """Everything `kontaktfilter sent` prints."""

    as_of: datetime
    pending_days: int
    total: Rate
    with_note: Rate
    without_note: Rate
    by_band: dict[str, Rate]
    pending: list[Pending]
    quiet: list[Quiet] | None  # None when the export has no messages.csv
    invitations: list[SentInvitation]
    matched_any: bool
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the web app's statistics page reads the same)."""
        return {
            "as_of": self.as_of.isoformat(),
            "total": self.total.to_dict(),
            "with_note": self.with_note.to_dict(),
            "without_note": self.without_note.to_dict(),
            "by_score_band": [{"band": b, **r.to_dict()} for b, r in self.by_band.items()],
            "pending": [
                {
                    "to": p.invitation.to_name,
                    "url": p.invitation.invitee_url,
                    "sent_at": p.invitation.sent_at.isoformat(),
                    "days": p.days,
                    "has_note": p.invitation.note is not None,
                    "score": p.invitation.score,
                    "suggestion": p.suggestion,
                    "draft": p.draft,
                }
                for p in self.pending
            ],
            "quiet": None
            if self.quiet is None
            else [
                {"to": q.invitation.to_name, "url": q.invitation.invitee_url, "days_since": q.days_since}
                for q in self.quiet
            ],
            "matched_any": self.matched_any,
        }


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def band_of(score: int | None) -> str:
    """The score band label for a note's coach score; "no note" for None."""
    if score is None:
        return NO_NOTE
    for label, lo, hi in BANDS:
        if lo <= score <= hi:
            return label
    raise ValueError(f"score out of range: {score}")


def _match(
    inv: Invitation, by_url: dict[str, Connection], by_name: dict[str, list[Connection]]
) -> Connection | None:
    conn = by_url.get(inv.invitee_url) if inv.invitee_url else None
    if conn is None and inv.to_name:
        # Names are ambiguous; only a name that occurs once among the connections counts.
        same = by_name.get(_name_key(inv.to_name), [])
        if len(same) == 1 and (inv.invitee_url is None or same[0].url is None):
            conn = same[0]
    if conn is not None and conn.connected_on < inv.sent_at.date() - timedelta(days=1):
        return None
    return conn


def analyse_sent(
    export: LinkedInExport,
    *,
    now: datetime,
    coach: Coach | None = None,
    pending_days: int = 7,
    withdraw_days: int = 21,
    renderer: ReplyRenderer | None = None,
    default_lang: str = "en",
) -> SentReport:
    """Join OUTGOING invitations with connections and summarise; `now` is the reference time (aware)."""
    outgoing = sorted((i for i in export.invitations if i.direction == "OUTGOING"), key=lambda i: i.sent_at)
    by_url = {c.url: c for c in export.connections if c.url}
    by_name: dict[str, list[Connection]] = {}
    for c in export.connections:
        by_name.setdefault(_name_key(f"{c.first_name} {c.last_name}"), []).append(c)

    owner = export.profile
    sender = SenderProfile(
        name=f"{owner.first_name} {owner.last_name}".strip() if owner else None,
        headline=owner.headline if owner else None,
    )
    # The coach scores each note the way the invitee's filter would have seen it (index -> score).
    noted = [n for n, inv in enumerate(outgoing) if inv.message and inv.message.strip()]
    scores: dict[int, int] = {}
    if noted:
        checker = coach or Coach()
        drafts = [
            DraftNote(
                note=outgoing[n].message,
                recipient=RecipientProfile(name=outgoing[n].to_name or None),
                sender=sender,
                platform=Platform.LINKEDIN,
                account=Account.PREMIUM,
            )
            for n in noted
        ]
        for n, rep in zip(noted, checker.check_many(drafts), strict=True):
            scores[n] = rep.score

    rows: list[SentInvitation] = []
    total = with_note = without_note = Rate()
    by_band: dict[str, Rate] = {label: Rate() for label, _, _ in BANDS}
    by_band[NO_NOTE] = Rate()
    for n, inv in enumerate(outgoing):
        conn = _match(inv, by_url, by_name)
        accepted = conn is not None
        has_note = n in scores
        score = scores.get(n)
        band = band_of(score)
        rows.append(
            SentInvitation(
                to_name=inv.to_name,
                invitee_url=inv.invitee_url,
                sent_at=inv.sent_at,
                note=inv.message if has_note else None,
                accepted=accepted,
                connected_on=conn.connected_on if conn else None,
                score=score,
                band=band,
                line=inv.line,
            )
        )
        total = total.add(accepted)
        if has_note:
            with_note = with_note.add(accepted)
        else:
            without_note = without_note.add(accepted)
        by_band[band] = by_band[band].add(accepted)

    r = renderer or ReplyRenderer(ReplySettings(name=sender.name))
    pending: list[Pending] = []
    for row in rows:
        days = (now - row.sent_at).days
        if row.accepted or days < pending_days:
            continue
        if days >= withdraw_days:
            pending.append(Pending(row, days, "withdraw", None))
            continue
        a = analyse(ContactRequest(id="sent", platform=Platform.LINKEDIN, note=row.note))
        lang = a.lang if row.note else default_lang
        register = detect_register(a) or ("sie" if lang == "de" else "du")
        draft = r.follow_up(row.to_name, days, lang=lang, register=register)
        pending.append(Pending(row, days, "follow_up", draft))

    # Without messages.csv every accepted invitation would look quiet; say nothing instead.
    quiet = _quiet(export, rows, now, pending_days) if export.messages else None
    return SentReport(
        as_of=now,
        pending_days=pending_days,
        total=total,
        with_note=with_note,
        without_note=without_note,
        by_band=by_band,
        pending=pending,
        quiet=quiet,
        invitations=rows,
        matched_any=any(row.accepted for row in rows),
        problems=[p.describe() for p in export.problems],
    )


def _quiet(
    export: LinkedInExport, rows: Sequence[SentInvitation], now: datetime, wait_days: int
) -> list[Quiet]:
    """Accepted invitations, connected at least `wait_days` ago (within the window), with no message since."""
    talked: Counter[str] = Counter()
    for m in export.messages:
        people = {m.sender_url, *m.recipient_urls} - {None, export.owner_url}
        for url in people:
            if url:
                talked[url] += 1
    out: list[Quiet] = []
    today = now.date()
    for row in rows:
        if not row.accepted or row.connected_on is None or row.invitee_url is None:
            continue
        since = (today - row.connected_on).days
        if wait_days <= since <= QUIET_WINDOW_DAYS and not talked[row.invitee_url]:
            out.append(Quiet(row, since))
    return out


def analyse_export(
    path: Path,
    *,
    now: datetime,
    pending_days: int = 7,
    withdraw_days: int = 21,
    coach: Coach | None = None,
    default_lang: str = "en",
) -> SentReport:
    """Read the export at `path` and analyse its sent invitations."""
    try:
        export = read_export(path)
    except ExportError as exc:
        raise SentError(str(exc)) from None
    if not any(i.direction == "OUTGOING" for i in export.invitations):
        raise SentError(f"{path}: no sent (OUTGOING) invitations in Invitations.csv")
    return analyse_sent(
        export,
        now=now,
        coach=coach,
        pending_days=pending_days,
        withdraw_days=withdraw_days,
        default_lang=default_lang,
    )


def _pct(rate: Rate) -> str:
    r = rate.rate
    return "–" if r is None else f"{100 * r:.1f} %"


_LABELS = {
    "de": {
        "title": "Gesendete Einladungen",
        "total": "gesamt",
        "with": "mit Nachricht",
        "without": "ohne Nachricht",
        "bands": "Nach Coach-Score der Nachricht",
        "sent": "gesendet",
        "accepted": "angenommen",
        "pending": "Nach {n} Tagen noch offen",
        "none": "keine",
        "follow_up": "freundlich nachfassen",
        "withdraw": "zurückziehen (und bei Bedarf mit einer konkreten Nachricht neu senden)",
        "no_note": "ohne Nachricht",
        "days": "Tage",
        "quiet": "Angenommen, aber noch kein Gespräch – schreiben Sie eine erste Nachricht",
        "unmatched": (
            "Hinweis: Keine einzige gesendete Einladung taucht in Connections.csv auf. Manche Exporte "
            "enthalten in Invitations.csv nur offene Einladungen; dann lässt sich die Annahmequote nicht messen."
        ),
        "draft": "Vorschlag",
    },
    "en": {
        "title": "Sent invitations",
        "total": "total",
        "with": "with a note",
        "without": "without a note",
        "bands": "By the coach score of the note",
        "sent": "sent",
        "accepted": "accepted",
        "pending": "Still open after {n} days",
        "none": "none",
        "follow_up": "send a friendly follow-up",
        "withdraw": "withdraw (and, if it matters, send a new one with a specific note)",
        "no_note": "no note",
        "days": "days",
        "quiet": "Accepted, but no conversation yet – write a first message",
        "unmatched": (
            "Note: none of the sent invitations appears in Connections.csv. Some exports list only open "
            "invitations in Invitations.csv; then the acceptance rate cannot be measured."
        ),
        "draft": "Suggested text",
    },
}


def format_report(report: SentReport, lang: str = "en") -> str:
    """The human-readable report `kontaktfilter sent` prints."""
    t = _LABELS["de" if lang == "de" else "en"]
    lines = [f"{t['title']} ({report.as_of.date().isoformat()})", ""]

    def row(label: str, rate: Rate) -> str:
        return f"  {label:<16} {rate.sent:>5} {t['sent']:<10} {rate.accepted:>5} {t['accepted']:<10} {_pct(rate):>8}"

    lines.append(row(t["total"], report.total))
    lines.append(row(t["with"], report.with_note))
    lines.append(row(t["without"], report.without_note))
    lines += ["", f"{t['bands']}:"]
    for band, rate in report.by_band.items():
        if band != NO_NOTE:
            lines.append(row(band, rate))
    if not report.matched_any and report.total.sent:
        lines += ["", t["unmatched"]]
    lines += ["", t["pending"].format(n=report.pending_days) + f": {len(report.pending) or t['none']}"]
    for p in report.pending:
        inv = p.invitation
        note = t["no_note"] if inv.note is None else f"score {inv.score}"
        lines.append(
            f"  {inv.sent_at.date().isoformat()}  {inv.to_name}  ({p.days} {t['days']}, {note}) → {t[p.suggestion]}"
        )
        if p.draft:
            lines.append(f"    {t['draft']}:")
            lines.extend(f"    | {line}" if line else "    |" for line in p.draft.split("\n"))
    if report.quiet:
        lines += ["", f"{t['quiet']}: {len(report.quiet)}"]
        for q in report.quiet:
            lines.append(f"  {q.invitation.to_name}  ({q.days_since} {t['days']})")
    return "\n".join(lines)
