"""Journeys in a real browser: a teacher files a report and gets a receipt (with a mouse, on a
320 px phone, and with the keyboard alone); a police officer signs in with a second factor,
finds it in the inbox, acknowledges it and opens a case (on a desktop and on a phone).
axe-core checks every page; screenshots of each step are kept in test-artifacts/."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from caselink.reporting import intake
from caselink.store.db import Database
from caselink.store.models import Case, CaseParticipant
from tests.support.a11y import check_page, phone
from tests.support.browser import screenshots, served, sign_in
from tests.support.ledger import ledger_verify
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.world import PASSWORD, World


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, World, Database]]:
    db = journey_db
    world = reporting_world(db)
    with served(db) as base:
        yield base, world, db


def file_a_report(page: Page, base: str, world: World, shots: Path) -> str:
    sign_in(page, base, "teacher", world.secrets["teacher"])
    check_page(page, "home")
    page.get_by_role("main").get_by_role("link", name="Make a report").click()
    expect(page.get_by_text("If a child is in immediate danger, call 999 now")).to_be_visible()
    check_page(page, "form")
    page.screenshot(path=shots / "1-form.png", full_page=True)
    # Sent empty: the error summary names each field, and links to it.
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("alert")).to_contain_text("Select your role")
    check_page(page, "form with errors")
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
    check_page(page, "receipt")
    page.screenshot(path=shots / "3-receipt.png", full_page=True)
    page.get_by_role("link", name="All your reports").click()
    expect(page.locator("main")).to_contain_text(reference)
    check_page(page, "your reports")
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    check_page(page, "your report")
    page.screenshot(path=shots / "4-your-report.png", full_page=True)
    return reference


def test_journey_teacher_files_a_report(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, _ = site
    file_a_report(browser.new_page(), base, world, screenshots("01-teacher-files-a-report"))


def test_journey_teacher_files_a_report_on_a_phone(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, _ = site
    page = phone(browser)
    file_a_report(page, base, world, screenshots("01-teacher-files-a-report-phone"))


def work_a_report(page: Page, base: str, world: World, reference: str, shots: Path) -> None:
    sign_in(page, base, "officer-n", world.secrets["officer-n"])
    check_page(page, "home")
    page.get_by_role("main").get_by_role("link", name="Reports inbox").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Amy Stone")
    check_page(page, "inbox")
    page.screenshot(path=shots / "1-inbox.png", full_page=True)
    row.get_by_role("link", name=reference, exact=True).click()
    check_page(page, "report")
    page.get_by_role("button", name="Acknowledge the report").click()
    expect(page.get_by_text("You acknowledged the report.")).to_be_visible()
    check_page(page, "report acknowledged")
    page.get_by_text("Add it to a case").click()
    check_page(page, "report, add it to a case")
    page.get_by_role("button", name="Open a new case").click()
    expect(page.get_by_text("A case was opened from the report.")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Case opened")
    check_page(page, "case opened")
    page.screenshot(path=shots / "2-case-opened.png", full_page=True)
    page.locator("#history").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case")
    check_page(page, "the new case")
    page.screenshot(path=shots / "3-case.png", full_page=True)


def test_journey_officer_acknowledges_and_opens_a_case(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, db = site
    with db.transaction() as s:
        filed = intake.file_report(s, principal(db, world, "teacher"), checked(), DUTY)
    shots = screenshots("02-officer-acknowledges-a-report")
    work_a_report(browser.new_page(), base, world, filed.reference, shots)


def test_journey_officer_acknowledges_and_opens_a_case_on_a_phone(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, db = site
    with db.transaction() as s:
        filed = intake.file_report(s, principal(db, world, "teacher"), checked(), DUTY)
    shots = screenshots("02-officer-acknowledges-a-report-phone")
    work_a_report(phone(browser), base, world, filed.reference, shots)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_journey_report_to_case_on_postgresql(browser: Browser, db: Database) -> None:
    """Both journeys' writes on the production store (the other journeys run on SQLite): the
    teacher's report, the officer's acknowledgement, the case opened from it with the people
    it names. The ledger then verifies intact, as after every journey."""
    world = reporting_world(db)
    with served(db) as base:
        shots = screenshots("01-02-report-to-case-postgresql")
        reference = file_a_report(browser.new_page(), base, world, shots)
        work_a_report(browser.new_page(), base, world, reference, shots)
    with db.transaction() as s:
        opened = s.scalar(
            select(func.count())
            .select_from(CaseParticipant)
            .join(Case)
            .where(Case.origin_report_id.is_not(None))
        )
    assert opened == 2, "the case has the child and the suspect the report named"
    ledger_verify(db.url)


# --- Keyboard only ----------------------------------------------------------------------

FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {id: '', visible: false};
  const seen = (style) => (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== 'none'
    || style.backgroundColor === 'rgb(255, 221, 0)';
  // Chromium's own date field steps through its parts (day, month, year, calendar button)
  // inside the input, where the page's styles do not reach: its own ring shows there.
  if (el.type === 'date' && !el.matches(':focus')) {
    return {id: el.id, name: '', text: '', visible: true};
  }
  let visible = el.matches(':focus-visible') && seen(getComputedStyle(el));
  if (!visible && el.labels && el.labels.length) {  // radios draw their ring on the label
    visible = seen(getComputedStyle(el.labels[0], '::before'));
  }
  return {id: el.id, name: el.name || '', text: (el.innerText || '').trim(), visible};
}"""


DATE_ORDER = """() => new Intl.DateTimeFormat(undefined, {year: 'numeric', month: '2-digit',
  day: '2-digit'}).formatToParts(new Date()).filter(p => p.type !== 'literal').map(p => p.type)"""


def focused(page: Page) -> dict[str, str | bool]:
    state: dict[str, str | bool] = page.evaluate(FOCUS)
    return state


def tab_to(page: Page, target: str, by: str = "id", limit: int = 60) -> None:
    """Press Tab until the element whose `by` (id, name or text) is `target` has focus,
    checking at each stop that focus can be seen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        assert state["visible"], f"focus cannot be seen on {state}"
        if state[by] == target:
            return
    raise AssertionError(f"Tab never reached {by}={target!r}")


def test_journey_teacher_files_a_report_keyboard_only(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    """The whole journey without a mouse: Tab, Shift+Tab, arrows, Space, Enter and typing."""
    base, world, _ = site
    shots = screenshots("01-teacher-files-a-report-keyboard")
    page = browser.new_page()
    page.goto(f"{base}/sign-in")
    # The first Tab reaches the skip link, which is shown and moves focus to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert focused(page)["visible"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    tab_to(page, "username")
    page.keyboard.type("teacher")
    tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Security code")).to_be_visible()
    tab_to(page, "code")
    page.keyboard.type(pyotp.TOTP(world.secrets["teacher"]).now())
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    tab_to(page, "Make a report", by="text")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a report of child sexual abuse")
    check_page(page, "form")
    tab_to(page, "reporter_role")
    page.keyboard.type("Teacher")  # a closed select takes the option its typing matches
    expect(page.get_by_label("Your role")).to_have_value("teacher")
    tab_to(page, "reporter_setting")
    page.keyboard.type("North Primary School")
    tab_to(page, "immediate_danger")  # Yes, the first radio
    page.keyboard.press("ArrowRight")  # No: arrows move between radios and select them
    expect(page.locator("#immediate_danger-2")).to_be_checked()
    tab_to(page, "trigger")
    page.keyboard.press("Space")
    expect(page.get_by_label("The child told me")).to_be_checked()
    tab_to(page, "learned_on")
    # A date field takes its parts in the order the browser's language writes dates.
    order = page.evaluate(DATE_ORDER)
    parts = {"day": "%d", "month": "%m", "year": "%Y"}
    page.keyboard.type(date.today().strftime("".join(parts[p] for p in order)))
    expect(page.get_by_label("When did you find out?")).to_have_value(date.today().isoformat())
    tab_to(page, "what_happened")
    page.keyboard.type("In class she told me a man from the takeaway drives her to parties.")
    tab_to(page, "child-given_name")
    page.keyboard.type("Amy")
    page.keyboard.press("Tab")
    page.keyboard.type("Stone")
    tab_to(page, "child-postcode")
    page.keyboard.type("NO1 2AB")
    # Shift+Tab goes back: the home address field comes before the postcode.
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "child-address"
    tab_to(page, "suspects-0-given_name")
    page.keyboard.type("Carl")
    tab_to(page, "suspects-0-vehicle")
    page.keyboard.type("AB12 CDE")
    page.screenshot(path=shots / "1-form-filled.png", full_page=True)
    tab_to(page, "Send report", by="text", limit=120)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Report sent")).to_be_visible()
    assert page.locator("#reference").inner_text().startswith("MR-")
    expect(page.locator("#sent-to")).to_contain_text("POL-N agency")
    check_page(page, "receipt")
    page.screenshot(path=shots / "2-receipt.png", full_page=True)
