"""What the web app needs to know besides the inbox settings: limits, cookie flags and the API token."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

API_TOKEN_ENV = "KONTAKTFILTER_API_TOKEN"


def default_policy_file() -> Path:
    """Where the settings page keeps the policy when the `policy` setting names no file."""
    return platformdirs.user_config_path("kontaktfilter") / "policy.toml"


@dataclass(frozen=True, slots=True)
class WebConfig:
    """Limits and flags of one running web app; every field has a safe default for localhost."""

    # Uploads (a LinkedIn export zip is a few MiB; a decade of messages stays well under this).
    max_upload_bytes: int = 64 << 20
    # Every other request body: forms, JSON for the API (a batch of 1,000 requests fits easily).
    max_body_bytes: int = 2 << 20
    # POST /api/v1/screen takes at most this many requests per call.
    max_screen_batch: int = 1000
    session_max_age: int = 7 * 24 * 3600
    # Set when the app is served over HTTPS (behind a proxy); plain http://localhost needs it off.
    secure_cookies: bool = False
    # A token for automation from KONTAKTFILTER_API_TOKEN (compared in constant time, never stored).
    env_api_token: str | None = field(default=None, repr=False)
    # The policy file the settings page edits; None means `default_policy_file()`.
    policy_file: Path | None = None
    # A recent decision can be undone with one click or `u` for this long.
    undo_minutes: int = 30
    page_size: int = 50

    @classmethod
    def from_env(cls, **overrides: object) -> WebConfig:
        """The defaults with the API token from the environment, then explicit overrides."""
        token = os.environ.get(API_TOKEN_ENV) or None
        values: dict[str, object] = {"env_api_token": token.strip() if token else None}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


__all__ = ["API_TOKEN_ENV", "WebConfig", "default_policy_file"]
