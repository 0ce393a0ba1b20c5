"""A report sent to the police and the council is worked by both: each agency opens its own
case (or links an existing one), both cases hang off the report and are linked on the
record, a repeat click changes nothing, and nobody ever sees a server error."""

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caselink.store.db import Database
from caselink.store.models import Case, LedgerEntry, PersonRecord, ReportAction
from caselink.web.app import create_app
from tests.support.ledger_check import ledger_problems
from tests.support.reporting import reporting_world
from tests.support.world import World, csrf_from, sign_in

FORM = {
    "reporter_role": "teacher",
    "reporter_setting": "North Primary School",
    "trigger": "child_told",
    "immediate_danger": "no",
    "what_happened": "She told me a man drives her home from school.",
    "child.given_name": "Amy",
    "child.family_name": "Stone",
    "child.postcode": "NO1 2AB",
    "suspects.0.given_name": "Carl",
    "suspects.0.phone": "07700 900123",
}


@pytest.fixture
def world(db: Database) -> World:
    return reporting_world(db)


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    app = create_app(db)
    with TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    ) as c:
        yield c


def _file(client: TestClient, world: World) -> str:
    sign_in(client, world, "teacher")
    page = client.get("/report")
    data = {**FORM, "csrf_token": csrf_from(page.text), "idempotency_key": "shared-1"}
    data["learned_on"] = date.today().isoformat()
    sent = client.post("/report", data=data)
    assert sent.status_code == 303, sent.text
    client.cookies.clear()
    return sent.headers["location"].split("/")[2]


def _open(client: TestClient, world: World, username: str, reference: str) -> str:
    client.cookies.clear()
    sign_in(client, world, username)
    token = csrf_from(client.get(f"/reports/{reference}").text)
    first = client.post(f"/reports/{reference}/open-case", data={"csrf_token": token})
    assert first.status_code == 303, first.text
    # The same click again (a double click, or the back button): the same case, no error.
    again = client.post(f"/reports/{reference}/open-case", data={"csrf_token": token})
    assert again.status_code == 303, again.text
    return client.get(f"/reports/{reference}").text


def test_the_police_and_the_council_each_open_their_own_case(
    client: TestClient, world: World, db: Database
) -> None:
    reference = _file(client, world)
    police_page = _open(client, world, "officer-n", reference)
    assert "Open a new case" not in police_page, "an agency with a case is not offered another"
    council_page = _open(client, world, "social-n", reference)
    assert "Open a new case" not in council_page
    with db.transaction() as s:
        cases = s.scalars(
            select(Case).where(Case.origin_report_id.is_not(None)).order_by(Case.id)
        ).all()
        assert len(cases) == 2, "one case per agency, whatever the number of clicks"
        police, council = cases
        assert police.origin_report_id == council.origin_report_id is not None
        opened = s.scalar(
            select(func.count()).where(ReportAction.kind == "open_case").select_from(ReportAction)
        )
        assert opened == 2
        # Each case has its own person records for the report's two people.
        assert s.scalar(select(func.count()).where(PersonRecord.source == "caselink-report")) == 4
        links = s.scalars(
            select(LedgerEntry.reason).where(
                LedgerEntry.object_type == "case",
                LedgerEntry.object_id == council.reference,
                LedgerEntry.action == "link",
            )
        ).all()
        assert links == [f"same report {reference} as case {police.reference}"]
    client.cookies.clear()
    sign_in(client, world, "officer-n")
    police_page = client.get(f"/reports/{reference}").text
    for page in (police_page, council_page):
        assert police.reference in page and council.reference in page
    assert (
        "Your agency works this report in case "
        f'<a class="govuk-link" href="/cases/{council.reference}"' in council_page
    )
    assert ledger_problems(db) == []


def test_linking_an_existing_case_twice_records_it_once(
    client: TestClient, world: World, db: Database
) -> None:
    reference = _file(client, world)
    _open(client, world, "officer-n", reference)
    with db.transaction() as s:
        police = s.scalars(select(Case).where(Case.origin_report_id.is_not(None))).one().reference
    client.cookies.clear()
    sign_in(client, world, "officer-n")
    token = csrf_from(client.get(f"/reports/{reference}").text)
    for _ in range(2):
        linked = client.post(
            f"/reports/{reference}/link-case", data={"csrf_token": token, "case_reference": police}
        )
        assert linked.status_code == 303, linked.text
    with db.transaction() as s:
        assert (
            s.scalar(
                select(func.count())
                .where(ReportAction.kind == "link_case")
                .select_from(ReportAction)
            )
            == 0
        ), "the agency's own case is already this report's: nothing to add"


def test_two_clicks_at_the_same_moment_open_one_case(db: Database, world: World) -> None:
    """Two requests opening a case from the same report at once (a double click reaching two
    workers): the second waits for the first and gets its case back."""
    import threading

    from caselink.reporting import actions, intake
    from caselink.store.models import Report
    from tests.support.reporting import DUTY, checked, principal

    officer = principal(db, world, "teacher")
    with db.transaction() as s:
        filed = intake.file_report(s, officer, checked(), DUTY)
    police = principal(db, world, "officer-n")
    start = threading.Barrier(2, timeout=30)
    opened: list[str] = []
    failed: list[BaseException] = []

    def click() -> None:
        try:
            with db.transaction() as s:
                report = s.get(Report, filed.report_id)
                assert report is not None
                start.wait()
                opened.append(actions.open_case(s, police, report).reference)
        except BaseException as error:  # reported below, not lost in the thread
            failed.append(error)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failed, failed
    assert len(opened) == 2 and opened[0] == opened[1]
    with db.transaction() as s:
        count = s.scalar(
            select(func.count()).select_from(Case).where(Case.origin_report_id == filed.report_id)
        )
    assert count == 1
