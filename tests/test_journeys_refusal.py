"""Journey 9 in a real browser: an officer of one force types the addresses of another
force's case, report and person record, is refused each time with a page that says what to
do, and oversight finds every attempt in the ledger. Screenshots in test-artifacts/."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from caselink.reporting import intake
from caselink.store.db import Database
from caselink.store.models import LedgerEntry
from caselink.web.app import create_app
from tests.support.a11y import check_page
from tests.support.browser import screenshots, served, sign_in
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.world import World


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, World, Database]]:
    db = journey_db
    world = reporting_world(db)
    with served(db) as base:
        yield base, world, db


def attempts(db: Database, actor: str) -> set[tuple[str, str]]:
    with db.transaction() as s:
        rows = s.execute(
            select(LedgerEntry.object_type, LedgerEntry.object_id).where(
                LedgerEntry.actor == actor, LedgerEntry.action == "attempt"
            )
        ).all()
    return {(kind, str(number)) for kind, number in rows}


def test_journey_other_force_case_refused_and_ledgered(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, db = site
    with db.transaction() as s:  # a report about a child in the south: sent to POL-S
        south = intake.file_report(
            s, principal(db, world, "teacher"), checked(child__postcode="SO1 2AB"), DUTY
        )
    case_id, record_id = world.cases["SOUTH/1"], world.records["S-SUSPECT"]
    shots = screenshots("09-other-force-refused")
    page = browser.new_page()
    sign_in(page, base, "officer-n", world.secrets["officer-n"])

    # A case of the other force: refused, with break-glass offered (the policy allows it).
    page.goto(f"{base}/cases/SOUTH/1")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("You do not have access to case SOUTH/1")
    expect(page.get_by_text("This attempt to open it has been recorded")).to_be_visible()
    expect(page.get_by_role("button", name="Open this case in an emergency")).to_be_visible()
    expect(page.get_by_text("Summary of SOUTH/1")).to_have_count(0)
    check_page(page, "case refused")
    page.screenshot(path=shots / "1-case-refused.png", full_page=True)

    # A report sent to the other force: refused; ask the agency it went to.
    response = page.goto(f"{base}/reports/{south.reference}")
    assert response is not None and response.status == 403
    expect(heading).to_have_text(f"You do not have access to report {south.reference}")
    expect(page.get_by_text("ask the agency it was sent to")).to_be_visible()
    expect(page.get_by_text("man from the takeaway")).to_have_count(0)
    check_page(page, "report refused")
    page.screenshot(path=shots / "2-report-refused.png", full_page=True)

    # A person record held by the other force.
    response = page.goto(f"{base}/records/{record_id}")
    assert response is not None and response.status == 403
    expect(heading).to_have_text(f"You do not have access to person record {record_id}")
    expect(page.get_by_text("Dean")).to_have_count(0)
    check_page(page, "record refused")
    page.screenshot(path=shots / "3-record-refused.png", full_page=True)

    # An address that is nothing at all: the GOV.UK page, not JSON.
    response = page.goto(f"{base}/cases-typo/SOUTH/1")
    assert response is not None and response.status == 404
    expect(heading).to_have_text("Page not found")
    check_page(page, "not found")
    page.screenshot(path=shots / "4-not-found.png", full_page=True)

    assert attempts(db, "officer-n") == {
        ("case", str(case_id)),
        ("report", south.reference),
        ("person_record", str(record_id)),
    }

    # Oversight finds the attempts in the ledger, by the person's name.
    oversight = browser.new_page()
    sign_in(oversight, base, "inspector", world.secrets["inspector"])
    oversight.get_by_role("link", name="Oversight").first.click()
    oversight.get_by_role("link", name="Ledger history").first.click()
    oversight.get_by_label("Username").fill("officer-n")
    oversight.get_by_role("button", name="Show access").click()
    table = oversight.locator("#history")
    # Shown by the references people use, not row numbers.
    expect(table).to_contain_text("case SOUTH/1")
    expect(table).to_contain_text(f"report {south.reference}")
    expect(table).to_contain_text("person record S-SUSPECT")
    expect(table.get_by_text("attempt", exact=True)).to_have_count(3)
    check_page(oversight, "oversight ledger")
    oversight.screenshot(path=shots / "5-ledger.png", full_page=True)


def test_refused_without_being_told_it_exists(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    """A reporter may not break glass: another's report is simply not found (404), and the
    attempt is still on the record."""
    base, world, db = site
    with db.transaction() as s:
        filed = intake.file_report(s, principal(db, world, "officer-s"), checked(), DUTY)
    page = browser.new_page()
    sign_in(page, base, "teacher", world.secrets["teacher"])
    response = page.goto(f"{base}/reports/{filed.reference}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "report not found")
    assert attempts(db, "teacher") == {("report", filed.reference)}


def test_error_pages_are_govuk_pages_and_the_api_keeps_json(db: Database) -> None:
    client = TestClient(create_app(db), raise_server_exceptions=False)
    for path in ("/no-such-page", "/records/not-a-number", "/static/missing.css"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert "Page not found" in page.text and "govuk-template" in page.text
    assert "cannot be used that way" in client.post("/home").text
    api = client.get("/api/no-such-thing")
    # The body also carries the request id of the log line, as every error response does.
    assert api.status_code == 404 and api.json() == {
        "detail": "Not Found",
        "request_id": api.headers["X-Request-ID"],
    }
    assert client.get("/api/records/not-a-number").status_code in (401, 422)
