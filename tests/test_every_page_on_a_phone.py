"""Every page each role reaches from its menu, and the first item each of those pages lists,
on a 320 px wide phone with axe-core: no serious or critical problem, no sideways scrolling.
The journeys check the pages on their way; this sweep checks the pages they pass by."""

from collections.abc import Iterator
from urllib.parse import urljoin, urlparse

import pytest
from playwright.sync_api import Browser, Page

from caselink.store.db import Database
from tests.support.a11y import check_page, phone
from tests.support.browser import served, sign_in
from tests.support.reporting import reporting_world
from tests.support.world import World

ROLES = ("teacher", "officer-n", "analyst-n", "reviewer", "inspector", "survivor", "admin")
NOT_PAGES = (".csv", ".json", ".svg", "/sign-out")  # downloads and actions, not pages
MENU = ".govuk-service-navigation__list a"
FIRST_ITEM = "main table a, main .govuk-summary-card a, main .govuk-task-list a"
HUB = "main .caselink-hub a"  # a page of links to a role's pages (Oversight): every one


@pytest.fixture
def site(journey_db: Database) -> Iterator[tuple[str, World]]:
    db = journey_db
    world = reporting_world(db)
    with served(db) as base:
        yield base, world


def _pages(page: Page, base: str, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href'))")
    urls = [urljoin(page.url, h) for h in hrefs if h]
    return [
        u
        for u in dict.fromkeys(urls)
        if u.startswith(base) and not urlparse(u).path.endswith(NOT_PAGES)
    ]


def test_every_page_each_role_reaches_works_on_a_phone(
    browser: Browser, site: tuple[str, World]
) -> None:
    base, world = site
    seen: set[str] = set()
    for username in ROLES:
        page = phone(browser)
        sign_in(page, base, username, world.secrets[username])
        check_page(page, f"{username}: home")
        for menu_page in _pages(page, base, MENU):
            page.goto(menu_page)
            check_page(page, f"{username}: {menu_page}")
            seen.add(urlparse(menu_page).path)
            hub = _pages(page, base, HUB)
            for item in hub or _pages(page, base, FIRST_ITEM)[:1]:
                page.goto(item)
                check_page(page, f"{username}: {item}, from {menu_page}")
                seen.add(urlparse(item).path)
                for first in _pages(page, base, FIRST_ITEM)[:1] if hub else []:
                    page.goto(first)
                    check_page(page, f"{username}: {first}, from {item}")
                    seen.add(urlparse(first).path)
        page.close()
    assert len(seen) >= 15, f"the sweep reached only {sorted(seen)}"
    assert {"/oversight/access", "/oversight/history", "/oversight/sharing"} <= seen


def test_each_roles_menu_fits_on_one_row_at_1280_px(
    browser: Browser, site: tuple[str, World]
) -> None:
    """The inspector's menu once wrapped onto two rows (12 items in 960 px)."""
    base, world = site
    for username in ROLES:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, username, world.secrets[username])
        tops = page.eval_on_selector_all(
            ".govuk-service-navigation__item", "items => items.map(i => i.offsetTop)"
        )
        assert tops and len(set(tops)) == 1, f"{username}'s menu wraps: {tops}"
        check_page(page, f"{username}: home at 1280 px")
        page.close()
