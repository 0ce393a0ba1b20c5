"""In a real browser: an analyst opens a cross-boundary alert, reads why the cases are
connected, and sees the network drawn by Cytoscape.js under the strict CSP, with the date
filter greying out the timeline. Screenshots are kept in test-artifacts/."""

import shutil
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, expect

from caselink.ledger import Actor
from caselink.network.run import run
from caselink.store.db import Database
from tests.support.a11y import check_page
from tests.support.browser import screenshots, served, sign_in
from tests.support.network import build_network_world


def test_journey_analyst_opens_a_network_alert(
    browser: Browser, sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "network.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    world = build_network_world(db)
    with db.transaction() as s:
        run(s, Actor.system("test"))
    shots = screenshots("network-analyst-opens-an-alert")
    problems: list[str] = []
    with served(db) as base:
        page = browser.new_page()

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problems.append(message.text)

        page.on("console", console)
        sign_in(page, base, "analyst-n", world.secrets["analyst-n"])
        page.get_by_role("link", name="Networks").first.click()
        check_page(page, "network alerts")
        page.get_by_role("link", name="Alert 1").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Network alert 1")
        expect(page.get_by_text("Why these cases are connected")).to_be_visible()
        check_page(page, "network alert")
        page.screenshot(path=shots / "1-alert.png", full_page=True)
        page.get_by_role("link", name="See the network drawn").click()
        expect(page.locator("#network-graph canvas").first).to_be_attached()
        page.wait_for_timeout(500)  # the layout settles
        check_page(page, "network drawn")
        page.screenshot(path=shots / "2-network.png", full_page=True)
        page.fill("#network-from", "2024-01-01")
        page.dispatch_event("#network-from", "change")
        expect(page.locator("#network-timeline li.caselink-out-of-range")).to_have_count(2)
        check_page(page, "network filtered")
        page.screenshot(path=shots / "3-filtered.png", full_page=True)
    db.dispose()
    assert problems == [], problems
