"""Issue 17 in a real browser: one child, every agency.

An officer opens a case from a report and sees the child's school, health and children's
services records side by side and the chronology; a social worker in the same child
protection team sees the same person; an officer from another area is told "page not
found" and the refusal is ledgered; a record its holder marked "not shared" shows only that
it exists. axe on every new page, at desktop width and at 320 px. Screenshots in
test-artifacts/17-one-child-every-agency/ (the README's tour uses 2-joined-up-record.png)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from caselink.access.sessions import utcnow
from caselink.reporting import intake
from caselink.store.db import Database
from caselink.store.models import (
    Area,
    LedgerEntry,
    PersonRecord,
    PostcodeDistrict,
    Report,
)
from tests.support.a11y import PHONE, check_page, phone
from tests.support.browser import screenshots, served, sign_in
from tests.support.people import PeopleWorld, build, principal
from tests.support.reporting import DUTY, checked

CHILD = {
    "child__given_name": "Lily",
    "child__family_name": "Owusu",
    "child__date_of_birth": "2011-04-03",
    "child__postcode": "NM4 2AB",
}
OTHER_AGENCIES = (
    "Oakfield Academy",
    "Northmoor Hospitals NHS Trust",
    "Brackley Children's Services",
)


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, PeopleWorld, Database]]:
    db = journey_db
    world = build(db)
    with db.transaction() as s:
        areas = {a.code: a.id for a in s.scalars(select(Area))}
        s.add(
            PostcodeDistrict(
                district="NM4", local_authority_id=areas["LA-N1"], force_area_id=areas["F-NORTH"]
            )
        )
    with served(db) as base:
        yield base, world, db


def both_widths(page: Page, label: str) -> None:
    """axe and no sideways scrolling at the page's width and at 320 px."""
    width = page.viewport_size
    check_page(page, label)
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    check_page(page, f"{label} at 320 px")
    if width:
        page.set_viewport_size(width)


def link_new_record_to_the_child(db: Database, world: PeopleWorld, reference: str) -> None:
    """What `caselink link --store` decides for the case's new record of the child (same
    name, date of birth and address as the police's record): it joins her person. Set here
    directly; the linkage itself is tested in test_linkage_store.py."""
    with db.transaction() as s:
        report_id = s.scalar(select(Report.id).where(Report.reference == reference))
        new = s.scalar(
            select(PersonRecord).where(
                PersonRecord.record_id.like(f"{reference}-%"),
                PersonRecord.family_name == "Owusu",
            )
        )
        assert report_id is not None and new is not None
        new.person_id = world.persons["child"]


def test_journey_one_child_every_agency(
    browser: Browser, site: tuple[str, PeopleWorld, Database]
) -> None:
    base, world, db = site
    child = world.persons["child"]
    with db.transaction() as s:
        filed = intake.file_report(s, principal(db, "teacher"), checked(**CHILD), DUTY)
    shots = screenshots("17-one-child-every-agency")

    # The officer opens a case from the report.
    officer = browser.new_page()
    sign_in(officer, base, "officer-n", world.secrets["officer-n"])
    officer.goto(f"{base}/reports/{filed.reference}")
    officer.get_by_role("button", name="Acknowledge the report").click()
    expect(officer.get_by_text("You acknowledged the report.")).to_be_visible()
    officer.get_by_text("Add it to a case").click()
    officer.get_by_role("button", name="Open a new case").click()
    expect(officer.get_by_text("A case was opened from the report.")).to_be_visible()
    link_new_record_to_the_child(db, world, filed.reference)
    officer.locator("#history").get_by_role("link").first.click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Case")
    officer.screenshot(path=shots / "1-case-from-report.png", full_page=True)
    officer.get_by_role("link", name="Lily Owusu").click()
    officer.get_by_role("link", name="Records from every agency about this person").click()

    # The joined-up record: the school's, the NHS trust's and children's services' records.
    expect(officer.get_by_role("heading", level=1)).to_have_text("Lily Owusu")
    cards = officer.locator(".govuk-summary-card__title")
    expect(cards.filter(has_text="Northmoor Police")).to_have_count(2)  # and the report's
    for agency in OTHER_AGENCIES:
        expect(cards.filter(has_text=agency)).to_have_count(1)
    expect(officer.get_by_text("943 476 5919")).to_be_visible()
    expect(officer.locator("table").first).to_contain_text("4 March 2011")  # what differs
    roles = officer.get_by_role("table", name="Cases and reports this person is in")
    expect(roles).to_contain_text("victim")
    expect(roles).to_contain_text("witness")
    expect(roles).to_contain_text(filed.reference)
    both_widths(officer, "joined-up record")
    officer.screenshot(path=shots / "2-joined-up-record.png", full_page=True)

    officer.get_by_role("link", name="Chronology from every agency").click()
    table = officer.locator("#chronology")
    for agency in OTHER_AGENCIES:
        expect(table).to_contain_text(agency)
    expect(table).to_contain_text("Missing episode")
    both_widths(officer, "chronology")
    officer.screenshot(path=shots / "3-chronology.png", full_page=True)
    officer.get_by_label("Agency").select_option("Oakfield Academy")
    officer.get_by_role("button", name="Filter").click()
    expect(table).not_to_contain_text("Northmoor Police")
    officer.goto(f"{base}/people/{child}/chronology/print")
    both_widths(officer, "chronology print view")

    # A social worker in the same team sees the same person (on a phone).
    social = phone(browser)
    sign_in(social, base, "social-n", world.secrets["social-n"])
    social.goto(f"{base}/people/{child}")
    titles = social.locator(".govuk-summary-card__title")
    expect(titles.filter(has_text="Northmoor Police")).to_have_count(2)
    for agency in OTHER_AGENCIES:
        expect(titles.filter(has_text=agency)).to_have_count(1)
    check_page(social, "joined-up record, social worker, 320 px")

    # An officer from another area: not found, and the refusal is on the record.
    south = browser.new_page()
    sign_in(south, base, "officer-s", world.secrets["officer-s"])
    answer = south.goto(f"{base}/people/{child}")
    assert answer is not None and answer.status == 404
    expect(south.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(south.get_by_text("Owusu")).to_have_count(0)
    check_page(south, "person not found")
    with db.transaction() as s:
        refused = s.scalars(
            select(LedgerEntry.object_id).where(
                LedgerEntry.actor == "officer-s",
                LedgerEntry.action == "attempt",
                LedgerEntry.object_type == "person",
            )
        ).all()
    assert refused == [str(child)]

    # The NHS trust decides its record is not shared; the team sees only that it exists.
    nurse = phone(browser)
    sign_in(nurse, base, "nurse-n", world.secrets["nurse-n"])
    nurse.goto(f"{base}/people/{child}")
    nurse.get_by_role("link", name="Sharing of the Northmoor Hospitals NHS Trust record").click()
    check_page(nurse, "sharing form, 320 px")
    nurse.get_by_role("button", name="Do not share the record").click()
    expect(nurse.locator(".govuk-error-summary")).to_contain_text("Explain why sharing")
    check_page(nurse, "sharing form with an error, 320 px")
    nurse.get_by_label("Why would sharing be more detrimental").fill(
        "Sharing now would alert a parent who poses a risk to the child"
    )
    nurse.get_by_label("When will you review this decision?").fill(
        (utcnow() + timedelta(days=60)).strftime("%d/%m/%Y")
    )
    nurse.get_by_label("Who should the team contact").fill("Duty safeguarding nurse, 0113 496 0000")
    nurse.get_by_role("button", name="Do not share the record").click()
    expect(nurse.get_by_role("heading", level=1)).to_have_text("Lily Owusu")

    officer.goto(f"{base}/people/{child}")
    notice = officer.locator("[data-withheld]")
    expect(notice).to_contain_text(
        "A record exists at Northmoor Hospitals NHS Trust, not shared since"
    )
    expect(notice).to_contain_text("Duty safeguarding nurse, 0113 496 0000")
    expect(
        officer.locator(".govuk-summary-card__title").filter(has_text="Northmoor Hospitals")
    ).to_have_count(0)
    expect(officer.get_by_text("943 476 5919")).to_have_count(0)
    expect(officer.get_by_text("Sharing now would alert")).to_have_count(0)  # not the reason
    both_widths(officer, "joined-up record with a record not shared")
    officer.screenshot(path=shots / "4-record-not-shared.png", full_page=True)

    inspector = browser.new_page()
    sign_in(inspector, base, "inspector", world.secrets["inspector"])
    inspector.goto(f"{base}/oversight/sharing")
    expect(inspector.get_by_text("Sharing now would alert a parent")).to_be_visible()
    expect(inspector.get_by_text("Brackley child protection team")).to_be_visible()
    both_widths(inspector, "oversight: teams and records not shared")
