"""On PostgreSQL the role the app connects as cannot change ledger rows, even with SQL."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from caselink.ledger import Action, Actor, record
from caselink.store.db import Database
from caselink.store.roles import grant_app_role


def test_app_role_can_append_but_not_alter_the_ledger(db: Database) -> None:
    if db.dialect != "postgresql":
        with pytest.raises(ValueError, match="only on PostgreSQL"):
            grant_app_role(db, "caselink_app")
        return
    with db.engine.begin() as connection:
        connection.execute(text("DROP ROLE IF EXISTS caselink_app"))
        connection.execute(text("CREATE ROLE caselink_app LOGIN"))
    grant_app_role(db, "caselink_app")
    as_app = Database(db.url.replace("caselink@", "caselink_app@", 1))
    try:
        with as_app.transaction() as session:
            record(session, Actor("officer"), Action.READ, "case", 1)
        for statement in (
            "UPDATE ledger_entries SET actor = 'x'",
            "DELETE FROM ledger_entries",
            "TRUNCATE ledger_entries",
            "DELETE FROM decisions",
            "ALTER TABLE ledger_entries DISABLE TRIGGER ALL",
            "DROP TRIGGER ledger_entries_append_only ON ledger_entries",
        ):
            with (
                pytest.raises(ProgrammingError, match=r"permission denied|must be owner"),
                as_app.engine.begin() as connection,
            ):
                connection.execute(text(statement))
    finally:
        as_app.dispose()
        with db.engine.begin() as connection:
            connection.execute(text("DROP OWNED BY caselink_app"))
            connection.execute(text("DROP ROLE caselink_app"))
