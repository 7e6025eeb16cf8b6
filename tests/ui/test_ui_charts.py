"""The Charts panel (meclab/ui/static/charts.js) in Chromium against a real ``meclab up``: the
platform charts fill from the server's history, count API requests and errors, a selected
terminal gets its own charts, and a reload starts from the history the server kept."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from browser_kit import WAIT_MS, needs_browser, open_dashboard, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = needs_browser


def last(page: Page, source: str, series: str) -> float:
    value: float = page.evaluate(
        f"() => {{ const v = meclab.charts.{source}.series[{series!r}] || [];"
        " return v.length ? v[v.length - 1] : -1; }"
    )
    return value


def test_charts_fill_count_errors_follow_a_terminal_and_survive_a_reload(
    meclab_url: str, page: Page, tmp_path: Path
) -> None:
    open_dashboard(page, meclab_url)
    page.wait_for_function(
        "() => meclab.charts.platform && meclab.charts.platform.points >= 2", timeout=WAIT_MS
    )
    first = page.evaluate("() => meclab.charts.platform.points")
    page.wait_for_function(f"() => meclab.charts.platform.points > {first}", timeout=WAIT_MS)

    # requests to an ETSI API, some of them errors: both series rise
    world = httpx.get(f"{meclab_url}/meclab/v1/world", timeout=5.0).json()
    assert world["counts"]["terminals"] > 0
    for _ in range(20):
        assert httpx.get(f"{meclab_url}/rni/v2/subscriptions/nope", timeout=5.0).status_code == 404
        assert httpx.get(f"{meclab_url}/rni/v2/queries/rab_info", timeout=5.0).status_code == 200
    page.wait_for_function(
        "() => { const s = meclab.charts.platform.series;"
        " return Math.max(...s.errors_4xx.slice(-3)) >= 5"
        " && Math.max(...s.requests_etsi.slice(-3)) >= 10; }",
        timeout=WAIT_MS,
    )

    # a terminal picked: its charts, with its RSRP
    terminals = httpx.get(f"{meclab_url}/meclab/v1/terminals", timeout=5.0).json()
    name = next(t["name"] for t in terminals["items"] if t["poa"])
    page.evaluate(f"() => meclab.showTerminal({name!r})")
    page.wait_for_function(
        f"() => meclab.charts.terminal && meclab.charts.terminal.name === {name!r}"
        " && meclab.charts.terminal.points >= 2",
        timeout=WAIT_MS,
    )
    assert last(page, "terminal", "rsrp_dbm") < 0  # dBm
    assert page.locator("#panel-charts .chart canvas").count() >= 7
    screenshot(page, tmp_path, "charts")

    # reloaded: the platform chart starts with the points from before
    before = page.evaluate(
        "() => ({points: meclab.charts.platform.points, first: meclab.charts.platform.t[0]})"
    )
    page.reload()
    open_dashboard(page, meclab_url)
    page.wait_for_function(
        "() => meclab.charts.platform && meclab.charts.platform.points > 0", timeout=WAIT_MS
    )
    after = page.evaluate(
        "() => ({points: meclab.charts.platform.points, first: meclab.charts.platform.t[0]})"
    )
    assert after["first"] <= before["first"]
    assert after["points"] >= before["points"]
