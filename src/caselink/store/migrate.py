"""Bring a database to the newest schema, programmatically (used by the CLI and the tests).

Several processes may start at once (`serve --migrate` on every host, a deploy job running
`db upgrade`): only one migrates at a time. On PostgreSQL the upgrade's own transaction
takes an advisory lock first, so a second runner waits, then finds the schema current; on
SQLite a lock file beside the database does the same for processes on that machine.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from caselink.store import locks
from caselink.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database: Database) -> None:
    config = alembic_config(database.url)
    with locks.on_this_machine(database, "migrate"), database.engine.begin() as connection:
        # Held until this transaction ends: the DDL commits before the next runner looks.
        locks.hold_for_transaction(connection, locks.MIGRATION)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
