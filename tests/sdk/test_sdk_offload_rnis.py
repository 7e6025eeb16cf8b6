"""RnisContextSource on a running meclab: the UE's radio link read from RNIS layer 2 alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from sdk_world import serve_lab

from meclab.sdk.control import ControlClient
from meclab.sdk.offload import AppExecutor, GreedyPolicy, Offloader, Placement, Task
from meclab.sdk.offload.context import EnergyModel, Link, Node
from meclab.sdk.offload.rnis_source import Beyond, RnisContextSource, radio_link, through
from meclab.sdk.platform import MecPlatform

PHONE = Node(cores=2, speed_ghz=2.0)
ENERGY = EnergyModel(cpu_nj_per_cycle=1.0, tx_nj_per_bit=100.0, rx_nj_per_bit=50.0, idle_w=0.3)
EDGE = Beyond(Node(cores=8, speed_ghz=3.0), latency_ms=2.5, loss_pct=1.0)
CLOUD = Beyond(Node(cores=64, speed_ghz=3.0), latency_ms=31.0, loss_pct=0.5, mbps=20.0)


@pytest.fixture
async def world(
    lab_doc: dict[str, Any], store_path: Path
) -> AsyncIterator[tuple[MecPlatform, ControlClient]]:
    doc = deepcopy(lab_doc)
    # zone-a's cell as an LTE one: RNIS layer 2 reports LTE cells (5 ms, 2 %, 300/50 Mbit/s)
    cell = doc["domains"][0]["zones"][0]["poas"][0]
    assert cell["name"] == "cell-a1"
    cell["type"] = "4G"
    async with (
        serve_lab(doc, store_path) as lab,
        MecPlatform(lab.config()) as platform,
        ControlClient(lab.config()) as control,
    ):
        yield platform, control


def source(platform: MecPlatform, ue: str, **options: Any) -> RnisContextSource:
    return RnisContextSource(
        platform.rnis, ue, terminal=PHONE, energy=ENERGY, edge=EDGE, cloud=CLOUD, **options
    )


async def test_the_radio_link_is_what_rnis_reports_and_each_site_lies_beyond_it(
    world: tuple[MecPlatform, ControlClient],
) -> None:
    platform, control = world
    await control.move("ue-car", "cell-a1")
    ctx = await source(platform, "acr:10.0.0.2").context()
    meas = await platform.rnis.layer2_meas(ue_ipv4_address="10.0.0.2")
    (entry,) = meas.cellUEInfo or []
    assert entry.dl_nongbr_delay_ue == 5 and entry.dl_nongbr_pdr_ue == 2  # the cell's, rounded
    assert ctx.radio == "4G" and ctx.edge is not None and ctx.cloud is not None
    assert ctx.edge.link.latency_ms == pytest.approx(5.0 + 2.5)
    assert ctx.edge.link.loss_pct == pytest.approx(100 * (1 - 0.98 * 0.99))
    assert ctx.edge.link.up_mbps == pytest.approx((entry.ul_nongbr_throughput_ue or 0) / 1000)
    assert ctx.edge.node == EDGE.node
    assert ctx.cloud.link.latency_ms == pytest.approx(5.0 + 31.0)
    assert ctx.cloud.link.down_mbps == pytest.approx(20.0)  # the internet is the narrower part
    assert ctx.terminal == PHONE and ctx.energy == ENERGY


async def test_without_an_entry_the_ue_is_out_of_reach_unless_told_otherwise(
    world: tuple[MecPlatform, ControlClient],
) -> None:
    platform, _ = world
    far = await source(platform, "10.0.0.3").context()  # ue-far: in no cell's coverage
    assert far.edge is None and far.cloud is None and far.radio is None
    assumed = Link(latency_ms=8.0, up_mbps=10.0, down_mbps=40.0)
    told = await source(platform, "10.0.0.3", unreported=assumed).context()
    assert told.edge == through(assumed, EDGE) and told.radio is None


async def test_an_offloader_on_it_follows_the_ue_out_of_coverage(
    world: tuple[MecPlatform, ControlClient],
) -> None:
    platform, control = world
    await control.move("ue-car", "cell-a1")
    now = [0.0]
    rnis = source(platform, "10.0.0.2", ttl_s=1.0, clock=lambda: now[0])

    def at(placement: Placement) -> AppExecutor:
        return AppExecutor(lambda payload: placement.value)

    offloader = Offloader(rnis, GreedyPolicy(), {p: at(p) for p in Placement}, clock=lambda: now[0])
    task = Task(cycles=2e10)  # 5 s on both phone cores, under 1 s on the edge's
    assert (await offloader.run(task)).placement is Placement.EDGE
    await control.move("ue-car", "cell-b1")  # zone-b: cells the platform of zone-a does not hear
    rnis.invalidate()
    assert (await offloader.run(task)).placement is Placement.TERMINAL


def test_a_link_with_nothing_scheduled_still_counts_as_a_link() -> None:
    link = radio_link(4.0, 0.0, 0, None)
    assert link.up_mbps is not None and 0 < link.up_mbps < 1e-5 and link.down_mbps is None
