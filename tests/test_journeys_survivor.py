"""Journey 8 in a real browser: a survivor signs in (password and security code), follows her
case — status, decisions, her contact, the updates she is owed — asks for the decision not to
charge to be reviewed and sees the confirmation. Again using the keyboard only, and again on a
320 px wide phone; every page is checked with axe-core and for sideways scrolling."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from caselink.ledger import Actor
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.survivors import updates, victims_code
from tests.support.a11y import check_page, phone
from tests.support.browser import screenshots, served, sign_in
from tests.support.survivors import build_portal
from tests.support.world import PASSWORD, World


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, World]]:
    db = journey_db
    world = build_portal(db, utcnow()).world
    with db.transaction() as s:
        by = Actor("officer-n", world.users["officer-n"], "POL-N")
        for kind, day in (("arrest", date(2026, 3, 3)), ("interview", date(2026, 3, 3))):
            updates.record_event(
                s, victims_code.load(), by, world.cases["NORTH/1"], kind, day, utcnow()
            )
    with served(db) as base:
        yield base, world


def _follow_and_ask(page: Page, shots: Path) -> None:
    """From the signed-in home page: open the case, read it, ask for a review (empty first)."""
    page.get_by_role("link", name="My case").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your case")
    expect(page.locator("#case-status")).to_have_text("Closed with no further action")
    expect(page.locator("#updates")).to_contain_text("The person suspected was arrested on 3 March")
    expect(page.locator("#contact")).to_contain_text("Officer-N")
    check_page(page, "my case")
    page.screenshot(path=shots / "1-my-case.png", full_page=True)
    page.get_by_role("button", name="Ask for the decision to be reviewed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for the decision to be reviewed")
    check_page(page, "review form")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter why you think the decision")
    check_page(page, "review form with an error")
    page.screenshot(path=shots / "2-error.png", full_page=True)
    page.get_by_label("Why do you think the decision should be reviewed?").fill(
        "The officer never spoke to my friend who saw what happened."
    )
    page.get_by_role("button", name="Send request").click()
    _confirmed(page, shots)


def _confirmed(page: Page, shots: Path) -> None:
    expect(page.get_by_role("alert")).to_contain_text("Your request for a review has been sent")
    assert page.locator("#request-reference").inner_text().startswith("VRR-")
    check_page(page, "confirmation")
    page.screenshot(path=shots / "3-confirmation.png", full_page=True)


def test_journey_survivor_follows_case_and_requests_review(
    browser: Browser, site: tuple[str, World]
) -> None:
    base, world = site
    shots = screenshots("08-survivor-follows-case")
    page = browser.new_page()
    sign_in(page, base, "survivor", world.secrets["survivor"])
    _follow_and_ask(page, shots)
    page.close()


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_journey_survivor_keyboard_only(browser: Browser, site: tuple[str, World]) -> None:
    base, world = site
    shots = screenshots("08-survivor-keyboard-only")
    page = browser.new_page()
    page.goto(f"{base}/sign-in")
    _tab_to(page, "#username")
    page.keyboard.type("survivor")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Security code")).to_be_visible()
    _tab_to(page, "input[name=code]")
    page.keyboard.type(pyotp.TOTP(world.secrets["survivor"]).now())
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    _tab_to(page, "a[href='/my-case']")
    page.keyboard.press("Enter")
    expect(page.locator("#case-status")).to_have_text("Closed with no further action")
    check_page(page, "my case (keyboard)")
    _tab_to(page, "#ask-for-review")
    page.keyboard.press("Space")  # a link styled as a button answers Space, as a button does
    page.wait_for_url("**/my-case/review")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for the decision to be reviewed")
    _tab_to(page, "#reason")
    page.keyboard.type("Nobody asked me what happened after I moved school.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    _confirmed(page, shots)
    page.close()


def test_journey_survivor_on_a_phone(browser: Browser, site: tuple[str, World]) -> None:
    base, world = site
    shots = screenshots("08-survivor-on-a-phone")
    page = phone(browser)
    sign_in(page, base, "survivor", world.secrets["survivor"])
    check_page(page, "home on a phone")
    page.goto(f"{base}/my-case")
    check_page(page, "my case on a phone")
    page.screenshot(path=shots / "1-my-case.png", full_page=True)
    page.get_by_role("button", name="Ask for the decision to be reviewed").click()
    check_page(page, "review form on a phone")
    page.get_by_label("Why do you think the decision should be reviewed?").fill(
        "Please look again."
    )
    page.get_by_role("button", name="Send request").click()
    _confirmed(page, shots)
    page.close()
