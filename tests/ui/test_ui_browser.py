"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against a real
``meclab up`` on free ports, with the built-in Monaco world.

CI installs Chromium (.ci/run); elsewhere, without it or without Playwright, these tests skip and
say why.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import free_port

IN_CI = bool(os.environ.get("CI"))
"""In CI (.ci/run installs what they need) these tests fail rather than skip."""

if not IN_CI:
    pytest.importorskip("playwright.sync_api", reason="the [test] extra's playwright is missing")
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright  # noqa: E402

CLI_TESTS = str(Path(__file__).parents[1] / "cli")
if CLI_TESTS not in sys.path:  # tests/cli's Meclab helper, when tests/ui runs alone
    sys.path.insert(0, CLI_TESTS)
from test_up import ANY_DATAPLANE_PORTS, Meclab  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SENSOR, HOME_CELL, OTHER_CELL = "sensor-air-port", "4g-condamine", "4g-fontvieille"
"""The README tour's handover: the port's fixed 4G air sensor carried to Fontvieille's cell."""
WAIT_MS = 15_000

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and not IN_CI,
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)",
)


@pytest.fixture
def meclab_url(tmp_path: Path) -> Iterator[str]:
    """A ``meclab up`` with the default world on a free port; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["up", "--port", str(port), "--data-dir", str(tmp_path / "data"), *ANY_DATAPLANE_PORTS]
    process = Meclab(args, tmp_path, "meclab")
    try:
        process.wait_ready(base)
        yield base
    finally:
        process.kill()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        yield page
    finally:
        page.close()


def control(base: str, body: dict[str, Any]) -> None:
    response = httpx.post(f"{base}/meclab/v1/events", json=body, timeout=5.0)
    assert response.status_code == 201, response.text


def state(page: Page) -> dict[str, Any]:
    value: dict[str, Any] = page.evaluate(
        "() => ({drawn: meclab.drawn, positionsT: meclab.positionsT, polls: meclab.polls,"
        " handovers: meclab.handovers, errors: meclab.errors, selected: meclab.selected,"
        " streamOpen: meclab.streamOpen})"
    )
    return value


def sensor_on_screen(page: Page) -> list[float]:
    """Where the page draws the sensor now, in viewport pixels."""
    xy: list[float] = page.evaluate(
        f"""() => {{
            const i = meclab.positions.names.indexOf({SENSOR!r});
            const [x, y] = meclab.project(meclab.positions.lon[i], meclab.positions.lat[i]);
            const r = document.getElementById("map").getBoundingClientRect();
            return [r.left + x, r.top + y];
        }}"""
    )
    return xy


def poa_spread(page: Page) -> float:
    """Screen distance between the first two PoAs: it grows as the map zooms in."""
    spread: float = page.evaluate("() => meclab.poaSpread()")
    return spread


def test_the_map_shows_the_world_live_and_its_handovers(
    meclab_url: str, page: Page, tmp_path: Path
) -> None:
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            console.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.append(f"uncaught: {exc}"))
    page.goto(f"{meclab_url}/")
    page.wait_for_function(
        "() => window.meclab && meclab.ready && meclab.streamOpen", timeout=WAIT_MS
    )

    # the map draws every PoA, node and terminal of the world the API describes
    world = httpx.get(f"{meclab_url}/meclab/v1/world", timeout=5.0).json()
    nodes = httpx.get(f"{meclab_url}/meclab/v1/nodes", timeout=5.0).json()
    page.wait_for_function("() => meclab.frames > 0 && meclab.drawn.terminals > 0")
    drawn = state(page)["drawn"]
    assert drawn["poas"] == world["counts"]["poas"] == 13
    assert drawn["terminals"] == world["counts"]["terminals"] == 23
    assert drawn["nodes"] == len(nodes)
    connected = page.evaluate("() => meclab.positions.poa.filter(p => p !== null).length")
    assert drawn["links"] == connected > 0  # one serving-cell line per connected terminal

    # live: the positions' time goes on as the page polls
    first = state(page)["positionsT"]
    page.wait_for_function(f"() => meclab.positionsT > {first} && meclab.polls >= 3")

    # a handover made through the control API appears in the event list, highlighted
    control(meclab_url, {"type": "pause"})
    control(meclab_url, {"type": "move", "ue": SENSOR, "poa": OTHER_CELL})
    page.wait_for_function(
        f"() => meclab.handovers.some(h => h.ue === {SENSOR!r} && h.target === {OTHER_CELL!r})",
        timeout=WAIT_MS,
    )
    item = page.locator("#event-list li", has_text=f"{SENSOR}: {HOME_CELL} → {OTHER_CELL}")
    item.wait_for(timeout=WAIT_MS)
    assert item.count() == 1

    # clicking the terminal on the map opens its details from GET /terminals/{name}
    page.wait_for_function(
        f"() => {{ const i = meclab.positions.names.indexOf({SENSOR!r});"
        f" return meclab.positions.poa[i] === {OTHER_CELL!r}"
        # and drawn there: a click picks what the canvas shows
        " && meclab.drawnPoll === meclab.polls; }",
        timeout=WAIT_MS,
    )
    x, y = sensor_on_screen(page)
    page.mouse.click(x + 2, y - 2)
    details = page.locator("#details-body")
    page.wait_for_function(
        "name => document.getElementById('details-body').dataset.terminal === name",
        arg=SENSOR,
        timeout=WAIT_MS,
    )
    assert state(page)["selected"] == SENSOR
    text = details.inner_text()
    assert f"{OTHER_CELL} (4G)" in text  # serving cell
    assert "zone-fontvieille" in text
    assert f"{HOME_CELL}\t4G\t" in text  # its old cell, now a neighbour among the measurements
    # a click on empty ground picks nothing
    page.mouse.click(5, 795)
    assert state(page)["selected"] == SENSOR
    page.screenshot(path=str(tmp_path / "dashboard.png"))

    # drag pans the map by as much, the wheel zooms in
    here = sensor_on_screen(page)
    page.mouse.move(400, 300)
    page.mouse.down()
    page.mouse.move(450, 330, steps=5)
    page.mouse.up()
    page.wait_for_function("() => meclab.frames > 0")
    assert sensor_on_screen(page) == pytest.approx([here[0] + 50, here[1] + 30], abs=0.5)
    assert state(page)["selected"] == SENSOR  # a drag is no click
    spread = poa_spread(page)
    page.mouse.move(*sensor_on_screen(page))
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"() => meclab.poaSpread() > {spread} * 1.2", timeout=WAIT_MS)
    # the point under the cursor stays where it is
    assert sensor_on_screen(page) == pytest.approx([here[0] + 50, here[1] + 30], abs=1.0)

    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert console == [], console
    assert state(page)["errors"] == []

    # an API error is shown as the problem details' title and detail
    page.evaluate("() => meclab.showTerminal('nobody-here')")
    error = page.locator("#errors .error", has_text="no terminal named 'nobody-here'")
    error.wait_for(timeout=WAIT_MS)
    assert error.inner_text().startswith("Not Found")
    assert details.inner_text() != ""
    page.screenshot(path=str(tmp_path / "dashboard-error.png"))
