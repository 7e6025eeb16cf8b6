"""Shared capacity with real relayed flows: the UEs of one cell share its uplink.

Every flow is a backlogged TCP echo loop through SOCKS5; the cell's uplink throughput is its
bottleneck (the downlink is unlimited), so what the client reads back is what its share lets
up. The runtime ticks at 10 Hz, as under ``meclab up``; throughput is measured at the clients
over a window that starts once the queues committed at the previous rates have drained.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import until

from meclab.dataplane.flows import Flow
from meclab.engine.netchar import Direction

from .conftest import CELL_A, CELL_B, Env, close, dp_document, socks_connect, start_env, stop_env

CELL_MBPS = 32.0
"""The cell's uplink. 4 flows of 8 Mbit/s drain a 256 KiB queue (the pipelines' smallest
buffer limit) in a quarter of a second, so a new division shows within a short warm-up."""
SETTLE_S = 0.7
"""Warm-up after a change: the old rate's queue drains, the next tick divides again."""
WINDOW_S = 1.0
EXTRA_UES = ("ue-3", "ue-4", "ue-5")
"""More terminals, starting in cell-a beside ue-1."""


def shared_document(echo: tuple[str, int]) -> dict[str, Any]:
    document = dp_document(echo)
    operator = document["domains"][0]
    for zone in operator["zones"]:
        zone["poas"][0]["netchar"]["throughput_ul_mbps"] = CELL_MBPS
    for n, name in enumerate(EXTRA_UES, start=3):
        operator["terminals"].append(
            {"name": name, "address": f"acr:10.0.0.{n}", "path": [list(CELL_A)]}
        )
    return document


@pytest.fixture
async def shared(tmp_path: Path, echo: tuple[str, int]) -> AsyncIterator[Env]:
    started = await start_env(tmp_path, shared_document(echo))
    started.runtime.start()
    try:
        yield started
    finally:
        await stop_env(started)


class Loop:
    """A backlogged echo flow: writes all the time, counts what comes back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.received = 0
        self.tasks = [asyncio.create_task(self._send()), asyncio.create_task(self._read())]

    async def _send(self) -> None:
        block = b"x" * 65536
        with contextlib.suppress(ConnectionError):
            while True:
                self.writer.write(block)
                await self.writer.drain()

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await self.reader.read(1 << 20):
                self.received += len(data)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await close(self.writer)


async def open_loops(env: Env, ues: list[str], app: str = "cloud-echo") -> list[Loop]:
    loops = []
    for ue in ues:
        reader, writer = await socks_connect(env.socks, ue, app, 7)
        loops.append(Loop(reader, writer))
    await until(lambda: len(env.plane.registry.open) >= len(ues), "the flows to open")
    return loops


async def rates_mbps(loops: list[Loop], settle_s: float = SETTLE_S) -> list[float]:
    """Each loop's throughput over :data:`WINDOW_S`, after ``settle_s``."""
    await asyncio.sleep(settle_s)
    before = [loop.received for loop in loops]
    started = time.monotonic()
    await asyncio.sleep(WINDOW_S)
    elapsed = time.monotonic() - started
    return [(loop.received - b) * 8 / elapsed / 1e6 for loop, b in zip(loops, before, strict=True)]


def flow_of(env: Env, ue: str) -> Flow:
    (flow,) = env.plane.registry.of_ue(ue)
    return flow


async def stop_all(loops: list[Loop]) -> None:
    for loop in loops:
        await loop.stop()


async def test_flows_of_one_cell_get_a_fair_share_each(shared: Env) -> None:
    ues = ["ue-1", *EXTRA_UES]
    loops = await open_loops(shared, ues)
    measured = await rates_mbps(loops)
    assert measured == pytest.approx([CELL_MBPS / 4] * 4, rel=0.05), measured
    for ue in ues:
        assert flow_of(shared, ue).share_bps[0] == pytest.approx(CELL_MBPS / 4 * 1e6)
    load = shared.plane.switch.capacity.load("cell-a")  # type: ignore[union-attr]
    up = load["up"]
    assert load["down"] is None  # the cell's downlink has no throughput: nothing shared
    assert up["flows"] == 4 and up["active_ues"] == 4
    assert up["utilisation"] == pytest.approx(1.0, rel=0.05)
    assert set(up["ue_throughput_mbps"]) == set(ues)
    for rate in up["ue_throughput_mbps"].values():
        assert rate == pytest.approx(CELL_MBPS / 4, rel=0.05)
    await stop_all(loops)


async def test_a_flow_alone_gets_its_paths_rate_and_one_leaving_restores_the_others(
    shared: Env,
) -> None:
    (alone,) = await open_loops(shared, ["ue-1"])
    (measured,) = await rates_mbps([alone])
    assert measured == pytest.approx(CELL_MBPS, rel=0.05)
    flow = flow_of(shared, "ue-1")
    assert flow.up.shape.rate_Bps == pytest.approx(CELL_MBPS * 1e6 / 8)  # the path's own rate
    # alone, it has the whole capacity; the downlink shares none
    assert flow.share_bps == (pytest.approx(CELL_MBPS * 1e6), None)

    (other,) = await open_loops(shared, ["ue-3"])
    pair = await rates_mbps([alone, other])
    assert pair == pytest.approx([CELL_MBPS / 2] * 2, rel=0.05), pair
    await other.stop()
    await until(lambda: len(shared.plane.registry.open) == 1, "the second flow to close")
    (restored,) = await rates_mbps([alone])
    assert restored == pytest.approx(CELL_MBPS, rel=0.05)
    await alone.stop()


async def test_a_flow_limited_elsewhere_leaves_its_share_to_the_others(shared: Env) -> None:
    # cloud-echo's path gets a 4 Mbit/s bottleneck beyond the cell; edge-a's has none
    limit = {"throughput_ul_mbps": 4.0, "throughput_dl_mbps": 4.0}
    await shared.runtime.set_netchar("cloud", limit)
    slow = await open_loops(shared, ["ue-1"])
    fast = await open_loops(shared, ["ue-3"], app="edge-a")
    measured = await rates_mbps([*slow, *fast])
    assert measured == pytest.approx([4.0, CELL_MBPS - 4.0], rel=0.05), measured
    await stop_all([*slow, *fast])


async def test_a_handover_moves_the_flows_share_to_the_new_cell(shared: Env) -> None:
    loops = await open_loops(shared, ["ue-1", "ue-3", "ue-2"])  # cell-a, cell-a, cell-b
    before = await rates_mbps(loops)
    assert before == pytest.approx([CELL_MBPS / 2, CELL_MBPS / 2, CELL_MBPS], rel=0.05), before

    await shared.move("ue-3", CELL_B)
    # within the event's handling: ue-3 now shares cell-b with ue-2, ue-1 has cell-a alone
    assert flow_of(shared, "ue-3").share_bps[0] == pytest.approx(CELL_MBPS / 2 * 1e6)
    assert flow_of(shared, "ue-2").share_bps[0] == pytest.approx(CELL_MBPS / 2 * 1e6)
    assert flow_of(shared, "ue-1").share_bps[0] == pytest.approx(CELL_MBPS * 1e6)  # alone
    after = await rates_mbps(loops, settle_s=SETTLE_S + 0.3)  # ue-2's queue was at 32 Mbit/s
    assert after == pytest.approx([CELL_MBPS, CELL_MBPS / 2, CELL_MBPS / 2], rel=0.05), after
    capacity = shared.plane.switch.capacity  # type: ignore[union-attr]
    assert set(capacity.load("cell-b")["up"]["ue_throughput_mbps"]) == {"ue-2", "ue-3"}
    await stop_all(loops)


async def test_a_guarantee_holds_while_the_others_saturate_the_cell(shared: Env) -> None:
    ues = ["ue-1", *EXTRA_UES]
    loops = await open_loops(shared, ues)
    capacity = shared.plane.switch.capacity  # type: ignore[union-attr]
    guaranteed = flow_of(shared, "ue-1")
    capacity.set_guarantee(guaranteed.id, Direction.UP, 20e6)
    assert guaranteed.share_bps[0] == pytest.approx(20e6)  # at once
    measured = await rates_mbps(loops)
    # the rest shared fairly among the other three: 4 Mbit/s each
    rest = (CELL_MBPS - 20.0) / 3
    assert measured == pytest.approx([20.0, rest, rest, rest], rel=0.05), measured

    capacity.set_guarantee(guaranteed.id, Direction.UP, 0)  # released: fair again
    released = await rates_mbps(loops)
    assert released == pytest.approx([CELL_MBPS / 4] * 4, rel=0.05), released
    await stop_all(loops)


async def test_a_matchers_guarantee_applies_to_flows_opened_later(shared: Env) -> None:
    capacity = shared.plane.switch.capacity  # type: ignore[union-attr]

    def of_ue_5(flow: Flow) -> bool:
        return flow.route.ue == "ue-5"

    capacity.set_guarantee(of_ue_5, Direction.UP, 24e6)
    loops = await open_loops(shared, ["ue-1", "ue-5"])
    measured = await rates_mbps(loops)
    assert measured == pytest.approx([CELL_MBPS - 24.0, 24.0], rel=0.05), measured
    await stop_all(loops)
