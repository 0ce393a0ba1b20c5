"""Journeys in a real browser. Journey 7: an oversight officer signs in with the second
factor, compares forces, filters dates, sees the slow force highlighted with its gap, then
checks the ledger history of a case. Journey 10: an anonymous visitor reads the published
statistics, sees suppressed figures marked and explained, and downloads the CSV.
Screenshots of each step are kept in test-artifacts/; every page is checked with axe-core."""

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from caselink.ledger import Actor
from caselink.statistics import publication
from caselink.statistics.disclosure import Rules
from caselink.statistics.tables import default_period
from caselink.store.db import Database
from tests.support.a11y import check_page, phone
from tests.support.browser import screenshots, served, sign_in
from tests.support.oversight import oversight_world
from tests.support.world import World


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, World, Database]]:
    db = journey_db
    world = oversight_world(db)
    with db.transaction() as s:
        publication.publish(s, Actor("cli:test"), default_period(date.today()), Rules())
    with served(db) as base:
        yield base, world, db


def test_journey_oversight_officer_compares_forces_and_checks_the_ledger(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, _ = site
    shots = screenshots("07-oversight-compares-forces")
    page = browser.new_page()
    sign_in(page, base, "inspector", world.secrets["inspector"])
    check_page(page, "home")
    page.get_by_role("link", name="Oversight").first.click()
    page.get_by_role("link", name="Compare forces").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare police forces")
    check_page(page, "force comparison")
    page.screenshot(path=shots / "1-comparison.png", full_page=True)
    # Only the last four months.
    page.get_by_label("From", exact=True).fill((date.today() - timedelta(days=120)).isoformat())
    page.get_by_label("To", exact=True).fill(date.today().isoformat())
    page.get_by_role("button", name="Show figures").click()
    outliers = page.locator("#outliers")
    expect(outliers).to_contain_text("F-North")
    expect(outliers).to_contain_text("times the national median")
    row = page.locator("#table-time_to_acknowledge tr", has_text="F-North")
    expect(row.get_by_text("Outlier")).to_be_visible()
    expect(page.locator("svg title").first).to_have_text("Time to acknowledge a report")
    check_page(page, "force comparison, filtered")
    page.screenshot(path=shots / "2-filtered-outlier.png", full_page=True)
    # The same page on a phone: no sideways scroll.
    small = phone(browser)
    small.context.add_cookies(page.context.cookies())
    small.goto(page.url)
    check_page(small, "force comparison at 320 px")
    small.screenshot(path=shots / "3-phone.png", full_page=True)
    small.close()
    # Then the ledger: who did what to South's case (North's officer broke glass into it).
    page.get_by_role("link", name="Oversight").first.click()
    page.get_by_role("link", name="Ledger history").first.click()
    check_page(page, "ledger history")
    page.get_by_label("Kind").select_option("case")
    page.get_by_label("Reference").fill("SOUTH/1")  # as the inspector knows it
    page.get_by_role("button", name="Show history").click()
    history = page.locator("#history")
    expect(history).to_contain_text("break glass")
    expect(history).to_contain_text("case SOUTH/1")
    expect(history).to_contain_text("synthetic-police-f-north")
    check_page(page, "ledger history of a case")
    page.screenshot(path=shots / "4-ledger.png", full_page=True)
    # Looking at the comparison is itself on the record.
    page.get_by_label("Username").fill("inspector")
    page.get_by_role("button", name="Show access").click()
    expect(page.locator("#history")).to_contain_text("force comparison")


def test_journey_public_statistics(browser: Browser, site: tuple[str, World, Database]) -> None:
    base, _, _ = site
    shots = screenshots("10-public-statistics")
    page = browser.new_page()
    page.goto(base + "/")
    page.get_by_role("link", name="published statistics").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("statistics")
    check_page(page, "public statistics")
    # Suppressed figures are marked, and the mark is explained.
    table = page.locator("#table-reports_received")
    expect(table.locator("abbr", has_text="[c]").first).to_be_visible()
    expect(page.locator("#about-suppression")).to_contain_text("[c] means confidential")
    expect(page.locator("#about-suppression")).to_contain_text("rounded to the nearest 5")
    page.screenshot(path=shots / "1-statistics.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="All figures (CSV)").click()
    saved = Path(download.value.path())
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("table,row,column,value") and ",[c]" in text
    assert download.value.suggested_filename.endswith(".csv")
    small = phone(browser)
    small.goto(base + "/statistics")
    check_page(small, "public statistics at 320 px")
    small.screenshot(path=shots / "2-phone.png", full_page=True)
    small.close()


def test_the_public_start_page_leads_to_sign_in(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, _, _ = site
    page = browser.new_page()
    page.goto(base + "/")
    check_page(page, "start page")
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    page.close()
