"""The two-person rule in a real browser: one administrator asks for a teacher to become an
oversight officer and is shown that it waits for someone else; a second administrator sees
the request on the users page, with who asked and why, and approves it."""

from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.store.db import Database
from caselink.store.models import User
from tests.support.a11y import check_page
from tests.support.browser import screenshots, served, sign_in
from tests.support.world import BY, PASSWORD, World, build


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, World, Database]]:
    db = journey_db
    world = build(db)
    secret = pyotp.random_base32()
    with db.transaction() as s:
        second = create_user(
            s, "admin2", "Admin Two", "admin2@example.org", Role.ADMINISTRATOR, PASSWORD,
            None, BY, totp_secret=secret,
        )  # fmt: skip
        world.users["admin2"], world.secrets["admin2"] = second.id, secret
    with served(db) as base:
        yield base, world, db


def test_journey_a_role_that_reads_cases_waits_for_a_second_administrator(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, db = site
    shots = screenshots("role-approval")
    first = browser.new_context().new_page()
    sign_in(first, base, "admin", world.secrets["admin"])
    first.goto(f"{base}/admin/users")
    first.get_by_label("Role of teacher").select_option("oversight_officer")
    first.get_by_label("Reason for changing teacher").fill("Joining the inspectorate")
    first.get_by_role("button", name="Save teacher").click()
    expect(first.get_by_text("needs a second administrator's approval")).to_be_visible()
    expect(first.get_by_text("Waiting for another administrator")).to_be_visible()
    expect(first.get_by_role("button", name="Approve teacher as oversight officer")).to_have_count(
        0
    )
    first.screenshot(path=shots / "1-asked.png", full_page=True)
    check_page(first, "users page, request waiting")

    second = browser.new_context().new_page()
    sign_in(second, base, "admin2", world.secrets["admin2"])
    second.goto(f"{base}/admin/users")
    waiting = second.locator("table").first
    expect(waiting).to_contain_text("Teacher (teacher)")
    expect(waiting).to_contain_text("oversight officer, now reporter")
    expect(waiting).to_contain_text("Joining the inspectorate")
    expect(waiting).to_contain_text("Admin on ")
    second.screenshot(path=shots / "2-to-decide.png", full_page=True)
    check_page(second, "users page, request to decide")
    second.get_by_role("button", name="Approve teacher as oversight officer").click()
    expect(second.get_by_text("Request for teacher approved.")).to_be_visible()
    expect(second.get_by_text("No roles are waiting for approval.")).to_be_visible()
    with db.transaction() as s:
        teacher = s.get(User, world.users["teacher"])
        assert teacher is not None and teacher.role == "oversight_officer"
