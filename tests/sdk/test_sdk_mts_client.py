"""The MEC 015 MTS client against a running meclab: capability info of the host's zone, a
session through its life (create, read, replace under its ETag, delete), errors as
MecApiError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sdk_world import Lab, serve_lab

from meclab.sdk import HttpClient, MecApiError
from meclab.sdk.clients.mts import MtsClient
from meclab.services.mts.models import (
    AccessType,
    FlowFilter,
    MtsMode,
    MtsSessionInfo,
    QosD,
    RequestType,
    TrafficDirection,
)


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


@pytest.fixture
async def mts(lab: Lab) -> AsyncIterator[MtsClient]:
    async with HttpClient(lab.config()) as http:
        yield MtsClient(http)


def session_of(app: str, mode: MtsMode = MtsMode.LOW_LATENCY) -> MtsSessionInfo:
    return MtsSessionInfo(
        appInsId=app,
        requestType=RequestType.FLOW_SPECIFIC_MTS_SESSION,
        flowFilter=[FlowFilter(dstIp="10.0.0.10", dstPort=8080, protocol=6)],
        qosD=QosD(),
        mtsMode=mode,
        trafficDirection=TrafficDirection.SYMMETRICAL,
    )


async def test_capability_info_lists_the_zones_accesses(lab: Lab, mts: MtsClient) -> None:
    info = await mts.capability_info()
    world = lab.platforms.world
    assert world is not None
    zone = lab.platforms.host("mec-a").zone
    in_zone = [p for p in world.top.poas if world.top.elements[p.name].zone == zone]
    assert [a.accessId for a in info.mtsAccessInfo] == [
        world.top.poa_index[p.name] + 1 for p in in_zone
    ]
    assert all(isinstance(a.accessType, AccessType) for a in info.mtsAccessInfo)
    assert set(info.mtsMode) == set(MtsMode)


async def test_a_session_through_its_life(lab: Lab, mts: MtsClient) -> None:
    mine = lab.app_id("my-app")
    created = await mts.create_session(session_of(mine))
    session = created.value
    assert session.sessionId and session.appName == "my-app" and created.etag
    assert created.location.endswith(f"/mts/v1/mts_sessions/{session.sessionId}")

    assert [s.sessionId for s in await mts.sessions(app_instance_id=mine)] == [session.sessionId]
    assert await mts.sessions(app_name="peer-app") == []

    read = await mts.session(session.sessionId)
    assert read.value == session and read.etag == created.etag
    changed = session.model_copy(update={"mtsMode": MtsMode.REDUNDANCY})
    replaced = await mts.replace_session(changed, if_match=read.etag)
    assert replaced.value.mtsMode is MtsMode.REDUNDANCY and replaced.etag != read.etag

    with pytest.raises(MecApiError) as stale:
        await mts.replace_session(changed, if_match=read.etag)
    assert stale.value.status == 412

    await mts.delete_session(session.sessionId, if_match=replaced.etag)
    with pytest.raises(MecApiError) as gone:
        await mts.session(session.sessionId)
    assert gone.value.status == 404


async def test_a_bad_session_is_a_problem_naming_the_field(lab: Lab, mts: MtsClient) -> None:
    with pytest.raises(MecApiError) as unknown:
        await mts.create_session(session_of("no-such-instance"))
    assert unknown.value.status == 404 and "no-such-instance" in str(unknown.value)
    with pytest.raises(ValueError, match="sessionId"):
        await mts.replace_session(session_of(lab.app_id("my-app")))
