"""Debian's Chromium (/usr/bin/chromium) driven by Playwright, never a downloaded browser.

Outside CI, browser tests are skipped when it is missing (``make system-deps`` installs it);
with CI set they always run.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

__all__ = ["CHROMIUM", "PAGE_TIMEOUT_MS", "launch", "needs_chromium", "new_page"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_TIMEOUT_MS = 20_000

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="needs Debian's chromium at /usr/bin/chromium (install it with `make system-deps`)",
)


async def launch() -> AsyncIterator[Browser]:
    """A headless Chromium for one test (use as a fixture body)."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


async def new_page(browser: Browser, **options: object) -> Page:
    """A page in a fresh context: a browser with no cookies of its own."""
    context = await browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return await context.new_page()
