"""The LinkedIn export reader: real headers and formats, bad rows, unsafe archives (pure, no database)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontaktfilter.sources.archive import Limits, load_export_files
from kontaktfilter.sources.linkedin_export import (
    EXPORT_FILES,
    ExportError,
    canonical_profile_url,
    load_files,
    parse_day,
    parse_timestamp,
    read_export,
)

from .conftest import DEMO
from .exports import OWNER_URL, Con, Inv, Msg, export_files, us_time, utc_time, write_folder, write_zip

T1 = datetime(2026, 1, 29, 14, 37, tzinfo=UTC)


def test_demo_export_reads_completely() -> None:
    e = read_export(DEMO)
    assert e.problems == []
    assert len(e.invitations) == 31 and len(e.connections) == 11 and len(e.messages) == 5
    assert e.owner_url == "https://www.linkedin.com/in/miriam-albers-7b1e4"
    assert e.profile is not None and e.profile.headline and "Nordlicht" in e.profile.headline
    no_note = [i for i in e.invitations if i.message is None]
    assert len(no_note) >= 4
    raw = (DEMO / "Invitations.csv").read_text(encoding="utf-8")
    assert "\u202f" in raw and " UTC" in raw  # both date formats, with the narrow no-break space
    assert (DEMO / "Connections.csv").read_bytes().startswith(b"\xef\xbb\xbfNotes:")
    assert all(i.sent_at.tzinfo is UTC for i in e.invitations)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/29/26, 2:37 PM", T1),
        ("1/29/26, 2:37\u202fPM", T1),
        ("1/29/26, 2:37\u00a0pm", T1),
        ("01/29/2026, 2:37 PM", T1),
        ("2026-01-29 14:37:00 UTC", T1),
        ("2026-01-29 14:37 UTC", T1),
        ("1/29/26, 12:05 AM", datetime(2026, 1, 29, 0, 5, tzinfo=UTC)),
        ("1/29/26, 12:05 PM", datetime(2026, 1, 29, 12, 5, tzinfo=UTC)),
    ],
)
def test_both_sent_at_formats(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text", ["", "yesterday", "13/45/26, 2:37 PM", "1/29/26, 14:37 PM", "2026-13-01 00:00:00 UTC"]
)
def test_bad_timestamps_raise(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08 Feb 2026", date(2026, 2, 8)),
        ("8 Mär 2026", date(2026, 3, 8)),
        ("2026-02-08", date(2026, 2, 8)),
        ("2/8/2026", date(2026, 2, 8)),
        ("08 Okt. 2026", date(2026, 10, 8)),
    ],
)
def test_connected_on_formats(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://www.linkedin.com/in/Jane-Doe-12AB/", "https://www.linkedin.com/in/jane-doe-12ab"),
        ("http://linkedin.com/in/jane-doe-12ab?trk=abc#x", "https://www.linkedin.com/in/jane-doe-12ab"),
        ("https://www.linkedin.com/comm/in/jane-doe-12ab", "https://www.linkedin.com/in/jane-doe-12ab"),
        ("https://de.linkedin.com/in/jane-doe-12ab/details", "https://www.linkedin.com/in/jane-doe-12ab"),
        ("www.linkedin.com/in/JANE-DOE-12AB", "https://www.linkedin.com/in/jane-doe-12ab"),
        (
            "https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller",
            "https://www.linkedin.com/in/j%c3%bcrgen-m%c3%bcller",
        ),
        ("https://www.linkedin.com/in/jürgen-müller", "https://www.linkedin.com/in/j%c3%bcrgen-m%c3%bcller"),
        ("https://xing.com/profile/Jane_Doe/", "https://xing.com/profile/jane_doe"),
        ("", None),
        ("   ", None),
        ("javascript:alert(1)", None),
        ("not a url", None),
        ("https://www.linkedin.com/", None),
    ],
)
def test_canonical_profile_url(url: str, canonical: str | None) -> None:
    assert canonical_profile_url(url) == canonical


@given(st.text(max_size=60))
def test_canonical_url_is_idempotent(tail: str) -> None:
    for raw in (tail, "https://www.linkedin.com/in/" + tail, "https://www.linkedin.com/comm/in/" + tail):
        once = canonical_profile_url(raw)
        if once is not None:
            assert canonical_profile_url(once) == once
            assert once == once.lower()


def test_columns_are_read_by_name_and_file_names_loosely(tmp_path: Path) -> None:
    inv = "Direction,inviteeProfileUrl,Message,To,inviterProfileUrl,Sent At,From\r\n"
    inv += (
        f"INCOMING,{OWNER_URL},Hallo!,Tess Owner,https://www.linkedin.com/in/a-b,{utc_time(T1)},Anna Berg\r\n"
    )
    (tmp_path / "INVITATIONS.CSV").write_text(inv, encoding="utf-8")
    con = "Connected On,Last Name,First Name\r\n08 Feb 2026,Berg,Anna\r\n"
    (tmp_path / "Connections_.csv").write_text(con, encoding="utf-8")
    e = read_export(tmp_path)
    assert e.problems == []
    assert e.invitations[0].from_name == "Anna Berg" and e.invitations[0].message == "Hallo!"
    assert e.invitations[0].inviter_url == "https://www.linkedin.com/in/a-b"
    assert e.connections[0].first_name == "Anna" and e.connections[0].url is None
    assert e.owner_url == OWNER_URL


def test_connections_with_and_without_preamble_and_bom(tmp_path: Path) -> None:
    cons = [Con("Anna", "Berg", "anna-berg", date(2026, 2, 8), email="")]
    for preamble in (True, False):
        for bom in (True, False):
            folder = write_folder(
                tmp_path / f"{preamble}{bom}", export_files(connections=cons, preamble=preamble, bom=bom)
            )
            e = read_export(folder)
            assert e.problems == []
            assert e.connections[0].email is None and e.connections[0].connected_on == date(2026, 2, 8)
            assert e.connections[0].url == "https://www.linkedin.com/in/anna-berg"


def test_bad_rows_are_reported_by_file_line_field_and_skipped(tmp_path: Path) -> None:
    files = export_files(
        [
            Inv("Good One", "good-one", utc_time(T1), "Hi"),
            Inv("Bad Date", "bad-date", "someday", "Hi"),
            Inv("Multi Line", "multi", us_time(T1), "first line\nsecond line"),
            Inv("", None, utc_time(T1)),
        ],
        [Con("Anna", "Berg", "anna", date(2026, 2, 8)), Con("Ben", "Bad", "ben", date(2026, 2, 8))],
    )
    ben = b"Ben,Bad,https://www.linkedin.com/in/ben,,Firma,Engineer,"
    files["Connections.csv"] = files["Connections.csv"].replace(ben + b"08 Feb 2026", ben + b"31 Feb 2026")
    files["Invitations.csv"] += b"Some One,Tess Owner,1/2/26\xff, 1:00 PM,,INCOMING,,\r\n"
    files["Invitations.csv"] += b"Late Row,Tess Owner,2026-01-30 10:00:00 UTC,,SIDEWAYS,,\r\n"
    e = read_export(write_folder(tmp_path / "x", files))
    got = {(p.file, p.line, p.field) for p in e.problems}
    assert got == {
        ("Invitations.csv", 3, "Sent At"),
        ("Invitations.csv", 6, "From"),  # the multi-line note moved every later line down by one
        ("Invitations.csv", 7, "Sent At"),  # not UTF-8
        ("Invitations.csv", 8, "Direction"),
        ("Connections.csv", 6, "Connected On"),
    }
    assert [i.from_name for i in e.invitations] == ["Good One", "Multi Line"]
    assert e.invitations[1].message == "first line\nsecond line"
    assert [c.first_name for c in e.connections] == ["Anna"]


def test_messages_vintages_html_and_drafts(tmp_path: Path) -> None:
    header = "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT\r\n"
    rows = (
        f'c1,,Anna Berg,https://www.linkedin.com/in/anna,Tess Owner,{OWNER_URL},2026-02-01 10:00:00 UTC,,"<p>Hallo</p>\n<p>zwei Zeilen</p>",INBOX,,No\r\n'
        f"c2,,Tess Owner,{OWNER_URL},Ben and Cleo,https://www.linkedin.com/in/ben;https://www.linkedin.com/in/cleo,2026-02-02 10:00:00 UTC,Hi,text,INBOX,,No\r\n"
        f"c3,,Tess Owner,{OWNER_URL},Dora,https://www.linkedin.com/in/dora,2026-02-03 10:00:00 UTC,,draft,DRAFTS,,Yes\r\n"
    )
    (tmp_path / "messages.csv").write_text(header + rows, encoding="utf-8")
    older = "FROM,CONTENT,DATE,TO\r\nEva,Hello,2025-01-01 08:00:00 UTC,Tess Owner\r\n"
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "messages.csv").write_text(older, encoding="utf-8")
    e = read_export(tmp_path)
    assert [m.conversation_id for m in e.messages] == ["c1", "c2"]
    assert e.messages[0].content == "<p>Hallo</p>\n<p>zwei Zeilen</p>"
    assert e.messages[1].recipient_urls == (
        "https://www.linkedin.com/in/ben",
        "https://www.linkedin.com/in/cleo",
    )
    assert e.messages[1].subject == "Hi" and e.messages[0].subject is None
    e2 = read_export(tmp_path / "old")
    assert (
        e2.messages[0].from_name == "Eva"
        and e2.messages[0].sender_url is None
        and e2.messages[0].folder is None
    )


def test_zip_and_folder_read_the_same(tmp_path: Path) -> None:
    files = export_files(
        [Inv("Anna Berg", "anna", us_time(T1, "\u202f"), "Hi Tess")],
        [Con("Anna", "Berg", "anna", date(2026, 2, 8))],
        [Msg("Anna Berg", "anna", T1, "Danke!")],
    )
    folder = read_export(write_folder(tmp_path / "f", files))
    zipped = read_export(write_zip(tmp_path / "e.zip", files, prefix="Basic_LinkedInDataExport_02-08-2026/"))
    assert folder.invitations == zipped.invitations and folder.connections == zipped.connections
    assert folder.messages == zipped.messages and folder.profile == zipped.profile
    fp1 = load_export_files(tmp_path / "f", EXPORT_FILES).fingerprint
    fp2 = load_export_files(tmp_path / "e.zip", EXPORT_FILES).fingerprint
    assert fp1 == fp2


def test_not_an_export_gets_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("photo.jpg", b"\xff\xd8")
    for path, says in [
        (tmp_path / "empty", "not a LinkedIn data export"),
        (tmp_path / "notes.txt", "not a zip archive"),
        (tmp_path / "other.zip", "not a LinkedIn data export"),
        (tmp_path / "missing", "no such file"),
    ]:
        with pytest.raises(ExportError) as info:
            read_export(path)
        assert str(info.value).startswith(f"{path}: ") and says in str(info.value)


def _zip_with(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


@pytest.mark.parametrize(
    "evil", ["../evil.csv", "../../etc/cron.d/x", "/tmp/abs.csv", "a/../../b.csv", "..\\win.csv", "C:/x.csv"]
)
def test_zip_slip_is_refused(tmp_path: Path, evil: str) -> None:
    good = export_files([Inv("Anna", "anna", utc_time(T1))])["Invitations.csv"]
    z = _zip_with(tmp_path / "slip.zip", [("Invitations.csv", good), (evil, b"x")])
    with pytest.raises(ExportError, match="zip-slip"):
        read_export(z)


def test_symlink_entries_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("Invitations.csv")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(ExportError, match="symbolic link"):
        read_export(path)


def test_zip_bombs_are_refused(tmp_path: Path) -> None:
    bomb = _zip_with(tmp_path / "bomb.zip", [("Invitations.csv", b"0" * (40 << 20))])
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ExportError, match="zip bomb"):
        read_export(bomb)
    # An absurd total or a single huge entry is refused on the declared sizes alone.
    ordinary = _zip_with(tmp_path / "big.zip", [("Invitations.csv", bytes(range(256)) * 4096)])
    with pytest.raises(ExportError, match="zip bomb"):
        load_files(ordinary, Limits(max_file_bytes=1 << 19))
    with pytest.raises(ExportError, match="zip bomb"):
        load_files(ordinary, Limits(max_total_bytes=1 << 19))


def test_overlapping_entries_are_refused(tmp_path: Path) -> None:
    # Two central-directory entries pointing at the same compressed data (the overlapping bomb).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Invitations.csv", b"a" * 300_000)
    data = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.infolist()[0]
    cd_start = data.rfind(b"PK\x01\x02")
    entry = bytes(data[cd_start : data.rfind(b"PK\x05\x06")])
    second = entry.replace(b"Invitations.csv", b"Connections.csv")
    eocd = bytearray(data[data.rfind(b"PK\x05\x06") :])
    eocd[8:10] = (2).to_bytes(2, "little")
    eocd[10:12] = (2).to_bytes(2, "little")
    eocd[12:16] = (len(entry) * 2).to_bytes(4, "little")
    bomb = bytes(data[:cd_start]) + entry + second + bytes(eocd)
    assert info.compress_size * 2 > len(bomb) - 2 * len(entry)
    path = tmp_path / "overlap.zip"
    path.write_bytes(bomb)
    with pytest.raises(ExportError, match="overlap"):
        read_export(path)
