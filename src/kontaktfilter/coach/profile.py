"""The recipient's profile as the sender knows it, read from JSON with errors that name the field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import RecipientContext


class CoachError(ValueError):
    """Input the coach cannot use; `field` is the dotted path of the culprit."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True, slots=True)
class RecipientProfile:
    """Who the note is for: name, headline, interests, and the mutual contacts the sender can see."""

    name: str | None = None
    headline: str | None = None
    interests: tuple[str, ...] = ()
    partnership: bool | None = None
    mutual_contacts: int | None = None
    mutual_names: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether there is anything about the person to refer to (headline or interests)."""
        return bool((self.headline or "").strip() or any(i.strip() for i in self.interests))

    @property
    def mutual_count(self) -> int:
        """Number of mutual contacts: the count if given, else the number of names."""
        if self.mutual_contacts is not None:
            return max(self.mutual_contacts, len(self.mutual_names))
        return len(self.mutual_names)

    def context(self) -> RecipientContext:
        """The recipient context the screening core reads (mutual names count as people they know)."""
        return RecipientContext(
            name=self.name,
            headline=self.headline,
            interests=self.interests,
            partnership=self.partnership,
            known_people=self.mutual_names,
        )

    @classmethod
    def from_mapping(cls, data: Any, path: str = "") -> RecipientProfile:
        """Validate a JSON object: name, headline, interests, partnership, mutual_contacts (count or names)."""
        if not isinstance(data, Mapping):
            raise CoachError(path.rstrip("."), f"expected a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise CoachError(path + unknown[0], f"unknown field (allowed: {', '.join(sorted(_FIELDS))})")
        mutual = data.get("mutual_contacts")
        count: int | None = None
        names: tuple[str, ...] = ()
        if isinstance(mutual, bool):
            raise CoachError(path + "mutual_contacts", "expected a number or a list of names, got bool")
        if isinstance(mutual, int):
            if mutual < 0:
                raise CoachError(path + "mutual_contacts", f"must not be negative, got {mutual}")
            count = mutual
        elif isinstance(mutual, list):
            names = _str_list(mutual, path + "mutual_contacts")
        elif mutual is not None:
            raise CoachError(
                path + "mutual_contacts", f"expected a number or a list of names, got {type(mutual).__name__}"
            )
        interests = data.get("interests")
        if isinstance(interests, str):
            interests = [interests]
        partnership = data.get("partnership")
        if partnership is not None and not isinstance(partnership, bool):
            raise CoachError(
                path + "partnership", f"expected true, false or null, got {type(partnership).__name__}"
            )
        return cls(
            name=_opt_str(data, "name", path),
            headline=_opt_str(data, "headline", path),
            interests=_str_list(interests or [], path + "interests"),
            partnership=partnership,
            mutual_contacts=count,
            mutual_names=names,
        )


_FIELDS = frozenset({"name", "headline", "interests", "partnership", "mutual_contacts"})


def _opt_str(data: Mapping[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CoachError(path + key, f"expected a string or null, got {type(value).__name__}")
    return value


def _str_list(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CoachError(field, "expected a list of strings")
    return tuple(v for v in value if v.strip())
