"""The pure engine and the bulk replay against the issue's exact semantics and the brute-force reference."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kontaktfilter.moderation.engine import (
    ALLOWED,
    BANNED_NOW,
    COUNTED,
    IGNORED_BANNED,
    IGNORED_SUSPENDED,
    LIFT,
    REFUSED_BANNED,
    REFUSED_RATE,
    REFUSED_SUSPENDED,
    SHORTEN,
    SUSPENDED_NOW,
    Appeal,
    Engine,
    Window,
    item_key,
)
from kontaktfilter.moderation.events import INVITATION_IGNORED, INVITATION_REPORTED, INVITATION_SENT, Event
from kontaktfilter.moderation.policy import Policy
from kontaktfilter.moderation.replay import read_grouped, replay
from kontaktfilter.moderation.store import SqlStore

from .conftest import HOUR, SMALL
from .reference import RefAppeal, Reference
from .strategies import BASE, event_lists


def ev(i: int, hours: float, kind: str = INVITATION_IGNORED, sender: str = "s") -> Event:
    return Event(BASE + int(hours * HOUR), f"e{i:04d}", kind, sender, "r")


def decisions(policy: Policy, events: list[Event]) -> list[str]:
    engine = Engine(policy)
    st_ = engine.new_state()
    return [engine.apply_event(st_, e) for e in sorted(events)]


def test_threshold_reached_suspends_from_that_event() -> None:
    assert decisions(SMALL, [ev(1, 0), ev(2, 1), ev(3, 2)]) == [COUNTED, COUNTED, SUSPENDED_NOW]


def test_window_is_open_at_the_old_end_and_closed_at_now() -> None:
    # At exactly t - window the first event falls out: (t - window, t].
    assert decisions(SMALL, [ev(1, 0), ev(2, 5), ev(3, 10)])[-1] == COUNTED
    assert decisions(SMALL, [ev(1, 0), ev(2, 5), ev(3, 9.5)])[-1] == SUSPENDED_NOW


def test_same_instant_orders_by_id() -> None:
    out = decisions(SMALL, [ev(3, 1), ev(1, 1), ev(2, 1), ev(4, 1)])
    assert out == [COUNTED, COUNTED, SUSPENDED_NOW, IGNORED_SUSPENDED]


def test_events_during_a_suspension_are_never_counted_and_the_count_restarts_at_its_end() -> None:
    events = [ev(1, 0), ev(2, 0), ev(3, 0)]  # suspended at 0 until 5
    events += [ev(4, 1), ev(5, 2), ev(6, 4.5)]  # ignored, not counted later either
    events += [ev(7, 5), ev(8, 5.5)]  # fresh count: 2 < 3
    out = decisions(SMALL, events)
    assert out[3:6] == [IGNORED_SUSPENDED] * 3
    assert out[6:] == [COUNTED, COUNTED]


def test_second_breach_bans_for_good() -> None:
    events = [ev(i, 0) for i in range(3)] + [ev(10 + i, 5 + i) for i in range(3)] + [ev(20, 1000)]
    out = decisions(SMALL, events)
    assert out[2] == SUSPENDED_NOW
    assert out[5] == BANNED_NOW
    assert out[6] == IGNORED_BANNED


def test_reported_counts_too_and_accepted_does_not() -> None:
    events = [ev(1, 0), ev(2, 1, INVITATION_REPORTED), ev(3, 2, "invitation_accepted"), ev(4, 3)]
    assert decisions(SMALL, events) == [COUNTED, COUNTED, "recorded", SUSPENDED_NOW]


def test_rate_limit_is_rolling_and_refusals_do_not_use_it_up() -> None:
    sent = [ev(i, h, INVITATION_SENT) for i, h in enumerate([0, 1, 2, 3.5, 4, 5])]
    # limit 2 per 4 h: 0 and 1 allowed; 2 and 3.5 refused; at 4 the one at 0 is out (4 - 4 = 0 excluded).
    assert decisions(SMALL, sent) == [ALLOWED, ALLOWED, REFUSED_RATE, REFUSED_RATE, ALLOWED, ALLOWED]


def test_invitations_refused_while_sanctioned() -> None:
    events = [ev(i, 0) for i in range(3)] + [ev(9, 1, INVITATION_SENT)]
    assert decisions(SMALL, events)[-1] == REFUSED_SUSPENDED
    events = [ev(i, 0) for i in range(3)] + [ev(10 + i, 6) for i in range(3)] + [ev(30, 7, INVITATION_SENT)]
    assert decisions(SMALL, events)[-1] == REFUSED_BANNED


def test_state_stays_bounded_however_many_events() -> None:
    policy = Policy(threshold=50, invitation_limit=100)
    engine = Engine(policy)
    st_ = engine.new_state()
    # One counted event per 14.5 hours never reaches 50 in 30 days; invitations run into the limit.
    for i in range(200_000):
        kind = INVITATION_IGNORED if i % 2 else INVITATION_SENT
        engine.apply_event(st_, Event(BASE + i * 8 * HOUR, f"e{i}", kind, "s", "r"))
        assert len(st_.counted) < 2 * policy.threshold
        assert len(st_.sent) < 2 * policy.invitation_limit
    assert st_.sanction is None
    assert len(st_.to_json()) < 8_000


def test_lift_ends_now_resets_the_count_and_does_not_count_towards_a_ban() -> None:
    engine = Engine(SMALL)
    st_ = engine.new_state()
    for e in [ev(1, 0), ev(2, 0), ev(3, 0)]:
        engine.apply_event(st_, e)
    effect = engine.apply_appeal(st_, Appeal("000000000001", "s", BASE + 2 * HOUR, LIFT, None, "wrong", "op"))
    assert effect is not None and effect[0].end == BASE + 2 * HOUR and effect[0].lifted
    later = [engine.apply_event(st_, e) for e in [ev(4, 2), ev(5, 3), ev(6, 4)]]
    assert later == [COUNTED, COUNTED, SUSPENDED_NOW]  # a suspension again, not a ban


def test_shorten_moves_the_end_and_still_counts_as_a_breach() -> None:
    engine = Engine(SMALL)
    st_ = engine.new_state()
    for e in [ev(1, 0), ev(2, 0), ev(3, 0)]:
        engine.apply_event(st_, e)
    appeal = Appeal("000000000001", "s", BASE + HOUR, SHORTEN, BASE + 2 * HOUR, "first offence", "op")
    sanction, previous = engine.apply_appeal(st_, appeal) or (None, None)
    assert sanction is not None and sanction.end == BASE + 2 * HOUR and previous == BASE + 5 * HOUR
    out = [engine.apply_event(st_, e) for e in [ev(4, 1.5), ev(5, 2), ev(6, 2), ev(7, 2.5)]]
    assert out == [IGNORED_SUSPENDED, COUNTED, COUNTED, BANNED_NOW]


def test_state_round_trips_through_json() -> None:
    engine = Engine(SMALL)
    st_ = engine.new_state()
    for e in [ev(1, 0), ev(2, 0), ev(3, 0), ev(4, 1, INVITATION_SENT)]:
        engine.apply_event(st_, e)
    again = engine.state_from_json("s", st_.to_json())
    assert again == st_


# -- property tests against the reference --------------------------------------------------------------

POLICIES = st.builds(
    Policy,
    threshold=st.integers(1, 4),
    window_us=st.sampled_from([HOUR, 3 * HOUR, 10 * HOUR]),
    suspension_us=st.sampled_from([HOUR // 2, 2 * HOUR, 5 * HOUR]),
    suspensions_before_ban=st.integers(0, 2),
    invitation_limit=st.integers(1, 3),
    invitation_window_us=st.sampled_from([HOUR, 4 * HOUR]),
)


@st.composite
def appeals_for(draw: st.DrawFn, events: list[Event]) -> list[RefAppeal]:
    senders = sorted({e.sender for e in events}) or ["s0"]
    out = []
    for i in range(draw(st.integers(0, 3))):
        at = BASE + draw(st.integers(0, 60)) * HOUR // 2
        action = draw(st.sampled_from([LIFT, SHORTEN]))
        until = at + draw(st.integers(1, 6)) * HOUR // 2 if action == SHORTEN else None
        out.append(RefAppeal(f"{i:012d}", draw(st.sampled_from(senders)), at, action, until))
    return out


def engine_sanctions(policy: Policy, events: list[Event], appeals: list[RefAppeal]) -> list[tuple]:
    engine = Engine(policy)
    unique = list({e.id: e for e in sorted(events)}.values())
    items: list[Event | Appeal] = [*unique]
    items += [Appeal(a.id, a.sender, a.at, a.action, a.until, "r", "op") for a in appeals]
    items.sort(key=item_key)
    result = engine.fold(items)
    out = [(s.sender, s.kind, s.start, s.end, s.trigger_event, s.count) for s in result.sanctions]
    return sorted(out, key=lambda r: (r[2], r[0]))


@settings(max_examples=400, deadline=None)
@given(POLICIES, event_lists(max_size=80), st.data())
def test_engine_equals_reference(policy: Policy, events: list[Event], data: st.DataObject) -> None:
    appeals = data.draw(appeals_for(events))
    reference = Reference(policy).run(events, appeals)
    assert engine_sanctions(policy, events, appeals) == reference.sanctions()
    # Status, count and invitations at every instant of interest agree too.
    engine = Engine(policy)
    for sender in {e.sender for e in events}:
        mine = [e for e in sorted(set(events)) if e.sender == sender]
        items: list[Event | Appeal] = [*mine]
        items += [
            Appeal(a.id, a.sender, a.at, a.action, a.until, "r", "op") for a in appeals if a.sender == sender
        ]
        items.sort(key=item_key)
        for t in sorted({i.at for i in items} | {i.at + HOUR // 2 for i in items}):
            st_ = engine.fold([i for i in items if i.at <= t]).states.get(sender) or engine.new_state()
            assert engine.count_at(st_, t) == reference.count(sender, t)
            assert engine.invitations_at(st_, t) == reference.invitations(sender, t)


def _lines(events: list[Event], order: list[Event]) -> list[str]:
    return [json.dumps(e.to_json()) + "\n" for e in order]


@settings(max_examples=150, deadline=None)
@given(POLICIES, event_lists(max_size=80), st.data())
def test_replay_equals_reference(policy: Policy, events: list[Event], data: st.DataObject) -> None:
    order = data.draw(
        st.permutations(events + data.draw(st.lists(st.sampled_from(events or [ev(0, 0)]), max_size=5)))
    )
    report = replay(_lines(events, order), "x.jsonl", policy)
    got = [(s.sender, s.kind, s.start, s.end, s.trigger_event, s.count) for s in report.sanctions]
    assert got == Reference(policy).run(list(order)).sanctions()
    assert not report.bad_lines


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event_lists(max_size=60), st.data())
def test_replay_into_sqlite_persists_the_reference_result(
    tmp_path: Path, events: list[Event], data: st.DataObject
) -> None:
    """Replaying in two parts (a fresh load, then a merge) into one database gives the reference result."""
    order = data.draw(st.permutations(events))
    cut = data.draw(st.integers(0, len(order)))
    path = tmp_path / f"r{uuid.uuid4().hex}.sqlite3"
    store = SqlStore.from_url(f"sqlite:///{path}")
    try:
        replay(_lines(events, order[:cut]), "a.jsonl", SMALL, store)
        report = replay(_lines(events, order[cut:]), "b.jsonl", SMALL, store)
        expected = Reference(SMALL).run(events).sanctions()
        got = [(s.sender, s.kind, s.start, s.end, s.trigger_event, s.count) for s in report.sanctions]
        assert got == expected
        with store.engine.connect() as conn:
            stored = store.sanctions(conn)
        assert [(s.sender, s.kind, s.start, s.end, s.trigger_event, s.count) for s in stored] == expected
    finally:
        store.dispose()


def test_window_round_trips_and_stays_bounded() -> None:
    """A window (base state plus recent events) folds to the same state as all its events, survives JSON,
    and never holds more than `keep` events however many arrive."""
    engine = Engine(SMALL)
    window = Window(engine.new_state(), [])
    direct = engine.new_state()
    kinds = [INVITATION_IGNORED, INVITATION_SENT, "invitation_accepted", INVITATION_REPORTED]
    for i in range(200):
        event = ev(i, i * 0.7, kinds[i % 4])
        engine.apply_event(direct, event)
        window.tail.append(event)
        engine.trim(window, keep=5)
        assert len(window.tail) <= 5
        again = engine.window_from_json("s", window.to_json())
        assert engine.current(again)[0] == engine.current(window)[0] == direct


def test_a_plain_state_snapshot_reads_as_a_window_without_tail() -> None:
    engine = Engine(SMALL)
    st_ = engine.new_state()
    engine.apply_event(st_, ev(1, 0))
    window = engine.window_from_json("s", st_.to_json())
    assert (window.base, window.tail) == (st_, [])


@settings(max_examples=60, deadline=None)
@given(event_lists(max_size=30), st.data())
def test_replay_of_a_stream_reads_lines_like_iteration(events: list[Event], data: st.DataObject) -> None:
    """Reading a text stream in blocks gives the same events, duplicates and bad-line numbers as
    iterating its lines, whatever the line ends, blank or broken lines and block boundaries."""
    pieces = [json.dumps(e.to_json()) for e in events]
    pieces += data.draw(
        st.lists(st.sampled_from(["", "  ", "{broken", pieces[0] if pieces else "x"]), max_size=4)
    )
    pieces = data.draw(st.permutations(pieces))
    ends = data.draw(
        st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(pieces), max_size=len(pieces))
    )
    text = "".join(p + e for p, e in zip(pieces, ends, strict=True))
    if data.draw(st.booleans()):
        text = text.rstrip("\r\n")  # no end after the last line
    by_lines = read_grouped(list(io.StringIO(text, newline="")), "x", SMALL.counted_types)
    block_chars = data.draw(st.integers(1, 300))
    by_blocks = read_grouped(io.StringIO(text, newline=""), "x", SMALL.counted_types, block_chars=block_chars)
    assert [(b.line, b.error.describe()) for b in by_blocks.bad] == [
        (b.line, b.error.describe()) for b in by_lines.bad
    ]
    assert (by_blocks.unique, by_blocks.duplicates) == (by_lines.unique, by_lines.duplicates)
    assert {s: sorted(e) for s, e in by_blocks.counted.items()} == {
        s: sorted(e) for s, e in by_lines.counted.items()
    }
