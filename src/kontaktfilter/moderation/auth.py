"""Bearer tokens with two roles: `ingest` (the platform posts events, reads sender status) and
`operator` (everything, including appeals and the audit log). Only SHA-256 digests are stored."""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass
from pathlib import Path

INGEST = "ingest"
OPERATOR = "operator"
ROLES = (INGEST, OPERATOR)


class TokenFileError(ValueError):
    """A token file that cannot be used; the message names the file, entry and key."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's name and role."""

    name: str
    role: str


def token_digest(secret: str) -> str:
    """The SHA-256 hex digest stored for a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenTable:
    """Maps presented secrets to principals by comparing digests in constant time."""

    def __init__(self, entries: dict[str, Principal]) -> None:
        self._entries = dict(entries)

    @classmethod
    def from_secrets(cls, secrets: dict[str, tuple[str, str]]) -> TokenTable:
        """Builds a table from {secret: (name, role)} (tests and quick starts)."""
        return cls({token_digest(s): Principal(n, r) for s, (n, r) in secrets.items()})

    @classmethod
    def load(cls, path: Path) -> TokenTable:
        """Reads `[[token]]` entries with `name`, `role` and `sha256` from a TOML file."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise TokenFileError(f"{path}: cannot read: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise TokenFileError(f"{path}: invalid TOML: {exc}") from None
        entries: dict[str, Principal] = {}
        for number, item in enumerate(data.get("token", []), start=1):
            where = f"{path}: token #{number}"
            if not isinstance(item, dict):
                raise TokenFileError(f"{where}: expected a table")
            for key in ("name", "role", "sha256"):
                if not isinstance(item.get(key), str) or not item[key]:
                    raise TokenFileError(f"{where}: {key}: missing or not a string")
            if item["role"] not in ROLES:
                raise TokenFileError(f"{where}: role: must be one of {', '.join(ROLES)}")
            digest = item["sha256"].lower()
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise TokenFileError(f"{where}: sha256: expected 64 hex digits")
            entries[digest] = Principal(item["name"], item["role"])
        if not entries:
            raise TokenFileError(f"{path}: no [[token]] entries; the API would accept no one")
        return cls(entries)

    def authenticate(self, secret: str) -> Principal | None:
        """The principal of a presented secret, or None."""
        presented = token_digest(secret)
        found: Principal | None = None
        for digest, principal in self._entries.items():
            if hmac.compare_digest(digest, presented):
                found = principal
        return found
