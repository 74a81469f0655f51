"""Alembic migrations of the inbox store, shipped inside the package and run on open."""
