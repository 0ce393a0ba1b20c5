"""The state audit: every row a cover-up would go for is matched to the ledger entry that
recorded it, so a row slipped into the database, changed or deleted behind caselink's back is
named by `caselink ledger verify` (issue 21).

Each row here is written by caselink's own service (an officer opens a case from a report and
closes the report, records an event and a decision; an analyst decides a link; two reviewers
record and approve an outcome); the attacker then has the database password and switches the
append-only guards off (see tests/support/ledger.py's `tamper`)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from caselink.access.principal import principal_for
from caselink.cli import app
from caselink.ledger import Actor
from caselink.ledger.state import check_state
from caselink.linkage import decisions
from caselink.reporting import actions, intake
from caselink.review import queue
from caselink.review import weights as review_weights
from caselink.review.importing import import_file
from caselink.review.priorities import score_store
from caselink.store.db import Database
from caselink.store.models import (
    CaseParticipant,
    LinkageModelVersion,
    LinkageRun,
    LinkCandidate,
    Report,
    ReportAction,
    User,
)
from caselink.survivors import updates, victims_code
from tests.support.ledger import ledger_verify, tamper
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.review import add_forces, add_people, write_cases

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TABLES = {
    "case": "cases",
    "case_participant": "case_participants",
    "event": "events",
    "decision": "decisions",
    "report_action": "report_actions",
    "link_decision": "link_decisions",
    "review_outcome": "review_outcomes",
    "review_approval": "review_approvals",
}


@dataclass
class Written:
    db: Database
    ids: dict[str, int]  # object type -> the id of one row caselink wrote
    refs: dict[str, int]  # what an attacker's rows point at


@pytest.fixture
def casework(db: Database) -> Written:
    world = reporting_world(db)
    teacher, officer = principal(db, world, "teacher"), principal(db, world, "officer-n")
    with db.transaction() as s:
        filed = intake.file_report(s, teacher, checked(), DUTY, now=NOW)
    with db.transaction() as s:
        report = s.get(Report, filed.report_id)
        assert report is not None
        actions.acknowledge(s, officer, report, now=NOW)
        case = actions.open_case(s, officer, report, now=NOW)
        actions.close(s, officer, report, "already_known", "In case now.", DUTY, now=NOW)
        closure = s.scalar(select(ReportAction.id).where(ReportAction.kind == "close"))
        suspect = s.scalar(
            select(CaseParticipant.id).where(
                CaseParticipant.case_id == case.id, CaseParticipant.role == "suspect"
            )
        )
        by = Actor("officer-n", world.users["officer-n"], "POL-N")
        code = victims_code.load()
        event, _ = updates.record_event(s, code, by, case.id, "arrest", date(2026, 11, 20), NOW)
        decision, _ = updates.record_decision(
            s, code, by, case.id, "charged", "Enough evidence to charge.", NOW
        )
        # A pair of records for an analyst to decide (the run that proposed it, in brief).
        model = LinkageModelVersion(version=1, spec="0" * 64, document="{}")
        s.add(model)
        s.flush()
        run = LinkageRun(
            model_id=model.id,
            kind="full",
            actor="system:test",
            records_read=2,
            records_linked=0,
            persons_created=0,
            candidates=1,
        )
        s.add(run)
        s.flush()
        a, b = sorted((world.records["N-VICTIM"], world.records["N-SCHOOL"]))
        candidate = LinkCandidate(
            run_id=run.id,
            record_a_id=a,
            record_b_id=b,
            match_probability=0.7,
            match_weight=1.2,
            evidence="[]",
        )
        s.add(candidate)
        s.flush()
        analyst = Actor("analyst-n", world.users["analyst-n"], "POL-N")
        link = decisions.decide(
            s, analyst, candidate, "confirm", "Same name, school and birth date."
        )
        ids = {
            "case": case.id,
            "case_participant": suspect or 0,
            "event": event.id,
            "decision": decision.id,
            "report_action": closure or 0,
            "link_decision": link.id,
        }
        refs = {
            "case": case.id,
            "report": report.id,
            "record": world.records["N-SUSPECT"],
            "force": case.force_area_id,
            "a": a,
            "b": b,
            "candidate": candidate.id,
        }
    written = Written(db, ids, refs)
    _intact(written)
    return written


@pytest.fixture
def review(db: Database, tmp_path: Path) -> Written:
    add_forces(db)
    users = add_people(db)
    import_file(db, write_cases(tmp_path / "closed.csv"))
    score_store(db, review_weights.load(), as_of=date(2026, 11, 1))
    with db.transaction() as s:
        first = principal_for(s, _user(s, users["reviewer"]))
        second = principal_for(s, _user(s, users["reviewer-2"]))
    with db.transaction() as s:
        reference = queue.claim_next(s, first)
        assert reference == "REV/1"
        outcome = queue.record_outcome(s, first, reference, "no_action", "Victim does not engage.")
    with db.transaction() as s:
        approval = queue.decide_approval(s, second, reference, True, "Checked the file myself.")
    ids = {"review_outcome": outcome.id, "review_approval": approval.id}
    refs = {"review_case": outcome.review_case_id, "user": users["reviewer"]}
    written = Written(db, ids, refs)
    _intact(written)
    return written


def _user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    assert user is not None
    return user


def _intact(written: Written) -> None:
    with written.db.transaction() as s:
        assert check_state(s) == []


def _findings(db: Database) -> list[str]:
    with db.transaction() as s:
        return [str(f) for f in check_state(s)]


def _newest(db: Database, object_type: str) -> int:
    with db.engine.connect() as connection:
        table = TABLES[object_type]
        found = connection.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar_one()
        return int(found)


# What someone with the database password would change, to hide what was known or done.
ALTERED = {
    "case": (
        "UPDATE cases SET status = 'closed', closed_on = opened_on, "
        "outcome = 'no_further_action' WHERE id = {id}",
        "case {id} (",
    ),
    "case_participant": (
        "UPDATE case_participants SET role = 'witness' WHERE id = {id}",
        "case participant {id} (witness)",
    ),
    "event": (
        "UPDATE events SET occurred_on = '2020-01-01' WHERE id = {id}",
        "event {id} (arrest)",
    ),
    "decision": (
        "UPDATE decisions SET outcome = 'no_further_action' WHERE id = {id}",
        "decision {id} (no_further_action)",
    ),
    "report_action": (
        "UPDATE report_actions SET category = 'consent' WHERE id = {id}",
        "report action {id} (close)",
    ),
    "link_decision": (
        "UPDATE link_decisions SET decision = 'reject' WHERE id = {id}",
        "link decision {id} (reject)",
    ),
}
REVIEW_ALTERED = {
    "review_outcome": (
        "UPDATE review_outcomes SET reason = 'Nothing to see.' WHERE id = {id}",
        "review outcome {id} (no_action)",
    ),
    "review_approval": (
        "UPDATE review_approvals SET approved = NOT approved WHERE id = {id}",
        "review approval {id}",
    ),
}

# Rows slipped in: a report closed, a case closed, a person made a mere witness, an event or a
# decision that never happened, a link nobody decided, an outcome nobody recorded.
INSERTED = {
    "case": "INSERT INTO cases (reference, force_area_id, opened_on, closed_on, status, outcome) "
    "VALUES ('F-NORTH/X/1', {force}, '2025-01-01', '2025-02-01', 'closed', 'no_further_action')",
    "case_participant": "INSERT INTO case_participants (case_id, person_record_id, role) "
    "VALUES ({case}, {record}, 'reporter')",
    "event": "INSERT INTO events (case_id, kind, occurred_on) VALUES ({case}, 'nfa', '2026-01-01')",
    "decision": "INSERT INTO decisions (case_id, kind, outcome, reason) "
    "VALUES ({case}, 'charging_decision', 'no_further_action', 'No prospect')",
    "report_action": "INSERT INTO report_actions (report_id, kind, at, category) "
    "VALUES ({report}, 'close', '2026-11-23 10:00:00', 'consent')",
    "link_decision": "INSERT INTO link_decisions (record_a_id, record_b_id, decision, reason, "
    "candidate_id) VALUES ({a}, {b}, 'reject', 'Not the same', {candidate})",
}
REVIEW_INSERTED = {
    "review_outcome": "INSERT INTO review_outcomes (review_case_id, outcome, reason, "
    "decided_by_user_id, decided_at, needs_approval) VALUES ({review_case}, 'no_action', "
    "'Closed again', {user}, '2026-11-23 10:00:00', FALSE)",
    "review_approval": "INSERT INTO review_approvals (outcome_id, approved, reason, "
    "decided_by_user_id, decided_at) VALUES (1, TRUE, 'Fine', {user}, '2026-11-23 10:00:00')",
}


def _altered(written: Written, object_type: str, statement: str, named: str) -> None:
    row = written.ids[object_type]
    tamper(written.db, statement.format(id=row))
    findings = _findings(written.db)
    assert len(findings) == 1, findings
    assert findings[0].startswith("entry ") and named.format(id=row) in findings[0]
    assert findings[0].endswith(
        "no longer matches this entry: it was changed directly in the database"
    )


def _inserted(written: Written, object_type: str, statement: str) -> None:
    tamper(written.db, statement.format(**written.refs))
    row = _newest(written.db, object_type)
    findings = _findings(written.db)
    assert len(findings) == 1, findings
    words = object_type.replace("_", " ")
    assert findings[0].startswith(f"{words} {row}")
    assert findings[0].endswith("has no ledger entry: it was written directly to the database")


@pytest.mark.parametrize("object_type", sorted(ALTERED))
def test_a_row_changed_directly_is_named(casework: Written, object_type: str) -> None:
    _altered(casework, object_type, *ALTERED[object_type])


@pytest.mark.parametrize("object_type", sorted(INSERTED))
def test_a_row_inserted_directly_is_named(casework: Written, object_type: str) -> None:
    _inserted(casework, object_type, INSERTED[object_type])


@pytest.mark.parametrize("object_type", sorted(REVIEW_ALTERED))
def test_a_review_row_changed_directly_is_named(review: Written, object_type: str) -> None:
    _altered(review, object_type, *REVIEW_ALTERED[object_type])


@pytest.mark.parametrize("object_type", sorted(REVIEW_INSERTED))
def test_a_review_row_inserted_directly_is_named(review: Written, object_type: str) -> None:
    _inserted(review, object_type, REVIEW_INSERTED[object_type])


def test_a_suspect_deleted_from_a_case_is_named(casework: Written) -> None:
    row = casework.ids["case_participant"]
    tamper(casework.db, f"DELETE FROM case_participants WHERE id = {row}")
    findings = _findings(casework.db)
    assert len(findings) == 1 and findings[0].startswith("entry ")
    assert findings[0].endswith(
        f"case participant {row} is not in the database: it was deleted directly in the database"
    )


def test_ledger_verify_names_a_report_closed_behind_its_back(
    casework: Written, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger_verify(casework.db.url)
    tamper(casework.db, INSERTED["report_action"].format(**casework.refs))
    row = _newest(casework.db, "report_action")
    env = {"CASELINK_DATABASE_URL": casework.db.url, "COLUMNS": "200"}
    done = CliRunner().invoke(app, ["ledger", "verify"], env=env)
    assert done.exit_code == 1
    assert "Ledger NOT intact: 1 problem(s) found" in done.output
    assert (
        f"First: report action {row} (close) has no ledger entry: it was written directly to "
        "the database" in done.output
    )


def test_every_audited_kind_is_tampered_with_here() -> None:
    from caselink.ledger.state import AUDITED

    covered = {*ALTERED, *INSERTED, *REVIEW_ALTERED, *REVIEW_INSERTED}
    # Reports and their annotations are covered in test_ledger_tamper.py, s.16LA sharing
    # decisions in test_people.py.
    assert set(AUDITED) - covered == {"report", "report_annotation", "sharing_decision"}
    assert set(TABLES) == covered
