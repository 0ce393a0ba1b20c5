"""`caselink worker`: escalates overdue reports, delivers queued mail and signs the ledger
at intervals. Safe to stop at any moment and to run more than once at a time: on PostgreSQL
each escalation step is unique, mail is claimed with SKIP LOCKED and checkpoints are issued
under an advisory lock; on SQLite (one machine) a whole pass holds a lock file."""

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

from caselink.ledger import signing
from caselink.ledger.sources import write_checkpoint
from caselink.ledger.tree import StoredTree
from caselink.people import sharing
from caselink.reporting.clock import aware, utcnow
from caselink.reporting.escalation import escalate
from caselink.reporting.mail import Sender, deliver
from caselink.reporting.rules import DutyRules
from caselink.store import locks
from caselink.store.db import Database
from caselink.survivors import clocks as survivor_clocks

CHECKPOINT_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Pass:
    escalated: int
    mailed: int
    mail_failed: int
    checkpointed: int | None  # the tree size signed, if a checkpoint was issued


def sign_if_grown(
    db: Database, key_path: Path, now: datetime, keep: Path | None = None
) -> int | None:
    """A checkpoint when the ledger has grown and the last one is old enough: receipts get
    their inclusion proof within minutes without a checkpoint per request. `keep` is a file
    outside the database that each checkpoint is also appended to."""
    with db.transaction() as session:
        locks.hold_for_transaction(session, locks.CHECKPOINT)  # one worker signs, not each
        last = signing.latest(session)
        size = StoredTree(session).size
        if size == 0 or (last is not None and last.tree_size >= size):
            return None
        if last is not None:
            issued = aware(datetime.fromisoformat(last.issued_at.replace("Z", "+00:00")))
            if now - issued < CHECKPOINT_EVERY:
                return None
        signed = signing.issue(session, signing.load_or_create_key(key_path))
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
        write_checkpoint(keep, signed)
    return signed.tree_size


def run_once(
    db: Database,
    rules: DutyRules,
    sender: Sender,
    key_path: Path,
    now: datetime | None = None,
    keep: Path | None = None,
) -> Pass:
    now = now or utcnow()
    with locks.on_this_machine(db, "worker"):
        escalated = escalate(db, rules, now) + survivor_clocks.run(db, now)
        escalated += sharing.run_reviews(db, now)
        delivery = deliver(db, sender, now)
        signed = sign_if_grown(db, key_path, now, keep)
    return Pass(escalated, delivery.sent, delivery.failed, signed)


def run_forever(
    db: Database,
    rules: DutyRules,
    sender: Sender,
    key_path: Path,
    interval: float,
    report: Callable[[Pass], None],
    keep: Path | None = None,
) -> None:
    stopping = False

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        report(run_once(db, rules, sender, key_path, keep=keep))
        deadline = time.monotonic() + interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
