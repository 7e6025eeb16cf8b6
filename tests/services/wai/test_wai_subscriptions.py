"""WAI subscription resources (ETSI GS MEC 028 clauses 7.4, 7.5): every operation with its
errors; delivery choices (callback, websocket), test notifications and expiry."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from helpers import BASE_URL, problem, until
from receiver import Receiver
from wai_helpers import BSSID, JSON, WAI

from meclab.services.wai import wifi

SUBS = f"{WAI}/subscriptions"
CALLBACK = "http://127.0.0.1:9/cb"  # nothing listens: notifications are never the point here


def assoc_sta(**extra: Any) -> dict[str, Any]:
    return {
        "subscriptionType": "AssocStaSubscription",
        "callbackReference": CALLBACK,
        "apId": {"bssid": BSSID["ap1"]},
        "notificationEvent": {"trigger": 1, "threshold": 0},
        **extra,
    }


def sta_data_rate(**extra: Any) -> dict[str, Any]:
    return {
        "subscriptionType": "StaDataRateSubscription",
        "callbackReference": CALLBACK,
        "staId": [{"macId": wifi.station_mac("sta-a")}],
        "notificationPeriod": 5,
        **extra,
    }


def measurement_report(**extra: Any) -> dict[str, Any]:
    return {
        "subscriptionType": "MeasurementReportSubscription",
        "callbackReference": CALLBACK,
        "staId": [{"macId": wifi.station_mac("sta-a")}],
        "measurementId": "m-1",
        "measurementInfo": {"neighborReportConf": {}},
        **extra,
    }


# --- POST -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [assoc_sta(), sta_data_rate(), measurement_report()])
async def test_create_each_type(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post(SUBS, json=body)
    assert response.status_code == 201
    created = response.json()
    location = response.headers["location"]
    assert location.startswith(f"{BASE_URL}{SUBS}/")
    assert created == {**body, "_links": {"self": {"href": location}}}
    assert response.headers["etag"].startswith('"')
    again = await client.get(location.removeprefix(BASE_URL))
    assert again.json() == created
    assert again.headers["etag"] == response.headers["etag"]


async def test_create_on_another_host(client: httpx.AsyncClient) -> None:
    body = assoc_sta(apId={"bssid": "02-00-00-00-00-03"})  # ap3, any MAC spelling
    response = await client.post(f"/hosts/mec-b{SUBS}", json=body)
    assert response.status_code == 201
    assert response.headers["location"].startswith(f"{BASE_URL}/hosts/mec-b{SUBS}/")
    assert (await client.get(SUBS)).json()["subscription"] == []  # not the default host's


SCHEMA_ERRORS = [
    ({**assoc_sta(), "apId": None}, "apId"),
    ({k: v for k, v in assoc_sta().items() if k != "apId"}, "apId"),
    (assoc_sta(notificationEvent={"trigger": 3, "threshold": 1}), "notificationEvent.trigger"),
    (assoc_sta(notificationPeriod=0), "notificationPeriod"),
    (assoc_sta(callbackRefrence=CALLBACK), "callbackRefrence"),
    (sta_data_rate(staId=[]), "staId"),
    (
        measurement_report(measurementInfo={"measurementDuration": 0}),
        "measurementInfo.measurementDuration",
    ),
    ({"callbackReference": CALLBACK}, "subscriptionType"),
]


async def test_invalid_bodies_are_400_naming_the_field(client: httpx.AsyncClient) -> None:
    for body, field in SCHEMA_ERRORS:
        found = problem(await client.post(SUBS, json=body), 400)
        assert field in [p["name"] for p in found["invalidParams"]], body


RULE_ERRORS = [
    (
        {k: v for k, v in assoc_sta().items() if k != "notificationEvent"},
        "notificationPeriod/notificationEvent",
    ),
    (
        {k: v for k, v in sta_data_rate().items() if k != "notificationPeriod"},
        "notificationPeriod/notificationEvent",
    ),
    (
        sta_data_rate(notificationEvent={"trigger": 1}),
        "notificationEvent.downlinkRateThreshold",
    ),
    (
        sta_data_rate(notificationEvent={"trigger": 4, "downlinkRateThreshold": 5}),
        "notificationEvent.uplinkRateThreshold",
    ),
    (
        sta_data_rate(notificationEvent={"trigger": 7, "downlinkRateThreshold": 5}),
        "notificationEvent.uplinkRateThreshold",
    ),
    (
        {k: v for k, v in assoc_sta().items() if k != "callbackReference"},
        "callbackReference/websockNotifConfig",
    ),
    (assoc_sta(expiryDeadline={"seconds": 1000, "nanoSeconds": 0}), "expiryDeadline"),
    (measurement_report(measurementInfo={}), "measurementInfo"),
    (
        measurement_report(
            measurementInfo={
                "neighborReportConf": {},
                "channelLoadConf": {"operatingClass": 115, "channel": 36},
            }
        ),
        "measurementInfo",
    ),
    (
        measurement_report(
            measurementInfo={
                "channelLoadConf": {
                    "operatingClass": 115,
                    "channel": 36,
                    "reportingCondition": 1,
                }
            }
        ),
        "measurementInfo.channelLoadConf.threshold",
    ),
]


async def test_rules_beyond_the_schema_are_400(client: httpx.AsyncClient) -> None:
    for body, field in RULE_ERRORS:
        found = problem(await client.post(SUBS, json=body), 400)
        assert [p["name"] for p in found["invalidParams"]] == [field], body


SCHEMA_ERRORS4 = [
    (
        {**assoc_sta(), "subscriptionType": "CellChangeSubscription"},
        "not a WAI subscription type",
    ),
    (assoc_sta(apId={"bssid": "02:00:00:00:00:99"}), "no Wi-Fi access point of mec-a"),
    (assoc_sta(apId={"bssid": BSSID["ap3"]}), "no Wi-Fi access point of mec-a"),  # zone zb
    (assoc_sta(apId={"bssid": BSSID["ap1"], "ssid": ["other"]}), "does not include the SSID"),
    (sta_data_rate(staId=[{"macId": "02:00:00:00:00:77"}]), "no Wi-Fi station"),
    (measurement_report(staId=[{"macId": "lte-only"}]), "no Wi-Fi station"),
    (
        measurement_report(
            measurementInfo={"staStatisticsConf": {"groupIdentity": 0, "triggeredReport": False}}
        ),
        "does not model IEEE 802.11 frame counters",
    ),
    (
        measurement_report(
            measurementInfo={
                "beaconRequestConf": {
                    "operatingClass": 115,
                    "channelId": 36,
                    "measurementMode": 0,
                    "beaconReportingConf": {"reportingCondition": 5, "threshold": 0},
                }
            }
        ),
        "reference level",
    ),
]


async def test_semantically_wrong_bodies_are_422(client: httpx.AsyncClient) -> None:
    for body, says in SCHEMA_ERRORS4:
        assert says in problem(await client.post(SUBS, json=body), 422)["detail"], body


async def test_a_body_that_is_not_json_is_415_and_malformed_json_400(
    client: httpx.AsyncClient,
) -> None:
    problem(
        await client.post(
            SUBS, content=b"subscriptionType=x", headers={"Content-Type": "text/plain"}
        ),
        415,
    )
    malformed = problem(await client.post(SUBS, content=b'{"subscriptionType":', headers=JSON), 400)
    assert "malformed JSON" in malformed["detail"]
    problem(await client.post(SUBS, content=b"", headers=JSON), 400)
    problem(await client.post(SUBS, json=[assoc_sta()]), 400)


async def test_both_delivery_alternatives_keep_only_the_websocket(
    client: httpx.AsyncClient,
) -> None:
    body = assoc_sta(websockNotifConfig={"requestWebsocketUri": True})
    response = await client.post(SUBS, json=body)
    assert response.status_code == 201
    created = response.json()
    assert "callbackReference" not in created  # MEC 009 clause 6.12a: only the chosen one
    sub_id = response.headers["location"].rsplit("/", 1)[1]
    assert created["websockNotifConfig"] == {
        "websocketUri": f"ws://meclab.test/meclab/ws/notifications/{sub_id}",
        "requestWebsocketUri": True,
    }


# --- GET list ---------------------------------------------------------------------------------


async def test_list_and_filter_by_type(client: httpx.AsyncClient) -> None:
    hrefs = {}
    for body in (assoc_sta(), sta_data_rate(), measurement_report()):
        response = await client.post(SUBS, json=body)
        hrefs[body["subscriptionType"]] = response.headers["location"]
    listed = (await client.get(SUBS)).json()
    assert listed == {
        "_links": {"self": {"href": f"{BASE_URL}{SUBS}"}},
        "subscription": [{"href": href, "subscriptionType": kind} for kind, href in hrefs.items()],
    }
    for short, kind in (
        ("assoc_sta", "AssocStaSubscription"),
        ("sta_data_rate", "StaDataRateSubscription"),
        ("measure_report", "MeasurementReportSubscription"),
    ):
        only = (await client.get(SUBS, params={"subscription_type": short})).json()
        assert only["subscription"] == [{"href": hrefs[kind], "subscriptionType": kind}]
    found = problem(await client.get(SUBS, params={"subscription_type": "cell_change"}), 400)
    assert found["invalidParams"][0]["name"] == "subscription_type"
    problem(await client.get(SUBS, params={"subscriptionType": "assoc_sta"}), 400)


# --- GET, PUT, DELETE one ---------------------------------------------------------------------


async def test_unknown_subscription_is_404_for_every_method(client: httpx.AsyncClient) -> None:
    url = f"{SUBS}/nope"
    problem(await client.get(url), 404)
    problem(await client.put(url, content=b"{not json", headers=JSON), 404)  # 404 before 400
    problem(await client.delete(url), 404)
    created = await client.post(SUBS, json=assoc_sta())
    other_host = (
        created.headers["location"].removeprefix(BASE_URL).replace(WAI, f"/hosts/mec-b{WAI}")
    )
    problem(await client.get(other_host), 404)


async def test_put_replaces_with_if_match(client: httpx.AsyncClient) -> None:
    created = await client.post(SUBS, json=assoc_sta())
    url, etag = created.headers["location"].removeprefix(BASE_URL), created.headers["etag"]
    replacement = assoc_sta(notificationEvent={"trigger": 2, "threshold": 3}, notificationPeriod=10)
    stale = await client.put(url, json=replacement, headers={"If-Match": '"stale"'})
    problem(stale, 412)
    response = await client.put(url, json=replacement, headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.json() == {
        **replacement,
        "_links": {"self": {"href": created.headers["location"]}},
    }
    assert response.headers["etag"] != etag
    assert (await client.get(url)).json() == response.json()
    problem(await client.put(url, json=replacement, headers={"If-Match": etag}), 412)


async def test_put_errors(client: httpx.AsyncClient) -> None:
    created = await client.post(SUBS, json=assoc_sta())
    url = created.headers["location"].removeprefix(BASE_URL)
    assert "same type" in problem(await client.put(url, json=sta_data_rate()), 422)["detail"]
    wrong_link = assoc_sta(_links={"self": {"href": f"{BASE_URL}{SUBS}/other"}})
    assert (
        problem(await client.put(url, json=wrong_link), 400)["invalidParams"][0]["name"]
        == "_links.self.href"
    )
    echoed = await client.put(url, json=created.json())  # the representation as read is accepted
    assert echoed.status_code == 200
    problem(await client.put(url, json=assoc_sta(apId={"bssid": "02:00:00:00:00:99"})), 422)
    problem(await client.put(url, content=b"x", headers={"Content-Type": "text/plain"}), 415)


async def test_delete_with_if_match(client: httpx.AsyncClient) -> None:
    created = await client.post(SUBS, json=sta_data_rate())
    url, etag = created.headers["location"].removeprefix(BASE_URL), created.headers["etag"]
    problem(await client.delete(url, headers={"If-Match": '"stale"'}), 412)
    response = await client.delete(url, headers={"If-Match": etag})
    assert response.status_code == 204
    assert response.content == b""
    problem(await client.get(url), 404)
    assert (await client.get(SUBS)).json()["subscription"] == []


# --- test notification, expiry, websocket -----------------------------------------------------


async def test_test_notification_is_sent_on_request(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    created = await client.post(
        SUBS, json=assoc_sta(callbackReference=receiver.url("/t"), requestTestNotification=True)
    )
    (note,) = await receiver.wait_for(1)
    assert note == {
        "notificationType": "TestNotification",
        "_links": {"subscription": {"href": created.headers["location"]}},
    }


async def test_expiry_sends_expiry_notification_and_removes_the_subscription(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    deadline = time.time() + 0.3
    seconds, fraction = int(deadline), deadline - int(deadline)
    stamp = {"seconds": seconds, "nanoSeconds": round(fraction * 1e9)}
    created = await client.post(
        SUBS, json=sta_data_rate(callbackReference=receiver.url("/x"), expiryDeadline=stamp)
    )
    assert created.status_code == 201
    assert created.json()["expiryDeadline"] == stamp
    (note,) = await receiver.wait_for(1)
    assert note == {
        "notificationType": "ExpiryNotification",
        "_links": {"subscription": {"href": created.headers["location"]}},
        "expiryDeadline": stamp,
    }
    problem(await client.get(created.headers["location"].removeprefix(BASE_URL)), 404)


class Channel:
    """A websocket connection as delivery sees it (the route itself is the platform's)."""

    def __init__(self) -> None:
        self.frames: list[Any] = []

    async def send_text(self, data: str) -> None:
        self.frames.append(json.loads(data))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass  # this file's tests do not end a subscription while attached


async def test_notifications_reach_a_websocket_subscriber(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    body = assoc_sta(websockNotifConfig={"requestWebsocketUri": True}, requestTestNotification=True)
    created = (await client.post(SUBS, json=body)).json()
    sub_id = created["_links"]["self"]["href"].rsplit("/", 1)[1]
    platforms = app.state.platforms
    sub = platforms.subscriptions.find(sub_id)
    assert sub is not None and sub.websocket and sub.callback is None
    channel = Channel()
    platforms.notifier.attach_websocket(sub, channel)
    await until(lambda: channel.frames != [], "the test notification", timeout_s=2.0)
    assert channel.frames == [
        {
            "notificationType": "TestNotification",
            "_links": {"subscription": {"href": created["_links"]["self"]["href"]}},
        }
    ]


async def test_subscriptions_are_stored(client: httpx.AsyncClient, app: FastAPI) -> None:
    created = await client.post(SUBS, json=sta_data_rate())
    stored = await app.state.platforms.store.items("subscriptions")
    assert [(key, value["body"]) for key, value in stored] == [
        (created.headers["location"].rsplit("/", 1)[1], created.json())
    ]
