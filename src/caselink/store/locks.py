"""Locks that let several caselink processes share one database without doing a job twice.

PostgreSQL: advisory locks, held by a transaction and released when it ends (work spread
over hosts). SQLite: a lock file beside the database file (SQLite is shared only by the
processes of one machine).
"""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from caselink.store.db import Database

# Fixed numbers every caselink process agrees on, one per kind of work.
MIGRATION = 0x6361_7365_6C69_0001
CHECKPOINT = 0x6361_7365_6C69_0002


def hold_for_transaction(connection: Connection | Session, key: int) -> None:
    """On PostgreSQL, wait for the advisory lock `key`; it is released at commit or rollback.
    Elsewhere, nothing (see `on_this_machine`)."""
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    if bind.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@contextmanager
def on_this_machine(database: Database, name: str) -> Iterator[None]:
    """For a SQLite file, hold `<file>.<name>-lock` exclusively; elsewhere, nothing."""
    path = make_url(database.url).database if database.dialect == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.{name}-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield
