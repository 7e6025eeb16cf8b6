"""Shared capacity beyond the PoA: every element of a path with a throughput shares it.

Real relayed flows, as in :mod:`test_shared_capacity` (backlogged TCP echo loops through
SOCKS5, the runtime ticking at 10 Hz): both cells have 32 Mbit/s uplink, and the element under
test a lower rate, so the division over several bottlenecks (progressive filling) shows in
what the clients read back. A flow's uplink (UE to application) enters a MEC host downwards
(:mod:`meclab.engine.netchar`): the host's link towards its applications is its ``dl``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from meclab.dataplane.routes import PREFIX
from meclab.http.problem import install_problem_handlers

from .conftest import CELL_B, Env, start_env, stop_env
from .test_shared_capacity import (
    CELL_MBPS,
    SETTLE_S,
    flow_of,
    open_loops,
    rates_mbps,
    shared_document,
    stop_all,
)

HOST_MBPS = 16.0
"""mec-a's link into the host: the uplink of every flow to edge-a crosses it."""
TERMINAL_MBPS = 8.0
"""ue-1's own uplink in the terminal test."""
FILL_S = SETTLE_S + 0.5
"""Warm-up with two bottlenecks: one more tick for the caps to reach the other Share, and the
queue a flow committed at its first, lower rate (before the caps) to drain."""


def host_document(echo: tuple[str, int]) -> dict[str, Any]:
    document = shared_document(echo)
    zone_a = document["domains"][0]["zones"][0]
    zone_a["mec_hosts"][0]["netchar"]["throughput_dl_mbps"] = HOST_MBPS
    return document


async def _env(tmp_path: Path, document: dict[str, Any]) -> Env:
    started = await start_env(tmp_path, document)
    started.runtime.start()
    return started


@pytest.fixture
async def host_link(tmp_path: Path, echo: tuple[str, int]) -> AsyncIterator[Env]:
    started = await _env(tmp_path, host_document(echo))
    try:
        yield started
    finally:
        await stop_env(started)


@pytest.fixture
async def terminal_link(tmp_path: Path, echo: tuple[str, int]) -> AsyncIterator[Env]:
    document = shared_document(echo)
    (ue_1,) = (t for t in document["domains"][0]["terminals"] if t["name"] == "ue-1")
    ue_1["netchar"] = {"throughput_ul_mbps": TERMINAL_MBPS}
    started = await _env(tmp_path, document)
    try:
        yield started
    finally:
        await stop_env(started)


async def test_flows_from_two_cells_share_the_host_link(host_link: Env) -> None:
    await host_link.move("ue-4", CELL_B)  # ue-2 and ue-4 in cell-b, ue-1 and ue-3 in cell-a
    edge = await open_loops(host_link, ["ue-1", "ue-3", "ue-2", "ue-4"], app="edge-a")
    cloud = await open_loops(host_link, ["ue-5"])  # in cell-a, to the cloud: not via mec-a
    measured = await rates_mbps([*edge, *cloud], settle_s=FILL_S)
    each = HOST_MBPS / 4
    # cell-a: ue-1 and ue-3 take 4 each of its 32, so ue-5 gets the other 24
    expected = [each] * 4 + [CELL_MBPS - 2 * each]
    assert measured == pytest.approx(expected, rel=0.05), measured

    capacity = host_link.plane.switch.capacity  # type: ignore[union-attr]
    for ue in ("ue-1", "ue-2", "ue-3", "ue-4"):
        assert flow_of(host_link, ue).share_bps[0] == pytest.approx(each * 1e6)
    load = capacity.load("mec-a")
    assert load["element"] == "mec-a" and load["kind"] == "mec_host" and "poa" not in load
    assert load["up"] is None  # nothing limits the host's way out
    into = load["down"]
    assert into["capacity_mbps"] == HOST_MBPS and into["flows"] == 4
    assert set(into["ue_throughput_mbps"]) == {"ue-1", "ue-2", "ue-3", "ue-4"}
    assert into["utilisation"] == pytest.approx(1.0, rel=0.05)
    assert capacity.load("cell-a")["poa"] == "cell-a"  # a PoA's report keeps its key

    # the control API lists every sharing element, the host among the cells
    transport = ASGITransport(app=_api(host_link))
    async with AsyncClient(transport=transport, base_url="http://t") as client:
        listed = (await client.get(f"{PREFIX}/access")).json()["access"]
        one = await client.get(f"{PREFIX}/access/mec-a")
        unknown = await client.get(f"{PREFIX}/access/nowhere")
    assert [r["element"] for r in listed] == ["cell-a", "cell-b", "mec-a"]
    assert one.status_code == 200 and one.json()["down"]["flows"] == 4
    assert unknown.status_code == 404
    await stop_all([*edge, *cloud])


def _api(env: Env) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(env.plane.router())
    return app


async def test_a_terminals_own_link_is_shared_by_its_flows(terminal_link: Env) -> None:
    loops = await open_loops(terminal_link, ["ue-1", "ue-1", "ue-3"])
    measured = await rates_mbps(loops, settle_s=FILL_S)
    half = TERMINAL_MBPS / 2
    # ue-1's two flows split its own 8; ue-3, in the same cell, gets what ue-1 leaves of it
    assert measured == pytest.approx([half, half, CELL_MBPS - TERMINAL_MBPS], rel=0.05), measured
    capacity = terminal_link.plane.switch.capacity  # type: ignore[union-attr]
    own = capacity.load("ue-1")["up"]
    assert own["flows"] == 2 and own["ue_throughput_mbps"] == {"ue-1": pytest.approx(8, rel=0.05)}
    assert capacity.load("cell-a")["up"]["flows"] == 3
    await stop_all(loops)


async def test_a_handover_keeps_the_host_link_share(host_link: Env) -> None:
    edge = await open_loops(host_link, ["ue-1", "ue-3", "ue-4"], app="edge-a")  # all in cell-a
    cloud = await open_loops(host_link, ["ue-2"])  # in cell-b
    third = HOST_MBPS / 3
    before = await rates_mbps([*edge, *cloud], settle_s=FILL_S)
    assert before == pytest.approx([third] * 3 + [CELL_MBPS], rel=0.05), before

    await host_link.move("ue-3", CELL_B)
    capacity = host_link.plane.switch.capacity  # type: ignore[union-attr]
    # still one of three on the host link, now beside ue-2 in cell-b
    assert flow_of(host_link, "ue-3").route.app == "edge-a"
    assert capacity.load("mec-a")["down"]["flows"] == 3
    assert capacity.load("cell-b")["up"]["flows"] == 2
    assert capacity.load("cell-a")["up"]["flows"] == 2
    # within the event's handling: ue-3 claims in cell-b only its host-link grant
    assert flow_of(host_link, "ue-3").share_bps[0] == pytest.approx(third * 1e6)
    assert flow_of(host_link, "ue-2").share_bps[0] == pytest.approx((CELL_MBPS - third) * 1e6)
    # ue-2's queue was committed at 32 Mbit/s: a little longer to drain
    after = await rates_mbps([*edge, *cloud], settle_s=FILL_S)
    # ue-3 takes its third of the host link in cell-b; ue-2 gets the rest of cell-b
    assert after == pytest.approx([third] * 3 + [CELL_MBPS - third], rel=0.05), after
    await stop_all([*edge, *cloud])
