"""The dashboard's map in a real headless Chromium against a real ``meclab up`` (fixtures in
tests/ui/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from browser_kit import (
    VIEWPORT,
    WAIT_MS,
    Console,
    control,
    needs_browser,
    open_dashboard,
    screenshot,
    state,
    watch_console,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = needs_browser

SENSOR, HOME_CELL, OTHER_CELL = "sensor-air-port", "4g-condamine", "4g-fontvieille"
"""The README tour's handover: the port's fixed 4G air sensor carried to Fontvieille's cell."""


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
    meclab_url: str, page: Page, console: Console, tmp_path: Path
) -> None:
    open_dashboard(page, meclab_url)

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
    shot = screenshot(page, tmp_path, "dashboard")

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

    assert shot.stat().st_size > 10_000
    assert console == [], console
    assert state(page)["errors"] == []

    # an API error is shown as the problem details' title and detail
    page.evaluate("() => meclab.showTerminal('nobody-here')")
    error = page.locator("#errors .error", has_text="no terminal named 'nobody-here'")
    error.wait_for(timeout=WAIT_MS)
    assert error.inner_text().startswith("Not Found")
    assert details.inner_text() != ""
    screenshot(page, tmp_path, "dashboard-error")
    console.allow("404 (Not Found)")  # the browser logs the failed request itself


def test_several_tabs_of_one_browser_stay_live(
    browser: Browser, meclab_url: str, console: Console
) -> None:
    # A browser gives a host six connections; each page holds one stream (its events) and
    # polls the rest, so four tabs of one browser on one meclab all keep polling and streaming.
    context = browser.new_context(viewport=VIEWPORT)
    pages = [context.new_page() for _ in range(4)]
    try:
        for tab in pages:
            watch_console(tab, console)
            open_dashboard(tab, meclab_url)
        polled = [state(tab)["polls"] for tab in pages]
        for tab, before in zip(pages, polled, strict=True):
            tab.wait_for_function(f"() => meclab.polls > {before} + 2", timeout=WAIT_MS)
            tab.wait_for_function(
                "() => meclab.sequence.received > 0 && meclab.streamOpen", timeout=WAIT_MS
            )
    finally:
        context.close()
