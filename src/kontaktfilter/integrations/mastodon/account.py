"""A requesting Mastodon account as plain data, read from the API's Account entity, and turned into the
screening core's `ContactRequest` (a follow request has no note: the bio stands in for a headline)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ...model import ContactRequest, Platform, SenderProfile
from .._html import HtmlText, html_to_text

_JOB_FIELDS = re.compile(r"^(job|role|position|title|work|beruf|rolle|tätigkeit|taetigkeit)$", re.IGNORECASE)
_COMPANY_FIELDS = re.compile(
    r"^(company|employer|org|organi[sz]ation|arbeitgeber|firma|unternehmen)$", re.IGNORECASE
)
_LOCATION_FIELDS = re.compile(r"^(location|place|city|ort|standort|wohnort|stadt)$", re.IGNORECASE)
# Mastodon's placeholder for an account that never uploaded an avatar.
_MISSING_AVATAR = "/avatars/original/missing.png"


@dataclass(frozen=True, slots=True)
class ProfileField:
    """One name/value pair of the profile; `verified` when the server confirmed a rel="me" link."""

    name: str
    value: str
    verified: bool


@dataclass(frozen=True, slots=True)
class MastodonAccount:
    """What a follow request shows of the account behind it."""

    id: str
    acct: str
    username: str
    display_name: str = ""
    url: str | None = None
    bio: str = ""
    bio_links: tuple[str, ...] = ()
    fields: tuple[ProfileField, ...] = ()
    followers: int = 0
    following: int = 0
    statuses: int = 0
    created_at: datetime | None = None
    bot: bool = False
    avatar_missing: bool = False
    familiar_followers: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any], familiar_followers: int | None = None) -> MastodonAccount:
        """Read an Account entity (Mastodon.py's dict); the bio and field values are HTML."""
        note_html = str(data.get("note") or "")
        parser = HtmlText()
        parser.feed(note_html)
        parser.close()
        links = tuple(href for href, _ in parser.links if href.startswith(("http://", "https://")))
        fields = tuple(
            ProfileField(
                str(f.get("name") or "").strip(),
                html_to_text(str(f.get("value") or "")).strip(),
                f.get("verified_at") is not None,
            )
            for f in (data.get("fields") or [])
            if isinstance(f, Mapping)
        )
        avatar = str(data.get("avatar_static") or data.get("avatar") or "")
        return cls(
            id=str(data["id"]),
            acct=str(data.get("acct") or data.get("username") or data["id"]),
            username=str(data.get("username") or ""),
            display_name=str(data.get("display_name") or "").strip(),
            url=str(data["url"]) if data.get("url") else None,
            bio=html_to_text(note_html),
            bio_links=links,
            fields=fields,
            followers=int(data.get("followers_count") or 0),
            following=int(data.get("following_count") or 0),
            statuses=int(data.get("statuses_count") or 0),
            created_at=_aware(data.get("created_at")),
            bot=bool(data.get("bot")),
            avatar_missing=not avatar or avatar.endswith(_MISSING_AVATAR),
            familiar_followers=familiar_followers,
        )

    def age_days(self, now: datetime) -> int | None:
        """Days since the account was created, if the server said."""
        if self.created_at is None:
            return None
        return max(0, (now - self.created_at).days)

    def field_value(self, pattern: re.Pattern[str]) -> str | None:
        """The value of the first profile field whose name matches."""
        return next((f.value for f in self.fields if pattern.match(f.name) and f.value), None)

    def to_request(self, request_id: str, now: datetime) -> ContactRequest:
        """The request the core screens: bio as headline, job and company from profile fields."""
        headline = " ".join(self.bio.split())[:400] or None
        return ContactRequest(
            id=request_id,
            platform=Platform.MASTODON,
            note=None,
            received_at=now,
            sender=SenderProfile(
                name=self.display_name or self.username or self.acct,
                headline=headline,
                job_title=self.field_value(_JOB_FIELDS),
                company=self.field_value(_COMPANY_FIELDS),
                location=self.field_value(_LOCATION_FIELDS),
                profile_url=self.url,
                mutual_contacts=self.familiar_followers,
                has_photo=not self.avatar_missing,
                account_age_days=self.age_days(now),
            ),
        )


def _aware(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


__all__ = ["MastodonAccount", "ProfileField"]
