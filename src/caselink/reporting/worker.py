"""`caselink worker`: escalates overdue reports, delivers queued mail and signs the ledger
at intervals. Safe to stop at any moment and to run more than once at a time."""

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

from caselink.ledger import signing
from caselink.ledger.tree import StoredTree
from caselink.reporting.clock import aware, utcnow
from caselink.reporting.escalation import escalate
from caselink.reporting.mail import Sender, deliver
from caselink.reporting.rules import DutyRules
from caselink.store.db import Database

CHECKPOINT_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Pass:
    escalated: int
    mailed: int
    mail_failed: int
    checkpointed: int | None  # the tree size signed, if a checkpoint was issued


def sign_if_grown(db: Database, key_path: Path, now: datetime) -> int | None:
    """A checkpoint when the ledger has grown and the last one is old enough: receipts get
    their inclusion proof within minutes without a checkpoint per request."""
    with db.transaction() as session:
        last = signing.latest(session)
        size = StoredTree(session).size
        if size == 0 or (last is not None and last.tree_size >= size):
            return None
        if last is not None:
            issued = aware(datetime.fromisoformat(last.issued_at.replace("Z", "+00:00")))
            if now - issued < CHECKPOINT_EVERY:
                return None
        return signing.issue(session, signing.load_or_create_key(key_path)).tree_size


def run_once(
    db: Database, rules: DutyRules, sender: Sender, key_path: Path, now: datetime | None = None
) -> Pass:
    now = now or utcnow()
    escalated = escalate(db, rules, now)
    delivery = deliver(db, sender, now)
    return Pass(escalated, delivery.sent, delivery.failed, sign_if_grown(db, key_path, now))


def run_forever(
    db: Database,
    rules: DutyRules,
    sender: Sender,
    key_path: Path,
    interval: float,
    report: Callable[[Pass], None],
) -> None:
    stopping = False

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        report(run_once(db, rules, sender, key_path))
        deadline = time.monotonic() + interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
