"""Journey 6 in a real browser: a case reviewer signs in with a second factor, imports a force's
closed cases (a bad file first: every problem listed, nothing stored), takes the top of the
priority queue, proposes "no action" on a high-priority case, a second reviewer approves it, and
the first sees the progress. axe-core checks every page; the import pages are checked again at
phone width. Screenshots of each step are kept in test-artifacts/."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from caselink.review.importing import import_file
from caselink.store.db import Database
from tests.support.a11y import PHONE, check_page
from tests.support.browser import screenshots, served, sign_in
from tests.support.review import ROWS, add_reviewer, write_cases
from tests.support.world import World, build

# An import reads, checks, stores and scores the file: on a busy CI machine that can take
# longer than Playwright's default five seconds.
SLOW = 30_000


@pytest.fixture
def site(journey_db: Database, tmp_path: Path) -> Iterator[tuple[str, World, Database]]:
    db = journey_db
    world = build(db)
    add_reviewer(db, world)
    # One of the force's cases came in earlier, from another file.
    import_file(db, write_cases(tmp_path / "earlier.csv", {"REV/2": ROWS["REV/2"]}))
    with served(db) as base:
        yield base, world, db


def _upload(page: Page, file: Path) -> None:
    page.get_by_label("Upload a closed-case file").set_input_files(file)
    page.get_by_role("button", name="Import the cases").click()


def test_journey_case_reviewer_imports_and_works_the_queue(
    browser: Browser, site: tuple[str, World, Database], tmp_path: Path
) -> None:
    base, world, _ = site
    shots = screenshots("06-case-reviewer-imports-and-works-the-queue")
    bad = write_cases(
        tmp_path / "north-closed-cases.csv",
        {**ROWS, "REV/2": {**ROWS["REV/2"], "closed_on": "2012-13-40"}},
    )
    good = write_cases(tmp_path / "north-and-south-closed-cases.csv")

    page = browser.new_page()
    sign_in(page, base, "reviewer", world.secrets["reviewer"])
    check_page(page, "home")
    page.get_by_role("link", name="Case review").first.click()
    expect(page.locator("#queue-none")).to_contain_text("No scored, unreviewed cases")
    check_page(page, "empty queue")
    page.locator("#queue-none").get_by_role("link", name="Import a closed-case file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import closed cases")
    check_page(page, "import form")
    page.screenshot(path=shots / "1-import-form.png", full_page=True)

    # A file with a bad date: the problem is named by line and column; nothing is imported.
    _upload(page, bad)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("north-closed-cases.csv has 1 problem", timeout=SLOW)
    expect(summary).to_contain_text("Line 3, closed_on: '2012-13-40' is not a real calendar date")
    check_page(page, "import errors")
    page.screenshot(path=shots / "2-import-errors.png", full_page=True)

    _upload(page, good)
    expect(page.locator("#imported")).to_have_text(
        "2 cases imported, 1 already present", timeout=SLOW
    )
    check_page(page, "import result")
    page.screenshot(path=shots / "3-imported.png", full_page=True)

    page.get_by_role("link", name="Go to the review queue").click()
    queue = page.locator("#queue")
    expect(queue.locator("tbody tr").first).to_contain_text("REV/1")
    expect(queue).to_contain_text("High")
    check_page(page, "queue")
    page.screenshot(path=shots / "4-queue.png", full_page=True)

    page.get_by_role("button", name="Take the next case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("REV/1")
    expect(page.locator("#factors")).to_contain_text("Closure reason that should not apply")
    check_page(page, "case")
    page.screenshot(path=shots / "5-case.png", full_page=True)
    # Sent with no reason: the error summary says what is missing.
    page.get_by_label("No action").check()
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the reason")
    check_page(page, "outcome errors")
    page.get_by_label("Your reason").fill("Victim declined any contact through her ISVA.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("awaiting approval")
    check_page(page, "awaiting approval")
    page.screenshot(path=shots / "6-awaiting-approval.png", full_page=True)

    # A high-priority case closed with no action needs a second reviewer.
    second = browser.new_page()
    sign_in(second, base, "reviewer-2", world.secrets["reviewer-2"])
    second.goto(f"{base}/review")
    check_page(second, "second reviewer's queue")
    second.locator("#to-approve").get_by_role("link", name="REV/1").click()
    second.get_by_label("Approve: the case is closed with no action").check()
    second.locator("#approval_reason").fill("Read the ISVA's note; I agree no action.")
    second.get_by_role("button", name="Record my decision").click()
    expect(second.get_by_role("heading", level=1)).to_contain_text("reviewed")
    check_page(second, "approved")
    second.screenshot(path=shots / "7-approved.png", full_page=True)
    second.close()

    page.goto(f"{base}/review")
    page.get_by_role("link", name="Progress of the review").click()
    expect(page.locator("#headline")).to_contain_text("3 cases under review")
    expect(page.locator("#headline")).to_contain_text("1 reviewed")
    check_page(page, "progress")
    page.screenshot(path=shots / "8-progress.png", full_page=True)

    # The import pages on a small phone: no sideways scrolling, nothing axe finds serious.
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    page.goto(f"{base}/review/import")
    expect(page.locator("#imports")).to_contain_text("north-and-south-closed-cases.csv")
    check_page(page, "import form on a phone")
    _upload(page, good)  # the same file again adds nothing
    expect(page.locator("#again")).to_contain_text(
        "This exact file was already imported", timeout=SLOW
    )
    check_page(page, "re-import on a phone")
    page.screenshot(path=shots / "9-reimport-phone.png", full_page=True)
    # The queue, the progress and their references at 320 and 375 px: rows stack, nothing
    # scrolls sideways, and a reference is never broken across lines.
    for width in (320, 375):
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        for path, label in (("/review", "queue"), ("/review/progress", "progress")):
            page.goto(base + path)
            check_page(page, f"{label} at {width} px")
        page.goto(base + "/review")
        reference = page.locator("#queue tbody a").first
        box, line = (
            reference.bounding_box(),
            reference.evaluate("a => parseFloat(getComputedStyle(a).lineHeight)"),
        )
        assert box is not None and box["height"] < 1.5 * line, "the reference stays on one line"
    page.screenshot(path=shots / "10-queue-phone.png", full_page=True)
    page.close()
