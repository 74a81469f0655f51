"""The inbox store: SQLAlchemy models, migrations and repository functions."""
