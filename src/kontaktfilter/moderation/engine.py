"""The pure policy state machine: plain data in, plain data out, no clock, no I/O.

Callers apply a sender's items in the order of their key ((at, 0, id) for events, (at, 1, id) for
appeals, so an appeal acts after the events of the same instant) and apply each id once; the service
and the replay guarantee both. The state per sender is bounded by the threshold and the invitation
limit (see docs/moderation.md for why the newest `threshold` counted timestamps are enough).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring
from typing import Any

from .events import EVENT_TYPES, INVITATION_SENT, Event, EventRow, format_timestamp
from .policy import Policy

SUSPENSION = "suspension"
BAN = "ban"
LIFT = "lift"
SHORTEN = "shorten"

# Decisions, one per applied event.
COUNTED = "counted"
SUSPENDED_NOW = "suspended"
BANNED_NOW = "banned"
IGNORED_SUSPENDED = "ignored_while_suspended"
IGNORED_BANNED = "ignored_while_banned"
ALLOWED = "allowed"
REFUSED_RATE = "refused_rate_limit"
REFUSED_SUSPENDED = "refused_suspended"
REFUSED_BANNED = "refused_banned"
RECORDED = "recorded"

REASONS: dict[str, str] = {
    COUNTED: "counted against the sender",
    SUSPENDED_NOW: "counted; the count reached the threshold and the sender is suspended",
    BANNED_NOW: "counted; the count reached the threshold again and the sender is banned",
    IGNORED_SUSPENDED: "not counted: the sender is suspended",
    IGNORED_BANNED: "not counted: the sender is banned",
    ALLOWED: "invitation allowed",
    REFUSED_RATE: "invitation refused: over the rate limit",
    REFUSED_SUSPENDED: "invitation refused: the sender is suspended",
    REFUSED_BANNED: "invitation refused: the sender is banned",
    RECORDED: "recorded, no effect on sanctions",
}

EVENT_RANK = 0
APPEAL_RANK = 1
ItemKey = tuple[int, int, str]


@dataclass(slots=True)
class Sanction:
    """A suspension or ban; `seq` numbers a sender's sanctions from 1, `end` is None while permanent."""

    sender: str
    seq: int
    kind: str
    start: int
    end: int | None
    trigger_event: str
    count: int
    planned_end: int | None
    lifted: bool = False

    def in_force(self, t: int) -> bool:
        """Whether the sanction applies at time t (start inclusive, end exclusive)."""
        return self.start <= t and (self.end is None or t < self.end)

    def record(self) -> dict[str, Any]:
        """The replay output record: {sender, kind, start, end, trigger_event, count}."""
        return {
            "sender": self.sender,
            "kind": self.kind,
            "start": format_timestamp(self.start),
            "end": None if self.end is None else format_timestamp(self.end),
            "trigger_event": self.trigger_event,
            "count": self.count,
        }

    def identity(self) -> tuple[str, int, str]:
        """What makes two derivations the same sanction: kind, start and trigger."""
        return (self.kind, self.start, self.trigger_event)

    def to_json(self) -> str:
        """Compact positional JSON for state snapshots: [seq, kind, start, end, trigger, count, planned, lifted]."""
        return (
            f"[{self.seq},{encode_basestring(self.kind)},{self.start},{_json_int(self.end)},"
            f"{encode_basestring(self.trigger_event)},{self.count},{_json_int(self.planned_end)},"
            f"{'true' if self.lifted else 'false'}]"
        )

    @classmethod
    def from_json_value(cls, sender: str, d: list[Any] | dict[str, Any]) -> Sanction:
        """Inverse of to_json (after json.loads); also reads the earlier keyed form {"q", "k", ...}."""
        if isinstance(d, dict):
            return cls(sender, d["q"], d["k"], d["s"], d["e"], d["t"], d["c"], d["p"], d["l"])
        seq, kind, start, end, trigger, count, planned, lifted = d
        return cls(sender, seq, kind, start, end, trigger, count, planned, lifted)


@dataclass(frozen=True, slots=True)
class Appeal:
    """An operator's decision on the sanction in force at `at`: lift it, or shorten it to `until`."""

    id: str
    sender: str
    at: int
    action: str
    until: int | None
    reason: str
    operator: str


@dataclass(slots=True)
class SenderState:
    """Everything the policy remembers about one sender; its size never depends on the event count."""

    # Newest counted timestamps since the reset and newest allowed invitations, oldest first. Each list
    # keeps at least the newest `cap` entries and is trimmed back to `cap` whenever it reaches twice
    # that, so it stays small and trimming is amortised O(1) (a plain list is ~10x smaller than a deque).
    counted: list[int]
    sent: list[int]
    breaches: int = 0
    n_sanctions: int = 0
    reset: int | None = None
    sanction: Sanction | None = None
    last_key: ItemKey | None = None

    def to_json(self) -> str:
        """Compact JSON snapshot (for SQLite and Redis): [counted, sent, breaches, n, reset, sanction, key]."""
        return state_json(
            self.counted, self.sent, self.breaches, self.n_sanctions, self.reset, self.sanction, self.last_key
        )

    def copy(self) -> SenderState:
        """An independent copy (appeals mutate the sanction in place, so it is copied too)."""
        x = self.sanction
        return SenderState(
            self.counted.copy(),
            self.sent.copy(),
            self.breaches,
            self.n_sanctions,
            self.reset,
            None if x is None else replace(x),
            self.last_key,
        )


@dataclass(slots=True)
class Window:
    """A sender's cached state as a base state plus the recent events after it (only events: an appeal
    moves the base), so an event that arrives late but after the base is refolded in memory. The tail
    holds at most WINDOW events, so it stays bounded too."""

    base: SenderState
    tail: list[EventRow]

    def to_json(self) -> str:
        """[base state, [[at, id, type], ...]]."""
        rows = ",".join(
            f"[{at},{encode_basestring(i)},{encode_basestring(t)}]" for at, i, t, _, _ in self.tail
        )
        return f"[{self.base.to_json()},[{rows}]]"


#: A window keeps the newest WINDOW events of its sender after its base: a late event among them is
#: refolded in memory, an older one from the durable log. Counted in events, not time, so one event
#: from the future (a clock running ahead) does not push every on-time event out of the window.
WINDOW = 16


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def state_json(
    counted: list[int],
    sent: list[int],
    breaches: int,
    n_sanctions: int,
    reset: int | None,
    sanction: Sanction | None,
    last_key: ItemKey | None,
) -> str:
    """The snapshot text of a state, built by formatting rather than json.dumps: a batch writes one per
    sender, and json.dumps costs several microseconds per call (repr of an int list is valid JSON)."""
    key = "null" if last_key is None else f"[{last_key[0]},{last_key[1]},{encode_basestring(last_key[2])}]"
    x = "null" if sanction is None else sanction.to_json()
    return f"[{counted!r},{sent!r},{breaches},{n_sanctions},{_json_int(reset)},{x},{key}]"


def item_key(item: Event | Appeal) -> ItemKey:
    """The order of effect: (at, id), with appeals after the events of the same instant."""
    if isinstance(item, Appeal):
        return (item.at, APPEAL_RANK, item.id)
    return (item.at, EVENT_RANK, item.id)


@dataclass(slots=True)
class FoldResult:
    """Outcome of applying items in order: final states, every sanction, a decision per event id."""

    states: dict[str, SenderState] = field(default_factory=dict)
    sanctions: list[Sanction] = field(default_factory=list)
    decisions: dict[str, str] = field(default_factory=dict)
    appeal_effects: dict[str, tuple[Sanction, int | None] | None] = field(default_factory=dict)


class Engine:
    """Applies events and appeals to sender states under one policy."""

    __slots__ = (
        "_counted",
        "_inv_limit",
        "_inv_window",
        "_policy",
        "_susp",
        "_susp_before_ban",
        "_thr",
        "_win",
    )

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._counted = policy.counted_types
        self._thr = policy.threshold
        self._win = policy.window_us
        self._susp = policy.suspension_us
        self._susp_before_ban = policy.suspensions_before_ban
        self._inv_limit = policy.invitation_limit
        self._inv_window = policy.invitation_window_us

    @property
    def policy(self) -> Policy:
        """The policy this engine enforces."""
        return self._policy

    def new_state(self) -> SenderState:
        """A sender never seen before."""
        return SenderState([], [])

    def state_from_json(self, sender: str, text: str) -> SenderState:
        """Inverse of SenderState.to_json; the lists are re-capped in case the policy changed."""
        return self.state_from_value(sender, json.loads(text))

    def window_from_json(self, sender: str, text: str) -> Window:
        """Inverse of Window.to_json; a plain state snapshot reads as a window with an empty tail."""
        d = json.loads(text)
        if isinstance(d, list) and len(d) == 2:
            types = EVENT_TYPES
            tail: list[EventRow] = [(at, i, types[t], sender, "") for at, i, t in d[1]]
            return Window(self.state_from_value(sender, d[0]), tail)
        return Window(self.state_from_value(sender, d), [])

    def current(self, window: Window) -> tuple[SenderState, list[Sanction]]:
        """The state after the window's tail (a copy: the window is left as it is) and the sanctions
        the tail caused."""
        st = window.base.copy()
        return st, self.fold_sender(st, window.tail)

    def trim(self, window: Window, keep: int = WINDOW) -> None:
        """Folds the oldest tail events beyond `keep` into the base; each event is folded into the base
        once, so trimming costs O(1) per event."""
        cut = len(window.tail) - keep
        if cut > 0:
            self.fold_sender(window.base, window.tail[:cut])
            del window.tail[:cut]

    def state_from_value(self, sender: str, d: Any) -> SenderState:
        """A state from its decoded snapshot (the positional list, or the earlier keyed form)."""
        if isinstance(d, dict):  # the earlier keyed snapshot form
            d = [d["c"], d["s"], d["b"], d["n"], d["r"], d["x"], d["k"]]
        counted, sent, breaches, n_sanctions, reset, x, k = d
        return SenderState(
            counted[-self._thr :],
            sent[-self._inv_limit :],
            breaches,
            n_sanctions,
            reset,
            None if x is None else Sanction.from_json_value(sender, x),
            None if k is None else (k[0], k[1], k[2]),
        )

    @staticmethod
    def _advance(st: SenderState, at: int) -> Sanction | None:
        """Ends a sanction whose end has come; the end becomes the reset time and a fresh count starts."""
        sanction = st.sanction
        if sanction is not None and sanction.end is not None and sanction.end <= at:
            st.reset = sanction.end
            st.counted.clear()
            st.sanction = sanction = None
        return sanction

    def apply_event(self, st: SenderState, event: EventRow) -> str:
        """Applies one event (in order, once) and returns the decision; a new sanction lands in st.sanction."""
        at, event_id, event_type, _, _ = event
        st.last_key = (at, EVENT_RANK, event_id)
        sanction = st.sanction
        if sanction is not None and sanction.end is not None and sanction.end <= at:
            sanction = self._advance(st, at)
        if event_type in self._counted:
            if sanction is not None:
                return IGNORED_BANNED if sanction.kind == BAN else IGNORED_SUSPENDED
            counted = st.counted
            counted.append(at)
            n, thr = len(counted), self._thr
            if n >= thr:
                if n >= 2 * thr:
                    del counted[: n - thr]
                # The count reaches the threshold exactly when the threshold-th newest counted
                # timestamp is still inside (at - window, at] (docs/moderation.md has the argument).
                if counted[-thr] > at - self._win:
                    return self._breach(st, event)
            return COUNTED
        if event_type == INVITATION_SENT:
            if sanction is not None:
                return REFUSED_BANNED if sanction.kind == BAN else REFUSED_SUSPENDED
            sent, limit = st.sent, self._inv_limit
            n = len(sent)
            if n >= limit and sent[-limit] > at - self._inv_window:
                return REFUSED_RATE
            sent.append(at)
            if n + 1 >= 2 * limit:
                del sent[: n + 1 - limit]
            return ALLOWED
        return RECORDED

    def _breach(self, st: SenderState, event: EventRow) -> str:
        at, event_id, _, sender, _ = event
        st.n_sanctions += 1
        if st.breaches < self._susp_before_ban:
            end: int | None = at + self._susp
            kind, decision = SUSPENSION, SUSPENDED_NOW
        else:
            end, kind, decision = None, BAN, BANNED_NOW
        st.breaches += 1
        st.sanction = Sanction(sender, st.n_sanctions, kind, at, end, event_id, self._thr, end)
        return decision

    def apply_appeal(self, st: SenderState, appeal: Appeal) -> tuple[Sanction, int | None] | None:
        """Applies an appeal to the sanction in force at its time; returns (sanction, previous end) or None."""
        st.last_key = (appeal.at, APPEAL_RANK, appeal.id)
        sanction = self._advance(st, appeal.at)
        if sanction is None:
            return None
        previous = sanction.end
        if appeal.action == LIFT:
            sanction.end = appeal.at
            sanction.lifted = True
            st.breaches -= 1
        else:
            until = appeal.until if appeal.until is not None else appeal.at
            if previous is not None and until >= previous:
                return None
            sanction.end = max(until, appeal.at)
        self._advance(st, appeal.at)
        return sanction, previous

    def count_at(self, st: SenderState, t: int) -> int:
        """Counted events in (t - window, t] since the reset time, for a state whose items are all <= t."""
        sanction = st.sanction
        if sanction is not None and sanction.end is not None and sanction.end <= t:
            return 0
        low = t - self._win
        return sum(1 for ts in st.counted if low < ts <= t)

    def invitations_at(self, st: SenderState, t: int) -> int:
        """Allowed invitations in (t - rate window, t]."""
        low = t - self._inv_window
        return sum(1 for ts in st.sent if low < ts <= t)

    def fold_sender(self, st: SenderState, events: Sequence[EventRow]) -> list[Sanction]:
        """Applies one sender's events (in key order, ids unique, all after st.last_key) and returns the
        sanctions they caused; the same transitions as apply_event, without a call and a decision per event."""
        if not events:
            return []
        counted_types, thr, win = self._counted, self._thr, self._win
        limit, inv_win = self._inv_limit, self._inv_window
        counted, sent = st.counted, st.sent
        sanction = st.sanction
        sanctions: list[Sanction] = []
        for event in events:
            at = event[0]
            if sanction is not None and sanction.end is not None and sanction.end <= at:
                st.reset = sanction.end
                counted.clear()
                st.sanction = sanction = None
            event_type = event[2]
            if event_type in counted_types:
                if sanction is not None:
                    continue
                counted.append(at)
                n = len(counted)
                if n >= thr:
                    if n >= 2 * thr:
                        del counted[: n - thr]
                    if counted[-thr] > at - win:
                        self._breach(st, event)
                        sanction = st.sanction
                        assert sanction is not None
                        sanctions.append(sanction)
            elif event_type == INVITATION_SENT:
                if sanction is not None:
                    continue
                n = len(sent)
                if n >= limit and sent[-limit] > at - inv_win:
                    continue
                sent.append(at)
                if n + 1 >= 2 * limit:
                    del sent[: n + 1 - limit]
        last = events[-1]
        st.last_key = (last[0], EVENT_RANK, last[1])
        return sanctions

    def fold(
        self, items: Iterable[Event | Appeal], states: dict[str, SenderState] | None = None
    ) -> FoldResult:
        """Applies items (already in key order, ids unique) and collects sanctions and decisions."""
        result = FoldResult(states={} if states is None else states)
        all_states = result.states
        for item in items:
            st = all_states.get(item.sender)
            if st is None:
                st = all_states[item.sender] = self.new_state()
            if isinstance(item, Appeal):
                result.appeal_effects[item.id] = self.apply_appeal(st, item)
                continue
            decision = self.apply_event(st, item)
            result.decisions[item.id] = decision
            if decision is SUSPENDED_NOW or decision is BANNED_NOW:
                assert st.sanction is not None
                result.sanctions.append(st.sanction)
        return result
