"""Fixtures for the dashboard's browser tests (their helpers: tests/ui/browser_kit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_kit import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HAVE_BROWSER,
    VIEWPORT,
    Console,
    MeclabUp,
    watch_console,
)

if HAVE_BROWSER:
    from playwright.sync_api import Browser, Page, sync_playwright


@pytest.fixture
def meclab_up(tmp_path: Path) -> Iterator[MeclabUp]:
    """A running ``meclab up`` with the default world."""
    up = MeclabUp(tmp_path)
    try:
        up.start()
        yield up
    finally:
        up.stop()


@pytest.fixture
def meclab_url(meclab_up: MeclabUp) -> str:
    """The base URL of a running ``meclab up`` with the default world."""
    return meclab_up.base


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh page; its test fails if the page logged an error or warning or threw."""
    page = browser.new_page(viewport=VIEWPORT)
    watch_console(page, console)
    try:
        yield page
    finally:
        page.close()
    assert list(console) == [], console
