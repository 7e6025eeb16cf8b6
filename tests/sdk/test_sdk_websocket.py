"""WebSocketDelivery against a running meclab: a subscription made with requestWebsocketUri
delivers its test notification and its real events as typed objects; deleting it closes the
socket (4404) and ends the delivery; an unknown one is refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from sdk_world import Lab, serve_lab

from meclab.platform.wire import WireModel
from meclab.sdk import HttpClient
from meclab.sdk.errors import SubscriptionGone
from meclab.sdk.notifications import Api
from meclab.sdk.websocket import WebSocketDelivery
from meclab.services.wai.models_subs import (
    AssocStaNotification,
    AssocStaSubscription,
    TestNotification,
)

ASSOC_STA = {
    "subscriptionType": "AssocStaSubscription",
    "websockNotifConfig": {"requestWebsocketUri": True},
    "requestTestNotification": True,
    "apId": {"bssid": "02:00:00:00:00:a2"},
    "notificationEvent": {"trigger": 1, "threshold": 0},
}
"""Stations associating with wifi-a2, over a websocket, with a test notification first."""


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


async def test_a_websocket_subscription_delivers_typed_notifications(lab: Lab) -> None:
    notes: list[WireModel] = []
    async with HttpClient(lab.config()) as http:
        created = await http.post("/wai/v2/subscriptions", ASSOC_STA, AssocStaSubscription)
        config = created.value.websockNotifConfig
        assert config is not None and config.websocketUri is not None
        async with WebSocketDelivery(http, config.websocketUri, Api.WAI, notes.append) as ws:
            await until(lambda: len(notes) == 1, "the test notification over the websocket")
            assert isinstance(notes[0], TestNotification)
            await http.request(
                "POST",
                "/meclab/v1/events",
                json_body={"type": "move", "ue": "ue-far", "poa": "wifi-a2"},
                expect=(201,),
            )
            await until(lambda: len(notes) == 2, "the AssocStaNotification")
            moved = notes[1]
            assert isinstance(moved, AssocStaNotification)
            assert moved.apId.bssid == "02:00:00:00:00:a2"
            assert moved.staId is not None and len(moved.staId) == 1  # ue-far, just associated
            assert ws.connected.is_set() and ws.unparseable == 0


async def test_deleting_a_connected_websocket_subscription_ends_the_delivery(lab: Lab) -> None:
    notes: list[WireModel] = []
    async with HttpClient(lab.config()) as http:
        created = await http.post("/wai/v2/subscriptions", ASSOC_STA, AssocStaSubscription)
        config = created.value.websockNotifConfig
        assert config is not None and config.websocketUri is not None
        delivery = WebSocketDelivery(http, config.websocketUri, Api.WAI, notes.append)
        delivery.start()
        await until(lambda: len(notes) == 1, "the test notification over the websocket")
        await http.request("DELETE", created.location, expect=(204,))
        with pytest.raises(SubscriptionGone, match="ended") as gone:
            await asyncio.wait_for(delivery.wait(), timeout=3)
        assert gone.value.uri == config.websocketUri
        assert not delivery.connected.is_set()
        await delivery.stop()


async def test_an_unknown_websocket_subscription_is_refused_with_a_clear_error(lab: Lab) -> None:
    uri = lab.url.replace("http://", "ws://") + "/meclab/ws/notifications/nobody"
    async with HttpClient(lab.config()) as http:
        delivery = WebSocketDelivery(http, uri, Api.RNIS, print)
        delivery.start()
        with pytest.raises(SubscriptionGone, match="nobody"):
            await delivery.wait()
        await delivery.stop()
