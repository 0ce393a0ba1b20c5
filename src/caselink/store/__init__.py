"""Storage: SQLAlchemy models, engines and sessions, Alembic migrations."""

from caselink.store.db import Database

__all__ = ["Database"]
