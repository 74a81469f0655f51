"""The inbox's settings: one typed object layered from defaults, a TOML file, the environment and options.

Layers, last wins: built-in defaults, `config.toml` in the user's config directory (or the file named
by `KONTAKTFILTER_CONFIG`), `KONTAKTFILTER_*` environment variables, then command-line options such as
`--database`. Every validation error names the key as the user wrote it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "KONTAKTFILTER_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"
# Option names for the keys that can also be given on the command line.
OPTIONS = {"database_url": "--database", "import_batch_size": "--batch-size"}


class SettingsError(ValueError):
    """Settings that cannot be used; the message names each offending key where it was set."""


def default_data_dir() -> Path:
    """Where the inbox keeps its SQLite file unless told otherwise."""
    return Path(platformdirs.user_data_dir("kontaktfilter"))


def default_config_file() -> Path:
    """The optional TOML file with the user's settings."""
    return Path(os.environ.get(CONFIG_ENV) or platformdirs.user_config_path("kontaktfilter") / "config.toml")


def normalise_database_url(value: str) -> str:
    """Check a SQLAlchemy URL and pick the installed PostgreSQL driver (psycopg 3)."""
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError(f"not a database URL: {value!r}") from None
    backend = url.get_backend_name()
    if backend == "postgres":
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "postgresql":
        if url.drivername in ("postgresql", "postgresql+psycopg2"):
            url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ValueError(f"unsupported database {backend!r} (use sqlite:///FILE or postgresql://...)")
    return url.render_as_string(hide_password=False)


class _TomlSource(PydanticBaseSettingsSource):
    """The `[inbox]` table of the config file, or its top level when it has no such table."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path
        self.data: dict[str, Any] = {}
        if path.is_file():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise SettingsError(f"{path}: not valid TOML: {exc}") from None
            table = raw.get("inbox", raw)
            self.data = table if isinstance(table, dict) else {}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Where the inbox stores its data, which policy screens, and how learning and reminders behave."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", validate_default=True)

    data_dir: Path = Field(default_factory=default_data_dir, description="folder of the default SQLite file")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file inbox.sqlite3 in data_dir"
    )
    policy: Path | None = Field(default=None, description="policy TOML layered over the built-in policy")
    learn_min_decisions: int = Field(default=20, ge=2, description="decisions before the personal layer acts")
    learn_every: int = Field(
        default=10, ge=1, description="retrain the personal layer after this many decisions"
    )
    ask_back_days: int = Field(default=7, ge=1, description="days an ask-back may stay unanswered")
    follow_up_days: int = Field(
        default=7, ge=1, description="days after connecting before a follow-up is due"
    )
    follow_up_window_days: int = Field(
        default=30, ge=1, description="only connections this recent get follow-up reminders"
    )
    import_batch_size: int = Field(default=2000, ge=1, le=100_000, description="rows per import transaction")

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else normalise_database_url(value)

    @field_validator("policy")
    @classmethod
    def _check_policy(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no policy file at {value}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls, default_config_file())

    @property
    def database(self) -> str:
        """The database URL in use: the configured one, or the SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'inbox.sqlite3'}"


def _where(key: str, options: dict[str, Any]) -> str:
    if key in options:
        return OPTIONS.get(key, key)
    env = ENV_PREFIX + key.upper()
    if env in os.environ:
        return env
    config = default_config_file()
    return f"{config}: {key}" if config.is_file() else key


def load_settings(**options: Any) -> Settings:
    """Settings from every layer; `options` are the command line's values (None means not given)."""
    given = {k: v for k, v in options.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            key = str(e["loc"][0]) if e["loc"] else ""
            msg = str(e["msg"]).removeprefix("Value error, ")
            problems.append(f"{_where(key, given)}: {msg}")
        raise SettingsError("; ".join(problems)) from None


__all__ = [
    "Settings",
    "SettingsError",
    "default_data_dir",
    "load_settings",
    "normalise_database_url",
]
