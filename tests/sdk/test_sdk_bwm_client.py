"""The MEC 015 BWM client against a running meclab: an allocation through its life, filters,
ETags, and problems (400, 404, 409, 412) as MecApiError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sdk_world import Lab, serve_lab

from meclab.sdk import HttpClient, MecApiError
from meclab.sdk.clients.bwm import BwmClient
from meclab.services.bwm.admission import ADMISSIBLE_FRACTION
from meclab.services.bwm.models import (
    AllocationDirection,
    BwInfo,
    BwInfoDeltas,
    RequestType,
    SessionFilter,
)

APP_LEVEL = RequestType.APPLICATION_SPECIFIC_BW_ALLOCATION
SESSIONS = RequestType.SESSION_SPECIFIC_BW_ALLOCATION


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


@pytest.fixture
async def bwm(lab: Lab) -> AsyncIterator[BwmClient]:
    async with HttpClient(lab.config()) as http:
        yield BwmClient(http)


def downlink(app: str, bps: int) -> BwInfo:
    return BwInfo(
        appInsId=app,
        requestType=APP_LEVEL,
        fixedAllocation=str(bps),
        allocationDirection=AllocationDirection.DOWNLINK,
    )


async def test_an_allocation_through_its_life(lab: Lab, bwm: BwmClient) -> None:
    mine = lab.app_id("my-app")
    made = await bwm.create(downlink(mine, 5_000_000))
    allocation = made.value
    assert allocation.allocationId is not None and allocation.timeStamp is not None
    assert allocation.appName == "my-app"
    assert made.location.endswith(f"/bwm/v1/bw_allocations/{allocation.allocationId}")
    read = await bwm.get(allocation.allocationId)
    assert read.value == allocation and read.etag == made.etag

    wider = allocation.model_copy(update={"allocationDirection": AllocationDirection.SYMMETRICAL})
    replaced = await bwm.replace(wider, if_match=read.etag)
    assert replaced.value.allocationDirection is AllocationDirection.SYMMETRICAL

    deltas = BwInfoDeltas(appInsId=mine, requestType=APP_LEVEL, fixedAllocation="6000000")
    patched = await bwm.patch(allocation.allocationId, deltas, if_match=replaced.etag)
    assert patched.fixedAllocation == "6000000"
    assert patched.allocationDirection is AllocationDirection.SYMMETRICAL

    with pytest.raises(MecApiError) as stale:
        await bwm.delete(allocation.allocationId, if_match=replaced.etag)
    assert stale.value.status == 412
    await bwm.delete(allocation.allocationId)
    with pytest.raises(MecApiError) as gone:
        await bwm.get(allocation.allocationId)
    assert gone.value.status == 404


async def test_filters(lab: Lab, bwm: BwmClient) -> None:
    mine, peer = lab.app_id("my-app"), lab.app_id("peer-app")
    first = (await bwm.create(downlink(mine, 1000))).value
    session = BwInfo(
        appInsId=peer,
        requestType=SESSIONS,
        sessionFilter=[SessionFilter(sourceIp="10.0.0.1", sourcePort=["4000", "4001"])],
        fixedAllocation="2000",
        allocationDirection=AllocationDirection.UPLINK,
    )
    second = (await bwm.create(session)).value
    assert await bwm.list() == [first, second]
    assert await bwm.list(app_instance_id=peer) == [second]
    assert await bwm.list(app_name=["my-app", "peer-app"]) == [first, second]
    assert second.allocationId is not None
    assert await bwm.list(session_id=second.allocationId, app_name="my-app") == []


async def test_problems_are_mec_api_errors(lab: Lab, bwm: BwmClient) -> None:
    mine = lab.app_id("my-app")
    with pytest.raises(MecApiError) as unknown:
        await bwm.create(downlink("no-such-instance", 1000))
    assert unknown.value.status == 404
    bad = downlink(mine, 1000).model_dump()
    bad["fixedAllocation"] = "fast"
    with pytest.raises(MecApiError) as invalid:
        await bwm.http.post("/bwm/v1/bw_allocations", bad, BwInfo)
    assert invalid.value.status == 400
    mbps = lab.platforms.world.top.elements["mec-a"].netchar.throughput_dl_mbps  # type: ignore[union-attr]
    assert mbps is not None
    with pytest.raises(MecApiError) as refused:
        await bwm.create(downlink(mine, int(ADMISSIBLE_FRACTION * mbps * 1e6) + 1))
    assert refused.value.status == 409
    assert await bwm.list() == []
    with pytest.raises(ValueError, match="allocationId"):
        await bwm.replace(downlink(mine, 1000))
