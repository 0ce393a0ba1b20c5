"""Fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL alike."""

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import create_engine, text

from caselink.store.db import Database
from caselink.store.migrate import upgrade
from tests.support.browser import chromium_or_skip
from tests.support.ledger import ledger_verify
from tests.support.postgres import PostgresUnavailable, running_server

IN_CI = os.environ.get("CI", "").lower() == "true"

# Keys the tests create go to a scratch directory, never into the working tree.
_SCRATCH = Path(tempfile.mkdtemp(prefix="caselink-test-keys-"))
os.environ["CASELINK_FIELD_KEYS"] = str(_SCRATCH / "field-keys.json")
os.environ["CASELINK_LEDGER_KEY"] = str(_SCRATCH / "ledger" / "signing-key.pem")
_numbers = itertools.count()


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}; with CI=true PostgreSQL tests must run, not skip")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    try:
        with running_server() as url:
            yield url
    except PostgresUnavailable as missing:
        _unavailable(str(missing))


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> str:
    """A migrated database that each test's database is copied from (fast)."""
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS caselink_template"))
        connection.execute(text("CREATE DATABASE caselink_template"))
    admin.dispose()
    template = Database(_with_db(postgres_admin_url, "caselink_template"))
    upgrade(template)
    template.dispose()
    return "caselink_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    template = Database(f"sqlite:///{path}")
    upgrade(template)
    with template.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    template.dispose()
    return path


@pytest.fixture
def journey_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the migrated template: what a journey in the browser is served from.
    Every journey ends with `caselink ledger verify` reporting the ledger intact: whatever the
    journey's pages wrote, they wrote with its ledger entries."""
    path = tmp_path / "journey.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()
    ledger_verify(db.url)


def _with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database: one test run per dialect."""
    if request.param == "sqlite":
        path = tmp_path / "caselink.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    template = request.getfixturevalue("postgres_template")
    name = f"caselink_test_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    try:
        yield _with_db(admin_url, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright, shared by the browser journeys."""
    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()
