"""Operator moderation: the seed-000 ignore-sanction policy as a pure engine with SQLite and
Redis Cluster + PostgreSQL backends, a REST API and a bulk replay."""

from .clock import Clock, ManualClock, system_clock
from .engine import BAN, LIFT, SHORTEN, SUSPENSION, Appeal, Engine, Sanction, SenderState
from .events import Event, EventError, format_timestamp, parse_event, parse_line, parse_timestamp
from .policy import Policy, PolicyError, load_policy
from .replay import ReplayReport, replay
from .service import AppealRejected, ModerationService

__all__ = [
    "BAN",
    "LIFT",
    "SHORTEN",
    "SUSPENSION",
    "Appeal",
    "AppealRejected",
    "Clock",
    "Engine",
    "Event",
    "EventError",
    "ManualClock",
    "ModerationService",
    "Policy",
    "PolicyError",
    "ReplayReport",
    "Sanction",
    "SenderState",
    "format_timestamp",
    "load_policy",
    "parse_event",
    "parse_line",
    "parse_timestamp",
    "replay",
    "system_clock",
]
