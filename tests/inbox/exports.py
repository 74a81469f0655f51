"""Builders for LinkedIn exports in tests: any mix of rows, both date formats, preamble, BOM, zip."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

OWNER_URL = "https://www.linkedin.com/in/test-owner"
OWNER = "Tess Owner"
INV_HEADER = ["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"]
CON_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
MSG_HEADER = [
    "CONVERSATION ID",
    "CONVERSATION TITLE",
    "FROM",
    "SENDER PROFILE URL",
    "TO",
    "RECIPIENT PROFILE URLS",
    "DATE",
    "SUBJECT",
    "CONTENT",
    "FOLDER",
]
PROFILE_HEADER = ["First Name", "Last Name", "Maiden Name", "Headline", "Summary", "Industry", "Geo Location"]


def us_time(t: datetime, space: str = " ") -> str:
    """`1/29/26, 2:37 PM` with the given space before AM/PM."""
    hour = t.hour % 12 or 12
    return f"{t.month}/{t.day}/{t:%y}, {hour}:{t:%M}{space}{'AM' if t.hour < 12 else 'PM'}"


def utc_time(t: datetime) -> str:
    """`2026-01-29 14:37:00 UTC`."""
    return f"{t:%Y-%m-%d %H:%M:%S} UTC"


@dataclass
class Inv:
    """One Invitations.csv row (incoming unless `outgoing`)."""

    name: str
    slug: str | None
    sent: str
    message: str = ""
    outgoing: bool = False

    def row(self) -> list[str]:
        url = f"https://www.linkedin.com/in/{self.slug}" if self.slug else ""
        if self.outgoing:
            return [OWNER, self.name, self.sent, self.message, "OUTGOING", OWNER_URL, url]
        return [self.name, OWNER, self.sent, self.message, "INCOMING", url, OWNER_URL]


@dataclass
class Con:
    """One Connections.csv row."""

    first: str
    last: str
    slug: str | None
    on: date
    email: str = ""
    company: str = "Firma"
    position: str = "Engineer"

    def row(self) -> list[str]:
        url = f"https://www.linkedin.com/in/{self.slug}" if self.slug else ""
        return [self.first, self.last, url, self.email, self.company, self.position, f"{self.on:%d %b %Y}"]


@dataclass
class Msg:
    """One messages.csv row; `outgoing` means the owner wrote it."""

    name: str
    slug: str | None
    at: datetime
    content: str
    outgoing: bool = False
    conversation: str = "conv-1"

    def row(self) -> list[str]:
        url = f"https://www.linkedin.com/in/{self.slug}" if self.slug else ""
        if self.outgoing:
            return [
                self.conversation,
                "",
                OWNER,
                OWNER_URL,
                self.name,
                url,
                utc_time(self.at),
                "",
                self.content,
                "INBOX",
            ]
        return [
            self.conversation,
            "",
            self.name,
            url,
            OWNER,
            OWNER_URL,
            utc_time(self.at),
            "",
            self.content,
            "INBOX",
        ]


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def export_files(
    invitations: Sequence[Inv] = (),
    connections: Sequence[Con] = (),
    messages: Sequence[Msg] = (),
    *,
    profile: bool = True,
    preamble: bool = True,
    bom: bool = True,
) -> dict[str, bytes]:
    """File name -> bytes of an export with these rows."""
    files: dict[str, bytes] = {}
    files["Invitations.csv"] = _csv(INV_HEADER, [i.row() for i in invitations]).encode()
    con = _csv(CON_HEADER, [c.row() for c in connections])
    if preamble:
        con = 'Notes:\r\n"A sentence about missing e-mail addresses."\r\n\r\n' + con
    files["Connections.csv"] = (b"\xef\xbb\xbf" if bom else b"") + con.encode()
    files["messages.csv"] = _csv(MSG_HEADER, [m.row() for m in messages]).encode()
    if profile:
        files["Profile.csv"] = _csv(
            PROFILE_HEADER,
            [["Tess", "Owner", "", "Data lead at Testwerk | platforms", "", "Software", "Berlin"]],
        ).encode()
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def write_zip(path: Path, files: dict[str, bytes], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(prefix + name, data)
    return path
