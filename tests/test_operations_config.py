"""Configuration from CASELINK_* variables: every bad value named with its problem and an
example, secrets never shown, pools shared out among workers; readiness and liveness."""

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from caselink.cli import app
from caselink.config import VARIABLES, ConfigError, Settings, effective, unknown
from caselink.store.db import Database
from caselink.web.app import create_app, ready_to_serve


def test_every_bad_variable_is_named_with_its_problem_and_an_example() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(
            {
                "CASELINK_DATABASE_URL": "mysql://db/caselink",
                "CASELINK_DB_POOL_SIZE": "lots",
                "CASELINK_DB_POOL_TIMEOUT": "-1",
                "CASELINK_MAIL_URL": "http://mail.example",
                "CASELINK_COOKIE_SECURE": "yes",
                "CASELINK_LOG_FORMAT": "xml",
                "CASELINK_DUTY_RULES": "/no/such/rules.json",
            }
        )
    problems = raised.value.problems
    assert len(problems) == 7
    text = str(raised.value)
    assert "CASELINK_DATABASE_URL='mysql://db/caselink' uses 'mysql'" in text
    assert "CASELINK_DB_POOL_SIZE='lots' is not a whole number" in text
    assert "(for example CASELINK_DB_POOL_SIZE=10)" in text
    assert "CASELINK_LOG_FORMAT='xml' must be one of json, text" in text
    assert "CASELINK_DUTY_RULES='/no/such/rules.json' names /no/such/rules.json" in text


def test_defaults_are_valid_and_every_variable_has_an_example() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite")
    assert settings.log_format == "text"
    for variable in VARIABLES:
        if variable.name != "CASELINK_DUTY_RULES":  # a file that must exist
            variable.parse(variable.example)  # the example shown in an error must itself work


def test_secrets_are_hidden_and_misspelt_names_noticed() -> None:
    environ = {
        "CASELINK_DATABASE_URL": "postgresql+psycopg://app:hunter2@db.internal/caselink",
        "CASELINK_MAIL_URL": "smtp+starttls://mailer:s3cret@smtp.internal:587",
        "CASELINK_DATABSE_URL": "sqlite:///typo.db",
    }
    shown = {row.name: row for row in effective(environ)}
    assert "hunter2" not in shown["CASELINK_DATABASE_URL"].value
    assert shown["CASELINK_DATABASE_URL"].value == (
        "postgresql+psycopg://app:***@db.internal/caselink"
    )
    assert "s3cret" not in shown["CASELINK_MAIL_URL"].value
    assert shown["CASELINK_LOG_FORMAT"].source == "default"
    assert unknown(environ) == ["CASELINK_DATABSE_URL"]
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"CASELINK_DATABASE_URL": "postgresql+psycopg://app:hunter2@/caselink"})
    assert "needs a host" in str(raised.value) and "hunter2" not in str(raised.value)


def test_the_connection_budget_is_shared_among_web_processes() -> None:
    settings = Settings.from_env({})
    assert settings.pool(1).size == 20 and settings.pool(1).overflow == 20
    four = settings.pool(4)
    assert 4 * (four.size + four.overflow) <= 40
    assert settings.pool(64).size == 2, "never fewer than two connections"
    given = Settings.from_env({"CASELINK_DB_POOL_SIZE": "7", "CASELINK_DB_MAX_OVERFLOW": "0"})
    assert given.pool(8).size == 7 and given.pool(8).overflow == 0
    shared = Settings.from_env({"WEB_CONCURRENCY": "4"})
    assert shared.pool() == four


def test_a_postgres_engine_gets_the_configured_pool() -> None:
    from caselink.config import Pool

    db = Database("postgresql+psycopg://u@127.0.0.1:1/x", Pool(size=3, overflow=1, timeout=2.5))
    pool = db.engine.pool
    assert pool.size() == 3 and pool._max_overflow == 1 and pool._timeout == 2.5  # type: ignore[attr-defined]
    db.dispose()


def test_commands_refuse_to_start_on_bad_configuration_without_a_traceback(
    tmp_path: Path,
) -> None:
    env = {"CASELINK_DATABASE_URL": "postgres//nowhere", "CASELINK_LOG_FORMAT": "xml"}
    for command in (["db", "status"], ["serve"], ["worker", "--once"], ["config", "check"]):
        result = CliRunner().invoke(app, command, env=env)
        assert result.exit_code == 2, (command, result.output)
        assert "CASELINK_DATABASE_URL='postgres//nowhere' is not a database URL" in result.output
        assert "CASELINK_LOG_FORMAT='xml'" in result.output
        assert "Traceback" not in result.output
    good = CliRunner().invoke(
        app, ["config", "check"], env={"CASELINK_DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    )
    assert good.exit_code == 0 and "Configuration is valid." in good.output


def test_the_real_command_prints_no_traceback_either() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "caselink", "serve"],
        env={"CASELINK_DB_POOL_SIZE": "0", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "CASELINK_DB_POOL_SIZE='0' must be between 1 and 500" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as client:
        yield client


def test_live_and_ready_for_load_balancers(client: TestClient, db: Database) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok" and ready.json()["database"] == "ok"
    assert ready.json()["ledger_key"] in ("ok", "absent")
    assert client.get("/health").status_code == 200, "the original check still works"
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    behind = client.get("/health/ready")
    assert behind.status_code == 503 and behind.json()["schema_revision"] == "old"
    assert client.get("/health/live").status_code == 200, "alive, just not ready"


def test_not_ready_when_the_ledger_key_cannot_be_read(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "signing-key.pem"
    (tmp_path / "signing-key.pub.pem").write_text("not a key")
    monkeypatch.setenv("CASELINK_LEDGER_KEY", str(key))
    ready = client.get("/health/ready")
    assert ready.status_code == 503 and ready.json()["ledger_key"] == "unreadable"


def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    gone = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with TestClient(create_app(gone)) as client:
        response = client.get("/health/ready")
        assert response.status_code == 503 and response.json()["database"] == "unreachable"
        assert client.get("/health/live").status_code == 200
    gone.dispose()


def test_a_served_app_leaves_its_start_up_objects_out_of_full_collections(db: Database) -> None:
    """`caselink serve` freezes what start-up made: full garbage-collection passes over it
    stalled every request in flight (intake's p99 was ~140 ms pauses)."""
    before = gc.get_freeze_count()
    try:
        served = ready_to_serve(create_app(db))
        assert isinstance(served, FastAPI)
        assert gc.get_freeze_count() > before + 10_000
    finally:
        gc.unfreeze()  # this is a test process, not a server: let its garbage go
