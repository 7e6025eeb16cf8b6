"""BandwidthNeed and ThroughputMeter against a running meclab, on a clock the test sets: an
allocation asked for once the measured throughput has stayed below the need, replaced when
the need changes, released when it goes; a refusal kept and not asked again too soon."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sdk_world import Lab, serve_lab

from meclab.sdk import HttpClient
from meclab.sdk.bandwidth import BandwidthNeed, Direction, ThroughputMeter
from meclab.sdk.clients.bwm import BwmClient
from meclab.services.bwm.admission import ADMISSIBLE_FRACTION
from meclab.services.bwm.models import SessionFilter

NEED = 8_000_000


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


@pytest.fixture
async def bwm(lab: Lab) -> AsyncIterator[BwmClient]:
    async with HttpClient(lab.config()) as http:
        yield BwmClient(http)


def test_the_meter_counts_bytes_over_its_window() -> None:
    clock = Clock()
    meter = ThroughputMeter(1.0, clock=clock)
    clock.t += 0.5
    meter.add(50_000)
    assert meter.rate_bps() == pytest.approx(50_000 * 8 / 0.5)  # younger than a window
    clock.t += 0.5
    meter.add(50_000)
    assert meter.rate_bps() == pytest.approx(100_000 * 8)
    clock.t += 0.6  # the first 50 kB left the window
    assert meter.rate_bps() == pytest.approx(50_000 * 8)
    with pytest.raises(ValueError, match="window_s"):
        ThroughputMeter(0)


async def test_asked_after_staying_below_replaced_then_released(lab: Lab, bwm: BwmClient) -> None:
    clock = Clock()
    mine = lab.app_id("my-app")
    need = BandwidthNeed(bwm, mine, direction=Direction.DOWNLINK, below_s=1.0, clock=clock)
    need.set_need(NEED / 2)
    await need.observe(0.0)
    clock.t += 0.9
    need.set_need(NEED)  # a new need: what was measured for the old one no longer counts
    await need.observe(0.0)
    clock.t += 0.2
    await need.observe(0.0)
    assert need.allocation is None
    await need.observe(NEED)  # met: nothing asked
    await need.observe(0.5 * NEED)  # below, but not for long yet
    clock.t += 0.5
    await need.observe(0.5 * NEED)
    assert need.allocation is None and await bwm.list() == []
    clock.t += 0.6
    await need.observe(0.5 * NEED)  # below for more than a second: asked
    assert need.allocation is not None
    (kept,) = await bwm.list(app_instance_id=mine)
    assert kept.allocationId == need.allocation.allocationId
    assert kept.fixedAllocation == str(NEED) and kept.allocationDirection == Direction.DOWNLINK

    await need.observe(2 * NEED)  # what it bought: kept
    need.set_need(2 * NEED)
    await need.observe(2 * NEED)  # a new need: the allocation follows
    (kept,) = await bwm.list(app_instance_id=mine)
    assert kept.fixedAllocation == str(2 * NEED)

    need.set_need(0)
    await need.observe(0)
    assert need.allocation is None and await bwm.list() == []


async def test_a_session_allocation_is_released_when_the_block_ends(
    lab: Lab, bwm: BwmClient
) -> None:
    clock = Clock()
    session = SessionFilter(sourceIp="10.0.0.10", dstAddress="10.0.0.1")
    async with BandwidthNeed(
        bwm, lab.app_id("my-app"), session=session, below_s=0.0, clock=clock
    ) as need:
        need.set_need(NEED)
        await need.observe(0.0)
        (kept,) = await bwm.list()
        assert kept.sessionFilter == [session] and kept.requestType == 1
    assert await bwm.list() == []


async def test_a_refusal_is_kept_and_not_asked_again_too_soon(lab: Lab, bwm: BwmClient) -> None:
    clock = Clock()
    host_mbps = lab.platforms.world.top.elements["mec-a"].netchar.throughput_dl_mbps  # type: ignore[union-attr]
    assert host_mbps is not None
    too_much = int(ADMISSIBLE_FRACTION * host_mbps * 1e6) + 1
    need = BandwidthNeed(bwm, lab.app_id("my-app"), below_s=0.0, retry_s=10.0, clock=clock)
    need.set_need(too_much)
    await need.observe(0.0)
    assert need.allocation is None and need.refused is not None
    assert need.refused.status == 409
    refusal = need.refused
    clock.t += 5.0
    await need.observe(0.0)  # within retry_s: not asked again
    assert need.refused is refusal
    need.set_need(NEED)
    clock.t += 5.1
    await need.observe(0.0)  # retry_s later, a need the host can honour
    assert need.allocation is not None and need.refused is None
    await need.close()
    assert await bwm.list() == []
