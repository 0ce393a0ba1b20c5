"""Filing, routing, idempotency, working a report and closing it: no report can vanish."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from caselink.ledger import signing
from caselink.ledger.sources import checkpoints_from_db, head_size, rows_from_db
from caselink.ledger.state import check_state
from caselink.ledger.verify import verify
from caselink.reporting import actions, inbox, intake, receipts
from caselink.store.db import Database
from caselink.store.models import (
    Alert,
    Case,
    CaseEntity,
    CaseParticipant,
    LedgerEntry,
    OutboundMail,
    PersonRecord,
    Report,
    ReportPerson,
    ReportRoute,
)
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.world import World

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(db: Database) -> World:
    return reporting_world(db)


def file(db: Database, world: World, key: str | None = None, **changes: object) -> intake.Filed:
    teacher = principal(db, world, "teacher")
    with db.transaction() as s:
        return intake.file_report(s, teacher, checked(**changes), DUTY, key, now=NOW)


def report_row(db: Database, reference: str) -> Report:
    with db.transaction() as s:
        found = s.scalar(select(Report).where(Report.reference == reference))
        assert found is not None
        return found


def test_a_report_goes_to_the_force_and_local_authority_for_the_childs_postcode(
    db: Database, world: World
) -> None:
    filed = file(db, world)
    with db.transaction() as s:
        routes = s.execute(
            select(ReportRoute.queue, ReportRoute.due_at).where(
                ReportRoute.report_id == filed.report_id
            )
        ).all()
        agencies = s.execute(
            text(
                "SELECT a.code FROM report_routes r JOIN agencies a ON a.id = r.agency_id "
                "WHERE r.report_id = :id ORDER BY a.code"
            ),
            {"id": filed.report_id},
        ).scalars()
        assert list(agencies) == ["CSC-N", "POL-N"]
        assert {q for q, _ in routes} == {"agency"}
        people = s.scalars(
            select(ReportPerson.role).where(ReportPerson.report_id == filed.report_id)
        )
        assert sorted(people) == ["child", "suspect"]
        entry = s.scalar(
            select(LedgerEntry).where(
                LedgerEntry.object_id == filed.reference, LedgerEntry.action == "create"
            )
        )
        stored = s.get(Report, filed.report_id)
        assert entry is not None and stored is not None
        assert entry.after_digest == stored.content_digest == checked().digest()
        assert entry.reason == "report; POL-N agency, CSC-N agency"


def test_an_unknown_area_goes_to_national_triage_never_nowhere(db: Database, world: World) -> None:
    filed = file(db, world, child__postcode="ZZ9 9ZZ")
    with db.transaction() as s:
        route = s.scalar(select(ReportRoute).where(ReportRoute.report_id == filed.report_id))
        assert route is not None and route.queue == "national_triage" and route.agency_id is None
    inspector = principal(db, world, "inspector")
    with db.transaction() as s:
        rows, total = inbox.inbox(s, inspector)
        assert [r.reference for r in rows] == [filed.reference] and total == 1
        report = s.get(Report, filed.report_id)
        assert report is not None
        actions.route_on(s, inspector, report, "POL-S", DUTY, now=NOW)
    officer_s = principal(db, world, "officer-s")
    with db.transaction() as s:
        rows, _ = inbox.inbox(s, officer_s)
        assert [r.reference for r in rows] == [filed.reference]


def test_the_childs_school_routes_a_report_without_a_postcode(db: Database, world: World) -> None:
    filed = file(db, world, child={"given_name": "Amy", "school": "sch-n AGENCY"})
    with db.transaction() as s:
        n = s.scalar(select(func.count()).where(ReportRoute.report_id == filed.report_id))
        assert n == 2


def test_a_repeated_idempotency_key_files_one_report(db: Database, world: World) -> None:
    first = file(db, world, key="click-1")
    second = file(db, world, key="click-1")
    assert second.duplicate and second.reference == first.reference
    with pytest.raises(intake.KeyReused):
        file(db, world, key="click-1", what_happened="Something else entirely, later on.")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 1


def test_the_same_report_twice_without_a_key_is_recognised(db: Database, world: World) -> None:
    assert not file(db, world).duplicate
    assert file(db, world).duplicate
    assert not file(db, world, what_happened="A different disclosure, another day.").duplicate


def test_reports_cannot_be_edited_or_deleted_even_in_sql(db: Database, world: World) -> None:
    filed = file(db, world)
    for statement in (
        "UPDATE reports SET summary = 'nothing happened'",
        "DELETE FROM reports",
        "DELETE FROM report_routes",
        "UPDATE report_persons SET given_name = 'X'",
    ):
        with pytest.raises(DBAPIError), db.transaction() as s:
            s.execute(text(statement))
    assert report_row(db, filed.reference).reference == filed.reference


def test_an_officer_acknowledges_and_opens_a_case_with_the_people_named(
    db: Database, world: World
) -> None:
    filed = file(db, world)
    officer = principal(db, world, "officer-n")
    with db.transaction() as s:
        report = s.get(Report, filed.report_id)
        assert report is not None
        assert actions.acknowledge(s, officer, report, now=NOW)
        assert not actions.acknowledge(s, officer, report, now=NOW)  # once is enough
        case = actions.open_case(s, officer, report, now=NOW)
    with db.transaction() as s:
        view = inbox.find(s, officer, filed.reference)
        assert view is not None and view.status == "In a case"
        roles = s.execute(
            select(CaseParticipant.role, PersonRecord.given_name)
            .join(PersonRecord)
            .where(CaseParticipant.case_id == case.id)
        ).all()
        assert sorted(roles) == [("suspect", "Carl"), ("victim", "Amy")]
        things = s.execute(
            select(CaseEntity.kind, CaseEntity.value).where(CaseEntity.case_id == case.id)
        ).all()
        assert ("vehicle", "AB12 CDE") in things and ("phone", "07700 900123") in things
        assert s.get(Case, case.id).origin_report_id == filed.report_id  # type: ignore[union-attr]


def test_an_officer_elsewhere_can_neither_see_nor_act(db: Database, world: World) -> None:
    filed = file(db, world)
    elsewhere = principal(db, world, "officer-s")
    with db.transaction() as s:
        assert inbox.find(s, elsewhere, filed.reference) is None
        assert inbox.inbox(s, elsewhere) == ([], 0)
        report = s.get(Report, filed.report_id)
        assert report is not None
        with pytest.raises(actions.ActionRefused, match="not sent to your agency"):
            actions.acknowledge(s, elsewhere, report, now=NOW)


def test_closing_a_young_childs_report_as_consent_takes_two_officers(
    db: Database, world: World
) -> None:
    filed = file(db, world)
    first = principal(db, world, "officer-n")
    with db.transaction() as s:
        report = s.get(Report, filed.report_id)
        assert report is not None
        kind = actions.close(s, first, report, "consent", "She said she agreed.", DUTY, now=NOW)
        assert kind == "request_closure"
        with pytest.raises(actions.ActionRefused, match="second officer"):
            actions.decide_closure(s, first, report, True, "I approve my own request", now=NOW)
    with db.transaction() as s:
        view = inbox.find(s, first, filed.reference)
        assert view is not None and view.status == "Closure awaiting approval"
    # The local authority's officer received the same report, so may decide.
    second = principal(db, world, "social-n")
    with db.transaction() as s:
        report = s.get(Report, filed.report_id)
        assert report is not None
        actions.decide_closure(s, second, report, False, "A 14-year-old cannot consent.", now=NOW)
        view = inbox.find(s, second, filed.reference)
        assert view is not None and view.status == "Awaiting acknowledgement"
        refused = s.scalar(select(Alert).where(Alert.kind == "closure_refused"))
        assert refused is not None and refused.recipient_role == "oversight_officer"


def test_an_ordinary_closure_of_an_older_child_needs_one_officer(
    db: Database, world: World
) -> None:
    filed = file(db, world, child__date_of_birth="2009-01-01")
    officer = principal(db, world, "officer-n")
    with db.transaction() as s:
        report = s.get(Report, filed.report_id)
        assert report is not None
        with pytest.raises(actions.ActionRefused, match="Enter the reason"):
            actions.close(s, officer, report, "no_abuse_found", "  ", DUTY, now=NOW)
        assert actions.close(s, officer, report, "no_abuse_found", "Checked.", DUTY) == "close"
        view = inbox.find(s, officer, filed.reference)
        assert view is not None and view.status == "Closed"
        assert inbox.inbox(s, officer)[1] == 0  # closed reports leave the open inbox


def test_urgent_reports_alert_the_duty_officers_at_once(db: Database, world: World) -> None:
    filed = file(db, world, immediate_danger="yes")
    with db.transaction() as s:
        route = s.scalar(select(ReportRoute).where(ReportRoute.report_id == filed.report_id))
        assert route is not None
        assert route.due_at.replace(tzinfo=UTC) - NOW == timedelta(hours=1)
        mail = s.scalars(select(OutboundMail.subject)).all()
        assert mail and all(m.startswith("URGENT") for m in mail)


def test_a_receipt_carries_a_proof_that_checks_out_and_catches_tampering(
    db: Database, world: World, tmp_path: Path
) -> None:
    filed = file(db, world)
    teacher = principal(db, world, "teacher")
    key = signing.load_or_create_key(tmp_path / "key.pem")
    with db.transaction() as s:
        view = inbox.find(s, teacher, filed.reference)
        assert view is not None
        assert receipts.receipt(s, view)["inclusion_proof"] is None  # not signed yet
        signing.issue(s, key)
    with db.transaction() as s:
        view = inbox.find(s, teacher, filed.reference)
        assert view is not None
        receipt = receipts.receipt(s, view)
        result = receipts.check(receipt, key.public_key(), s)
        assert result.ok, result.findings
        forged = dict(receipt, content_sha256="0" * 64)
        assert not receipts.check(forged, key.public_key(), s).ok
    verdict = verify(rows_from_db(db), key.public_key(), checkpoints_from_db(db), (), head_size(db))
    assert verdict.intact, verdict.findings
    with db.transaction() as s:
        assert check_state(s) == []


def test_the_inbox_puts_urgent_first_then_the_longest_overdue_then_the_oldest(
    db: Database, world: World
) -> None:
    """Fifteen older reports waiting for information do not bury one whose acknowledgement
    is two days overdue: it comes straight after the urgent report."""
    teacher, officer = principal(db, world, "teacher"), principal(db, world, "officer-n")
    start = NOW - timedelta(days=20)
    waiting = []
    with db.transaction() as s:
        for i in range(15):
            filed = intake.file_report(
                s,
                teacher,
                checked(what_happened=f"Report {i} of a series."),
                DUTY,
                None,
                now=start + timedelta(hours=i),
            )
            report = s.get(Report, filed.report_id)
            assert report is not None
            actions.acknowledge(s, officer, report, now=start + timedelta(hours=i, minutes=5))
            actions.request_information(s, officer, report, "Which class?", now=start)
            waiting.append(filed.reference)
        overdue = intake.file_report(
            s,
            teacher,
            checked(what_happened="Told by the child at lunch."),
            DUTY,
            None,
            now=NOW - timedelta(days=3),
        )
        urgent = intake.file_report(
            s,
            teacher,
            checked(what_happened="Danger now.", immediate_danger="yes"),
            DUTY,
            None,
            now=NOW,
        )
    with db.transaction() as s:
        rows, total = inbox.inbox(s, officer, now=NOW + timedelta(hours=1))
    order = [r.reference for r in rows]
    assert total == 17
    assert order[0] == urgent.reference
    assert order[1] == overdue.reference, (
        f"the overdue report sat at place {order.index(overdue.reference) + 1}"
    )
    assert order[2:] == waiting, "then the oldest first"


def test_a_case_opened_from_a_report_makes_the_child_findable_by_nhs_number(
    db: Database, world: World
) -> None:
    from caselink.people.query import parse
    from caselink.people.search import search

    filed = file(db, world, child__nhs_number="943-476-5919")
    officer = principal(db, world, "officer-n")
    with db.transaction() as s:
        report = s.get(Report, filed.report_id)
        assert report is not None
        actions.acknowledge(s, officer, report, now=NOW)
        actions.open_case(s, officer, report, now=NOW)
    with db.transaction() as s:
        found = search(s, officer, parse("943 476 5919"))
        assert [(f.name, f.reasons) for f in found] == [("Amy Stone", ["same NHS number"])]
        vehicle = search(s, officer, parse("AB12 CDE"))
        assert [(f.name, f.reasons) for f in vehicle] == [("Carl", ["vehicle in a case"])]
