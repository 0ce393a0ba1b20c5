"""Processes that start together never both migrate: `caselink db upgrade` (and `serve
--migrate`) take a PostgreSQL advisory lock, or a lock file beside a SQLite database."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from caselink.store.db import Database
from caselink.store.migrate import current_revision, head_revision
from tests.support.operations import empty_database


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    admin = None if database_url.startswith("sqlite") else "postgres_admin_url"
    with empty_database(database_url, tmp_path, admin and request.getfixturevalue(admin)) as url:
        yield url


def test_two_processes_upgrading_an_empty_database_at_once_both_succeed(
    empty_url: str,
) -> None:
    env = {**os.environ, "CASELINK_DATABASE_URL": empty_url}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "caselink", "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=180), p.communicate()) for p in started]
    for code, (out, err) in results:
        assert code == 0, err[-2000:]
        assert f"revision {head_revision()}" in out
    db = Database(empty_url)
    assert current_revision(db) == head_revision()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM ledger_head")).scalar() == 1
    db.dispose()
