"""LiveContextSource on a running meclab: the context follows a move made through the control
API once its TTL has passed, and an Offloader on it places by that live context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sdk_world import Lab, serve_lab

from meclab.sdk.control import ControlClient
from meclab.sdk.errors import ConfigError
from meclab.sdk.offload import AppExecutor, GreedyPolicy, Offloader, Placement, Task
from meclab.sdk.offload.live import LiveContextSource


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def control(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[ControlClient]:
    served: Lab
    async with serve_lab(lab_doc, store_path) as served, ControlClient(served.config()) as client:
        yield client


async def test_the_context_is_the_world_and_follows_a_move_after_its_ttl(
    control: ControlClient,
) -> None:
    clock = FakeTime()
    source = LiveContextSource(control, "ue-car", ttl_s=5.0, clock=clock)
    ctx = await source.context()
    path = await control.netchar("ue-car", "mec-a")
    terminal = await control.terminal("ue-car")
    mec_a = await control.node("mec-a")
    assert ctx.edge is not None and ctx.cloud is not None
    assert ctx.edge.link.latency_ms == pytest.approx(path.latency_ms)
    assert ctx.edge.link.loss_pct == pytest.approx(path.loss_pct)
    assert ctx.edge.link.up_mbps == path.throughput_mbps
    assert (ctx.edge.node.cores, ctx.edge.node.speed_ghz) == (
        mec_a.compute.cores,
        mec_a.compute.speed_ghz,
    )
    assert ctx.terminal.cores == terminal.compute.cores
    assert terminal.radio is not None and ctx.radio == terminal.radio.value
    radio_energy = terminal.energy.radio[terminal.radio]
    assert ctx.energy.tx_nj_per_bit == pytest.approx(radio_energy.tx_nj_per_bit)
    assert ctx.energy.cpu_nj_per_cycle == pytest.approx(terminal.energy.cpu_nj_per_cycle)

    await control.move("ue-car", "cell-b1")  # zone-b: no MEC host there
    assert await source.context() is ctx  # still within the TTL
    clock.now = 5.0
    moved = await source.context()
    assert moved.edge is None and moved.cloud is not None
    assert moved.cloud.link.latency_ms != ctx.cloud.link.latency_ms
    assert moved.radio == "4G"

    pinned = LiveContextSource(control, "ue-car", edge="mec-a", clock=clock)
    far = await pinned.context()
    assert far.edge is not None and far.edge.link.latency_ms > ctx.edge.link.latency_ms


async def test_an_offloader_on_it_places_by_the_live_context(control: ControlClient) -> None:
    clock = FakeTime()
    source = LiveContextSource(control, "ue-car", ttl_s=1.0, clock=clock)

    def at(placement: Placement) -> AppExecutor:
        return AppExecutor(lambda payload: placement.value)

    offloader = Offloader(source, GreedyPolicy(), {p: at(p) for p in Placement}, clock=clock)
    task = Task(cycles=1e10)  # 5 s on one phone core, about 3.2 s on a server core
    assert (await offloader.run(task)).placement is Placement.EDGE
    await control.move("ue-car", "cell-b1")
    clock.now = 1.0
    assert (await offloader.run(task)).placement is Placement.CLOUD


async def test_an_unknown_edge_names_the_nodes_that_exist(control: ControlClient) -> None:
    source = LiveContextSource(control, "ue-car", edge="mec-z")
    with pytest.raises(ConfigError, match=r"mec-z.*mec-a"):
        await source.context()
