"""Journeys in a real browser: a teacher files a report and gets a receipt; a police officer
signs in with a second factor, finds it in the inbox, acknowledges it and opens a case.
Screenshots of each step are kept in test-artifacts/."""

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from caselink.reporting import intake
from caselink.store.db import Database
from tests.support.browser import screenshots, served, sign_in
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.world import World


@pytest.fixture
def site(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, World, Database]]:
    path = tmp_path / "journey.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    world = reporting_world(db)
    with served(db) as base:
        yield base, world, db
    db.dispose()


def test_journey_teacher_files_a_report(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, _ = site
    shots = screenshots("01-teacher-files-a-report")
    page = browser.new_page()
    sign_in(page, base, "teacher", world.secrets["teacher"])
    page.get_by_role("link", name="Make a report").first.click()
    expect(page.get_by_text("If a child is in immediate danger, call 999 now")).to_be_visible()
    page.screenshot(path=shots / "1-form.png", full_page=True)
    # Sent empty: the error summary names each field, and links to it.
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("alert")).to_contain_text("Select your role")
    page.screenshot(path=shots / "2-errors.png", full_page=True)
    page.get_by_label("Your role").select_option("teacher")
    page.get_by_label("Where you work").fill("North Primary School")
    page.locator("#immediate_danger-2").check()  # No
    page.get_by_label("The child told me").check()
    page.get_by_label("When did you find out?").fill(date.today().isoformat())
    page.get_by_label("What do you know or what did you see?").fill(
        "In class she told me a man from the takeaway drives her to parties."
    )
    page.locator("#child-given_name").fill("Amy")
    page.locator("#child-family_name").fill("Stone")
    page.locator("#child-postcode").fill("NO1 2AB")
    page.locator("#suspects-0-given_name").fill("Carl")
    page.locator("#suspects-0-vehicle").fill("AB12 CDE")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Report sent")).to_be_visible()
    reference = page.locator("#reference").inner_text()
    assert reference.startswith("MR-")
    expect(page.locator("#sent-to")).to_contain_text("POL-N agency")
    page.screenshot(path=shots / "3-receipt.png", full_page=True)
    page.get_by_role("link", name="All your reports").click()
    expect(page.get_by_role("table")).to_contain_text(reference)


def test_journey_officer_acknowledges_and_opens_a_case(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, db = site
    with db.transaction() as s:
        filed = intake.file_report(s, principal(db, world, "teacher"), checked(), DUTY)
    shots = screenshots("02-officer-acknowledges-a-report")
    page = browser.new_page()
    sign_in(page, base, "officer-n", world.secrets["officer-n"])
    page.get_by_role("link", name="Reports inbox").first.click()
    expect(page.get_by_role("table")).to_contain_text(filed.reference)
    page.screenshot(path=shots / "1-inbox.png", full_page=True)
    page.get_by_role("link", name=filed.reference).click()
    page.get_by_role("button", name="Acknowledge the report").click()
    expect(page.get_by_text("You acknowledged the report.")).to_be_visible()
    page.get_by_text("Add it to a case").click()
    page.get_by_role("button", name="Open a new case").click()
    expect(page.get_by_text("A case was opened from the report.")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Case opened")
    page.screenshot(path=shots / "2-case-opened.png", full_page=True)
