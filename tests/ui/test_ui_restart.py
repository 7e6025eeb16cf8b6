"""The dashboard survives meclab restarting: it says so, reconnects, and resumes its event
stream where it stopped (Last-Event-ID), listing no event twice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
from browser_kit import WAIT_MS, Console, MeclabUp, control, needs_browser, open_dashboard, state

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = needs_browser

SENSOR = "sensor-air-port"
CELLS = ("4g-fontvieille", "4g-condamine")
"""Two cells the fixed sensor can be carried between (the README tour's handover)."""


def hand_over(page: Page, base: str) -> dict[str, Any]:
    """Carry the sensor to the other cell; the handover the page lists for it."""
    serving = httpx.get(f"{base}/meclab/v1/terminals/{SENSOR}", timeout=5.0).json()["poa"]
    target = CELLS[0] if serving != CELLS[0] else CELLS[1]
    seen = len(state(page)["handovers"])
    control(base, {"type": "move", "ue": SENSOR, "poa": target})
    page.wait_for_function(
        f"() => meclab.handovers.length > {seen} && meclab.handovers[0].ue === {SENSOR!r}"
        f" && meclab.handovers[0].target === {target!r}",
        timeout=WAIT_MS,
    )
    first: dict[str, Any] = state(page)["handovers"][0]
    return first


def carry_sensor(base: str) -> int:
    """Carry the sensor to the other cell through the control API; the handover's seq."""
    serving = httpx.get(f"{base}/meclab/v1/terminals/{SENSOR}", timeout=5.0).json()["poa"]
    target = CELLS[0] if serving != CELLS[0] else CELLS[1]
    control(base, {"type": "move", "ue": SENSOR, "poa": target})
    stored = httpx.get(
        f"{base}/meclab/v1/events", params={"type": "handover", "limit": 1000}, timeout=5.0
    ).json()["items"]
    return max(r["seq"] for r in stored if r["ue"] == SENSOR and r["target"] == target)


def listed_seqs(page: Page) -> list[int]:
    seqs: list[int] = page.evaluate(
        "() => [...document.querySelectorAll('#event-list li')].map(li => Number(li.dataset.seq))"
    )
    return seqs


def test_the_page_resumes_its_stream_after_meclab_restarts(
    meclab_up: MeclabUp, page: Page, console: Console
) -> None:
    base = meclab_up.base
    # the browser logs each request refused while meclab is away, those and the streams cut
    # mid-way when it is killed, and the stream requests the test refuses
    cuts = ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_INCOMPLETE_CHUNKED_ENCODING")
    for cut in (*cuts, "ERR_FAILED"):
        console.allow(cut)
    open_dashboard(page, base)
    control(base, {"type": "pause"})
    before = hand_over(page, base)

    # meclab dies: the page says it lost meclab and keeps what it showed
    meclab_up.stop()
    page.wait_for_function("() => !meclab.streamOpen", timeout=WAIT_MS)
    page.locator("#errors .error", has_text="meclab unreachable").wait_for(timeout=WAIT_MS)
    assert page.locator("#stream-status").text_content() == "reconnecting…"
    assert before["seq"] in listed_seqs(page)

    # meclab is back on the same port and data dir, but the page's stream stays cut a while
    # longer (its requests refused): a handover made meanwhile reaches the page only if the
    # stream resumes after the last event the page had (Last-Event-ID), not from "now"
    page.route("**/events/stream*", lambda route: route.abort())
    meclab_up.start()
    control(base, {"type": "pause"})
    missed = carry_sensor(base)
    page.wait_for_function(
        "() => document.querySelectorAll('#errors .error').length === 0", timeout=WAIT_MS
    )  # the polls reach meclab again
    assert not state(page)["streamOpen"]
    assert all(h["seq"] != missed for h in state(page)["handovers"])
    page.unroute("**/events/stream*")
    page.wait_for_function("() => meclab.streamOpen && meclab.streamOpens >= 2", timeout=WAIT_MS)
    page.wait_for_function(f"() => meclab.handovers.some(h => h.seq === {missed})", timeout=WAIT_MS)
    after = hand_over(page, base)  # and it goes on live
    assert after["seq"] > missed > before["seq"]  # the store went on numbering

    seqs = listed_seqs(page)
    assert len(seqs) == len(set(seqs)), f"an event listed twice: {seqs}"
    assert seqs == sorted(seqs, reverse=True)  # newest first, none out of order
    handovers = [h["seq"] for h in state(page)["handovers"]]
    assert handovers == seqs
    # every handover the store holds since the page opened is listed, once
    stored = httpx.get(
        f"{base}/meclab/v1/events", params={"type": "handover", "limit": 1000}, timeout=5.0
    ).json()["items"]
    assert sorted(r["seq"] for r in stored if r["seq"] >= min(seqs)) == sorted(seqs)
    assert state(page)["errors"] != []  # what it said while meclab was away is in its record
