"""The LinkedIn data export ("Get a copy of your data"): pure parsing, no database.

Columns are read by header name, never by position; file names match case-insensitively, ignoring
spaces and underscores. A row that cannot be read becomes a `RowProblem` (file, line, field) and the
rest of the file is still read. Profile URLs come back in canonical form (`canonical_profile_url`).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .archive import ArchiveError, ExportFiles, Limits, load_export_files

INVITATIONS = "invitations.csv"
CONNECTIONS = "connections.csv"
MESSAGES = "messages.csv"
PROFILE = "profile.csv"
EXPORT_FILES = (INVITATIONS, CONNECTIONS, MESSAGES, PROFILE)

# messages.csv holds whole conversations in one cell; the csv module's default limit (128 KiB) is
# smaller than a long HTML message.
csv.field_size_limit(max(csv.field_size_limit(), 16 << 20))


class ExportError(Exception):
    """The path is not a LinkedIn export (or cannot be read safely); one clear message names it."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that could not be read: reported and skipped."""

    file: str
    line: int
    field: str
    message: str

    def describe(self) -> str:
        """`file:line: field: message`, the form every error in Kontaktfilter takes."""
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class Invitation:
    """One row of Invitations.csv."""

    from_name: str
    to_name: str
    sent_at: datetime  # timezone-aware UTC
    message: str | None  # None when the Message cell is empty (no note)
    direction: str  # "INCOMING" | "OUTGOING"
    inviter_url: str | None
    invitee_url: str | None
    line: int


@dataclass(frozen=True, slots=True)
class Connection:
    """One row of Connections.csv."""

    first_name: str
    last_name: str
    url: str | None
    email: str | None
    company: str | None
    position: str | None
    connected_on: date
    line: int


@dataclass(frozen=True, slots=True)
class Message:
    """One row of messages.csv (drafts are left out: they were never sent)."""

    conversation_id: str
    from_name: str
    sender_url: str | None
    to_names: str
    recipient_urls: tuple[str, ...]
    date: datetime
    subject: str | None
    content: str
    folder: str | None
    line: int


@dataclass(frozen=True, slots=True)
class OwnerProfile:
    """The export's owner, from Profile.csv; the headline is the recipient context for screening."""

    first_name: str
    last_name: str
    headline: str | None
    summary: str | None
    industry: str | None
    location: str | None


@dataclass
class LinkedInExport:
    """Everything read from one export."""

    invitations: list[Invitation]
    connections: list[Connection]
    messages: list[Message]
    profile: OwnerProfile | None
    owner_url: str | None  # inferred from Invitations.csv (messages.csv as a fallback)
    problems: list[RowProblem] = field(default_factory=list)


# --- profile URLs -------------------------------------------------------------------------------

_SLUG_SAFE = "-_.~"
_UNSAFE = re.compile(r"[\s\x00-\x1f]")
# The form nearly every export row has; it skips the general parser (100,000 rows per import).
_COMMON = re.compile(
    r"https?://(?:[a-z]{2,3}\.|www\.)?linkedin\.com/(?:comm/)?in/([A-Za-z0-9_.~-]+)/?", re.IGNORECASE
)


def canonical_profile_url(url: str | None) -> str | None:
    """`https://www.linkedin.com/in/<slug>` lower-cased with `/comm` dropped; other http(s) URLs
    lower-cased without query, fragment and trailing slash; None for anything that is not a URL."""
    if url is None:
        return None
    s = url.strip()
    m = _COMMON.fullmatch(s)
    if m:
        return "https://www.linkedin.com/in/" + m[1].lower()
    if not s or _UNSAFE.search(s):
        return None
    if "://" not in s:
        if not s.lower().startswith(("www.", "linkedin.com", "de.linkedin.com")) and "linkedin.com/" not in s:
            return None
        s = "https://" + s
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    segs = [seg for seg in parts.path.split("/") if seg]
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        # Links in LinkedIn's notification mails carry a /comm prefix: /comm/in/<slug>.
        while segs and segs[0].lower() in ("comm", "mwlite"):
            segs = segs[1:]
        if len(segs) >= 2 and segs[0].lower() == "in":
            slug = quote(unquote(segs[1]), safe=_SLUG_SAFE).lower()
            return f"https://www.linkedin.com/in/{slug}" if slug else None
        if not segs:
            return None
        rest = "/".join(quote(unquote(seg), safe=_SLUG_SAFE) for seg in segs).lower()
        return f"https://www.linkedin.com/{rest}"
    rest = "/".join(quote(unquote(seg), safe=_SLUG_SAFE + "@") for seg in segs).lower()
    port = f":{parts.port}" if parts.port else ""
    return f"https://{host}{port}/{rest}" if rest else f"https://{host}{port}"


# --- dates --------------------------------------------------------------------------------------

_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " "})
_US_TIME = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])\.?\s*[Mm]\.?"
)
_ISO_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(?:UTC|GMT|Z|\+00:?00)?"
)
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "mär": 3, "maer": 3, "apr": 4, "may": 5, "mai": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "dez": 12,
}  # fmt: skip
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[ .-]+([^\W\d_]{3,4})\.?[ .-]+(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_timestamp(value: str) -> datetime:
    """`1/29/26, 2:37 PM` (any space before AM/PM) or `2026-01-29 14:37:00 UTC`, as aware UTC.

    The short US form carries no zone; LinkedIn writes both forms in UTC, so both are read as UTC.
    """
    s = value.translate(_SPACES).strip()
    m = _ISO_TIME.fullmatch(s)
    if m:
        y, mo, d, hh, mm, ss = m.groups()
        return datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0), tzinfo=UTC)
    m = _US_TIME.fullmatch(s)
    if m:
        mo, d, y, hh, mm, ss, ampm = m.groups()
        year = int(y) + (2000 if len(y) == 2 else 0)
        hour = int(hh)
        if not 1 <= hour <= 12:
            raise ValueError(f"hour {hour} is not on a 12-hour clock in {value!r}")
        hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        return datetime(year, int(mo), int(d), hour, int(mm), int(ss or 0), tzinfo=UTC)
    raise ValueError(f"expected a time like '1/29/26, 2:37 PM' or '2026-01-29 14:37:00 UTC', got {value!r}")


def parse_day(value: str) -> date:
    """`08 Feb 2026` (English or German month abbreviation), `2026-02-08` or `2/8/2026`."""
    s = value.translate(_SPACES).strip()
    m = _DAY_MONTH_YEAR.fullmatch(s)
    if m:
        d, mon, y = m.groups()
        month = _MONTHS.get(mon.lower())
        if month is None:
            raise ValueError(f"unknown month {mon!r} in {value!r}")
        return date(int(y), month, int(d))
    m = _ISO_DATE.fullmatch(s)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = _US_DATE.fullmatch(s)
    if m:
        return date(int(m[3]), int(m[1]), int(m[2]))
    raise ValueError(f"expected a date like '08 Feb 2026', got {value!r}")


# --- CSV plumbing -------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _norm_header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().lower().replace(" ", "").replace("_", "")


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the physical line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    prev = 0
    for row in reader:
        start = prev + 1
        prev = reader.line_num
        yield start, row


def _valid_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Table:
    """One CSV file: its header map and data records, with problems collected as they are found."""

    def __init__(self, name: str, data: bytes, required: Sequence[str], problems: list[RowProblem]) -> None:
        self.name = name
        self.problems = problems
        self.columns: dict[str, int] = {}
        self.header: list[str] = []
        self._rows: Iterator[tuple[int, list[str]]] = iter(())
        text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
        records = _records(text)
        want = [_norm_header(r) for r in required]
        try:
            # Connections.csv may open with a "Notes:" preamble: find the header instead of skipping.
            for line, row in records:
                cols = {_norm_header(c): i for i, c in reversed(list(enumerate(row)))}
                if all(w in cols for w in want):
                    self.columns, self.header = cols, [c.replace("\ufeff", "").strip() for c in row]
                    self._rows = records
                    return
                if line > 50:
                    break
        except csv.Error as exc:
            problems.append(RowProblem(name, 1, "header", f"not readable as CSV ({exc})"))
            return
        problems.append(
            RowProblem(
                name, 1, "header", f"no header row with the columns {', '.join(required)}; file skipped"
            )
        )

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data records (their cells) that are not blank and decode as UTF-8 (others become problems)."""
        try:
            for line, row in self._rows:
                text = "".join(row)
                if not text.strip():
                    continue
                if not _valid_utf8(text):
                    bad = next((i for i, c in enumerate(row) if not _valid_utf8(c)), 0)
                    col = self.header[bad] if bad < len(self.header) else f"column {bad + 1}"
                    self.problems.append(
                        RowProblem(self.name, line, col, "not valid UTF-8 text; row skipped")
                    )
                    continue
                yield line, row
        except csv.Error as exc:
            self.problems.append(RowProblem(self.name, -1, "", f"CSV parsing stopped: {exc}"))

    def reader(self, *columns: str) -> Callable[[Sequence[str]], list[str]]:
        """Reads the named columns' cells of a record, stripped, "" where the file has no such column
        or the record no such cell. Names are looked up once per file, not once per cell."""
        at = [self.columns.get(_norm_header(c), -1) for c in columns]

        def read(row: Sequence[str]) -> list[str]:
            n = len(row)
            return [row[i].strip() if 0 <= i < n else "" for i in at]

        return read

    def problem(self, line: int, column: str, message: str) -> None:
        """Record a row that cannot be read."""
        self.problems.append(RowProblem(self.name, line, column, message))


# --- the four files -----------------------------------------------------------------------------


def _invitations(table: _Table) -> list[Invitation]:
    out: list[Invitation] = []
    read = table.reader(
        "Direction", "Sent At", "inviterProfileUrl", "inviteeProfileUrl", "From", "To", "Message"
    )
    for line, row in table.rows():
        given, sent, inviter_cell, invitee_cell, from_name, to_name, message = read(row)
        direction = given.upper()
        if direction not in ("INCOMING", "OUTGOING"):
            table.problem(line, "Direction", f"expected INCOMING or OUTGOING, got {given!r}")
            continue
        try:
            sent_at = parse_timestamp(sent)
        except ValueError as exc:
            table.problem(line, "Sent At", str(exc))
            continue
        inviter = canonical_profile_url(inviter_cell)
        invitee = canonical_profile_url(invitee_cell)
        if direction == "INCOMING" and not (from_name or inviter):
            table.problem(line, "From", "empty, and no inviterProfileUrl: cannot tell who sent it")
            continue
        if direction == "OUTGOING" and not (to_name or invitee):
            table.problem(line, "To", "empty, and no inviteeProfileUrl: cannot tell who it went to")
            continue
        out.append(
            Invitation(from_name, to_name, sent_at, message or None, direction, inviter, invitee, line)
        )
    return out


def _connections(table: _Table) -> list[Connection]:
    out: list[Connection] = []
    read = table.reader(
        "First Name", "Last Name", "URL", "Connected On", "Email Address", "Company", "Position"
    )
    for line, row in table.rows():
        first, last, url_cell, on, email, company, position = read(row)
        url = canonical_profile_url(url_cell)
        if not (first or last or url):
            table.problem(line, "First Name", "no name and no URL: cannot tell who this is")
            continue
        try:
            connected_on = parse_day(on)
        except ValueError as exc:
            table.problem(line, "Connected On", str(exc))
            continue
        out.append(
            Connection(first, last, url, email or None, company or None, position or None, connected_on, line)
        )
    return out


_URL_SPLIT = re.compile(r"[;,\s]+")


def _messages(table: _Table) -> list[Message]:
    out: list[Message] = []
    read = table.reader(
        "IS MESSAGE DRAFT", "DATE", "RECIPIENT PROFILE URLS", "CONVERSATION ID", "FROM",
        "SENDER PROFILE URL", "TO", "SUBJECT", "CONTENT", "FOLDER",
    )  # fmt: skip
    for line, row in table.rows():
        draft, sent, recipients, conversation, sender, sender_url, to, subject, content, folder = read(row)
        if draft.lower() in ("yes", "true", "1"):
            continue
        try:
            when = parse_timestamp(sent)
        except ValueError as exc:
            table.problem(line, "DATE", str(exc))
            continue
        urls = tuple(u for u in (canonical_profile_url(x) for x in _URL_SPLIT.split(recipients)) if u)
        out.append(
            Message(
                conversation_id=conversation,
                from_name=sender,
                sender_url=canonical_profile_url(sender_url),
                to_names=to,
                recipient_urls=urls,
                date=when,
                subject=subject or None,
                content=content,
                folder=folder or None,
                line=line,
            )
        )
    return out


def _profile(table: _Table) -> OwnerProfile | None:
    read = table.reader("First Name", "Last Name", "Headline", "Summary", "Industry", "Geo Location")
    for _line, row in table.rows():
        first, last, headline, summary, industry, location = read(row)
        if first or last:
            return OwnerProfile(
                first, last, headline or None, summary or None, industry or None, location or None
            )
    return None


def _owner_url(invitations: Sequence[Invitation], messages: Sequence[Message], profile: OwnerProfile | None) -> str | None:  # fmt: skip
    # The owner invites on OUTGOING rows and is invited on INCOMING ones.
    votes = Counter(
        (inv.inviter_url if inv.direction == "OUTGOING" else inv.invitee_url) for inv in invitations
    )
    votes.pop(None, None)
    if votes:
        return votes.most_common(1)[0][0]
    if profile is not None:
        full = f"{profile.first_name} {profile.last_name}".strip().casefold()
        senders = Counter(m.sender_url for m in messages if m.sender_url and m.from_name.casefold() == full)
        if senders:
            return senders.most_common(1)[0][0]
    return None


_REQUIRED = {
    INVITATIONS: ("From", "To", "Sent At", "Direction"),
    CONNECTIONS: ("First Name", "Last Name", "Connected On"),
    MESSAGES: ("FROM", "DATE", "CONTENT"),
    PROFILE: ("First Name", "Last Name"),
}


def read_export_files(files: ExportFiles) -> LinkedInExport:
    """Parse files already loaded by `archive.load_export_files` (the importer fingerprints them too)."""
    problems: list[RowProblem] = []

    def table(key: str) -> _Table | None:
        if key not in files.files:
            return None
        name, data = files.files[key]
        return _Table(name, data, _REQUIRED[key], problems)

    inv_t, con_t, msg_t, pro_t = (table(k) for k in EXPORT_FILES)
    invitations = _invitations(inv_t) if inv_t else []
    connections = _connections(con_t) if con_t else []
    messages = _messages(msg_t) if msg_t else []
    profile = _profile(pro_t) if pro_t else None
    return LinkedInExport(
        invitations, connections, messages, profile, _owner_url(invitations, messages, profile), problems
    )


def load_files(path: Path, limits: Limits | None = None) -> ExportFiles:
    """Load the export's CSV files safely; raises ExportError when there is no export at `path`."""
    try:
        files = load_export_files(path, EXPORT_FILES, limits)
    except ArchiveError as exc:
        raise ExportError(path, str(exc)) from None
    if not files.files:
        raise ExportError(
            path,
            "not a LinkedIn data export: none of Invitations.csv, Connections.csv, messages.csv, Profile.csv",
        )
    return files


def read_export(path: Path) -> LinkedInExport:
    """Read a LinkedIn export (zip or folder); raises ExportError(path, message) if it is not one."""
    return read_export_files(load_files(path))


__all__ = [
    "Connection",
    "ExportError",
    "Invitation",
    "LinkedInExport",
    "Message",
    "OwnerProfile",
    "RowProblem",
    "canonical_profile_url",
    "parse_day",
    "parse_timestamp",
    "read_export",
    "read_export_files",
]
