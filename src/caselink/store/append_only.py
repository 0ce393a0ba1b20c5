"""Database-level guards that make a table append-only.

The guard lives in the schema (a trigger), not in application code, so an UPDATE or DELETE
from any client, including a DBA's psql session, is refused. Migrations call these with an
explicit table list so that a migration, once written, never changes meaning.
"""

from collections.abc import Iterable

from alembic import op

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION caselink_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'caselink: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql
"""


def guard_statements(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION caselink_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION caselink_refuse_change()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'caselink: {table} is append-only; {verb} refused'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    raise ValueError(f"append-only guards are not written for the {dialect} dialect")


def unguard_statements(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{verb} " for verb in ("update", "delete")]


def guard(tables: Iterable[str]) -> None:
    """Called from a migration: make each table append-only."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
    for table in tables:
        for statement in guard_statements(dialect, table):
            op.execute(statement)


def unguard(tables: Iterable[str]) -> None:
    dialect = op.get_bind().dialect.name
    for table in tables:
        for statement in unguard_statements(dialect, table):
            op.execute(statement)
