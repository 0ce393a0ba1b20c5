"""PostgreSQL connections: pinged before use only after sitting idle, and a connection the
server dropped never fails a request that could have been served on a fresh one."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from caselink.config import Pool
from caselink.store import db as store_db
from caselink.store.db import Database

# Only PostgreSQL: SQLite does not pool connections to a server.
pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def pg(database_url: str) -> Iterator[Database]:
    database = Database(database_url, Pool(size=2, overflow=0, timeout=5))
    yield database
    database.dispose()


@pytest.fixture
def pings(pg: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    made: list[int] = []
    real = pg.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        made.append(1)
        return bool(real(dbapi_connection))

    monkeypatch.setattr(pg.engine.dialect, "do_ping", counted)
    return made


def _backend(pg: Database) -> int:
    with pg.transaction() as s:
        return int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pg: Database, pid: int) -> None:
    """Drop a connection from the server's side (as a restart or a failover would)."""
    other = create_engine(pg.url, poolclass=NullPool)
    with other.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_connection_in_steady_use_is_not_pinged(
    pg: Database, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "PING_AFTER_IDLE", 60.0)  # however slow this machine is
    first = _backend(pg)
    for _ in range(20):
        assert _backend(pg) == first  # LIFO: the same hot connection each time
    assert pings == []


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    pg: Database, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = _backend(pg)
    _terminate(pg, dropped)
    monkeypatch.setattr(store_db, "PING_AFTER_IDLE", 0.0)  # every connection counts as idle
    assert _backend(pg) != dropped  # no error: the ping found it dead and reconnected
    assert pings


def test_a_connection_dropped_while_hot_fails_once_then_the_pool_reconnects(
    pg: Database, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "PING_AFTER_IDLE", 60.0)  # however slow this machine is
    dropped = _backend(pg)
    _terminate(pg, dropped)
    # Used again at once, so not pinged: its statement fails (the API answers 503, retry)...
    with pytest.raises(OperationalError), pg.transaction() as s:
        s.execute(text("SELECT pg_backend_pid()"))
    # ...and SQLAlchemy, seeing a disconnect, threw the pool's connections away.
    assert _backend(pg) != dropped
    assert pings == []


def test_a_check_without_a_transaction_sees_committed_data_and_keeps_its_writes(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        with database.transaction() as s:
            s.execute(text("CREATE TABLE checked (n INTEGER)"))
        with database.checking() as s:
            s.execute(text("INSERT INTO checked VALUES (1)"))
            assert s.execute(text("SELECT count(*) FROM checked")).scalar_one() == 1
        with database.transaction() as s:
            assert s.execute(text("SELECT count(*) FROM checked")).scalar_one() == 1
    finally:
        database.dispose()
