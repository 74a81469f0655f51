"""The inbox schema: people, requests, verdicts, decisions, connections, messages, owner, import runs,
personal models.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the model's column types, so later model changes cannot rewrite history.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(700), nullable=False),
        sa.Column("name_key", sa.String(400), nullable=False),
        sa.Column("name", sa.String(400), nullable=True),
        sa.Column("profile_url", sa.String(700), nullable=True),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("key", name=op.f("uq_people_key")),
    )
    op.create_index(op.f("ix_people_name_key"), "people", ["name_key"])
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(200), nullable=False),
        sa.Column("source_key", sa.String(900), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _time("received_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_requests_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_requests_public_id")),
        sa.UniqueConstraint("source_key", name=op.f("uq_requests_source_key")),
    )
    op.create_index("ix_requests_direction_status", "requests", ["direction", "status"])
    op.create_index(op.f("ix_requests_person_id"), "requests", ["person_id"])
    op.create_table(
        "verdicts",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("core_action", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("signals", JSON, nullable=False),
        sa.Column("probabilities", JSON, nullable=False),
        sa.Column("model", sa.String(16), nullable=False),
        sa.Column("policy_rule", sa.String(200), nullable=False),
        _time("screened_at"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_verdicts_request_id_requests"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_verdicts")),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("recommended", sa.String(16), nullable=True),
        sa.Column("correction", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _time("decided_at"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_decisions_request_id_requests"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_request_id"), "decisions", ["request_id"])
    op.create_table(
        "connections",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(200), nullable=False),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(400), nullable=True),
        sa.Column("company", sa.String(400), nullable=True),
        sa.Column("position", sa.String(400), nullable=True),
        sa.Column("connected_on", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_connections_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_connections")),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        _time("sent_at"),
        sa.Column("from_name", sa.String(400), nullable=False),
        sa.Column("sender_url", sa.String(700), nullable=True),
        sa.Column("to_names", sa.Text(), nullable=False),
        sa.Column("recipient_urls", JSON, nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("folder", sa.String(64), nullable=True),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_messages_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("source_key", name=op.f("uq_messages_source_key")),
    )
    op.create_index("ix_messages_person_sent", "messages", ["person_id", "sent_at"])
    op.create_table(
        "owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(200), nullable=True),
        sa.Column("last_name", sa.String(200), nullable=True),
        sa.Column("headline", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("industry", sa.String(200), nullable=True),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("profile_url", sa.String(700), nullable=True),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner")),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("counts", JSON, nullable=False),
        _time("started_at"),
        _time("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index(op.f("ix_import_runs_fingerprint"), "import_runs", ["fingerprint"])
    op.create_table(
        "personal_models",
        sa.Column("id", sa.Integer(), nullable=False),
        _time("trained_at"),
        sa.Column("n_decisions", sa.Integer(), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_models")),
    )


def downgrade() -> None:
    for table in (
        "personal_models", "import_runs", "owner", "messages", "connections", "decisions", "verdicts",
        "requests", "people",
    ):  # fmt: skip
        op.drop_table(table)
