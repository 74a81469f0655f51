"""Reminders: an unanswered ask-back after 7 days suggests ignoring; a silent new connection a follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kontaktfilter.model import Action
from kontaktfilter.reminders import (
    ASK_BACK_UNANSWERED,
    FOLLOW_UP,
    AskBack,
    Contact,
    NewConnection,
    due_reminders,
)
from kontaktfilter.store.engine import Store
from kontaktfilter.store.models import Request
from kontaktfilter.store.repository import find_request, record_decision, reminder_inputs

from .conftest import BACKENDS, FakeClock, MakeImporter
from .exports import Con, Inv, Msg, export_files, utc_time, write_folder

T = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _ask(pending: bool = True) -> AskBack:
    return AskBack("r1", 7, "Anna Berg", T, pending)


def test_ask_back_is_due_after_seven_days_without_an_answer() -> None:
    assert due_reminders([_ask()], [], [], T + timedelta(days=6, hours=23)) == []
    (due,) = due_reminders([_ask()], [], [], T + timedelta(days=7))
    assert (due.kind, due.person, due.request_id, due.suggestion) == (
        ASK_BACK_UNANSWERED,
        "Anna Berg",
        "r1",
        "ignore",
    )
    assert due.due == T + timedelta(days=7) and "7" in due.reason_en and "Rückfrage" in due.reason_de


@pytest.mark.parametrize(
    ("contacts", "due"),
    [
        ([Contact(7, "in", T + timedelta(days=2))], False),  # they answered
        ([Contact(7, "in", T - timedelta(days=2))], True),  # a message before the question is no answer
        ([Contact(7, "out", T + timedelta(days=2))], True),  # the owner writing again is no answer either
        ([Contact(8, "in", T + timedelta(days=2))], True),  # someone else answered
    ],
)
def test_only_an_answer_from_them_after_the_question_settles_it(contacts: list[Contact], due: bool) -> None:
    assert bool(due_reminders([_ask()], [], contacts, T + timedelta(days=9))) is due


def test_an_accepted_request_needs_no_reminder() -> None:
    assert due_reminders([_ask(pending=False)], [], [], T + timedelta(days=30)) == []


def test_follow_up_a_week_after_connecting_within_the_window() -> None:
    con = NewConnection(3, "Ben Cole", date(2026, 11, 2))
    start = datetime(2026, 11, 2, tzinfo=UTC)
    assert due_reminders([], [con], [], start + timedelta(days=6, hours=23)) == []
    (due,) = due_reminders([], [con], [], start + timedelta(days=7))
    assert (due.kind, due.suggestion, due.request_id) == (FOLLOW_UP, "send_follow_up", None)
    assert (
        due_reminders([], [con], [Contact(3, "out", start + timedelta(days=1))], start + timedelta(days=8))
        == []
    )
    assert (
        due_reminders([], [con], [Contact(3, "in", start + timedelta(days=3))], start + timedelta(days=8))
        == []
    )
    assert (
        len(
            due_reminders([], [con], [Contact(3, "in", start - timedelta(days=3))], start + timedelta(days=8))
        )
        == 1
    )
    assert (
        due_reminders([], [con], [], start + timedelta(days=31)) == []
    )  # an old connection is no longer new
    assert len(due_reminders([], [con], [], start + timedelta(days=31), window_days=60)) == 1


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_reminders_from_the_store(
    store: Store, make_importer: MakeImporter, tmp_path: Path, clock: FakeClock
) -> None:
    invs = [
        Inv("Anna Berg", "anna", utc_time(T), ""),
        Inv("Ben Cole", "ben", utc_time(T), "Hi Tess, can we talk?"),
    ]
    cons = [Con("Cleo", "Diaz", "cleo", date(2026, 11, 1)), Con("Dora", "Eck", "dora", date(2026, 11, 1))]
    msgs = [Msg("Dora Eck", "dora", datetime(2026, 11, 3, tzinfo=UTC), "Hallo!")]
    make_importer(store).import_path(write_folder(tmp_path / "one", export_files(invs, cons, msgs)))
    clock.now = T + timedelta(hours=1)
    with store.session() as s:
        for rid in ("anna", "ben"):
            req = next(r for r in _requests(s) if r.payload["sender"]["profile_url"].endswith(rid))
            record_decision(s, req, Action.ASK_BACK, None, clock())
        inputs = reminder_inputs(s)
    due = due_reminders(*inputs, T + timedelta(days=8))
    assert sorted((r.kind, r.person) for r in due) == [
        (ASK_BACK_UNANSWERED, "Anna Berg"),
        (ASK_BACK_UNANSWERED, "Ben Cole"),
        (FOLLOW_UP, "Cleo Diaz"),
    ]
    # A newer export brings Ben's answer: his reminder goes, Anna's stays.
    answer = Msg("Ben Cole", "ben", T + timedelta(days=2), "We met at the meetup, remember?")
    make_importer(store).import_path(
        write_folder(tmp_path / "two", export_files(invs, cons, [*msgs, answer]))
    )
    with store.session() as s:
        due = due_reminders(*reminder_inputs(s), T + timedelta(days=8))
        asked = [r for r in due if r.kind == ASK_BACK_UNANSWERED]
        assert len(asked) == 1 and find_request(s, asked[0].request_id or "") is not None
    assert sorted((r.kind, r.person) for r in due) == [
        (ASK_BACK_UNANSWERED, "Anna Berg"),
        (FOLLOW_UP, "Cleo Diaz"),
    ]


def _requests(s: Session) -> list[Request]:
    return list(s.scalars(select(Request)))
