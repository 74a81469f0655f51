"""Reading a notification e-mail: sender, date, the text of its body (plain text preferred, HTML turned
into text otherwise) and the links it contains. Pure functions over `email.message.EmailMessage`."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from .._html import HtmlText

_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)


class MailError(ValueError):
    """A mail that cannot be read; `field` names the part (a header or `body`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Body:
    """A mail's readable content: text lines and every link (URL, anchor text) in order."""

    text: str
    links: tuple[tuple[str, str], ...]
    html: bool


def parse(raw: bytes) -> EmailMessage:
    """Parse raw RFC 5322 bytes (never raises: the parser records defects instead)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def sender(msg: EmailMessage) -> tuple[str, str]:
    """The From header's (lower-case address, display name); empty strings when it has none."""
    try:
        header = msg["From"]
    except (ValueError, IndexError):
        header = None
    if header is None:
        return "", ""
    addresses = getattr(header, "addresses", None)
    if addresses:
        first: Address = addresses[0]
        return first.addr_spec.lower(), str(first.display_name or "").strip()
    pairs = getaddresses([str(header)])
    if pairs:
        name, addr = pairs[0]
        return addr.lower(), name.strip()
    return "", ""


def sent_at(msg: EmailMessage) -> datetime:
    """The Date header as aware UTC; MailError when it is missing or unreadable."""
    raw = msg.get("Date")
    if raw is None:
        raise MailError("Date", "missing")
    try:
        when = parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        raise MailError("Date", f"not a date: {str(raw)[:60]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def subject(msg: EmailMessage) -> str:
    """The decoded subject, or an empty string."""
    try:
        return str(msg.get("Subject") or "").strip()
    except (ValueError, IndexError):
        return ""


def _decoded(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError) as exc:
        raise MailError("body", f"cannot decode the {part.get_content_type()} part: {exc}") from None
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    return str(content)


def body(msg: EmailMessage) -> Body:
    """The text/plain part if there is one, else the text/html part turned into text."""
    try:
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
    except (KeyError, ValueError) as exc:
        raise MailError("body", f"unreadable MIME structure: {exc}") from None
    if isinstance(plain, EmailMessage):
        text = _decoded(plain).replace("\r\n", "\n")
        links = tuple((url.rstrip(".,;"), "") for url in _URL.findall(text))
        return Body(text, links, html=False)
    if isinstance(html, EmailMessage):
        converter = HtmlText()
        converter.feed(_decoded(html))
        converter.close()
        return Body(converter.text(), tuple(converter.links), html=True)
    raise MailError("body", "no text/plain or text/html part")


__all__ = ["Body", "MailError", "body", "parse", "sender", "sent_at", "subject"]
