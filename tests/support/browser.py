"""A real browser against the real app: caselink served by uvicorn on loopback in a thread,
Debian's Chromium driven by Playwright. With CI=true a missing Chromium fails the run."""

import os
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
import pytest
import uvicorn
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from caselink.store.db import Database
from caselink.web.app import create_app, proxy_options
from tests.support.world import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_or_skip() -> str:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; with CI=true browser tests must run, not skip")
        pytest.skip(reason)
    return CHROMIUM


@contextmanager
def served(db: Database, trusted_proxies: tuple[str, ...] = ()) -> Iterator[str]:
    """The app served as `caselink serve` serves it (the same proxy settings)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(db),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        **proxy_options(trusted_proxies),  # type: ignore[arg-type]
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def sign_in(page: Page, base: str, username: str, totp_secret: str) -> None:
    """Password, then the current security code, as a person would type them."""
    for attempt in (1, 2):
        page.goto(f"{base}/sign-in")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        try:
            page.get_by_label("Security code").wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            # Seen rarely, only on a loaded machine: keep what the page showed, try once more.
            shown = page.locator("main").inner_text() if page.locator("main").count() else ""
            stuck = ARTIFACTS / f"sign-in-stuck-{username}-{attempt}.png"
            stuck.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=stuck, full_page=True)
            problem = f"{username}'s sign-in stuck at {page.url}: {shown[:300]!r}"
            warnings.warn(problem, stacklevel=2)
            if attempt == 2:
                raise
    page.get_by_label("Security code").fill(pyotp.TOTP(totp_secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def screenshots(journey: str) -> Path:
    folder = ARTIFACTS / journey
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
