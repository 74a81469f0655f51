"""One conformance suite, run on every backend: embedded SQLite and Redis Cluster + PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from kontaktfilter.moderation.clock import ManualClock
from kontaktfilter.moderation.engine import LIFT, SHORTEN
from kontaktfilter.moderation.events import INVITATION_IGNORED, INVITATION_SENT, Event
from kontaktfilter.moderation.service import AppealRejected, ModerationService
from kontaktfilter.moderation.state import RedisStateCache
from kontaktfilter.moderation.store import checkpoints_table, senders_table

from .conftest import HOUR, SMALL, ServiceFactory
from .reference import Reference
from .strategies import BASE, arrivals, event_lists, jittered_arrivals


def ev(i: int, hours: float, kind: str = INVITATION_IGNORED, sender: str = "s") -> Event:
    return Event(BASE + int(hours * HOUR), f"e{i:04d}", kind, sender, "r")


def sanctions_of(service: ModerationService, prefix: str = "") -> list[tuple[Any, ...]]:
    return [
        (s.sender, s.kind, s.start, s.end, s.trigger_event, s.count)
        for s in service.sanctions()
        if s.sender.startswith(prefix)
    ]


def forget_state(service: ModerationService, factory: ServiceFactory) -> None:
    """Throws away every cached per-sender state, as a Redis restart without persistence would."""
    if isinstance(service.cache, RedisStateCache):
        factory._request.getfixturevalue("cluster").flushall()
    else:
        with service.store.begin() as conn:
            conn.execute(update(senders_table).values(state=None))


def test_ingest_answers_a_decision_per_event(make_service: ServiceFactory) -> None:
    service = make_service()
    results = service.ingest_events([ev(1, 0), ev(2, 1), ev(3, 2), ev(4, 3), ev(5, 3, INVITATION_SENT)])
    assert [r.decision for r in results] == [
        "counted",
        "counted",
        "suspended",
        "ignored_while_suspended",
        "refused_suspended",
    ]
    assert all(r.status == "applied" for r in results)
    assert sanctions_of(service) == [("s", "suspension", BASE + 2 * HOUR, BASE + 7 * HOUR, "e0003", 3)]


def test_resending_changes_nothing(make_service: ServiceFactory) -> None:
    service = make_service()
    first = service.ingest_events([ev(1, 0), ev(2, 1), ev(3, 2)])
    again = service.ingest_events([ev(3, 2), ev(1, 0), ev(1, 0), ev(2, 1)])
    assert [r.status for r in again] == ["duplicate"] * 4
    assert [r.decision for r in again] == ["suspended", "counted", "counted", "counted"]
    assert [r.decision for r in first] == ["counted", "counted", "suspended"]
    assert len(sanctions_of(service)) == 1
    assert [a.action for a in service.audit()] == ["sanction_imposed"]


def test_an_id_reused_for_a_different_event_is_rejected(make_service: ServiceFactory) -> None:
    service = make_service()
    service.ingest_events([ev(1, 0)])
    other = Event(BASE + HOUR, "e0001", INVITATION_IGNORED, "s", "r")
    twin = Event(BASE + 2 * HOUR, "e0002", INVITATION_IGNORED, "t", "r")
    results = service.ingest_events([other, ev(2, 1), twin])
    assert [(r.status, r.field) for r in results] == [
        ("rejected", "id"),
        ("applied", None),
        ("rejected", "id"),
    ]


def test_bad_items_are_rejected_one_by_one_and_the_rest_applied(make_service: ServiceFactory) -> None:
    service = make_service()
    good = ev(1, 0).to_json()
    results = service.ingest(
        [{**good, "at": "2025-01-01"}, good, ["not", "an", "object"], {**good, "type": "x"}]
    )
    assert [(r.index, r.status, r.field) for r in results] == [
        (0, "rejected", "at"),
        (1, "applied", None),
        (2, "rejected", ""),
        (3, "rejected", "type"),
    ]
    assert "UTC offset" in (results[0].reason or "")


def test_a_late_event_recomputes_the_sender_exactly(make_service: ServiceFactory) -> None:
    service = make_service()
    service.ingest_events([ev(1, 0), ev(2, 4), ev(3, 8)])  # suspended at 8
    service.ingest_events([ev(4, 9), ev(5, 13), ev(6, 14)])  # 9 ignored; 13, 14 counted after the end
    late = ev(7, 1)  # arrives last but takes effect at 1: suspended at 4 instead, until 9
    service.ingest_events([late])
    everything = [ev(1, 0), ev(2, 4), ev(3, 8), ev(4, 9), ev(5, 13), ev(6, 14), late]
    assert sanctions_of(service) == Reference(SMALL).run(everything).sanctions()
    actions = [(a.action, a.trigger_event, a.cause) for a in service.audit()]
    assert ("sanction_withdrawn", "e0003", "e0007") in actions
    assert ("sanction_imposed", "e0002", "e0007") in actions


def test_status_shows_count_until_and_history(make_service: ServiceFactory) -> None:
    clock = ManualClock(BASE + HOUR)
    service = make_service(clock=clock)
    service.ingest_events([ev(1, 0), ev(2, 1), ev(3, 2, INVITATION_SENT)])
    status = service.sender_status("s")
    assert (status.status, status.count, status.invitations, status.until) == ("active", 2, 0, None)
    clock.set(BASE + 2 * HOUR)
    assert service.sender_status("s").invitations == 1
    service.ingest_events([ev(4, 3)])
    clock.set(BASE + 4 * HOUR)
    status = service.sender_status("s")
    assert (status.status, status.until, len(status.sanctions)) == ("suspended", BASE + 8 * HOUR, 1)
    clock.set(BASE + 8 * HOUR)
    status = service.sender_status("s")
    assert (status.status, status.count) == ("active", 0)
    unknown = service.sender_status("nobody")
    assert (unknown.known, unknown.status, unknown.count) == (False, "active", 0)


def test_status_ignores_events_later_than_now(make_service: ServiceFactory) -> None:
    clock = ManualClock(BASE + HOUR)
    service = make_service(clock=clock)
    service.ingest_events([ev(1, 0), ev(2, 5), ev(3, 6), ev(4, 7)])  # suspended at 7, in the future
    status = service.sender_status("s")
    assert (status.status, status.count) == ("active", 1)


def test_appeals_lift_and_shorten_with_reason_and_audit(make_service: ServiceFactory) -> None:
    clock = ManualClock(BASE + 3 * HOUR)
    service = make_service(clock=clock)
    service.ingest_events([ev(1, 0), ev(2, 1), ev(3, 2)])
    with pytest.raises(AppealRejected, match="reason"):
        service.appeal("s", SHORTEN, " ", "ops", BASE + 4 * HOUR)
    with pytest.raises(AppealRejected, match="before the current end"):
        service.appeal("s", SHORTEN, "kinder", "ops", BASE + 9 * HOUR)
    outcome = service.appeal("s", SHORTEN, "first offence", "ops", BASE + 4 * HOUR)
    assert (outcome.sanction.end, outcome.previous_end) == (BASE + 4 * HOUR, BASE + 7 * HOUR)
    clock.set(BASE + 4 * HOUR)
    assert service.sender_status("s").status == "active"
    with pytest.raises(AppealRejected, match="no sanction in force"):
        service.appeal("s", LIFT, "again", "ops")
    service.ingest_events([ev(4, 5), ev(5, 5), ev(6, 6)])  # second breach: ban
    clock.set(BASE + 7 * HOUR)
    lifted = service.appeal("s", LIFT, "reviewed: false reports", "ops")
    assert (lifted.sanction.kind, lifted.sanction.end, lifted.sanction.lifted) == (
        "ban",
        BASE + 7 * HOUR,
        True,
    )
    status = service.sender_status("s")
    assert status.status == "active"
    assert [a.action for a in status.appeals] == [SHORTEN, LIFT]
    entries = [(a.action, a.operator, a.reason) for a in service.audit(sender="s")]
    assert ("appeal_shorten", "ops", "first offence") in entries
    assert ("appeal_lift", "ops", "reviewed: false reports") in entries
    # A lifted sanction does not count towards a ban: the next breach suspends again... unless the
    # earlier (shortened) suspension still counts, which it does, so the next breach is a ban.
    service.ingest_events([ev(7, 8), ev(8, 8), ev(9, 8)])
    assert sanctions_of(service)[-1][1] == "ban"


def test_audit_names_trigger_event_and_count_for_every_sanction(make_service: ServiceFactory) -> None:
    service = make_service()
    service.ingest_events([ev(i, i * 0.1, sender=f"u{i % 4}") for i in range(40)])
    imposed = [a for a in service.audit(limit=1000) if a.action == "sanction_imposed"]
    assert {(a.sender, a.trigger_event, a.count) for a in imposed} == {
        (s[0], s[4], s[5]) for s in sanctions_of(service)
    }
    assert all(a.count == SMALL.threshold for a in imposed)


def test_lost_state_is_rebuilt_from_the_log(make_service: ServiceFactory) -> None:
    service = make_service()
    service.ingest_events([ev(1, 0), ev(2, 1)])
    forget_state(service, make_service)
    results = service.ingest_events([ev(3, 2), ev(4, 3, INVITATION_SENT)])
    assert [r.decision for r in results] == ["suspended", "refused_suspended"]
    assert [a.action for a in service.audit()] == ["sanction_imposed"]  # a rebuild changes nothing


@pytest.mark.parametrize("checkpoint", ["after_log_write", "after_state_write"])
def test_a_crash_mid_batch_then_resend_equals_the_reference(
    make_service: ServiceFactory, checkpoint: str
) -> None:
    """The worker dies inside the transaction (after the log write, or after Redis was already
    updated); the client never got an answer and resends: the result is exactly the reference."""

    class Crash(Exception):
        pass

    armed = {"on": False}

    def faults(name: str) -> None:
        if armed["on"] and name == checkpoint:
            raise Crash(name)

    url = make_service.fresh_url()
    prefix = f"t{uuid.uuid4().hex[:12]}"
    service = make_service(faults=faults, url=url, prefix=prefix)
    first = [ev(1, 0), ev(2, 1)]
    batch = [ev(3, 2), ev(4, 0.5), ev(5, 3, INVITATION_SENT), ev(6, 2, sender="t")]
    service.ingest_events(first)
    armed["on"] = True
    with pytest.raises(Crash):
        service.ingest_events(batch)
    # A fresh worker (new process: new connections, no memory) takes the resend.
    survivor = make_service(url=url, prefix=prefix)
    results = survivor.ingest_events(batch)
    assert all(r.status == "applied" for r in results)
    assert sanctions_of(survivor) == Reference(SMALL).run(first + batch).sanctions()
    assert [a.action for a in survivor.audit()] == ["sanction_imposed"]


def check_against_reference(
    service: ModerationService,
    clock: ManualClock,
    namespace: str,
    events: list[Event],
    batches: list[list[Event]],
) -> None:
    """Ingests the batches, then compares sanctions, status, count and invitations with the reference."""
    for batch in batches:
        results = service.ingest_events(batch)
        assert all(r.status in ("applied", "duplicate") for r in results)
    reference = Reference(SMALL).run(events)
    assert sanctions_of(service, namespace) == reference.sanctions()
    end = max((e.at for e in events), default=BASE) + HOUR // 2
    clock.set(end)
    for sender in {e.sender for e in events}:
        status = service.sender_status(sender)
        assert (status.status, status.until) == reference.status(sender, end)
        assert status.count == reference.count(sender, end)
        assert status.invitations == reference.invitations(sender, end)


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(st.data())
def test_any_arrival_order_equals_the_reference(
    shared_service: tuple[ModerationService, ManualClock], data: st.DataObject
) -> None:
    """Random events with duplicates, shuffled arrival and batch cuts, on window and suspension edges."""
    service, clock = shared_service
    namespace = f"n{uuid.uuid4().hex[:10]}-"
    events = data.draw(event_lists(namespace=namespace, max_size=40))
    check_against_reference(service, clock, namespace, events, data.draw(arrivals(events)))


@PROPERTY
@given(st.data())
def test_nearly_ordered_arrival_equals_the_reference(
    shared_service: tuple[ModerationService, ManualClock], data: st.DataObject
) -> None:
    """A live feed: events a few hours out of order and resent; late events take the in-memory window,
    the checkpoints or the whole log (the "tiny" tuning makes short sequences reach all three)."""
    service, clock = shared_service
    namespace = f"j{uuid.uuid4().hex[:10]}-"
    events = data.draw(event_lists(namespace=namespace, max_size=40))
    check_against_reference(service, clock, namespace, events, data.draw(jittered_arrivals(events)))


def test_late_events_refold_from_the_window_or_a_checkpoint_and_checkpoints_stay_bounded(
    make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A late event inside the window reads nothing from the log; one behind it reads only the log after
    the newest checkpoint before it; one older than every checkpoint reads the whole log. The result is
    the reference's in every case, and a sender keeps at most `checkpoints_kept` checkpoints."""
    service = make_service(tuning={"window": 4, "checkpoint_every": 5, "checkpoints_kept": 3})
    reads: list[str] = []
    store = service.store
    for name in ("sender_events", "sender_events_after"):
        original = getattr(store, name)

        def spy(*args: Any, _original: Any = original, _name: str = name) -> Any:
            reads.append(_name)
            return _original(*args)

        monkeypatch.setattr(store, name, spy)
    # One event every 1.5 h from hour 2, an ignore every 6 h: never 3 in 10 h, until late ones arrive.
    kinds = [INVITATION_IGNORED, INVITATION_SENT, "invitation_accepted", "invitation_accepted"]
    events = [ev(i, 2 + i * 1.5, kinds[i % 4]) for i in range(40)]
    for i in range(0, 40, 4):
        service.ingest_events(events[i : i + 4])
    assert reads == []

    def checkpoints() -> int:
        with store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(checkpoints_table)).scalar_one())

    assert checkpoints() == 3  # eight were taken, the oldest five dropped
    assert sanctions_of(service) == []
    everything = list(events)
    for late, expected_reads in [
        (ev(100, 2 + 38 * 1.5 - 0.5), []),  # inside the window: refold in memory
        (ev(101, 2 + 33 * 1.5 - 0.5), ["sender_events_after"]),  # behind it: from a checkpoint
        (ev(102, 1), ["sender_events"]),  # older than every checkpoint: the whole log
    ]:
        reads.clear()
        before = sanctions_of(service)
        service.ingest_events([late])
        everything.append(late)
        assert reads == expected_reads, late
        assert sanctions_of(service) == Reference(SMALL).run(everything).sanctions() != before
        assert checkpoints() <= 3


def test_cluster_keeps_a_sanction_key_per_sender_in_its_bucket(make_service: ServiceFactory) -> None:
    """Platform components can read a sender's current sanction from Redis without the API."""
    service = make_service()
    if not isinstance(service.cache, RedisStateCache):
        pytest.skip("the embedded backend keeps no Redis keys")
    service.ingest_events([ev(1, 0), ev(2, 1), ev(3, 2)])
    assert service.cache.current_sanction("s") == {
        "kind": "suspension",
        "start": str(BASE + 2 * HOUR),
        "end": str(BASE + 7 * HOUR),
    }
    state_key, sanction_key = service.cache.keys("s")
    assert state_key.split("}")[0] == sanction_key.split("}")[0]  # one hash tag: one slot
    assert service.cache.current_sanction("nobody") == {}
