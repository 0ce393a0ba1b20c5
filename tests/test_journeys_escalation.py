"""Journey 3 in a real browser: a report nobody acknowledges runs past its clock; the worker
(the same pass `caselink worker` runs, with its clock set past the deadline) escalates it to
the duty officers and then to their supervisor, mailing them over real SMTP; the supervisor
signs in, sees the alert and the overdue, escalated report in the inbox, and opens it."""

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from caselink.access.accounts import create_user
from caselink.domain import Role
from caselink.reporting import intake
from caselink.reporting.clock import utcnow
from caselink.reporting.mail import SmtpSender
from caselink.reporting.worker import run_once
from caselink.store.db import Database
from caselink.store.models import Agency, LedgerEntry, User
from tests.support.a11y import check_page
from tests.support.browser import screenshots, served, sign_in
from tests.support.reporting import DUTY, checked, principal, reporting_world
from tests.support.smtp import smtp_server
from tests.support.world import BY, PASSWORD, World


def add_supervisor(db: Database, world: World) -> None:
    """A sergeant in officer-n's own force who supervises officer-n."""
    secret = pyotp.random_base32()
    with db.transaction() as s:
        agency = s.scalar(select(Agency).where(Agency.code == "POL-N"))
        sergeant = create_user(
            s,
            "sergeant-n",
            "Sergeant North",
            "sergeant-n@example.org",
            Role.SAFEGUARDING_OFFICER,
            PASSWORD,
            agency,
            BY,
            totp_secret=secret,
        )
        officer = s.get(User, world.users["officer-n"])
        assert officer is not None
        officer.supervisor_id = sergeant.id
    world.users["sergeant-n"], world.secrets["sergeant-n"] = sergeant.id, secret


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, World, Database]]:
    db = journey_db
    world = reporting_world(db)
    add_supervisor(db, world)
    with served(db) as base:
        yield base, world, db


def test_journey_overdue_report_escalates_and_supervisor_sees_it(
    browser: Browser, site: tuple[str, World, Database]
) -> None:
    base, world, db = site
    filed_at = utcnow() - timedelta(hours=30)  # filed yesterday, never acknowledged
    with db.transaction() as s:
        filed = intake.file_report(
            s, principal(db, world, "teacher"), checked(), DUTY, now=filed_at
        )
    # 24 hours to acknowledge, then 4 more before the supervisors are told: 28 h < 30 h.
    with smtp_server() as (mailbox, port):
        # The configured signing key, as `caselink worker` uses: the journey's closing
        # `ledger verify` checks the checkpoint it signs.
        key = Path(os.environ["CASELINK_LEDGER_KEY"])
        done = run_once(db, DUTY, SmtpSender("127.0.0.1", port), key)
        assert done.escalated == 4  # police and council routes, levels 1 and 2
        assert done.mail_failed == 0 and done.mailed == len(mailbox.messages)
        to_sergeant = [m for m in mailbox.messages if m["To"] == "sergeant-n@example.org"]
    subjects = sorted(str(m["Subject"]) for m in to_sergeant)
    assert subjects == [
        f"Overdue report {filed.reference}: escalated to duty officers",
        f"Overdue report {filed.reference}: escalated to supervisors",
    ]
    with db.transaction() as s:
        steps = s.scalars(
            select(LedgerEntry.reason).where(
                LedgerEntry.action == "escalate", LedgerEntry.object_id == filed.reference
            )
        ).all()
    assert sorted(steps) == ["level 1: duty officers"] * 2 + ["level 2: supervisors"] * 2

    shots = screenshots("03-overdue-report-escalates")
    page = browser.new_page()
    sign_in(page, base, "sergeant-n", world.secrets["sergeant-n"])
    banner = page.get_by_role("region", name="Important")
    expect(banner).to_contain_text("You have 2 alerts")
    check_page(page, "home")
    page.screenshot(path=shots / "1-home.png", full_page=True)

    banner.get_by_role("link", name="View alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
    expect(page.get_by_text("Escalated to supervisors.")).to_be_visible()
    check_page(page, "alerts")
    page.screenshot(path=shots / "2-alerts.png", full_page=True)

    page.get_by_role("link", name="Reports inbox").first.click()
    row = page.get_by_role("row").filter(has_text=filed.reference)
    expect(row).to_contain_text("Overdue by")
    expect(row).to_contain_text("Escalated to level 2 of 3")
    check_page(page, "inbox")
    page.screenshot(path=shots / "3-inbox.png", full_page=True)

    row.get_by_role("link", name=filed.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(filed.reference)
    expect(page.get_by_text("Escalated to level 2 of 3").first).to_be_visible()
    check_page(page, "report")
    page.screenshot(path=shots / "4-report.png", full_page=True)
    # The supervisor can act on it at once.
    page.get_by_role("button", name="Acknowledge the report").click()
    expect(page.get_by_text("You acknowledged the report.")).to_be_visible()
    check_page(page, "acknowledged")
