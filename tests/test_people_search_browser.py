"""Finding a person in a real browser: the force's analyst (who reads records across the
force; an officer reads their agency's and their team's caseload) searches by name in the
other order, by a date of birth as people type it and by an NHS number; sees the strongest
match first with why it matched; a mistyped NHS number is refused with the reason; axe
finds nothing serious, on a desktop and at 320 px. The records come through the ordinary
loader, so the test also shows that a loaded record is findable at once."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.store.db import Database
from caselink.store.models import Agency
from tests.support.a11y import PHONE, check_page
from tests.support.browser import screenshots, served, sign_in
from tests.support.linkage import PEOPLE, load_world
from tests.support.world import BY, PASSWORD


@dataclass
class Site:
    base: str
    secret: str


@pytest.fixture
def site(journey_db: Database, tmp_path: Path) -> Iterator[Site]:
    load_world(journey_db, tmp_path, PEOPLE)  # Elizabeth Marsh at police, school and NHS
    secret = pyotp.random_base32()
    with journey_db.transaction() as s:
        agency = s.scalar(select(Agency).where(Agency.code == "POL-NM"))
        create_user(
            s,
            "analyst-nm",
            "Analyst Northmoor",
            "analyst-nm@example.org",
            Role.ANALYST,
            PASSWORD,
            agency,
            BY,
            totp_secret=secret,
        )
    with served(journey_db) as base:
        yield Site(base, secret)


def _search(page: Page, text: str) -> None:
    page.get_by_label("Find a person").fill(text)
    page.get_by_role("button", name="Search").click()


def test_an_analyst_finds_a_child_and_sees_why(browser: Browser, site: Site) -> None:
    shots = screenshots("people-search")
    page = browser.new_page()
    sign_in(page, site.base, "analyst-nm", site.secret)  # once: a code cannot be used twice
    for label, size in (("desktop", {"width": 1280, "height": 800}), ("phone", PHONE)):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        page.goto(f"{site.base}/home")
        page.get_by_role("link", name="Find a person").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
        check_page(page, f"empty search, {label}")

        _search(page, "Marsh Liz 4/3/2010")
        results = page.locator("#people-found > li")
        expect(results.first.get_by_role("link")).to_have_text("Liz Marsh")
        expect(results.first).to_contain_text("same date of birth")
        expect(results.first).to_contain_text("name Marsh")
        expect(results.first).to_contain_text("4 March 2010")
        check_page(page, f"results, {label}")
        page.screenshot(path=shots / f"1-results-{label}.png", full_page=True)

        _search(page, "943 476 5918")
        expect(page.get_by_role("alert")).to_contain_text(
            "The NHS number 943 476 5918 fails its check digit"
        )
        expect(page.locator("#people-found")).to_have_count(0)
        check_page(page, f"refused NHS number, {label}")
        page.screenshot(path=shots / f"2-nhs-refused-{label}.png", full_page=True)

        _search(page, "9434765919")
        first = page.locator("#people-found > li").first
        expect(first).to_contain_text("same NHS number")
        expect(first).to_contain_text("Marsh")
    page.close()
