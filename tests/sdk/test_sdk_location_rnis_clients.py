"""The MEC 012 and MEC 013 (v3 and v2.2.1) clients against a running meclab: typed answers
that follow the world, subscriptions through their life, errors as MecApiError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sdk_world import Lab, serve_lab

from meclab.sdk import HttpClient, MecApiError
from meclab.sdk.clients.location import LocationClient
from meclab.sdk.clients.location_v2 import LocationV2Client
from meclab.sdk.clients.rnis import RnisClient
from meclab.services.rnis.models import CellChangeSubscription, FilterCriteriaAssocHo


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


@pytest.fixture
async def http(lab: Lab) -> AsyncIterator[HttpClient]:
    async with HttpClient(lab.config()) as client:
        yield client


async def move(lab: Lab, ue: str, poa: str) -> None:
    async with httpx.AsyncClient(base_url=lab.url) as control:
        answer = await control.post(
            "/meclab/v1/events", json={"type": "move", "ue": ue, "poa": poa}
        )
        assert answer.status_code in (200, 201, 202), answer.text


async def test_location_users_follow_a_move_in_both_versions(lab: Lab, http: HttpClient) -> None:
    v3, v2 = LocationClient(http), LocationV2Client(http)
    before = {u.address: (u.zoneId, u.accessPointId) for u in (await v3.users()).user}
    assert before == {u.address: (u.zoneId, u.accessPointId) for u in (await v2.users()).user}
    assert before["acr:10.0.0.2"][0] != "zone-b"

    await move(lab, "ue-car", "cell-b1")

    in_b = await v3.users(zone_id="zone-b")
    assert {u.address for u in in_b.user} >= {"acr:10.0.0.2"}
    assert all(u.zoneId == "zone-b" for u in in_b.user)
    car = (await v2.users(address="acr:10.0.0.2")).user
    assert [(u.zoneId, u.accessPointId) for u in car] == [("zone-b", "cell-b1")]


async def test_location_zones_and_access_points_match_the_scenario(
    lab: Lab, http: HttpClient
) -> None:
    v3 = LocationClient(http)
    zones = {z.zoneId for z in (await v3.zones()).zone}
    assert zones == {"zone-a", "zone-b"}
    points = {p.accessPointId for p in (await v3.access_points("zone-a")).accessPoint}
    assert points == {"cell-a1", "wifi-a2"}
    with pytest.raises(MecApiError) as caught:
        await v3.zone("zone-nowhere")
    assert caught.value.status == 404
    assert caught.value.problem.status == 404


async def test_rnis_subscription_life_typed(lab: Lab, http: HttpClient) -> None:
    rnis = RnisClient(http)
    wanted = CellChangeSubscription(
        subscriptionType="CellChangeSubscription",
        callbackReference="http://127.0.0.1:9/cb",
        filterCriteriaAssocHo=FilterCriteriaAssocHo(appInstanceId=lab.app_id("my-app")),
    )
    created = await rnis.subscribe(wanted)
    assert created.value.links is not None and created.value.links.self.href == created.location

    listed = await rnis.subscriptions("cell_change")
    assert [s.href for s in listed.links.subscription or []] == [created.location]
    assert (await rnis.subscriptions("meas_rep_ue")).links.subscription in (None, [])

    got = await rnis.subscription(created.location)
    assert isinstance(got.value, CellChangeSubscription)
    assert got.value.callbackReference == "http://127.0.0.1:9/cb"

    await rnis.unsubscribe(created.location)
    with pytest.raises(MecApiError) as caught:
        await rnis.subscription(created.location)
    assert caught.value.status == 404
