"""The web app's own rows in the inbox database: the single local user, API tokens, and its secrets.

They live in three `web_*` tables beside the inbox's, created by the inbox's migrations (revision
0002; `Store.open` applies them), so that `KONTAKTFILTER_DATABASE_URL` picks the user and tokens
together with the inbox. The tables below describe them for queries; they create nothing. Passwords are
hashed with argon2id; API tokens and the one-time setup token are random 256-bit values of which only
a SHA-256 digest is stored (a slow hash adds nothing for values that cannot be guessed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from ..store.models import NAMING, UTCDateTime

# The same constraint names as the inbox's models, so the migration and these tables agree.
metadata = MetaData(naming_convention=NAMING)

users = Table(
    "web_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(200), nullable=False),
    Column("password_hash", String(400), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

api_tokens = Table(
    "web_api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime(), nullable=True),
)

secrets_table = Table(
    "web_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(400), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "kf_"
SESSION_KEY = "session_key"
SETUP_TOKEN = "setup_token"
# A setup link is only good for a day: `serve` prints a fresh one on every start anyway.
SETUP_TOKEN_HOURS = 24


class AccountError(ValueError):
    """A password or token that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class User:
    """The local user; `stamp` changes with the password so old sessions end."""

    id: int
    username: str
    stamp: str


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A stored API token (its value is never stored)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


def digest(value: str) -> str:
    """SHA-256 hex digest of a random token."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _stamp(password_hash: str) -> str:
    return digest(password_hash)[:16]


def check_password(password: str) -> None:
    """Raise AccountError for a password too short or too long to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password may have at most {MAX_PASSWORD_LENGTH} characters")


class Accounts:
    """Reads and writes the web tables of one database; every method opens its own transaction."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.now = now or (lambda: datetime.now(UTC))
        self.hasher = PasswordHasher()

    # --- the user --------------------------------------------------------------------------------

    def user(self) -> User | None:
        """The local user, or None before the password was set."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).order_by(users.c.id).limit(1)).first()
        if row is None:
            return None
        return User(row.id, row.username, _stamp(row.password_hash))

    def set_password(self, password: str, username: str = "owner") -> User:
        """Create the user or change their password (ends every session and the setup link)."""
        check_password(password)
        hashed = self.hasher.hash(password)
        now = self.now()
        with self.engine.begin() as conn:
            row = conn.execute(select(users.c.id).order_by(users.c.id).limit(1)).first()
            if row is None:
                uid = conn.execute(
                    insert(users).values(
                        username=username, password_hash=hashed, created_at=now, updated_at=now
                    )
                ).inserted_primary_key
                user_id = int(uid[0]) if uid else 1
            else:
                user_id = int(row.id)
                conn.execute(
                    update(users).where(users.c.id == user_id).values(password_hash=hashed, updated_at=now)
                )
            conn.execute(delete(secrets_table).where(secrets_table.c.name == SETUP_TOKEN))
        return User(user_id, username, _stamp(hashed))

    def verify_password(self, password: str) -> User | None:
        """The user when `password` is theirs, else None (argon2's own time cost slows guessing)."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(users).order_by(users.c.id).limit(1)).first()
        if row is None:
            return None
        try:
            self.hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        stored = row.password_hash
        if self.hasher.check_needs_rehash(stored):
            stored = self.hasher.hash(password)
            with self.engine.begin() as conn:
                conn.execute(update(users).where(users.c.id == row.id).values(password_hash=stored))
        return User(row.id, row.username, _stamp(stored))

    # --- secrets ---------------------------------------------------------------------------------

    def _secret(self, name: str) -> tuple[str, datetime] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(secrets_table).where(secrets_table.c.name == name)).first()
        return (row.value, row.created_at) if row is not None else None

    def _put_secret(self, name: str, value: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(secrets_table).where(secrets_table.c.name == name))
            conn.execute(insert(secrets_table).values(name=name, value=value, created_at=self.now()))

    def session_key(self) -> str:
        """The key that signs session cookies, created once per database so sessions survive restarts."""
        found = self._secret(SESSION_KEY)
        if found is not None:
            return found[0]
        key = secrets.token_hex(32)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(secrets_table).values(name=SESSION_KEY, value=key, created_at=self.now()))
        except Exception:
            # Another process created it first; use theirs.
            found = self._secret(SESSION_KEY)
            if found is None:
                raise
            return found[0]
        return key

    def new_setup_token(self) -> str:
        """A fresh one-time setup token (the previous one stops working)."""
        token = secrets.token_urlsafe(32)
        self._put_secret(SETUP_TOKEN, digest(token))
        return token

    def check_setup_token(self, token: str) -> bool:
        """Whether `token` is the current, unexpired setup token and no user exists yet."""
        if not token or self.user() is not None:
            return False
        found = self._secret(SETUP_TOKEN)
        if found is None:
            return False
        stored, created = found
        if (self.now() - created).total_seconds() > SETUP_TOKEN_HOURS * 3600:
            return False
        return hmac.compare_digest(stored, digest(token))

    # --- API tokens ------------------------------------------------------------------------------

    def create_token(self, name: str) -> str:
        """Create an API token and return its value (shown once, stored only as a digest)."""
        name = " ".join(name.split())[:200] or "token"
        value = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(api_tokens).values(name=name, token_hash=digest(value), created_at=self.now())
            )
        return value

    def tokens(self) -> list[ApiToken]:
        """Every stored token, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_tokens).order_by(api_tokens.c.id)).all()
        return [ApiToken(r.id, r.name, r.created_at, r.last_used_at) for r in rows]

    def revoke_token(self, token_id: int) -> bool:
        """Delete a token; False when there is no such token."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(api_tokens).where(api_tokens.c.id == token_id))
        return bool(getattr(result, "rowcount", 0))

    def token_exists(self, token_hash: str) -> bool:
        """Whether a token with this digest is stored."""
        with self.engine.connect() as conn:
            row = conn.execute(select(api_tokens.c.id).where(api_tokens.c.token_hash == token_hash)).first()
        return row is not None


__all__ = [
    "MIN_PASSWORD_LENGTH",
    "AccountError",
    "Accounts",
    "ApiToken",
    "User",
    "check_password",
    "digest",
]
