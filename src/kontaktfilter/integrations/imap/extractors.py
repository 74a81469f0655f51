"""Notification extractors, registered by name: a matcher that recognises a platform's invitation mail
and an extractor that turns it into an `Invitation`.

An extractor raises `Ignored` for mails of its platform that are no new invitation (reminders) and
`MailError` for a mail it recognises but cannot read; the watcher reports the latter and moves on.
Add a platform by writing a class with `name`, `platform`, `senders`, `matches` and `extract` and
decorating it with `@register` (docs/integrations.md shows how, from a real sample).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol, TypeVar

from ...model import Platform
from ...sources.linkedin_export import canonical_profile_url
from . import mail
from .mail import MailError


@dataclass(frozen=True, slots=True)
class Invitation:
    """What a notification mail says about one invitation."""

    platform: Platform
    invitation_id: str
    name: str
    headline: str | None
    profile_url: str | None
    note: str | None
    sent_at: datetime


class Ignored(Exception):
    """A mail of the extractor's platform that holds no new invitation (a reminder); the reason says so."""


class Extractor(Protocol):
    """A platform's invitation mails: how to recognise them and how to read them."""

    name: str
    platform: Platform
    # Sender addresses the server-side search asks for; `matches` still decides.
    senders: tuple[str, ...]

    def matches(self, msg: EmailMessage) -> bool:
        """Whether the mail is this platform's invitation notification (new or reminder)."""
        ...

    def extract(self, msg: EmailMessage) -> Invitation:
        """The invitation in the mail; `Ignored` for reminders, `MailError` for unreadable mails."""
        ...


EXTRACTORS: dict[str, Extractor] = {}
E = TypeVar("E", bound=Extractor)


def register(cls: type[E]) -> type[E]:
    """Class decorator: instantiate the extractor and register it under its `name`."""
    instance = cls()
    if instance.name in EXTRACTORS:
        raise ValueError(f"an extractor named {instance.name!r} is already registered")
    EXTRACTORS[instance.name] = instance
    return cls


def get_extractors(names: Sequence[str]) -> list[Extractor]:
    """The extractors with these names, in this order; ValueError naming an unknown one."""
    out: list[Extractor] = []
    for name in names:
        if name not in EXTRACTORS:
            known = ", ".join(sorted(EXTRACTORS))
            raise ValueError(f"unknown extractor {name!r} (registered: {known})")
        out.append(EXTRACTORS[name])
    return out


# --- LinkedIn ------------------------------------------------------------------------------------

_LINKEDIN_SENDER = "invitations@linkedin.com"
_INVITATION_ID = re.compile(r"invitationId=([A-Za-z0-9_-]+)")
_VIA = re.compile(r"\s+(?:via|über|ueber|par|vía|tramite)\s+LinkedIn\s*$", re.IGNORECASE)
_PROFILE_LABELS = ("view profile", "profil anzeigen", "profil ansehen")
_ACCEPT_LABELS = ("accept", "annehmen", "akzeptieren", "bestätigen")
_GREETING = re.compile(
    r"^(hi|hello|hey|dear|hallo|guten (tag|morgen|abend)|liebe|lieber|sehr geehrte[r]?|moin|servus|grüß)\b",
    re.IGNORECASE,
)
# The text LinkedIn puts in an invitation without a personal note (the export leaves the cell empty).
_DEFAULT_NOTES = frozenset(
    {
        "i'd like to join your linkedin network.",
        "i'd like to add you to my professional network on linkedin.",
        "i’d like to join your linkedin network.",
        "i’d like to add you to my professional network on linkedin.",
        "ich möchte sie gerne zu meinem beruflichen netzwerk auf linkedin hinzufügen.",
        "ich möchte mich gern mit ihnen auf linkedin vernetzen.",
        "ich möchte dich gerne zu meinem beruflichen netzwerk auf linkedin hinzufügen.",
    }
)
# Reminders repeat an invitation the user was already told about; the text says they are waiting.
_REMINDER = re.compile(
    r"\b(reminder|erinnerung)\b|waiting for your (response|reply)|is still waiting|"
    r"wartet (noch )?auf (ihre|deine) antwort|noch nicht beantwortet|still pending",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"^(you are receiving|you're receiving|sie erhalten|du erhältst|unsubscribe|abbestellen|help:|hilfe:|©|"
    r"this email was intended|diese e-mail war für|linkedin corporation|linkedin ireland)",
    re.IGNORECASE,
)


def _is_label(line: str, labels: Sequence[str]) -> bool:
    low = line.casefold().rstrip(": ")
    return any(low == label or low.startswith(label + ":") for label in labels)


def _label_url(line: str, labels: Sequence[str]) -> str | None:
    low = line.casefold()
    for label in labels:
        if low.startswith(label + ":"):
            found = re.search(r"https?://\S+", line)
            return found.group(0).rstrip(">.,;") if found else None
    return None


def _is_linkedin_profile(url: str) -> bool:
    canonical = canonical_profile_url(url)
    return bool(canonical and canonical.startswith("https://www.linkedin.com/in/"))


@register
class LinkedInExtractor:
    """LinkedIn invitation mails from invitations@linkedin.com that carry an `invitationId` link."""

    name: str = "linkedin"
    platform: Platform = Platform.LINKEDIN
    senders: tuple[str, ...] = (_LINKEDIN_SENDER,)

    def matches(self, msg: EmailMessage) -> bool:
        """Sender address and an invitationId in the body; the subject differs by language and era."""
        address, _ = mail.sender(msg)
        if address != _LINKEDIN_SENDER:
            return False
        try:
            content = mail.body(msg)
        except MailError:
            # Ours but unreadable: claim it, so `extract` reports it instead of it passing silently.
            return True
        return bool(_INVITATION_ID.search(content.text)) or any(
            _INVITATION_ID.search(url) for url, _ in content.links
        )

    def extract(self, msg: EmailMessage) -> Invitation:
        """Name, headline, canonical profile URL, the note (None for LinkedIn's default text), time."""
        content = mail.body(msg)
        if _REMINDER.search(mail.subject(msg)) or _REMINDER.search(content.text):
            raise Ignored("reminder of an earlier invitation")
        urls = [url for url, _ in content.links]
        lines = [line.strip() for line in content.text.split("\n")]
        invitation_id = next(
            (m.group(1) for m in map(_INVITATION_ID.search, [*urls, content.text]) if m), None
        )
        if invitation_id is None:
            raise MailError("body", "no link with an invitationId")
        profile = next((u for u in map(lambda s: _label_url(s, _PROFILE_LABELS), lines) if u), None)
        if profile is None:
            profile = next((u for u in urls if _is_linkedin_profile(u)), None)
        if profile is None or not _is_linkedin_profile(profile):
            raise MailError("body", "no link to the sender's LinkedIn profile (View profile)")
        _, display = mail.sender(msg)
        name = _VIA.sub("", display).strip().strip('"')
        name_at = _name_line(lines, name) if name else None
        if not name:
            name_at = _guess_name_line(lines)
            if name_at is None:
                raise MailError("From", "no sender name in the display name or the body")
            name = lines[name_at]
        headline = _headline(lines, name_at)
        note = _note(lines, name_at, name)
        return Invitation(
            self.platform, invitation_id, name, headline, canonical_profile_url(profile), note,
            mail.sent_at(msg),
        )  # fmt: skip


def _boundary(lines: Sequence[str]) -> int:
    """Index of the first profile or accept label line (where the sender block ends)."""
    for i, line in enumerate(lines):
        if _is_label(line, _PROFILE_LABELS) or _is_label(line, _ACCEPT_LABELS):
            return i
    return len(lines)


def _name_line(lines: Sequence[str], name: str) -> int | None:
    """The last line before the labels that is exactly the name (a note may be signed with it)."""
    end = _boundary(lines)
    folded = name.casefold()
    found = [i for i, line in enumerate(lines[:end]) if line.casefold() == folded]
    return found[-1] if found else None


def _guess_name_line(lines: Sequence[str]) -> int | None:
    """Without a display name: the sender block is the last two text lines before the labels."""
    end = _boundary(lines)
    text = [i for i in range(end) if lines[i] and not lines[i].startswith("http")]
    return text[-2] if len(text) >= 2 else None


def _headline(lines: Sequence[str], name_at: int | None) -> str | None:
    if name_at is None:
        return None
    end = _boundary(lines)
    for line in lines[name_at + 1 : end]:
        if line and not line.startswith("http"):
            return line
    return None


def _note(lines: Sequence[str], name_at: int | None, name: str) -> str | None:
    end = name_at if name_at is not None else _boundary(lines)
    block = [line for line in lines[:end] if not _FOOTER.match(line)]
    while block and not block[0]:
        block.pop(0)
    # LinkedIn's own salutation ("Hi Jana," or, in older mails, just "Jana,") is not the sender's.
    salutation = bool(block) and len(block[0]) <= 60 and block[0].endswith((",", "!"))
    if salutation and (_GREETING.match(block[0]) or len(block[0].split()) <= 3):
        block.pop(0)
    # Older mails sign the note with "- Name" above the sender block.
    signature = {name.casefold(), "- " + name.casefold(), "– " + name.casefold(), "-- " + name.casefold()}
    while block and (not block[-1] or block[-1].casefold() in signature):
        block.pop()
    text = "\n".join(block).strip()
    if not text:
        return None
    # Paragraphs of the note stay apart; runs of blank lines from the layout collapse to one.
    text = re.sub(r"\n{3,}", "\n\n", text)
    return None if " ".join(text.casefold().split()) in _DEFAULT_NOTES else text


__all__ = [
    "EXTRACTORS",
    "Extractor",
    "Ignored",
    "Invitation",
    "LinkedInExtractor",
    "get_extractors",
    "register",
]
