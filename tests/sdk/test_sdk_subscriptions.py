"""Subscription handles against a running meclab: a short-lived subscription sends its
ExpiryNotification (Location v2.2.1: just ends with its ``duration``); one renewed before its
deadline or duration outlives it; cancel deletes it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from sdk_world import Lab, serve_lab

from meclab.platform.wire import TimeStamp, WireModel
from meclab.sdk import ConfigError, HttpClient, MecApiError
from meclab.sdk.notifications import Api
from meclab.sdk.receiver import NotificationReceiver
from meclab.sdk.subscriptions import Subscription
from meclab.services.rnis.models_notifications import ExpiryNotification

SUBS = "/rni/v2/subscriptions"
ZONAL_TRAFFIC_V2 = "/location/v2/subscriptions/zonalTraffic"


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


def cell_change(callback: str, lifetime_s: float) -> dict[str, Any]:
    return {
        "subscriptionType": "CellChangeSubscription",
        "callbackReference": callback,
        "filterCriteriaAssocHo": {},
        "expiryDeadline": TimeStamp.of(time.time() + lifetime_s).wire(),
    }


def zonal_traffic_v2(callback: str, duration_s: int) -> dict[str, Any]:
    return {
        "zonalTrafficSubscription": {
            "callbackReference": {"notifyURL": callback},
            "zoneId": "zone-a",
            "duration": duration_s,
        }
    }


async def created(http: HttpClient, body: dict[str, Any], collection: str = SUBS) -> str:
    reply = await http.request("POST", collection, json_body=body, expect=(201,))
    assert reply.location is not None
    return reply.location


async def test_an_unrenewed_subscription_expires_with_an_expiry_notification(lab: Lab) -> None:
    notes: list[WireModel] = []
    async with NotificationReceiver() as receiver, HttpClient(lab.config()) as http:
        href = await created(http, cell_change(receiver.callback_url(Api.RNIS, notes.append), 1))
        await until(lambda: bool(notes), "the ExpiryNotification", timeout_s=10)
        (note,) = notes
        assert isinstance(note, ExpiryNotification)
        assert note.links.subscription.href == href
        with pytest.raises(MecApiError) as gone:
            await http.request("GET", href)
        assert gone.value.status == 404


async def test_renewal_keeps_a_subscription_alive_past_its_first_deadline(lab: Lab) -> None:
    notes: list[WireModel] = []
    async with NotificationReceiver() as receiver, HttpClient(lab.config()) as http:
        href = await created(http, cell_change(receiver.callback_url(Api.RNIS, notes.append), 1))
        sub = await Subscription.of(http, href, Api.RNIS)
        first = sub.expiry
        assert first is not None
        sub.renew_before(margin_s=0.6, lifetime_s=1.5)
        await asyncio.sleep(max(0.0, first - time.time()) + 1.0)  # well past the first deadline
        assert sub.renewals >= 1 and sub.expiry is not None and sub.expiry > first
        assert (await http.request("GET", href)).status == 200
        assert notes == []  # never expired
        await sub.cancel()
        with pytest.raises(MecApiError):
            await http.request("GET", href)


async def test_an_unrenewed_v2_subscription_ends_when_its_duration_runs_out(lab: Lab) -> None:
    # MEC 013 defines no ExpiryNotification: the v2.2.1 resource just goes away.
    notes: list[WireModel] = []
    async with NotificationReceiver() as receiver, HttpClient(lab.config()) as http:
        callback = receiver.callback_url(Api.LOCATION_V2, notes.append)
        href = await created(http, zonal_traffic_v2(callback, 1), ZONAL_TRAFFIC_V2)
        sub = await Subscription.of(http, href, Api.LOCATION_V2)
        assert sub.expiry is not None and sub.expiry - time.time() <= 1.0
        await asyncio.sleep(max(0.0, sub.expiry - time.time()) + 0.3)  # the server's end is earlier
        with pytest.raises(MecApiError) as gone:
            await http.request("GET", href)
        assert gone.value.status == 404
        assert notes == []


async def test_renewal_keeps_a_v2_subscription_alive_past_its_first_duration(lab: Lab) -> None:
    async with NotificationReceiver() as receiver, HttpClient(lab.config()) as http:
        callback = receiver.callback_url(Api.LOCATION_V2, print)
        href = await created(http, zonal_traffic_v2(callback, 1), ZONAL_TRAFFIC_V2)
        sub = await Subscription.of(http, href, Api.LOCATION_V2)
        first = sub.expiry
        assert first is not None
        sub.renew_before(margin_s=0.5, lifetime_s=2)
        await asyncio.sleep(max(0.0, first - time.time()) + 1.0)  # well past the first duration
        assert sub.renewals >= 1 and sub.expiry is not None and sub.expiry > first
        reply = await http.request("GET", href)
        assert reply.body["zonalTrafficSubscription"]["duration"] == 2
        await sub.cancel()
        with pytest.raises(MecApiError):
            await http.request("GET", href)


async def test_mec011_subscriptions_cannot_be_renewed(lab: Lab) -> None:
    async with HttpClient(lab.config()) as http:
        sub = Subscription(http, lab.url + "/mec_app_support/v1/x", Api.MEC011, None)
        with pytest.raises(ConfigError, match="MEC 011"):
            sub.renew_before(margin_s=1, lifetime_s=10)
