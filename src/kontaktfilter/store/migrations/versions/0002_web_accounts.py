"""The web app's tables: the local user, API tokens, and the app's secrets.

Before this revision the web app created them itself on first use (`MetaData.create_all`), outside
the migrations; a database from then already has them, with the same columns, and keeps them and
their rows. A new database gets them here.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "web_users" not in existing:
        op.create_table(
            "web_users",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("username", sa.String(200), nullable=False),
            sa.Column("password_hash", sa.String(400), nullable=False),
            _time("created_at"),
            _time("updated_at"),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_web_users")),
        )
    if "web_api_tokens" not in existing:
        op.create_table(
            "web_api_tokens",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("token_hash", sa.String(64), nullable=False),
            _time("created_at"),
            _time("last_used_at", nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_web_api_tokens")),
            sa.UniqueConstraint("token_hash", name=op.f("uq_web_api_tokens_token_hash")),
        )
    if "web_secrets" not in existing:
        op.create_table(
            "web_secrets",
            sa.Column("name", sa.String(64), nullable=False),
            sa.Column("value", sa.String(400), nullable=False),
            _time("created_at"),
            sa.PrimaryKeyConstraint("name", name=op.f("pk_web_secrets")),
        )


def downgrade() -> None:
    for table in ("web_secrets", "web_api_tokens", "web_users"):
        op.drop_table(table)
