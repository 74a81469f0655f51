"""The brute-force reference model of the policy, written straight from the issue's wording and sharing
no code with the engine: every sender keeps every event, and every question is answered by scanning."""

from __future__ import annotations

from dataclasses import dataclass, field

from kontaktfilter.moderation.events import INVITATION_SENT, Event
from kontaktfilter.moderation.policy import Policy


@dataclass
class RefSanction:
    sender: str
    kind: str
    start: int
    end: int | None
    trigger_event: str
    count: int
    lifted: bool = False
    counted_before: int = 0  # how many events had been counted when it started

    def in_force(self, t: int) -> bool:
        return self.start <= t and (self.end is None or t < self.end)

    def record(self) -> tuple[str, str, int, int | None, str, int]:
        return (self.sender, self.kind, self.start, self.end, self.trigger_event, self.count)


@dataclass
class RefAppeal:
    id: str
    sender: str
    at: int
    action: str  # lift | shorten
    until: int | None = None


@dataclass
class RefSender:
    counted: list[int] = field(default_factory=list)  # counted events, never forgotten
    allowed: list[int] = field(default_factory=list)  # allowed invitations, never forgotten
    sanctions: list[RefSanction] = field(default_factory=list)

    def in_force(self, t: int) -> RefSanction | None:
        found = [s for s in self.sanctions if s.in_force(t)]
        return found[-1] if found else None

    def reset(self, t: int) -> int | None:
        ended = [s.end for s in self.sanctions if s.end is not None and s.end <= t]
        return max(ended) if ended else None

    def fresh_from(self, t: int) -> int:
        """Index into `counted` where the current count starts: a sanction that has ended starts a fresh
        count, so events counted before it never count again (this matters only for a lift at the very
        instant the sanction started, where `at >= reset` alone would let them back in)."""
        ended = [s.counted_before for s in self.sanctions if s.end is not None and s.end <= t]
        return max(ended) if ended else 0


class Reference:
    """Applies events and appeals in (at, rank, id) order, with duplicates by id ignored."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.senders: dict[str, RefSender] = {}
        self.decisions: dict[str, str] = {}

    def count(self, sender: str, t: int) -> int:
        s = self.senders.get(sender) or RefSender()
        reset = s.reset(t)
        return sum(
            1
            for at in s.counted[s.fresh_from(t) :]
            if t - self.policy.window_us < at <= t and (reset is None or at >= reset)
        )

    def invitations(self, sender: str, t: int) -> int:
        s = self.senders.get(sender) or RefSender()
        return sum(1 for at in s.allowed if t - self.policy.invitation_window_us < at <= t)

    def run(self, events: list[Event], appeals: list[RefAppeal] = ()) -> Reference:  # type: ignore[assignment]
        unique: dict[str, Event] = {}
        for e in sorted(events):
            unique.setdefault(e.id, e)
        items: list[tuple[int, int, str, object]] = [(e.at, 0, e.id, e) for e in unique.values()]
        items += [(a.at, 1, a.id, a) for a in appeals]
        for _, _, _, item in sorted(items, key=lambda x: x[:3]):
            if isinstance(item, Event):
                self._event(item)
            else:
                assert isinstance(item, RefAppeal)
                self._appeal(item)
        return self

    def _event(self, e: Event) -> None:
        p = self.policy
        s = self.senders.setdefault(e.sender, RefSender())
        current = s.in_force(e.at)
        if e.type in p.counted_types:
            if current is not None:
                self.decisions[e.id] = "ignored"
                return
            s.counted.append(e.at)
            count = self.count(e.sender, e.at)
            if count >= p.threshold:
                prior = sum(1 for x in s.sanctions if not x.lifted)
                if prior < p.suspensions_before_ban:
                    sanction = RefSanction(e.sender, "suspension", e.at, e.at + p.suspension_us, e.id, count)
                else:
                    sanction = RefSanction(e.sender, "ban", e.at, None, e.id, count)
                sanction.counted_before = len(s.counted)
                s.sanctions.append(sanction)
                self.decisions[e.id] = sanction.kind
            else:
                self.decisions[e.id] = "counted"
        elif e.type == INVITATION_SENT:
            if current is not None or self.invitations(e.sender, e.at) >= p.invitation_limit:
                self.decisions[e.id] = "refused"
            else:
                s.allowed.append(e.at)
                self.decisions[e.id] = "allowed"
        else:
            self.decisions[e.id] = "recorded"

    def _appeal(self, a: RefAppeal) -> None:
        s = self.senders.setdefault(a.sender, RefSender())
        current = s.in_force(a.at)
        if current is None:
            return
        if a.action == "lift":
            current.end = a.at
            current.lifted = True
        else:
            assert a.until is not None
            if current.end is None or a.until < current.end:
                current.end = max(a.until, a.at)

    def sanctions(self) -> list[tuple[str, str, int, int | None, str, int]]:
        """All sanctions as (sender, kind, start, end, trigger, count), by start then sender."""
        out = [x.record() for s in self.senders.values() for x in s.sanctions]
        return sorted(out, key=lambda r: (r[2], r[0]))

    def status(self, sender: str, t: int) -> tuple[str, int | None]:
        s = self.senders.get(sender) or RefSender()
        current = s.in_force(t)
        if current is None:
            return ("active", None)
        return ("banned" if current.kind == "ban" else "suspended", current.end)
