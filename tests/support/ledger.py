"""Building ledgers for tests, and tampering with them as a rogue administrator would."""

import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from caselink.cli import app
from caselink.ledger import Action, Actor, digest, record, record_rows, signing
from caselink.ledger.checkpoint import Checkpoint
from caselink.store.append_only import guard_statements, unguard_statements
from caselink.store.db import Database
from caselink.store.models import Report

OFFICER = Actor("officer", user_id=7, agency="POL-NM")
FIXTURE = Actor.system("test-fixture")


def ledger_verify(url: str) -> str:
    """`caselink ledger verify` on the database at `url`, as an inspector runs it; fails the
    test, with the verifier's own words, unless the ledger is intact."""
    signing.load_or_create_key(Path(os.environ["CASELINK_LEDGER_KEY"]))
    env = {"CASELINK_DATABASE_URL": url, "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["ledger", "verify"], env=env)
    assert result.exit_code == 0 and "Ledger intact" in result.output, result.output
    return result.output


def created(session: Session, object_type: str, ids: Iterable[int]) -> None:
    """Ledger rows a fixture wrote as caselink writes them: each with its content digest."""
    record_rows(session, FIXTURE, Action.CREATE, object_type, ids, reason="test fixture")


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
        record_rows(session, OFFICER, Action.CREATE, "report", [report.id])
        return report.id


def tamper(db: Database, *statements: str) -> None:
    """Run SQL with the append-only guards off, as someone with the database password could."""
    tables = (
        "ledger_entries",
        "ledger_checkpoints",
        "ledger_nodes",
        "reports",
        "access_grants",
        "events",
        "decisions",
        "report_actions",
        "link_decisions",
        "review_outcomes",
        "review_approvals",
        "sharing_decisions",
    )
    with db.engine.begin() as connection:
        for table in tables:
            for statement in unguard_statements(db.dialect, table):
                connection.execute(text(statement))
        for statement in statements:
            connection.execute(text(statement))
        for table in tables:
            for statement in guard_statements(db.dialect, table):
                connection.execute(text(statement))
