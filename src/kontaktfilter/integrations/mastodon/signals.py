"""Signals for a requesting Mastodon account, next to the core's profile signals: each has a stable id,
a group (the core's caps apply), a default weight, reasons in German and English, and examples that
the tests run. They read the account only; a follow request carries no message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .account import MastodonAccount, ProfileField

AccountDetector = Callable[[MastodonAccount, datetime], str | None]
# Core signals that say nothing about a follow request: it never has a note.
NOT_APPLICABLE = frozenset({"no_note"})

_MESSENGER = re.compile(
    r"(t\.me/|telegram\.(me|org)/|wa\.me/|whatsapp|signal\.me/|snapchat|kik\.me)", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class AccountSignal:
    """A named detector over a Mastodon account; `detect` returns evidence text when it fires."""

    id: str
    group: str
    weight: float
    reason_de: str
    reason_en: str
    detect: AccountDetector
    hits: tuple[Mapping[str, Any], ...] = ()
    misses: tuple[Mapping[str, Any], ...] = ()


ACCOUNT_SIGNALS: dict[str, AccountSignal] = {}


def account_signal(
    id: str,
    group: str,
    weight: float,
    reason_de: str,
    reason_en: str,
    *,
    hits: tuple[Mapping[str, Any], ...] = (),
    misses: tuple[Mapping[str, Any], ...] = (),
) -> Callable[[AccountDetector], AccountDetector]:
    """Register a detector under a stable id (ids start with `mastodon_`)."""

    def wrap(fn: AccountDetector) -> AccountDetector:
        if id in ACCOUNT_SIGNALS:
            raise ValueError(f"account signal {id!r} registered twice")
        ACCOUNT_SIGNALS[id] = AccountSignal(id, group, weight, reason_de, reason_en, fn, hits, misses)
        return fn

    return wrap


# The moment the examples are judged at; `example_account` dates accounts relative to it.
EXAMPLE_NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def example_account(spec: Mapping[str, Any]) -> MastodonAccount:
    """An account for a signal's example: keyword fields, `age_days` instead of a creation date."""
    values = dict(spec)
    age = values.pop("age_days", 400)
    fields = tuple(ProfileField(*f) for f in values.pop("fields", ()))
    values.setdefault("statuses", 120)
    values.setdefault("followers", 80)
    values.setdefault("following", 90)
    return MastodonAccount(
        id="1", acct="example", username="example", fields=fields,
        created_at=EXAMPLE_NOW - timedelta(days=age), **values,
    )  # fmt: skip


@account_signal(
    "mastodon_bot", "profile", -1.5,
    "Das Konto ist als automatisiert (Bot) gekennzeichnet.",
    "The account is marked as automated (bot).",
    hits=({"bot": True},), misses=({"bot": False},),
)  # fmt: skip
def _bot(a: MastodonAccount, now: datetime) -> str | None:
    return "" if a.bot else None


@account_signal(
    "mastodon_no_posts", "profile", -1.0,
    "Das Konto hat noch nie etwas gepostet.",
    "The account has never posted anything.",
    hits=({"statuses": 0},), misses=({"statuses": 3},),
)  # fmt: skip
def _no_posts(a: MastodonAccount, now: datetime) -> str | None:
    return "0 posts" if a.statuses == 0 else None


@account_signal(
    "mastodon_follow_spree", "profile", -1.2,
    "Folgt sehr vielen Konten, hat selbst aber kaum Follower: typisch für Massen-Folgen.",
    "Follows very many accounts but has hardly any followers: typical of mass following.",
    hits=({"following": 2400, "followers": 35},),
    misses=({"following": 2400, "followers": 900}, {"following": 120, "followers": 3}),
)  # fmt: skip
def _follow_spree(a: MastodonAccount, now: datetime) -> str | None:
    if a.following >= 300 and a.following >= 10 * max(a.followers, 1):
        return f"{a.following} following, {a.followers} followers"
    return None


@account_signal(
    "mastodon_messenger_link", "scam", -2.0,
    "Profil verweist auf einen Messenger (Telegram, WhatsApp …): typisch für Betrugsmaschen.",
    "The profile points to a messenger (Telegram, WhatsApp …): typical of scams.",
    hits=({"bio": "DM me on t.me/quickprofits"}, {"fields": (("Contact", "wa.me/4915112345678", False),)}),
    misses=({"bio": "Urban planner in Freiburg"},),
)  # fmt: skip
def _messenger(a: MastodonAccount, now: datetime) -> str | None:
    texts = [a.bio, *a.bio_links, *(f.value for f in a.fields)]
    found = next((m.group(0) for m in map(_MESSENGER.search, texts) if m), None)
    return found


@account_signal(
    "mastodon_verified_link", "trust", 1.2,
    "Mindestens ein Link im Profil ist vom Server verifiziert (rel=\"me\").",
    "At least one profile link is verified by the server (rel=\"me\").",
    hits=({"fields": (("Website", "jana-roth.example", True),)},),
    misses=({"fields": (("Website", "jana-roth.example", False),)},),
)  # fmt: skip
def _verified(a: MastodonAccount, now: datetime) -> str | None:
    return next((f.value for f in a.fields if f.verified), None)


@account_signal(
    "mastodon_established", "trust", 0.8,
    "Seit über einem halben Jahr aktiv, mit eigenen Beiträgen.",
    "Active for more than half a year, with posts of its own.",
    hits=({"age_days": 900, "statuses": 450},),
    misses=({"age_days": 20, "statuses": 450}, {"age_days": 900, "statuses": 4}, {"age_days": 900, "statuses": 450, "bot": True}),
)  # fmt: skip
def _established(a: MastodonAccount, now: datetime) -> str | None:
    age = a.age_days(now)
    if age is not None and age >= 180 and a.statuses >= 30 and not a.bot:
        return f"{age} days, {a.statuses} posts"
    return None


def detect_account(a: MastodonAccount, now: datetime) -> list[tuple[AccountSignal, str]]:
    """Every account signal that fires, with its evidence."""
    out: list[tuple[AccountSignal, str]] = []
    for sig in ACCOUNT_SIGNALS.values():
        evidence = sig.detect(a, now)
        if evidence is not None:
            out.append((sig, evidence))
    return out


__all__ = [
    "ACCOUNT_SIGNALS",
    "EXAMPLE_NOW",
    "NOT_APPLICABLE",
    "AccountSignal",
    "account_signal",
    "detect_account",
    "example_account",
]
