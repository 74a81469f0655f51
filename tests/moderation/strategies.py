"""Hypothesis strategies: event sequences on a coarse time grid so that window, suspension and rate
limit edges are hit exactly, with duplicates and shuffled arrival."""

from __future__ import annotations

from hypothesis import strategies as st

from kontaktfilter.moderation.events import (
    INVITATION_ACCEPTED,
    INVITATION_IGNORED,
    INVITATION_REPORTED,
    INVITATION_SENT,
    Event,
)

HOUR = 3_600_000_000
BASE = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
TYPES = [INVITATION_IGNORED, INVITATION_REPORTED, INVITATION_SENT, INVITATION_ACCEPTED]


@st.composite
def event_lists(draw: st.DrawFn, namespace: str = "", max_size: int = 60) -> list[Event]:
    """Unique-id events for up to three senders; times are whole or half hours (edges collide often)."""
    n = draw(st.integers(min_value=0, max_value=max_size))
    senders = [f"{namespace}s{i}" for i in range(draw(st.integers(1, 3)))]
    events = []
    for i in range(n):
        half_hours = draw(st.integers(min_value=0, max_value=60))
        kind = draw(st.sampled_from(TYPES))
        sender = draw(st.sampled_from(senders))
        events.append(Event(BASE + half_hours * HOUR // 2, f"{namespace}e{i:03d}", kind, sender, "r"))
    return events


@st.composite
def arrivals(draw: st.DrawFn, events: list[Event]) -> list[list[Event]]:
    """The events resent a few times, shuffled, and cut into batches: how a flaky network delivers them."""
    resent = list(events)
    if events:
        resent += draw(st.lists(st.sampled_from(events), max_size=len(events) // 2 + 1))
    order = draw(st.permutations(resent))
    batches: list[list[Event]] = []
    i = 0
    while i < len(order):
        size = draw(st.integers(min_value=1, max_value=12))
        batches.append(list(order[i : i + size]))
        i += size
    return batches


@st.composite
def jittered_arrivals(draw: st.DrawFn, events: list[Event]) -> list[list[Event]]:
    """The events nearly in order, as a live feed delivers them: each displaced by up to a few hours,
    a few resent, cut into batches. Late events then mostly land just behind what was applied, which is
    what the in-memory window and the checkpoints are for."""
    resent = list(events)
    if events:
        resent += draw(st.lists(st.sampled_from(events), max_size=len(events) // 4 + 1))
    delays = draw(st.lists(st.integers(0, 8), min_size=len(resent), max_size=len(resent)))
    order = [e for _, e in sorted(zip(delays, resent, strict=True), key=lambda p: p[1].at + p[0] * HOUR // 2)]
    batches: list[list[Event]] = []
    i = 0
    while i < len(order):
        size = draw(st.integers(min_value=1, max_value=6))
        batches.append(order[i : i + size])
        i += size
    return batches
