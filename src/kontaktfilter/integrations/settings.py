"""Settings of the integrations: the `[imap]` and `[mastodon]` tables of the config file, with
`KONTAKTFILTER_IMAP_*` environment variables over them. Secrets come from a file or the environment,
never from the config file, and are held as `SecretStr` so they are not printed by accident.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from ..model import Action, Category
from ..settings import default_config_file

PASSWORD_ENV = "KONTAKTFILTER_IMAP_PASSWORD"
# Keys of [imap] that an environment variable KONTAKTFILTER_IMAP_<KEY> may set.
_ENV_KEYS = ("host", "port", "security", "username", "password_file", "folder", "ca_file")


class IntegrationSettingsError(ValueError):
    """Settings that cannot be used; the message names the key where it was set."""


class MoveSettings(BaseModel):
    """Filing notifications by category after screening (off by default; mail is never deleted)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    # move: IMAP MOVE (COPY when the server lacks MOVE, leaving the original); label: Gmail labels.
    mode: Literal["move", "label"] = "move"
    folder: str = Field(
        default="Kontaktanfragen/{category}", description="{category} and {action} are filled in"
    )
    folders: dict[Category, str] = Field(default_factory=dict, description="per-category folder overrides")

    def target(self, category: str, action: str) -> str:
        """The folder (or label) for a screened notification."""
        try:
            override = self.folders.get(Category(category))
        except ValueError:
            override = None
        return override or self.folder.format(category=category, action=action)


class ImapSettings(BaseModel):
    """Where the invitation notifications arrive and how to reach the mailbox."""

    model_config = ConfigDict(extra="forbid")

    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["ssl", "starttls"] = "ssl"
    username: str
    password_file: Path | None = None
    folder: str = "INBOX"
    ca_file: Path | None = Field(
        default=None, description="extra CA certificate to trust (self-signed servers)"
    )
    timeout: float = Field(default=30.0, gt=0, le=600, description="seconds per network operation")
    idle_seconds: int = Field(
        default=600, ge=5, le=1740, description="re-issue IDLE after this long (< 29 min)"
    )
    max_backoff: float = Field(default=300.0, ge=1, description="longest wait between reconnects")
    extractors: list[str] = Field(default_factory=lambda: ["linkedin"])
    move: MoveSettings = Field(default_factory=MoveSettings)
    state_file: Path | None = Field(default=None, description="where the last seen UID is kept")

    @property
    def effective_port(self) -> int:
        """The configured port, or 993 for IMAPS and 143 for STARTTLS."""
        return self.port or (993 if self.security == "ssl" else 143)

    @field_validator("password_file", "ca_file", "state_file")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


MastodonOp = Literal["authorize", "reject", "leave"]
# A follow request carries no message and cannot be answered, so ask_back leaves it for you;
# suggest_follow ("follow my posts instead") is exactly what authorizing grants.
DEFAULT_MASTODON_ACTIONS: dict[Action, MastodonOp] = {
    Action.ACCEPT: "authorize",
    Action.SUGGEST_FOLLOW: "authorize",
    Action.ASK_BACK: "leave",
    Action.IGNORE: "reject",
    Action.BLOCK_REPORT: "reject",
}


class MastodonSettings(BaseModel):
    """How follow requests are handled: what each recommended action does on Mastodon."""

    model_config = ConfigDict(extra="forbid")

    actions: dict[Action, MastodonOp] = Field(default_factory=lambda: dict(DEFAULT_MASTODON_ACTIONS))
    timeout: float = Field(default=30.0, gt=0, le=600, description="seconds per API call")
    retries: int = Field(default=4, ge=0, le=10, description="retries of a failed API call, with backoff")

    @field_validator("actions")
    @classmethod
    def _complete(cls, value: dict[Action, MastodonOp]) -> dict[Action, MastodonOp]:
        return {**DEFAULT_MASTODON_ACTIONS, **value}


def _config(path: Path | None) -> tuple[dict[str, Any], Path]:
    where = path or default_config_file()
    if not where.is_file():
        return {}, where
    try:
        return tomllib.loads(where.read_text(encoding="utf-8")), where
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IntegrationSettingsError(f"{where}: not valid TOML: {exc}") from None


def _problems(exc: ValidationError, table: str, where: Path, env_set: set[str]) -> str:
    out = []
    for e in exc.errors():
        key = ".".join(str(p) for p in e["loc"])
        top = str(e["loc"][0]) if e["loc"] else ""
        origin = f"KONTAKTFILTER_IMAP_{top.upper()}" if top in env_set else f"{where}: {table}.{key}"
        out.append(f"{origin}: {str(e['msg']).removeprefix('Value error, ')}")
    return "; ".join(out)


def load_imap_settings(config: Path | None = None, **overrides: Any) -> ImapSettings:
    """The `[imap]` table, environment variables over it, then command-line `overrides` (None: not given)."""
    data, where = _config(config)
    table = data.get("imap")
    if table is None and not any(f"KONTAKTFILTER_IMAP_{k.upper()}" in os.environ for k in _ENV_KEYS):
        raise IntegrationSettingsError(
            f"{where}: no [imap] table; add host, username and password_file (see docs/integrations.md)"
        )
    values = dict(table or {})
    if "password" in values:
        raise IntegrationSettingsError(
            f"{where}: imap.password: keep the password out of the config file; "
            f"use imap.password_file or {PASSWORD_ENV}"
        )
    env_set: set[str] = set()
    for key in _ENV_KEYS:
        env = os.environ.get(f"KONTAKTFILTER_IMAP_{key.upper()}")
        if env:
            values[key] = env
            env_set.add(key)
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ImapSettings.model_validate(values)
    except ValidationError as exc:
        raise IntegrationSettingsError(_problems(exc, "imap", where, env_set)) from None


def load_mastodon_settings(config: Path | None = None) -> MastodonSettings:
    """The `[mastodon]` table (optional; defaults otherwise)."""
    data, where = _config(config)
    try:
        return MastodonSettings.model_validate(data.get("mastodon") or {})
    except ValidationError as exc:
        raise IntegrationSettingsError(_problems(exc, "mastodon", where, set())) from None


def read_secret(path: Path | None, env: str | None, what: str) -> SecretStr:
    """A secret from the environment variable `env` or else the file at `path` (first line, stripped)."""
    if env and os.environ.get(env):
        return SecretStr(os.environ[env].strip())
    if path is None:
        hint = f" or set {env}" if env else ""
        raise IntegrationSettingsError(f"{what}: no secret given; name a file{hint}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IntegrationSettingsError(f"{what}: {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IntegrationSettingsError(f"{what}: {path}: cannot read: {exc.__class__.__name__}") from None
    secret = text.strip().split("\n", 1)[0].strip() if text.strip() else ""
    if not secret:
        raise IntegrationSettingsError(f"{what}: {path}: the file is empty")
    return SecretStr(secret)


__all__ = [
    "DEFAULT_MASTODON_ACTIONS",
    "PASSWORD_ENV",
    "ImapSettings",
    "IntegrationSettingsError",
    "MastodonOp",
    "MastodonSettings",
    "MoveSettings",
    "load_imap_settings",
    "load_mastodon_settings",
    "read_secret",
]
