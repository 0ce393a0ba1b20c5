"""Two `caselink worker` processes on one database at once: every escalation step is taken,
ledgered and mailed exactly once, and the ledger is signed once per growth, not once per
worker. PostgreSQL shares the work with row and advisory locks; SQLite with a lock file."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from caselink.reporting import intake
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.store.models import Escalation, LedgerCheckpoint, LedgerEntry, OutboundMail
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.smtp import smtp_server

REPORTS = 10
ROUTES = 2 * REPORTS  # each report goes to the police and the council


def _file_overdue_reports(db: Database) -> None:
    world = reporting_world(db)
    teacher = principal(db, world, "teacher")
    long_ago = utcnow() - timedelta(days=3)
    with db.transaction() as s:
        for n in range(REPORTS):
            intake.file_report(
                s, teacher, checked(what_happened=f"Disclosure {n} by a pupil."), DUTY, now=long_ago
            )


def _done(db: Database) -> bool:
    with db.transaction() as s:
        steps = s.scalar(select(func.count()).select_from(Escalation))
        unsent = s.scalar(select(func.count()).where(OutboundMail.sent_at.is_(None)))
    return steps == 3 * ROUTES and unsent == 0


def test_two_workers_at_once_do_each_job_exactly_once(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    _file_overdue_reports(db)
    with smtp_server() as (mailbox, port):
        env = {
            **os.environ,
            "CASELINK_DATABASE_URL": database_url,
            "CASELINK_MAIL_URL": f"smtp://127.0.0.1:{port}",
            "CASELINK_LEDGER_KEY": str(tmp_path / "key.pem"),
            "CASELINK_KEPT_CHECKPOINTS": str(tmp_path / "kept.jsonl"),
        }
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "caselink", "worker", "--interval", "0.5"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and not _done(db):
                for worker in workers:
                    assert worker.poll() is None, worker.communicate()[1][-2000:]
                time.sleep(0.2)
            time.sleep(1.5)  # a last pass each: they must find nothing left to do
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
        outputs = [worker.communicate(timeout=60) for worker in workers]
        assert all(w.returncode == 0 for w in workers), [err[-2000:] for _, err in outputs]
        assert _done(db), "the workers did not finish the work"
        received = Counter(mailbox.message_ids())

    with db.transaction() as s:
        escalations = s.execute(select(Escalation.route_id, Escalation.level)).all()
        ledgered = s.scalar(select(func.count()).where(LedgerEntry.action == "escalate"))
        queued = s.scalar(select(func.count()).select_from(OutboundMail))
        signed = Counter(s.scalars(select(LedgerCheckpoint.tree_size)))
    assert len(escalations) == len(set(escalations)) == 3 * ROUTES
    assert ledgered == 3 * ROUTES, "each step is on the ledger once"
    assert set(received.values()) == {1} and len(received) == queued, "each mail sent once"
    assert set(signed.values()) == {1}, "no two workers signed the same ledger size"
    # What the workers say they did adds up to the work there was: nothing counted twice.
    said = [re.findall(r"escalated (\d+), mailed (\d+)", out) for out, _ in outputs]
    assert sum(int(e) for lines in said for e, _ in lines) == 3 * ROUTES
    assert sum(int(m) for lines in said for _, m in lines) == queued
    kept = (tmp_path / "kept.jsonl").read_text().splitlines()
    assert len(kept) == sum(signed.values()), "every checkpoint is also kept outside"
