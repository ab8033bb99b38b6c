"""A real headless browser for the hosted pages: Debian's ``chromium`` driven by Playwright.

Use the fixtures by importing them into a ``conftest.py`` (``from tests.browser import browser, page``). Screenshots go
to ``build/screenshots/`` at the repository root (``SCREENSHOTS``), one PNG per name, so a reviewer can open them after
a run. Where chromium is missing the browser tests skip, and the reason (how to install it) shows in pytest's summary;
``make test`` installs it where it can.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"


def chromium_path() -> str | None:
    return os.environ.get("WEAVZ_FLOW_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; `make test` does it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 800}, java_script_enabled=False)
    try:
        opened = context.new_page()
        opened.set_default_timeout(15_000)
        yield opened
    finally:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG of ``page`` as ``build/screenshots/<name>.png``; returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
