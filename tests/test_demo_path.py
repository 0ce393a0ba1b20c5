"""What `make demo` does, step by step through the real CLI, ending with a served page."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from caselink.access.accounts import find_user
from caselink.access.principal import principal_for
from caselink.people import teams as people_teams
from caselink.store.db import Database


def _caselink(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASELINK_DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "caselink", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=600,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    done = _caselink("sqlite://", "synth", "--records", "2000", "--out", str(out), "--seed", "7")
    assert done.returncode == 0, done.stderr
    return out


def test_demo_path_loads_everything_and_serves(database_url: str, synthetic: Path) -> None:
    assert _caselink(database_url, "db", "upgrade").returncode == 0
    loaded = _caselink(database_url, "load", str(synthetic))
    assert loaded.returncode == 0, loaded.stderr
    assert "person_records.csv" in loaded.stdout

    again = _caselink(database_url, "load", str(synthetic))
    assert again.returncode == 0 and again.stdout.count("identical file already loaded") == 8

    accounts = _caselink(database_url, "demo-accounts")
    assert accounts.returncode == 0
    for username in ("teacher", "officer", "analyst", "reviewer", "inspector", "admin"):
        assert username in accounts.stdout
    assert _caselink(database_url, "demo-accounts").returncode == 0, "re-running is safe"
    teams = _caselink(database_url, "teams", "demo")
    assert teams.returncode == 0 and "child protection teams" in teams.stdout, teams.stderr
    assert "already there" in _caselink(database_url, "teams", "demo").stdout
    shared = Database(database_url)
    with shared.transaction() as s:  # the demo officer and social worker share a team
        officer, social = (
            principal_for(s, user)
            for user in (find_user(s, "officer"), find_user(s, "social-worker"))
            if user is not None
        )
        assert {t.code for t in people_teams.teams_of(s, officer)} & {
            t.code for t in people_teams.teams_of(s, social)
        }
    shared.dispose()

    port = _free_port()
    env = {**os.environ, "CASELINK_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "caselink", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        page = _get_when_up(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "Protect children across agencies" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/health").json()["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_rows_in_the_store_match_the_files(database_url: str, synthetic: Path) -> None:
    assert _caselink(database_url, "load", str(synthetic)).returncode == 0
    from sqlalchemy import text

    db = Database(database_url)
    with db.engine.connect() as connection:
        for table, file in (
            ("person_records", "person_records.csv"),
            ("cases", "cases.csv"),
            ("events", "events.csv"),
            ("case_participants", "case_persons.csv"),
        ):
            stored = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            lines = (synthetic / file).read_text().count("\n") - 1
            assert stored == lines, table
    db.dispose()


def test_load_of_a_bad_file_exits_non_zero_and_names_the_problem(
    database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "person_records.csv"
    bad.write_text("record_id,source\n")
    assert _caselink(database_url, "db", "upgrade").returncode == 0
    done = _caselink(database_url, "load", str(bad))
    assert done.returncode == 1
    assert "person_records.csv:1: header: the column 'given_name' is missing" in done.stderr
    assert "nothing was loaded" in done.stderr


def _get_when_up(url: str, seconds: float = 30) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
