"""NotificationReceiver against a running meclab: each API's subscriptions deliver typed
notifications to their callbacks, and a body the SDK cannot read is counted, not fatal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from helpers import until
from sdk_world import Lab, serve_lab

from meclab.platform.service_info import ChangeType, ServiceState
from meclab.platform.wire import WireModel
from meclab.sdk import HttpClient
from meclab.sdk.clients.app_support import AppSupportClient
from meclab.sdk.clients.rnis import RnisClient
from meclab.sdk.clients.service_mgmt import ServiceMgmtClient, rest_service
from meclab.sdk.notifications import Api
from meclab.sdk.receiver import NotificationReceiver
from meclab.services.location.models_v2 import ZonalPresenceNotification
from meclab.services.location.models_v3_notifications import ZoneLocationEventNotification
from meclab.services.mec011.models import FilteringCriteria, ServiceAvailabilityNotification
from meclab.services.rnis.models import (
    CellChangeSubscription,
    CellUserInfo,
    FilterCriteriaAssocHo,
)
from meclab.services.rnis.models_common import HoStatus
from meclab.services.rnis.models_notifications import CellChangeNotification
from meclab.services.rnis.models_notifications import TestNotification as RnisTest
from meclab.services.wai.models_subs import AssocStaNotification

LOC = "/location/v2"


class Inbox:
    """A callback that keeps what it is given."""

    def __init__(self) -> None:
        self.notes: list[WireModel] = []

    async def __call__(self, note: WireModel) -> None:
        self.notes.append(note)


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


@pytest.fixture
async def receiver() -> AsyncIterator[NotificationReceiver]:
    async with NotificationReceiver() as started:
        yield started


async def post(lab: Lab, path: str, body: Any) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.post(lab.url + path, json=body) as reply:
        assert reply.status in (200, 201), await reply.text()
        answer: dict[str, Any] = await reply.json()
        return answer


async def test_each_api_hands_its_typed_notifications_to_the_callback(
    lab: Lab, receiver: NotificationReceiver
) -> None:
    rnis, wai, loc3, loc2 = Inbox(), Inbox(), Inbox(), Inbox()
    rnis_sub = await post(
        lab,
        "/rni/v2/subscriptions",
        {
            "subscriptionType": "CellChangeSubscription",
            "callbackReference": receiver.callback_url(Api.RNIS, rnis),
            "filterCriteriaAssocHo": {},
            "requestTestNotification": True,
        },
    )
    await post(
        lab,
        "/wai/v2/subscriptions",
        {
            "subscriptionType": "AssocStaSubscription",
            "callbackReference": receiver.callback_url(Api.WAI, wai),
            "apId": {"bssid": "02:00:00:00:00:a2"},
            "notificationEvent": {"trigger": 1, "threshold": 0},
        },
    )
    await post(
        lab,
        f"{LOC}/subscriptions/zones",
        {
            "zoneLocationEventSubscription": {
                "subscriptionType": "ZoneLocationEventSubscription",
                "callbackReference": receiver.callback_url(Api.LOCATION_V3, loc3),
                "zoneId": "zone-a",
            }
        },
    )
    await post(
        lab,
        f"{LOC}/subscriptions/zonalTraffic",
        {
            "zonalTrafficSubscription": {
                "callbackReference": {"notifyURL": receiver.callback_url(Api.LOCATION_V2, loc2)},
                "zoneId": "zone-a",
            }
        },
    )
    await until(lambda: len(rnis.notes) == 1, "the RNIS test notification")
    (test,) = rnis.notes
    assert isinstance(test, RnisTest)
    assert test.links.subscription.href == rnis_sub["_links"]["self"]["href"]

    await post(lab, "/meclab/v1/events", {"type": "move", "ue": "ue-far", "poa": "wifi-a2"})
    await until(lambda: bool(wai.notes and loc3.notes and loc2.notes), "WAI and Location notes")
    assert isinstance(wai.notes[0], AssocStaNotification)
    zone3 = loc3.notes[0]
    assert isinstance(zone3, ZoneLocationEventNotification)
    assert (zone3.address, zone3.zoneId) == ("acr:10.0.0.3", "zone-a")
    zone2 = loc2.notes[0]
    assert isinstance(zone2, ZonalPresenceNotification)
    assert (zone2.address, zone2.zoneId, zone2.currentAccessPointId) == (
        "acr:10.0.0.3",
        "zone-a",
        "wifi-a2",
    )
    assert receiver.unparseable == 0 and receiver.callback_errors == 0


async def test_service_availability_notifications_follow_a_peers_service(
    lab: Lab, receiver: NotificationReceiver
) -> None:
    inbox = Inbox()
    async with HttpClient(lab.config()) as http:
        mgmt = ServiceMgmtClient(http)
        me, peer = lab.app_id("my-app"), lab.app_id("peer-app")
        sub = await mgmt.subscribe_availability(
            me, receiver.callback_url(Api.MEC011, inbox), FilteringCriteria(serNames=["video"])
        )
        await AppSupportClient(http).confirm_ready(peer)
        await mgmt.register_service(peer, rest_service("audio", "http://10.0.0.9/a"))  # not watched
        info = rest_service("video", "http://10.0.0.9/v")
        video = (await mgmt.register_service(peer, info)).value
        await until(lambda: len(inbox.notes) == 1, "the ADDED notification")
        suspended = info.model_copy(update={"state": ServiceState.SUSPENDED})
        await mgmt.update_service(peer, video.serInstanceId or "", suspended)
        await until(lambda: len(inbox.notes) == 2, "the STATE_CHANGED notification")
        await mgmt.deregister_service(peer, video.serInstanceId or "")
        await until(lambda: len(inbox.notes) == 3, "the REMOVED notification")

    changes = []
    for note in inbox.notes:
        assert isinstance(note, ServiceAvailabilityNotification)
        assert note.links.subscription.href == sub.location
        (ref,) = note.serviceReferences
        assert (ref.serName, ref.serInstanceId) == ("video", video.serInstanceId)
        changes.append((ref.changeType, ref.state))
    assert changes == [
        (ChangeType.ADDED, ServiceState.ACTIVE),
        (ChangeType.STATE_CHANGED, ServiceState.SUSPENDED),
        (ChangeType.REMOVED, ServiceState.SUSPENDED),
    ]
    assert receiver.unparseable == 0 and receiver.callback_errors == 0


async def serving_cell(rnis: RnisClient, ipv4: str) -> CellUserInfo:
    """The cell RNIS says serves the UE at ``ipv4``, with that UE alone in its ueInfo."""
    (cell,) = (await rnis.rab_info(ue_ipv4_address=ipv4)).cellUserInfo or []
    return cell


def with_two_4g_cells_in_zone_a(lab_doc: dict[str, Any]) -> dict[str, Any]:
    """The lab with cell-a1 made 4G and a 4G cell-a3 beside it: mec-a's RNIS sees both (its
    scope is its zone's cells), so a move between them is a handover it reports."""
    zone_a = lab_doc["domains"][0]["zones"][0]
    zone_a["poas"][0]["type"] = "4G"  # cell-a1, cell_id 0x1
    zone_a["poas"].append(
        {
            "name": "cell-a3",
            "type": "4G",
            "position": [0.001, 0.0],
            "radius_m": 300.0,
            "cell_id": "0x3",
        }
    )
    return lab_doc


async def test_a_cell_change_reaches_the_callback_as_its_model(
    lab_doc: dict[str, Any], store_path: Path, receiver: NotificationReceiver
) -> None:
    inbox = Inbox()
    world = serve_lab(with_two_4g_cells_in_zone_a(lab_doc), store_path)
    async with world as lab, HttpClient(lab.config()) as http:
        rnis = RnisClient(http)
        wanted = CellChangeSubscription(
            subscriptionType="CellChangeSubscription",
            callbackReference=receiver.callback_url(Api.RNIS, inbox),
            filterCriteriaAssocHo=FilterCriteriaAssocHo(),
        )
        sub = await rnis.subscribe(wanted)
        before = await serving_cell(rnis, "10.0.0.2")  # ue-car
        await post(lab, "/meclab/v1/events", {"type": "move", "ue": "ue-car", "poa": "cell-a3"})
        await until(lambda: bool(inbox.notes), "the CellChangeNotification")
        after = await serving_cell(rnis, "10.0.0.2")

    assert after.ecgi != before.ecgi
    (note,) = inbox.notes
    assert isinstance(note, CellChangeNotification)
    assert note.links.subscription.href == sub.location
    assert note.associateId == before.ueInfo[0].associateId
    assert (note.srcEcgi, note.trgEcgi) == (before.ecgi, [after.ecgi])
    assert note.hoStatus is HoStatus.COMPLETED


async def test_an_unreadable_body_is_counted_and_the_receiver_keeps_working(
    receiver: NotificationReceiver,
) -> None:
    inbox = Inbox()
    url = receiver.callback_url(Api.RNIS, inbox)
    good = {"notificationType": "TestNotification", "_links": {"subscription": {"href": "h"}}}
    async with aiohttp.ClientSession() as session:
        for body in (b"not json", b'{"notificationType": "Nonsense"}', b"[1]"):
            async with session.post(url, data=body) as reply:
                assert reply.status == 400
        async with session.post(url, json=good) as reply:
            assert reply.status == 204
        async with session.post(url + "-other", json=good) as reply:
            assert reply.status == 404
    await until(lambda: len(inbox.notes) == 1, "the readable notification")
    assert (receiver.unparseable, receiver.received) == (3, 1)


async def test_a_failing_callback_is_counted_and_sync_callbacks_work(
    receiver: NotificationReceiver,
) -> None:
    seen: list[WireModel] = []

    def broken(note: WireModel) -> None:
        raise RuntimeError("the app's bug")

    good = {"notificationType": "TestNotification", "_links": {"subscription": {"href": "h"}}}
    async with aiohttp.ClientSession() as session:
        for callback in (broken, seen.append):
            async with session.post(receiver.callback_url(Api.WAI, callback), json=good) as r:
                assert r.status == 204
    await until(lambda: receiver.callback_errors == 1 and len(seen) == 1, "both callbacks")
