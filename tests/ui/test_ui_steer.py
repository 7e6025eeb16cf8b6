"""Steering the world and reading its topology through the dashboard, in a real headless
Chromium against a real ``meclab up`` (fixtures in tests/ui/conftest.py): every change made on
the page is checked over the control API, as the CLI would read it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from browser_kit import WAIT_MS, Console, control, needs_browser, open_dashboard, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = needs_browser

API = "/meclab/v1"
SENSOR = "sensor-air-port"
"""A fixed terminal (its path is one point): where it stands is where it was put."""


def get(base: str, path: str) -> Any:
    response = httpx.get(f"{base}{API}{path}", timeout=5.0)
    assert response.status_code == 200, response.text
    return response.json()


def on_screen(page: Page, lon: float, lat: float) -> list[float]:
    """Viewport pixels of a lon/lat as the page projects it now."""
    xy: list[float] = page.evaluate(
        """([lon, lat]) => {
            const [x, y] = meclab.project(lon, lat);
            const r = document.getElementById("map").getBoundingClientRect();
            return [r.left + x, r.top + y];
        }""",
        [lon, lat],
    )
    return xy


def unproject(page: Page, x: float, y: float) -> list[float]:
    """The lon/lat under viewport pixel (x, y), as the page computes it."""
    lonlat: list[float] = page.evaluate(
        """([x, y]) => {
            const r = document.getElementById("map").getBoundingClientRect();
            return meclab.unproject(x - r.left, y - r.top);
        }""",
        [x, y],
    )
    return lonlat


def drag(page: Page, start: list[float], end: list[float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def details(page: Page, kind: str, name: str) -> str:
    page.wait_for_function(
        "([kind, name]) => { const b = document.getElementById('details-body');"
        " return b.dataset.kind === kind && b.dataset.name === name"
        " && b.querySelector('.steer-netchar[data-ready]') !== null; }",
        arg=[kind, name],
        timeout=WAIT_MS,
    )
    text: str = page.locator("#details-body").inner_text()
    return text


def test_steering_from_the_page_changes_the_world(
    meclab_url: str, page: Page, console: Console, tmp_path: Path
) -> None:
    base = meclab_url
    open_dashboard(page, base)
    page.evaluate("() => { window.picked = []; meclab.on('select', s => picked.push(s)); }")

    # zones and paths are drawn: an outline per zone, every terminal's path in a small world
    zones = get(base, "/zones")
    world = get(base, "/world")
    drawn = page.evaluate("() => meclab.drawn")
    assert drawn["zones"] == len(zones) == 3
    assert drawn["paths"] == world["counts"]["terminals"]

    # pause, speed and resume through the header's controls change the world
    page.click("#steer-pause")
    page.wait_for_function("() => meclab.steer.paused === true", timeout=WAIT_MS)
    assert get(base, "/world")["paused"] is True
    assert page.inner_text("#steer-pause") == "Resume"
    page.click(".steer-speed[data-speed='5']")
    page.wait_for_function("() => meclab.steer.speed === 5", timeout=WAIT_MS)
    assert get(base, "/world")["speed"] == 5
    page.fill("#steer-speed-input", "2.5")
    page.press("#steer-speed-input", "Enter")
    page.wait_for_function("() => meclab.steer.speed === 2.5", timeout=WAIT_MS)
    assert get(base, "/world")["speed"] == 2.5
    # a change made elsewhere (the CLI's command) shows on the page too
    control(base, {"type": "speed", "speed": 10})
    page.wait_for_function(
        "() => document.querySelector(\".steer-speed[data-speed='10']\")"
        ".getAttribute('aria-pressed') === 'true'",
        timeout=WAIT_MS,
    )
    page.click("#steer-pause")
    page.wait_for_function("() => meclab.steer.paused === false", timeout=WAIT_MS)
    assert get(base, "/world")["paused"] is False
    page.click("#steer-pause")  # paused again: terminals stay where the test looks
    page.wait_for_function("() => meclab.steer.paused === true", timeout=WAIT_MS)

    # a terminal dragged on the map is moved in the world, held where it was dropped
    home = get(base, f"/terminals/{SENSOR}")["position"]
    page.wait_for_function("() => meclab.drawnPoll === meclab.polls && meclab.polls > 2")
    start = on_screen(page, *home)
    drop = [start[0] + 60, start[1] - 40]
    target = unproject(page, *drop)
    drag(page, start, drop)
    page.wait_for_function(
        f"() => meclab.steer.moved && meclab.steer.moved.name === {SENSOR!r}", timeout=WAIT_MS
    )
    sensor = get(base, f"/terminals/{SENSOR}")
    assert sensor["position"] == pytest.approx(target, abs=1e-7)
    assert sensor["held"] is True
    page.wait_for_function(
        f"([x, y]) => {{ const i = meclab.positions.names.indexOf({SENSOR!r});"
        " const r = document.getElementById('map').getBoundingClientRect();"
        " const [px, py] = meclab.project(meclab.positions.lon[i], meclab.positions.lat[i]);"
        " return Math.hypot(r.left + px - x, r.top + py - y) < 1.5"
        " && meclab.drawnPoll === meclab.polls; }",
        arg=drop,
        timeout=WAIT_MS,
    )

    # its details say it is held; Release sends it back to its path
    page.mouse.click(*drop)
    text = details(page, "terminal", SENSOR)
    assert "held\tyes" in text
    assert "FLOWS" in text and "talks to\ttraffic-analytics" in text
    release = page.locator("#details-body .steer-release")
    assert release.is_enabled()
    release.click()
    page.wait_for_function(
        "() => document.querySelector('#details-body .steer-release')?.disabled === true",
        timeout=WAIT_MS,
    )
    sensor = get(base, f"/terminals/{SENSOR}")
    assert sensor["held"] is False
    assert sensor["position"] == pytest.approx(home, abs=1e-9)

    # a click on a cell shows the cell: radio, zone, coverage, netchar, who it serves, its load
    poas = get(base, "/poas")
    cell: dict[str, Any] = page.evaluate(
        """() => meclab.poas.map(p => {
            const r = document.getElementById('map').getBoundingClientRect();
            return {name: p.name, x: r.left + p.screen[0], y: r.top + p.screen[1],
                    free: meclab.nearestTerminal(p.screen[0], p.screen[1]) === null
                       && meclab.nearestSite(p.screen[0], p.screen[1]).kind === 'cell'
                       && meclab.nearestSite(p.screen[0], p.screen[1]).name === p.name};
        }).find(p => p.free && meclab.positions.poa.includes(p.name))"""
    )
    assert cell, "no cell centre clear of terminals and hosts on the map"
    name = cell["name"]
    info = next(p for p in poas if p["name"] == name)
    page.mouse.click(cell["x"], cell["y"])
    text = details(page, "cell", name)
    assert page.evaluate("() => picked[picked.length - 1]") == {"kind": "cell", "name": name}
    assert f"radio\t{info['type']}" in text
    assert f"zone\t{info['zone']}" in text
    assert f"coverage radius\t{info['radius_m']:.0f} m" in text
    served = sorted(t["name"] for t in get(base, f"/terminals?poa={name}")["items"])
    assert served and all(t in text for t in served)
    count = page.get_attribute("#details-body .served", "data-count")
    assert count == str(len(served))
    assert "MEASURED LOAD" in text
    assert ("used Mb/s" in text) or ("not measured" in text)

    # its network characteristics edited in the form: the world has them, the page shows them
    page.fill("#details-body .steer-netchar input[name=latency_ms]", "12.5")
    page.fill("#details-body .steer-netchar input[name=throughput_dl_mbps]", "40")
    page.click("#details-body .steer-netchar button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#details-body .steer-status')?.textContent === 'applied'",
        timeout=WAIT_MS,
    )
    netchar = get(base, f"/elements/{name}")["netchar"]
    assert (netchar["latency_ms"], netchar["throughput_dl_mbps"]) == (12.5, 40.0)
    text = page.locator("#details-body").inner_text()
    assert "latency\t12.5 ms" in text and "throughput ↓\t40.0 Mb/s" in text
    screenshot(page, tmp_path, "steering")

    # a bad value: the problem details' detail, naming the field, beside the form
    page.fill("#details-body .steer-netchar input[name=loss_pct]", "150")
    page.click("#details-body .steer-netchar button[type=submit]")
    status = page.locator("#details-body .steer-status.error")
    status.wait_for(timeout=WAIT_MS)
    answer = httpx.post(
        f"{base}{API}/events",
        json={"type": "netchar", "element": name, "netchar": {"loss_pct": 150}},
        timeout=5.0,
    )
    assert answer.status_code == 400
    problem = answer.json()
    assert "loss_pct" in problem["detail"]
    assert status.inner_text() == f"{problem['title']}: {problem['detail']}"
    assert get(base, f"/elements/{name}")["netchar"]["loss_pct"] == netchar["loss_pct"]

    # dropped far outside the area: the 400's hint about force, shown readably
    page.mouse.move(*on_screen(page, *home))
    page.mouse.wheel(0, 3000)
    page.wait_for_function("() => meclab.poaSpread() < 3", timeout=WAIT_MS)
    page.wait_for_timeout(100)
    start = on_screen(page, *home)
    drag(page, start, [start[0] + 400, start[1] + 250])
    error = page.locator("#errors .error", has_text='"force": true')
    error.wait_for(timeout=WAIT_MS)
    console.allow("400 (Bad Request)")
