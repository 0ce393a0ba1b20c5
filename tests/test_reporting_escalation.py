"""Acknowledgement clocks: overdue reports climb the chain, mail really goes out over SMTP,
and a worker killed half-way neither loses nor doubles a step."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caselink.reporting import actions, escalation, intake
from caselink.reporting.clock import utcnow
from caselink.reporting.mail import DirectorySender, SmtpSender, deliver, sender_from_url
from caselink.reporting.worker import run_once
from caselink.store.db import Database
from caselink.store.models import Alert, Escalation, LedgerEntry, OutboundMail, Report
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.smtp import free_port, smtp_server
from tests.support.world import World

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=24)


@pytest.fixture
def world(db: Database) -> World:
    return reporting_world(db)


def file(db: Database, world: World, at: datetime = T0, **changes: object) -> intake.Filed:
    teacher = principal(db, world, "teacher")
    with db.transaction() as s:
        return intake.file_report(s, teacher, checked(**changes), DUTY, now=at)


def levels(db: Database) -> list[int]:
    with db.transaction() as s:
        return sorted(s.scalars(select(Escalation.level)))


def recipients(db: Database, kind: str = "report_overdue") -> set[str]:
    with db.transaction() as s:
        rows = s.execute(
            select(OutboundMail.recipient).where(OutboundMail.key.like("escalation:%"))
        ).scalars()
        return set(rows)


def test_an_unacknowledged_report_climbs_the_chain_on_time(db: Database, world: World) -> None:
    file(db, world)
    assert escalation.escalate(db, DUTY, DUE - timedelta(minutes=1)) == 0
    assert escalation.escalate(db, DUTY, DUE + timedelta(minutes=1)) == 2  # police and council
    assert levels(db) == [1, 1]
    # Level 1: each receiving agency's duty officers.
    assert recipients(db) == {"officer-n@example.org", "social-n@example.org"}
    assert escalation.escalate(db, DUTY, DUE + timedelta(hours=4, minutes=1)) == 2
    # Level 2: their supervisors (officer-n's supervisor in this world is officer-s).
    assert "officer-s@example.org" in recipients(db)
    assert escalation.escalate(db, DUTY, DUE + timedelta(hours=25)) == 2
    assert "inspector@example.org" in recipients(db)
    assert levels(db) == [1, 1, 2, 2, 3, 3]
    # Running again changes nothing: each step is taken once.
    assert escalation.escalate(db, DUTY, DUE + timedelta(days=30)) == 0
    with db.transaction() as s:
        concern = s.scalars(select(Alert).where(Alert.kind == "possible_prevention")).all()
        assert len(concern) == 2 and concern[0].recipient_role == "oversight_officer"
        ledgered = s.scalar(select(func.count()).where(LedgerEntry.action == "escalate"))
        assert ledgered == 6


def test_a_worker_down_for_a_day_catches_up_every_level_at_once(db: Database, world: World) -> None:
    file(db, world)
    assert escalation.escalate(db, DUTY, DUE + timedelta(days=2)) == 6
    assert levels(db) == [1, 1, 2, 2, 3, 3]


def test_acknowledged_or_closed_reports_do_not_escalate(db: Database, world: World) -> None:
    filed = file(db, world)
    officer = principal(db, world, "officer-n")
    with db.transaction() as s:
        report = s.get(Report, filed.report_id)
        assert report is not None
        actions.acknowledge(s, officer, report, now=T0 + timedelta(hours=1))
    # Only the council's route is still waiting.
    assert escalation.escalate(db, DUTY, DUE + timedelta(minutes=1)) == 1
    assert recipients(db) == {"social-n@example.org"}


def test_urgent_reports_escalate_within_the_hour(db: Database, world: World) -> None:
    file(db, world, immediate_danger="yes")
    assert escalation.escalate(db, DUTY, T0 + timedelta(minutes=59)) == 0
    assert escalation.escalate(db, DUTY, T0 + timedelta(minutes=61)) == 2
    assert escalation.escalate(db, DUTY, T0 + timedelta(minutes=91)) == 2


def test_mail_is_delivered_over_real_smtp_and_kept_while_the_server_is_down(
    db: Database, world: World
) -> None:
    file(db, world)
    escalation.escalate(db, DUTY, DUE + timedelta(minutes=1))
    port = free_port()
    down = deliver(db, SmtpSender("127.0.0.1", port, timeout=2), now=DUE + timedelta(minutes=2))
    assert down.sent == 0 and down.failed >= 1
    with db.transaction() as s:
        waiting = s.scalars(select(OutboundMail).where(OutboundMail.sent_at.is_(None))).all()
        assert waiting and any(m.last_error for m in waiting)
    with smtp_server(port) as (mailbox, _):
        later = DUE + timedelta(hours=2)  # past the back-off
        sent = deliver(db, SmtpSender("127.0.0.1", port), now=later)
        assert sent.failed == 0 and sent.sent == len(waiting)
        assert all("Overdue report MR-" in subject for subject in mailbox.subjects())
        assert deliver(db, SmtpSender("127.0.0.1", port), now=later).sent == 0  # nothing twice


def test_the_mail_sender_is_configured_by_url() -> None:
    assert sender_from_url("smtp://mail.example:2525") == SmtpSender("mail.example", 2525)
    assert isinstance(sender_from_url("dir:var/outbox"), DirectorySender)
    with pytest.raises(ValueError, match="CASELINK_MAIL_URL"):
        sender_from_url("http://mail.example")


def test_the_worker_pass_signs_the_ledger_so_receipts_get_their_proof(
    db: Database, world: World, tmp_path: Path
) -> None:
    file(db, world)
    done = run_once(db, DUTY, DirectorySender(tmp_path / "mail"), tmp_path / "key.pem", T0)
    assert done.checkpointed is not None and done.checkpointed > 0
    again = run_once(db, DUTY, DirectorySender(tmp_path / "mail"), tmp_path / "key.pem", T0)
    assert again.checkpointed is None  # nothing new to sign


def test_a_worker_killed_mid_escalation_neither_loses_nor_doubles_a_step(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    long_ago = utcnow() - timedelta(days=3)
    for n in range(25):
        file(db, world, at=long_ago, what_happened=f"Disclosure number {n} by a pupil in class.")
    routes = 50  # each report goes to the police and the council
    with smtp_server() as (mailbox, port):
        env = {
            **os.environ,
            "CASELINK_DATABASE_URL": database_url,
            "CASELINK_MAIL_URL": f"smtp://127.0.0.1:{port}",
            "CASELINK_LEDGER_KEY": str(tmp_path / "key.pem"),
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "caselink", "worker", "--interval", "0.5"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(levels(db)) < 10:
                assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
                time.sleep(0.05)
            assert len(levels(db)) >= 10, "the worker never started escalating"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        assert len(levels(db)) < 3 * routes, "killed too late to test anything"
        # A fresh worker finishes the job.
        for _ in range(20):
            done = run_once(db, DUTY, SmtpSender("127.0.0.1", port), tmp_path / "key.pem")
            if not done.escalated and not done.mailed:
                break
        assert levels(db) == [1] * routes + [2] * routes + [3] * routes
        with db.transaction() as s:
            queued = s.execute(select(OutboundMail.key, OutboundMail.sent_at)).all()
        assert queued and all(sent is not None for _, sent in queued)
        received = {mid.split("@")[0].strip("<") for mid in mailbox.message_ids()}
        expected = {f"{key.replace(':', '.')}" for key, _ in queued}
        # Every queued message arrived; a repeat after the kill keeps its Message-ID.
        assert {r.rsplit(".", 1)[0] for r in received} == expected
