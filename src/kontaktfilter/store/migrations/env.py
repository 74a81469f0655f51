"""Alembic environment: runs on the connection `Store.migrate` hands over (online mode only)."""

from __future__ import annotations

from alembic import context

from kontaktfilter.store.engine import VERSION_TABLE
from kontaktfilter.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("the inbox migrations run through kontaktfilter.store.Store.migrate(), online only")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
