"""Service settings (pydantic-settings): options of `serve`, or KONTAKTFILTER_MODERATION_* variables,
which is how the API workers that uvicorn starts receive them."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "KONTAKTFILTER_MODERATION_"


def default_database_url() -> str:
    """The embedded default: one SQLite file in the user's data directory."""
    directory = Path(platformdirs.user_data_dir("kontaktfilter"))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'moderation.sqlite3'}"


class ModerationSettings(BaseSettings):
    """Where the service keeps its data, which policy it enforces, and who may call it."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    database: str = Field(
        default_factory=default_database_url, description="SQLAlchemy URL of the durable store"
    )
    redis_url: str | None = Field(
        default=None, description="redis:// URL of a Redis Cluster node; enables scale-out"
    )
    redis_prefix: str = Field(default="kf:mod", description="prefix of every Redis key")
    redis_buckets: int = Field(
        default=64, ge=1, description="hash-tag buckets the senders are spread over (one slot each)"
    )
    policy: Path | None = Field(default=None, description="policy TOML file; defaults apply without one")
    tokens: Path | None = Field(default=None, description="TOML file of API tokens (name, role, sha256)")

    def environment(self) -> dict[str, str]:
        """These settings as environment variables, for worker processes."""
        env = {
            ENV_PREFIX + "DATABASE": self.database,
            ENV_PREFIX + "REDIS_PREFIX": self.redis_prefix,
            ENV_PREFIX + "REDIS_BUCKETS": str(self.redis_buckets),
        }
        if self.redis_url:
            env[ENV_PREFIX + "REDIS_URL"] = self.redis_url
        if self.policy:
            env[ENV_PREFIX + "POLICY"] = str(self.policy)
        if self.tokens:
            env[ENV_PREFIX + "TOKENS"] = str(self.tokens)
        return env
