"""A load killed with SIGKILL half-way leaves the store as it was, and a re-run finishes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from caselink.loading import load_directory
from caselink.store.db import Database
from caselink.store.models import Import, PersonRecord
from tests.support.files import many_records, write_reference

ROWS = 40_000


def _load(url: str, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CASELINK_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "caselink", "load", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _counts(db: Database) -> tuple[int, int, int]:
    with db.transaction() as session:
        rows = session.scalar(select(func.count()).select_from(PersonRecord)) or 0
        distinct = session.scalar(select(func.count(func.distinct(PersonRecord.record_id)))) or 0
        imports = (
            session.scalar(
                select(func.count()).select_from(Import).where(Import.kind == "person_records")
            )
            or 0
        )
    return rows, distinct, imports


def test_kill_9_half_way_then_rerun(db: Database, tmp_path: Path) -> None:
    write_reference(tmp_path)
    load_directory(db, tmp_path)
    records = tmp_path / "person_records.csv"
    records.write_text(many_records(ROWS))

    # How long a whole load takes here, so the kill lands in the middle on any machine.
    started = time.monotonic()
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    probe = Database(f"sqlite:///{probe_dir / 'probe.db'}")
    from caselink.store.migrate import upgrade

    upgrade(probe)
    load_directory(probe, tmp_path)
    probe.dispose()
    whole = time.monotonic() - started

    process = _load(db.url, records)
    time.sleep(max(whole * 0.6, 1.0))  # past start-up (imports, validation), inside the insert
    still_running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    rows, _, imports = _counts(db)
    if still_running:
        assert (rows, imports) == (0, 0), "a killed load must leave nothing half-written"
    else:  # the machine was fast enough to finish first; the invariant still holds
        assert (rows, imports) == (ROWS, 1)

    rerun = _load(db.url, records)
    _, stderr = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, stderr.decode()
    assert _counts(db) == (ROWS, ROWS, 1), "no duplicate and no missing row after the re-run"
