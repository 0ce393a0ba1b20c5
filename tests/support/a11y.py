"""Accessibility checks for the browser journeys: axe-core (from the npm registry, installed by
`make assets`) run on the page as a person sees it, and the 320 px phone width WCAG 2.2 asks
pages to work at without scrolling sideways."""

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 320, "height": 640}
# WCAG 2.0 to 2.2 A and AA rules, plus axe's best practices (landmarks, headings, ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


@cache
def _axe_source() -> str:
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `make assets` (npm ci) first")
    return AXE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page."""
    # Evaluated through the DevTools protocol, so the app's Content-Security-Policy (no inline
    # scripts) need not be relaxed for the test.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def scrolls_sideways(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
        )
    )


def check_page(page: Page, label: str) -> None:
    """Fail with a readable list if axe finds serious or critical problems, or if the page
    scrolls sideways at its current width."""
    problems = [
        f"{v['impact']}: {v['id']} - {v['help']} ({len(v['nodes'])} places, e.g. "
        f"{v['nodes'][0]['target']})"
        for v in violations(page)
    ]
    width = page.viewport_size["width"] if page.viewport_size else 0
    if scrolls_sideways(page):
        problems.append(f"the page scrolls sideways at {width} px")
    assert not problems, f"{label} ({page.url}):\n  " + "\n  ".join(problems)


def phone(browser: Browser) -> Page:
    """A page the size of a small phone (320 px wide)."""
    return browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
