"""Sent-invitation analytics over a small invented LinkedIn export (fixtures/linkedin-export)."""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kontaktfilter.coach import Coach
from kontaktfilter.sent import NO_NOTE, Rate, SentError, analyse_export, band_of, format_report

AS_OF = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_acceptance_with_and_without_a_note_and_by_score_band(export_dir: Path, coach: Coach) -> None:
    report = analyse_export(export_dir, now=AS_OF, coach=coach)
    by_name = {i.to_name: i for i in report.invitations}
    # INCOMING rows are not the user's invitations; the unreadable row is reported, not counted.
    assert "Karin Vogt" not in by_name and "Nora Falk" not in by_name
    assert report.problems == [
        "Invitations.csv:12: Sent At: expected a time like '1/29/26, 2:37 PM' or '2026-01-29 14:37:00 UTC', "
        "got 'yesterday'"
    ]
    accepted = {n for n, i in by_name.items() if i.accepted}
    # URL match (case and trailing slash do not matter), and a name match where the URL is missing;
    # a connection from years before the invitation is not its acceptance.
    assert accepted == {"Jonas Pieper", "Sofia Marquez", "Bernd Kessler", "Greta Lind"}
    assert report.total == Rate(9, 4)
    assert report.with_note == Rate(6, 2)
    assert report.without_note == Rate(3, 2)
    assert by_name["Petra Olsen"].band == "0-39" and by_name["Jonas Pieper"].band == "80-100"
    assert by_name["Bernd Kessler"].band == NO_NOTE and by_name["Bernd Kessler"].score is None
    assert sum(r.sent for r in report.by_band.values()) == report.total.sent
    assert report.by_band["0-39"] == Rate(1, 0) and report.by_band[NO_NOTE] == Rate(3, 2)


def test_pending_after_a_week_gets_follow_up_or_withdrawal(export_dir: Path, coach: Coach) -> None:
    report = analyse_export(export_dir, now=AS_OF, coach=coach)
    pending = {p.invitation.to_name: p for p in report.pending}
    assert set(pending) == {"Petra Olsen", "Uwe Brandt", "Mats Berglund", "Clara Weiß"}  # Tariq: only 3 days
    assert pending["Clara Weiß"].suggestion == "follow_up" and pending["Clara Weiß"].days == 11
    assert pending["Uwe Brandt"].suggestion == "withdraw" and pending["Uwe Brandt"].draft is None
    draft = pending["Clara Weiß"].draft
    assert draft is not None
    # Her note was German and formal, so the follow-up is too; it is signed with the owner's name.
    assert draft.startswith(
        "Guten Tag Clara Weiß,\n\nvor 11 Tagen habe ich Ihnen eine Kontaktanfrage geschickt."
    )
    assert draft.endswith("Lena Hoffmann")
    longer = analyse_export(export_dir, now=AS_OF, coach=coach, pending_days=3, withdraw_days=40)
    assert {p.invitation.to_name: p.suggestion for p in longer.pending}["Tariq Haddad"] == "follow_up"
    assert {p.invitation.to_name: p.suggestion for p in longer.pending}["Uwe Brandt"] == "follow_up"


def test_accepted_but_quiet_connections(export_dir: Path, coach: Coach) -> None:
    report = analyse_export(export_dir, now=AS_OF, coach=coach)
    assert report.quiet is not None
    # Sofia wrote back; Greta has no profile URL to look up conversations with.
    assert [(q.invitation.to_name, q.days_since) for q in report.quiet] == [
        ("Jonas Pieper", 54),
        ("Bernd Kessler", 39),
    ]


def test_without_messages_nothing_is_called_quiet(export_dir: Path, coach: Coach, tmp_path: Path) -> None:
    copy = tmp_path / "export"
    shutil.copytree(export_dir, copy)
    (copy / "messages.csv").unlink()
    assert analyse_export(copy, now=AS_OF, coach=coach).quiet is None


def test_zipped_export_reads_the_same(export_dir: Path, coach: Coach, tmp_path: Path) -> None:
    archive = tmp_path / "Basic_LinkedInDataExport_03-01-2026.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in export_dir.iterdir():
            zf.write(f, f.name)
    assert (
        analyse_export(archive, now=AS_OF, coach=coach).to_dict()
        == analyse_export(export_dir, now=AS_OF, coach=coach).to_dict()
    )


def test_report_text_and_json(export_dir: Path, coach: Coach) -> None:
    report = analyse_export(export_dir, now=AS_OF, coach=coach)
    text = format_report(report, "en")
    assert (
        "with a note" in text
        and "33.3 %" in text
        and "Clara Weiß" in text
        and "send a friendly follow-up" in text
    )
    assert "Einladungen" in format_report(report, "de")
    data = report.to_dict()
    assert data["total"] == {"sent": 9, "accepted": 4, "rate": 0.4444}
    assert [b["band"] for b in data["by_score_band"]] == ["0-39", "40-59", "60-79", "80-100", "no note"]
    assert {p["suggestion"] for p in data["pending"]} == {"follow_up", "withdraw"}


def test_no_match_at_all_is_explained(export_dir: Path, coach: Coach, tmp_path: Path) -> None:
    copy = tmp_path / "export"
    shutil.copytree(export_dir, copy)
    lines = (copy / "Connections.csv").read_text(encoding="utf-8").splitlines()
    (copy / "Connections.csv").write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    report = analyse_export(copy, now=AS_OF, coach=coach)
    assert report.total.accepted == 0 and not report.matched_any
    assert "only open invitations" in format_report(report, "en")


def test_not_an_export_or_nothing_sent(tmp_path: Path, coach: Coach) -> None:
    with pytest.raises(SentError, match="not a LinkedIn data export"):
        analyse_export(tmp_path, now=AS_OF, coach=coach)
    (tmp_path / "Invitations.csv").write_text(
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        'Karin Vogt,Lena Hoffmann,"2/10/26, 7:45 PM",,INCOMING,,\n',
        encoding="utf-8",
    )
    with pytest.raises(SentError, match="no sent"):
        analyse_export(tmp_path, now=AS_OF, coach=coach)


@pytest.mark.parametrize(
    ("score", "band"),
    [(None, NO_NOTE), (0, "0-39"), (39, "0-39"), (40, "40-59"), (79, "60-79"), (100, "80-100")],
)
def test_bands(score: int | None, band: str) -> None:
    assert band_of(score) == band
