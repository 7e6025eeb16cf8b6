"""MEC 013 v2.2.1 subscription resources, as ETSI MEC Sandbox / AdvantEDGE clients use them:
their body shapes, lists, notifications (zonalPresence, zoneStatus, subscriptionNotification),
callbackData, count, frequency and duration.

ue-run is at x = 50 + 100 t: on A1 (zone z1) until t = 4, on A2 (z1) from t = 5, on B1 (z2)
from t = 15 (see location_helpers).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from helpers import LAT0, lon_at
from location_helpers import (
    LOC,
    OTHER,
    OUT,
    RUN,
    STILL,
    WALL,
    TickTo,
    inner,
    run_until,
    run_x,
    subscribe,
)
from receiver import Receiver

pytestmark = pytest.mark.asyncio(loop_scope="module")

BASE = "http://meclab.test/location/v2"


def callback(url: str, data: str | None = "cb-data") -> dict[str, Any]:
    ref = {"notifyURL": url}
    if data is not None:
        ref["callbackData"] = data
    return ref


def tracking(url: str, address: str = RUN, **fields: Any) -> dict[str, Any]:
    return {
        "userTrackingSubscription": {
            "clientCorrelator": "0123",
            "callbackReference": callback(url),
            "address": address,
            **fields,
        }
    }


def zonal(url: str, zone: str, **fields: Any) -> dict[str, Any]:
    return {
        "zonalTrafficSubscription": {"callbackReference": callback(url), "zoneId": zone, **fields}
    }


def circle_v2(url: str, x_m: float, radius: float, criterion: str, **fields: Any) -> dict[str, Any]:
    body = {
        "callbackReference": callback(url),
        "address": [RUN],
        "latitude": LAT0,
        "longitude": lon_at(x_m),
        "radius": radius,
        "trackingAccuracy": 0,
        "enteringLeavingCriteria": criterion,
        "checkImmediate": False,
        "frequency": 0,
    }
    return {"circleNotificationSubscription": {**body, **fields}}


def link(rel: str, href: str) -> list[dict[str, str]]:
    return [{"rel": rel, "href": href}]


# --- resources ------------------------------------------------------------------------------------


async def test_create_read_list_and_delete_in_v2_shapes(api: httpx.AsyncClient) -> None:
    body = tracking("http://127.0.0.1:9/cb", userEventCriteria=["Transferring"])
    r = await api.post(f"{LOC}/subscriptions/userTracking", json=body)
    assert r.status_code == 201
    href = r.headers["Location"]
    assert href.startswith(f"{BASE}/subscriptions/userTracking/")
    assert r.headers["ETag"]
    expected = {"userTrackingSubscription": {**inner(body), "resourceURL": href}}
    assert r.json() == expected
    assert (await api.get(href)).json() == expected
    r = await api.get(f"{LOC}/subscriptions/userTracking")
    assert r.json() == {
        "notificationSubscriptionList": {
            "userTrackingSubscription": [expected["userTrackingSubscription"]],
            "resourceURL": f"{BASE}/subscriptions/userTracking",
        }
    }
    assert (await api.delete(href)).status_code == 204
    assert (await api.get(href)).status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("zonalTraffic", zonal("http://127.0.0.1:9/cb", "z1", duration=60)),
        (
            "zoneStatus",
            {
                "zoneStatusSubscription": {
                    "callbackReference": callback("http://127.0.0.1:9/cb"),
                    "zoneId": "z1",
                    "numberOfUsersZoneThreshold": 5,
                    "operationStatus": ["Serviceable"],
                }
            },
        ),
        ("area/circle", circle_v2("http://127.0.0.1:9/cb", 0.0, 100.0, "Leaving", count=2)),
        (
            "periodic",
            {
                "periodicNotificationSubscription": {
                    "callbackReference": callback("http://127.0.0.1:9/cb"),
                    "address": [RUN],
                    "requestedAccuracy": 10,
                    "frequency": 10,
                }
            },
        ),
    ],
)
async def test_every_v2_type_round_trips(api: httpx.AsyncClient, path: str, body: Any) -> None:
    href = await subscribe(api, path, body)
    got = (await api.get(href)).json()
    assert got == {next(iter(body)): {**inner(body), "resourceURL": href}}
    listed = (await api.get(f"{LOC}/subscriptions/{path}")).json()["notificationSubscriptionList"]
    assert listed[next(iter(body))] == [inner(got)]


async def test_put_keeps_the_resource_and_checks_its_url(api: httpx.AsyncClient) -> None:
    href = await subscribe(api, "zonalTraffic", zonal("http://127.0.0.1:9/cb", "z1"))
    etag = (await api.get(href)).headers["ETag"]
    changed = zonal("http://127.0.0.1:9/cb", "z2", resourceURL=href)
    assert (await api.put(href, json=changed, headers={"If-Match": '"x"'})).status_code == 412
    r = await api.put(href, json=changed, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    assert inner(r.json())["zoneId"] == "z2"
    elsewhere = zonal(
        "http://127.0.0.1:9/cb", "z2", resourceURL=f"{BASE}/subscriptions/zonalTraffic/x"
    )
    r = await api.put(href, json=elsewhere)
    assert r.status_code == 400
    assert r.json()["invalidParams"][0]["name"] == "zonalTrafficSubscription.resourceURL"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("userTracking", tracking("http://127.0.0.1:9/cb", address=OTHER), 400),
        ("userTracking", {"userTrackingSubscription": {"address": RUN}}, 400),
        ("userTracking", tracking("ftp://host/x"), 400),
        (
            "userTracking",
            {
                "userTrackingSubscription": {
                    "callbackReference": {"notifyURL": "http://h/x", "notificationFormat": "XML"},
                    "address": RUN,
                }
            },
            400,
        ),
        ("zonalTraffic", zonal("http://127.0.0.1:9/cb", "z1", interestRealm=["mall"]), 400),
        ("zonalTraffic", zonal("http://127.0.0.1:9/cb", "z9"), 400),
        ("zonalTraffic", {"zonalTrafficSubscription": {"zoneId": "z1"}}, 400),
        ("periodic", {"periodicNotificationSubscription": {"address": [RUN]}}, 400),
        ("userTracking", zonal("http://127.0.0.1:9/cb", "z1"), 400),
    ],
)
async def test_v2_errors(api: httpx.AsyncClient, path: str, body: Any, status: int) -> None:
    r = await api.post(f"{LOC}/subscriptions/{path}", json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"


async def test_a_client_correlator_retry_returns_the_same_subscription(
    api: httpx.AsyncClient,
) -> None:
    first = await subscribe(api, "userTracking", tracking("http://127.0.0.1:9/cb"))
    assert await subscribe(api, "userTracking", tracking("http://127.0.0.1:9/cb")) == first


async def test_duration_ends_the_subscription(api: httpx.AsyncClient) -> None:
    href = await subscribe(api, "zonalTraffic", zonal("http://127.0.0.1:9/cb", "z1", duration=1))
    assert inner((await api.get(href)).json())["duration"] == 1
    await asyncio.sleep(1.3)
    assert (await api.get(href)).status_code == 404


# --- zonal presence ---------------------------------------------------------------------------


async def test_user_tracking_transferring_leaving_entering(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    href = await subscribe(api, "userTracking", tracking(receiver.url()))
    await run_until(tick_to, 16)
    notes = await receiver.wait_for(3)
    assert await receiver.quiet(0.2) == 0
    common = {
        "address": RUN,
        "timestamp": WALL,
        "callbackData": "cb-data",
        "link": link("UserTrackingSubscription", href),
    }
    assert notes == [
        {
            "zonalPresenceNotification": {
                "zoneId": "z1",
                "userEventType": "Transferring",
                "currentAccessPointId": "A2",
                "previousAccessPointId": "A1",
                **common,
            }
        },
        {
            "zonalPresenceNotification": {
                "zoneId": "z1",
                "userEventType": "Leaving",
                "currentAccessPointId": "A2",
                **common,
            }
        },
        {
            "zonalPresenceNotification": {
                "zoneId": "z2",
                "userEventType": "Entering",
                "currentAccessPointId": "B1",
                **common,
            }
        },
    ]


async def test_zonal_traffic_of_one_zone_with_criteria(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    await subscribe(api, "zonalTraffic", zonal(receiver.url("/z1"), "z1"))
    await subscribe(
        api, "zonalTraffic", zonal(receiver.url("/z2"), "z2", userEventCriteria=["Leaving"])
    )
    await run_until(tick_to, 16)
    notes = await receiver.wait_for(2, path="/z1")
    assert [(inner(n)["userEventType"], inner(n)["currentAccessPointId"]) for n in notes] == [
        ("Transferring", "A2"),
        ("Leaving", "A2"),
    ]
    assert await receiver.quiet(0.2) == 0
    assert receiver.bodies("/z2") == []


async def test_v2_zone_status_thresholds(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    body = {
        "zoneStatusSubscription": {
            "callbackReference": callback(receiver.url("/z1"), None),
            "zoneId": "z1",
            "numberOfUsersAPThreshold": 1,
        }
    }
    z1 = await subscribe(api, "zoneStatus", body)
    body = {
        "zoneStatusSubscription": {
            "callbackReference": callback(receiver.url("/z2"), None),
            "zoneId": "z2",
            "numberOfUsersZoneThreshold": 2,
        }
    }
    await subscribe(api, "zoneStatus", body)
    await run_until(tick_to, 16)
    (ap,) = await receiver.wait_for(1, path="/z1")
    assert ap == {
        "zoneStatusNotification": {
            "zoneId": "z1",
            "accessPointId": "A2",
            "numberOfUsersInAP": 1,
            "timestamp": WALL,
            "link": link("ZoneStatusSubscription", z1),
        }
    }
    (zone,) = await receiver.wait_for(1, path="/z2")
    assert (inner(zone)["numberOfUsersInZone"], inner(zone).get("accessPointId")) == (2, None)
    assert await receiver.quiet(0.2) == 0


# --- terminal location: circle, distance, periodic ----------------------------------------


async def test_circle_entering_with_count(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    href = await subscribe(
        api, "area/circle", circle_v2(receiver.url(), 1200.0, 300.0, "Entering", count=1)
    )
    await run_until(tick_to, 9)
    (note,) = await receiver.wait_for(1)
    body = inner(note)
    assert body["enteringLeavingCriteria"] == "Entering"
    assert body["isFinalNotification"] is True  # count 1 reached
    assert body["callbackData"] == "cb-data"
    assert body["link"] == link("CircleNotificationSubscription", href)
    (terminal,) = body["terminalLocation"]
    assert (terminal["address"], terminal["locationRetrievalStatus"]) == (RUN, "Retrieved")
    location = terminal["currentLocation"]
    assert location["longitude"] == [pytest.approx(lon_at(run_x(9)), abs=1e-9)]
    assert location["timestamp"] == WALL
    assert (await api.get(href)).status_code == 404


async def test_circle_check_immediate_and_leaving(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    # ue-run starts inside (x = 50, centre 0, radius 300) and leaves at t = 3 (x = 350).
    await subscribe(
        api,
        "area/circle",
        circle_v2(receiver.url("/in"), 0.0, 300.0, "Entering", checkImmediate=True),
    )
    await subscribe(api, "area/circle", circle_v2(receiver.url("/out"), 0.0, 300.0, "Leaving"))
    (immediate,) = await receiver.wait_for(1, path="/in")
    assert inner(immediate)["terminalLocation"][0]["address"] == RUN
    await run_until(tick_to, 6)
    (left,) = await receiver.wait_for(1, path="/out")
    location = inner(left)["terminalLocation"][0]["currentLocation"]
    assert location["longitude"] == [pytest.approx(lon_at(run_x(3)), abs=1e-9)]
    assert inner(left)["isFinalNotification"] is False
    assert await receiver.quiet(0.2) == 0


async def test_distance_v2(api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver) -> None:
    body = {
        "distanceNotificationSubscription": {
            "callbackReference": callback(receiver.url()),
            "monitoredAddress": [RUN],
            "referenceAddress": [STILL],
            "distance": 500,
            "trackingAccuracy": 0,
            "criteria": "AllBeyondDistance",
            "checkImmediate": False,
            "frequency": 0,
        }
    }
    href = await subscribe(api, "distance", body)
    await run_until(tick_to, 10)
    (note,) = await receiver.wait_for(1)
    got = inner(note)
    assert got["distanceCriteria"] == "AllBeyondDistance"
    assert got["link"] == link("DistanceNotificationSubscription", href)
    (terminal,) = got["terminalLocation"]
    assert terminal["currentLocation"]["longitude"] == [pytest.approx(lon_at(run_x(6)), abs=1e-9)]


async def test_periodic_v2_every_frequency_seconds(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    body = {
        "periodicNotificationSubscription": {
            "callbackReference": callback(receiver.url(), None),
            "address": [RUN, OUT],
            "requestedAccuracy": 10,
            "frequency": 3,
        }
    }
    await subscribe(api, "periodic", body)
    await run_until(tick_to, 7)
    reports = await receiver.wait_for(2)
    assert await receiver.quiet(0.2) == 0
    for t, note in zip((3, 6), reports, strict=True):
        run, out = inner(note)["terminalLocation"]
        assert run["currentLocation"]["longitude"] == [pytest.approx(lon_at(run_x(t)), abs=1e-9)]
        assert out == {
            "address": OUT,
            "locationRetrievalStatus": "NotRetrieved",
            "errorInformation": {
                "messageId": "SVC0001",
                "text": "The terminal %1 is attached to no access point: it cannot be located",
                "variables": [OUT],
            },
        }
        assert inner(note)["isFinalNotification"] is False
        assert "callbackData" not in inner(note)
