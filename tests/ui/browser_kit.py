"""Helpers for the dashboard's tests in a real headless Chromium (Debian's, driven by
Playwright) against a real ``meclab up`` on free ports, with the built-in Monaco world.

CI installs Chromium (.ci/run); elsewhere, without it or without Playwright, the browser tests
skip and say why (tests/ui/test_ui_routes.py needs neither).

The ``page`` fixture (tests/ui/conftest.py) fails its test at teardown if the page logged a
console error or warning or threw: every browser test checks that for free. Screenshots go
under the test's tmp_path (pytest keeps the last runs' as artifacts) and, when
``MECLAB_SCREENSHOTS`` names a folder, there too (that is how the README's pictures are made).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import free_port

IN_CI = bool(os.environ.get("CI"))
"""In CI (.ci/run installs what they need) the browser tests fail rather than skip."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 15_000
VIEWPORT = {"width": 1280, "height": 800}
HAVE_BROWSER = shutil.which(CHROMIUM) is not None or IN_CI
try:
    from playwright.sync_api import Page
except ImportError:
    if IN_CI:
        raise
    HAVE_BROWSER = False

CLI_TESTS = str(Path(__file__).parents[1] / "cli")
if CLI_TESTS not in sys.path:  # tests/cli's Meclab helper, when tests/ui runs alone
    sys.path.insert(0, CLI_TESTS)
from test_up import ANY_DATAPLANE_PORTS, Meclab  # noqa: E402

needs_browser = pytest.mark.skipif(
    not HAVE_BROWSER,
    reason=f"no Chromium at {CHROMIUM} or no playwright (apt-get install chromium and the "
    "[test] extra; .ci/run does it)",
)
"""Mark for the tests that drive the browser."""


class MeclabUp:
    """A ``meclab up`` subprocess on free ports, restartable on the same port and data dir."""

    def __init__(self, tmp_path: Path, *extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmp_path = tmp_path
        self.args = [
            "up",
            "--port",
            str(self.port),
            "--data-dir",
            str(tmp_path / "data"),
            *ANY_DATAPLANE_PORTS,
            *extra,
        ]
        self.process: Meclab | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        self.process = Meclab(self.args, self.tmp_path, f"meclab-{self.runs}")
        self.process.wait_ready(self.base)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None


class Console(list[str]):
    """The console errors and warnings a page logged, and what it threw."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        """Forget the messages containing ``fragment``, logged so far or later (ones a test
        causes on purpose)."""
        self.allowed.append(fragment)
        self[:] = [line for line in self if fragment not in line]

    def log(self, line: str) -> None:
        """Record ``line`` unless an allowed fragment is in it."""
        if not any(fragment in line for fragment in self.allowed):
            self.append(line)


def watch_console(page: Page, console: Console) -> None:
    """Collect the page's console errors and warnings, and what it throws, into ``console``."""
    page.on(
        "console",
        lambda message: (
            console.log(f"{message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda exc: console.log(f"uncaught: {exc}"))


def open_dashboard(page: Page, base: str) -> None:
    """Load the page and wait until it drew the world and its event stream is open."""
    page.goto(f"{base}/")
    wait_live(page)


def wait_live(page: Page) -> None:
    """Wait until the page drew the world and its event stream is open."""
    page.wait_for_function(
        "() => window.meclab && meclab.ready && meclab.streamOpen && meclab.frames > 0",
        timeout=WAIT_MS,
    )


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """Save a screenshot as a test artifact (and in $MECLAB_SCREENSHOTS, if set)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    folder = os.environ.get("MECLAB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(folder) / path.name)
    return path


def control(base: str, body: dict[str, Any]) -> None:
    """Send a command to meclab's control API, as the CLI does."""
    response = httpx.post(f"{base}/meclab/v1/events", json=body, timeout=5.0)
    assert response.status_code == 201, response.text


def state(page: Page) -> dict[str, Any]:
    value: dict[str, Any] = page.evaluate(
        "() => ({drawn: meclab.drawn, positionsT: meclab.positionsT, polls: meclab.polls,"
        " handovers: meclab.handovers, errors: meclab.errors, selected: meclab.selected,"
        " streamOpen: meclab.streamOpen})"
    )
    return value
