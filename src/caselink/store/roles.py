"""The PostgreSQL role the application connects as: it may add to append-only tables but
never change or remove their rows, and, not owning any table, cannot switch the guards off.

The schema owner (who runs migrations) is a different role from the one the app uses.
"""

from sqlalchemy import text

from caselink.store.db import Database
from caselink.store.models import APPEND_ONLY_TABLES, Base


def grant_app_role(db: Database, role: str) -> list[str]:
    if db.dialect != "postgresql":
        raise ValueError("database roles exist only on PostgreSQL; SQLite has a single user")
    if not role.replace("_", "").isalnum():
        raise ValueError(f"role: {role!r} must be letters, digits and underscores")
    mutable = [t for t in Base.metadata.tables if t not in APPEND_ONLY_TABLES]
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY_TABLES)} FROM {role}",
        f"GRANT UPDATE, DELETE ON {', '.join(mutable)} TO {role}",
    ]
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    return statements
