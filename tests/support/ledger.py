"""Building ledgers for tests, and tampering with them as a rogue administrator would."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from caselink.ledger import Action, Actor, digest, record, signing
from caselink.ledger.checkpoint import Checkpoint
from caselink.ledger.state import content_digest
from caselink.store.append_only import guard_statements, unguard_statements
from caselink.store.db import Database
from caselink.store.models import Report

OFFICER = Actor("officer", user_id=7, agency="POL-NM")


def append(db: Database, count: int, start: int = 0) -> None:
    with db.transaction() as session:
        for i in range(start, start + count):
            record(
                session, OFFICER, Action.READ, "case", i, reason="assigned", after=digest({"n": i})
            )


def checkpoint(db: Database, key: Ed25519PrivateKey) -> Checkpoint:
    with db.transaction() as session:
        return signing.issue(session, key)


def file_report(db: Database, summary: str = "Disclosure by a pupil") -> int:
    """A report written the way caselink writes one: the row and its ledger entry together."""
    with db.transaction() as session:
        report = Report(
            reference=f"R-{abs(hash(summary)) % 10**8}", trigger="told_by_child", summary=summary
        )
        session.add(report)
        session.flush()
        session.refresh(report)
        record(
            session,
            OFFICER,
            Action.CREATE,
            "report",
            report.id,
            after=content_digest("report", report),
        )
        return report.id


def tamper(db: Database, *statements: str) -> None:
    """Run SQL with the append-only guards off, as someone with the database password could."""
    tables = ("ledger_entries", "ledger_checkpoints", "ledger_nodes", "reports", "access_grants")
    with db.engine.begin() as connection:
        for table in tables:
            for statement in unguard_statements(db.dialect, table):
                connection.execute(text(statement))
        for statement in statements:
            connection.execute(text(statement))
        for table in tables:
            for statement in guard_statements(db.dialect, table):
                connection.execute(text(statement))
