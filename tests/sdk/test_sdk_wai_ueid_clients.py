"""The MEC 028 and MEC 014 clients against a running meclab: typed answers that follow the
world, subscriptions and tag registrations through their life, errors as MecApiError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sdk_world import Lab, serve_lab

from meclab.sdk import HttpClient, MecApiError
from meclab.sdk.clients.ueid import UeIdentityClient
from meclab.sdk.clients.wai import WaiClient
from meclab.services.ueid.models import TagState
from meclab.services.wai.models_ids import ApIdentity
from meclab.services.wai.models_subs import AssocStaSubscription

BSSID = "02:00:00:00:00:a2"
"""wifi-a2's, in the lab scenario."""


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


@pytest.fixture
async def http(lab: Lab) -> AsyncIterator[HttpClient]:
    async with HttpClient(lab.config()) as client:
        yield client


async def test_wai_stations_follow_a_move_and_filters_apply(lab: Lab, http: HttpClient) -> None:
    wai = WaiClient(http)
    assert [ap.apId.bssid for ap in await wai.ap_information()] == [BSSID]
    assert await wai.ap_information(filter="(eq,apId/bssid,02:00:00:00:00:ff)") == []
    before = await wai.sta_information()

    async with httpx.AsyncClient(base_url=lab.url) as control:
        moved = await control.post(
            "/meclab/v1/events", json={"type": "move", "ue": "ue-far", "poa": "wifi-a2"}
        )
        assert moved.status_code < 300, moved.text

    after = await wai.sta_information()
    assert len(after) == len(before) + 1
    assert all(s.apAssociated is not None and s.apAssociated.bssid == BSSID for s in after)


async def test_wai_subscription_life_typed(http: HttpClient) -> None:
    wai = WaiClient(http)
    created = await wai.subscribe(
        AssocStaSubscription(
            subscriptionType="AssocStaSubscription",
            callbackReference="http://127.0.0.1:9/wai",
            apId=ApIdentity(bssid=BSSID),
            notificationPeriod=10,
        )
    )
    listed = await wai.subscriptions("assoc_sta")
    assert [s.href for s in listed.subscription or []] == [created.location]
    got = await wai.subscription(created.location)
    assert isinstance(got.value, AssocStaSubscription) and got.value.apId.bssid == BSSID
    await wai.unsubscribe(created.location)
    with pytest.raises(MecApiError) as caught:
        await wai.subscription(created.location)
    assert caught.value.status == 404


async def test_ueid_tags_register_guarded_by_etag(lab: Lab, http: HttpClient) -> None:
    ueid, me = UeIdentityClient(http), lab.app_id("my-app")
    first = await ueid.tags(me, ["ue-walk"])
    assert [(t.ueIdentityTag, t.state) for t in first.value.ueIdentityTags] == [
        ("ue-walk", TagState.UNREGISTERED)
    ]
    done = await ueid.set_tags(me, {"ue-walk": TagState.REGISTERED}, if_match=first.etag)
    assert [t.state for t in done.value.ueIdentityTags] == [TagState.REGISTERED]
    assert [t.state for t in (await ueid.tags(me, ["ue-walk"])).value.ueIdentityTags] == [
        TagState.REGISTERED
    ]
    with pytest.raises(MecApiError) as stale:
        await ueid.set_tags(me, {"ue-walk": TagState.UNREGISTERED}, if_match=first.etag)
    assert stale.value.status == 412
    with pytest.raises(MecApiError) as unknown:
        await ueid.set_tags(me, {"nobody": TagState.REGISTERED})
    assert unknown.value.status == 400
    assert "ueIdentityTags[0].ueIdentityTag" in str(unknown.value.problem.model_dump())
