"""Engines and transactions for SQLite (embedded default) and PostgreSQL (production)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from caselink.config import Pool


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while a load writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A pooled connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE = 1.0  # seconds
_RETURNED = "caselink_returned_at"


def _ping_when_idle(engine: Engine) -> None:
    """Pre-ping only connections that sat idle: a ping is a round trip, and under load
    (when it would cost most) connections come back within milliseconds. A connection the
    server dropped while idle (restart, failover, a firewall's idle timeout) is caught here
    and the pool refills; one dropped while in use fails its statement, which SQLAlchemy
    sees as a disconnect and invalidates the whole pool, so the request is a 503 to retry
    and the next ones reconnect."""
    dialect = engine.dialect

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_RETURNED)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # new, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError() from error  # reconnect, drop its peers too
            raise

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checked_out)


def make_engine(url: str, pool: Pool | None = None) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    # LIFO: the few connections in use stay hot (no ping); the rest idle, and are pinged.
    sizes: dict[str, Any] = {"pool_use_lifo": True}
    if pool is not None:
        sizes |= {"pool_size": pool.size, "max_overflow": pool.overflow}
        sizes |= {"pool_timeout": pool.timeout}
    engine = create_engine(url, **sizes)
    _ping_when_idle(engine)
    return engine


# Marks a session whose statements commit one by one (`Database.checking`).
NO_TRANSACTION = "caselink_no_transaction"


class Database:
    """One database: its engine and a way to run a unit of work in one transaction."""

    def __init__(self, url: str, pool: Pool | None = None) -> None:
        self.url = url
        self.engine = make_engine(url, pool)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on any exception: nothing is half-written."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def checking(self) -> Iterator[Session]:
        """A session for a short check (is this token live?): no transaction, each statement
        commits on its own, which saves a transaction's BEGIN and COMMIT round trips. Each
        statement sees what was committed when it began, as in a READ COMMITTED transaction;
        anything written (a session's last-seen time) is committed at the end."""
        with (
            self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
            Session(connection, expire_on_commit=False) as session,
        ):
            session.info[NO_TRANSACTION] = True  # the ledger refuses it: see ledger.append
            yield session
            session.commit()

    def dispose(self) -> None:
        self.engine.dispose()
