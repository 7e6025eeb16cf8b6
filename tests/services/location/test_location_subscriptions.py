"""MEC 013 v3.1.1 subscription resources: every operation, its headers and its errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from location_helpers import (
    JSON,
    LOC,
    OTHER,
    RUN,
    STILL,
    WALL_S,
    circle,
    inner,
    user_area,
    user_distance,
    user_event,
    user_periodic,
    wrapped,
    zone_event,
    zone_status,
)
from receiver import Receiver

from meclab.services.location.dispatch import API_V3

pytestmark = pytest.mark.asyncio(loop_scope="module")

BASE = "http://meclab.test/location/v2"
CB = "http://127.0.0.1:9/cb"
"""A callback nobody listens on: these tests look at resources, not notifications."""


async def post(api: httpx.AsyncClient, path: str, body: Any) -> httpx.Response:
    return await api.post(f"{LOC}/subscriptions/{path}", json=body)


async def created(api: httpx.AsyncClient, path: str, body: Any) -> tuple[str, dict[str, Any]]:
    """POST a subscription that must be created; (its URL, its body)."""
    r = await post(api, path, body)
    assert r.status_code == 201, r.text
    return r.headers["Location"], r.json()


# --- creation -------------------------------------------------------------------------------------


async def test_post_answers_201_location_etag_and_the_wrapped_resource(
    api: httpx.AsyncClient,
) -> None:
    r = await post(api, "users", user_event(CB, clientCorrelator="c-1"))
    assert r.status_code == 201
    href = r.headers["Location"]
    assert href.startswith(f"{BASE}/subscriptions/users/")
    assert r.headers["ETag"].startswith('"')
    assert r.json() == {
        "userLocationEventSubscription": {
            "subscriptionType": "UserLocationEventSubscription",
            "callbackReference": CB,
            "address": RUN,
            "clientCorrelator": "c-1",
            "_links": {"self": {"href": href}},
        }
    }


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("users", user_event(CB)),
        ("users", user_periodic(CB, 3, 2.0)),
        ("zones", zone_event(CB, "z1")),
        ("zones", zone_status(CB, "z1", upperNumberOfUsersZoneThreshold=3)),
        ("area", user_area(CB, circle(1200.0, 300), [RUN])),
        ("distance", user_distance(CB, [RUN, STILL], 100.0, "AllWithinDistance")),
    ],
)
async def test_every_type_round_trips(api: httpx.AsyncClient, path: str, body: Any) -> None:
    href, first = await created(api, path, body)
    r = await api.get(href)
    assert r.status_code == 200
    assert r.json() == first
    assert r.headers["ETag"]
    sent = inner(body)
    got = inner(first)
    assert {k: v for k, v in got.items() if k != "_links"} == sent


async def test_subscription_type_is_matched_without_case(api: httpx.AsyncClient) -> None:
    # The spec's own examples write "userAreaSubscription".
    body = user_area(CB, circle(0.0, 100), [RUN])
    inner(body)["subscriptionType"] = "userAreaSubscription"
    _, got = await created(api, "area", body)
    assert inner(got)["subscriptionType"] == "UserAreaSubscription"


async def test_a_client_correlator_makes_a_retry_return_the_same_subscription(
    api: httpx.AsyncClient, lab: Any
) -> None:
    first, body = await created(api, "users", user_event(CB, clientCorrelator="retry-me"))
    again, body_again = await created(api, "users", user_event(CB, clientCorrelator="retry-me"))
    assert again == first and body_again == body
    other, _ = await created(api, "users", user_event(CB, clientCorrelator="another"))
    assert other != first
    assert len(lab.platforms.subscriptions.list("mec-1", API_V3)) == 2


async def test_websocket_delivery_is_chosen_when_asked(api: httpx.AsyncClient) -> None:
    body = user_event(CB, websockNotifConfig={"requestWebsocketUri": True})
    href, got = await created(api, "users", body)
    sub = inner(got)
    assert "callbackReference" not in sub  # MEC 009 6.12a: only the alternative chosen
    sub_id = href.rsplit("/", 1)[-1]
    assert sub["websockNotifConfig"] == {
        "websocketUri": f"ws://meclab.test/meclab/ws/notifications/{sub_id}",
        "requestWebsocketUri": True,
    }


async def test_a_test_notification_is_sent_when_asked(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    href, _ = await created(
        api, "zones", zone_event(receiver.url("/t"), "z2", requestTestNotification=True)
    )
    (note,) = await receiver.wait_for(1)
    assert note == {
        "testNotification": {
            "notificationType": "TestNotification",
            "_links": {"subscription": {"href": href}},
        }
    }


async def test_an_expiry_deadline_ends_the_subscription(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    # The platforms' clock is frozen at WALL_S: the deadline falls 0.3 s of real time later.
    expiry = {"seconds": int(WALL_S), "nanoSeconds": 300_000_000}
    href, got = await created(api, "users", user_event(receiver.url(), expiryDeadline=expiry))
    assert inner(got)["expiryDeadline"] == expiry
    assert (await api.get(href)).status_code == 200
    await receiver.quiet(0.6)
    assert (await api.get(href)).status_code == 404
    assert receiver.received == []  # MEC 013 has no ExpiryNotification


# --- creation errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("users", user_event(None), "callbackReference/websockNotifConfig"),
        ("users", user_event("not a url"), "userLocationEventSubscription.callbackReference"),
        ("users", user_event(CB, address="acr:10.0.0.99"), "userLocationEventSubscription.address"),
        ("users", user_event(CB, address=OTHER), "userLocationEventSubscription.address"),
        (
            "users",
            user_event(CB, userEventPara={"zoneId": "z9"}),
            "userLocationEventSubscription.userEventPara.zoneId",
        ),
        (
            "users",
            user_event(CB, userEventPara={"accessPointList": ["A1", "C1"]}),
            "userLocationEventSubscription.userEventPara.accessPointList[1]",
        ),
        ("zones", zone_event(CB, "nowhere"), "zoneLocationEventSubscription.zoneId"),
        (
            "zones",
            zone_event(CB, "z1", addressList=[RUN, "acr:1.2.3.4"]),
            "zoneLocationEventSubscription.addressList[1]",
        ),
        (
            "distance",
            user_distance(CB, [RUN], 10.0, "AnyWithinDistance", reference=[OTHER]),
            "userDistanceSubscription.referenceAddress[0]",
        ),
        (
            "users",
            user_event(CB, expiryDeadline={"seconds": 1_000_000, "nanoSeconds": 0}),
            "expiryDeadline",
        ),
    ],
)
async def test_values_outside_the_scope_or_invalid_are_named(
    api: httpx.AsyncClient, path: str, body: Any, field: str
) -> None:
    r = await post(api, path, body)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in r.json()["invalidParams"]] == [field]


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        # A bare body: MEC 013 bodies travel in their root element.
        ("users", inner(user_event(CB)), "root element"),
        ("users", {**user_event(CB), **zone_event(CB, "z1")}, "unknown field"),
        ("users", {**user_event(CB), **user_periodic(CB, 1, 1)}, "exactly one"),
        ("users", wrapped("UserLocationEventSubscription", CB), "address"),
        ("zones", user_event(CB), "unknown field"),
        (
            "users",
            {"userLocationEventSubscription": {**inner(user_event(CB)), "subscriptionType": "X"}},
            "must be 'UserLocationEventSubscription'",
        ),
        ("users", user_event(CB, colour="red"), "unknown field"),
        (
            "users",
            user_event(CB, userEventPara={"zoneId": "z1", "accessPointList": ["A1"]}),
            "not both",
        ),
        ("users", user_periodic(CB, 1.5, 2.0), "whole number"),
        ("users", user_periodic(CB, 100, 100_000.0), "8639999"),
        (
            "area",
            user_area(CB, {"shape": 1, "points": [{"latitude": 0, "longitude": 0}]}, [RUN]),
            "radius",
        ),
        (
            "area",
            user_area(CB, {"shape": 2, "points": [{"latitude": 0, "longitude": 0}]}, [RUN]),
            "3 to 15",
        ),
        ("area", user_area(CB, circle(0.0, 10), []), "at least 1"),
        ("distance", user_distance(CB, [RUN], 10.0, "AllWithinDistance"), "two users"),
        ("distance", user_distance(CB, [RUN, STILL], 10.0, "Closer"), "criteria"),
    ],
)
async def test_malformed_bodies_are_400_naming_the_problem(
    api: httpx.AsyncClient, path: str, body: Any, fragment: str
) -> None:
    r = await post(api, path, body)
    assert r.status_code == 400, r.text
    assert fragment in r.json()["detail"]


async def test_a_body_that_is_not_json_is_415(api: httpx.AsyncClient) -> None:
    r = await api.post(
        f"{LOC}/subscriptions/users", content=b"address=x", headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 415
    r = await api.post(f"{LOC}/subscriptions/users", content=b"{", headers=JSON)
    assert r.status_code == 400
    assert "malformed JSON" in r.json()["detail"]


# --- lists ----------------------------------------------------------------------------------------


async def test_lists_hold_links_and_filter(api: httpx.AsyncClient) -> None:
    event, _ = await created(api, "users", user_event(CB))
    periodic, _ = await created(api, "users", user_periodic(CB, 5, 1, address=STILL))
    zone, _ = await created(api, "zones", zone_event(CB, "z1"))
    status, _ = await created(api, "zones", zone_status(CB, "z2"))

    async def listed(path: str, **params: Any) -> list[tuple[str, str]]:
        r = await api.get(f"{LOC}/subscriptions/{path}", params=params)
        assert r.status_code == 200, r.text
        body = r.json()["notificationSubscriptionList"]
        assert body["resourceURL"] == {"href": f"{BASE}/subscriptions/{path}"}
        return [(s["href"], s["subscriptionType"]) for s in body["subscription"]]

    assert await listed("users") == [
        (event, "UserLocationEventSubscription"),
        (periodic, "UserLocationPeriodicSubscription"),
    ]
    assert await listed("users", subscription_type="periodic") == [
        (periodic, "UserLocationPeriodicSubscription")
    ]
    assert await listed("users", address=RUN) == [(event, "UserLocationEventSubscription")]
    assert await listed("users", address="10.0.0.2") == [
        (periodic, "UserLocationPeriodicSubscription")
    ]
    assert await listed("zones", subscription_type="status") == [(status, "ZoneStatusSubscription")]
    assert await listed("zones", zoneId="z1") == [(zone, "ZoneLocationEventSubscription")]
    assert await listed("area", subscription_type="event") == []
    assert await listed("distance") == []
    # Subscriptions belong to the host they were made on.
    r = await api.get(f"/hosts/mec-2{LOC}/subscriptions/users")
    assert r.json()["notificationSubscriptionList"]["subscription"] == []


@pytest.mark.parametrize(
    "query",
    ["users?subscription_type=status", "area?subscription_type=periodic", "distance?address=x"],
)
async def test_list_filter_errors(api: httpx.AsyncClient, query: str) -> None:
    r = await api.get(f"{LOC}/subscriptions/{query}")
    assert r.status_code == 400


# --- one subscription: read, replace, delete -----------------------------------------------------


async def test_a_subscription_is_only_found_in_its_own_collection_and_host(
    api: httpx.AsyncClient,
) -> None:
    href, _ = await created(api, "users", user_event(CB))
    sub_id = href.rsplit("/", 1)[-1]
    for path in (f"zones/{sub_id}", f"area/{sub_id}", "users/nope"):
        assert (await api.get(f"{LOC}/subscriptions/{path}")).status_code == 404
    assert (await api.get(f"/hosts/mec-2{LOC}/subscriptions/users/{sub_id}")).status_code == 404


async def test_put_replaces_with_if_match(api: httpx.AsyncClient) -> None:
    href, _ = await created(api, "zones", zone_event(CB, "z1"))
    etag = (await api.get(href)).headers["ETag"]
    replacement = zone_event(CB, "z2", clientCorrelator="new")
    r = await api.put(href, json=replacement, headers={"If-Match": '"stale"'})
    assert r.status_code == 412
    r = await api.put(href, json=replacement, headers={"If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] != etag
    got = inner(r.json())
    assert (got["zoneId"], got["clientCorrelator"]) == ("z2", "new")
    assert got["_links"] == {"self": {"href": href}}
    assert (await api.get(href)).json() == r.json()


async def test_put_keeps_the_type_and_checks_the_body(api: httpx.AsyncClient) -> None:
    href, _ = await created(api, "zones", zone_event(CB, "z1"))
    r = await api.put(href, json=zone_status(CB, "z1"))
    assert r.status_code == 422
    r = await api.put(href, json=zone_event(CB, "z9"))
    assert r.status_code == 400
    assert r.json()["invalidParams"][0]["name"] == "zoneLocationEventSubscription.zoneId"
    other = {**inner(zone_event(CB, "z1")), "_links": {"self": {"href": f"{href}x"}}}
    r = await api.put(href, json={"zoneLocationEventSubscription": other})
    assert r.status_code == 400
    assert r.json()["invalidParams"][0]["name"].endswith("_links.self.href")
    r = await api.put(f"{LOC}/subscriptions/zones/unknown", json=zone_event(CB, "z1"))
    assert r.status_code == 404


async def test_delete_with_if_match(api: httpx.AsyncClient) -> None:
    href, _ = await created(api, "area", user_area(CB, circle(0.0, 50), [RUN]))
    r = await api.delete(href, headers={"If-Match": '"stale"'})
    assert r.status_code == 412
    etag = (await api.get(href)).headers["ETag"]
    r = await api.delete(href, headers={"If-Match": etag})
    assert r.status_code == 204
    assert (await api.get(href)).status_code == 404
    assert (await api.delete(href)).status_code == 404


async def test_distance_collection_takes_both_versions(api: httpx.AsyncClient) -> None:
    v3, _ = await created(
        api, "distance", user_distance(CB, [RUN, STILL], 10.0, "AllBeyondDistance")
    )
    v2_body = {
        "distanceNotificationSubscription": {
            "callbackReference": {"notifyURL": CB},
            "monitoredAddress": [RUN, STILL],
            "distance": 10,
            "trackingAccuracy": 1,
            "criteria": "AnyWithinDistance",
            "checkImmediate": False,
            "frequency": 1,
        }
    }
    v2, got = await created(api, "distance", v2_body)
    assert inner(got)["resourceURL"] == v2
    r = await api.get(f"{LOC}/subscriptions/distance")
    assert [
        (s["href"], s["subscriptionType"])
        for s in r.json()["notificationSubscriptionList"]["subscription"]
    ] == [(v3, "UserDistanceSubscription"), (v2, "DistanceNotificationSubscription")]
    assert list((await api.get(v2)).json()) == ["distanceNotificationSubscription"]
    # A PUT keeps the version as well as the type.
    r = await api.put(v3, json=v2_body)
    assert r.status_code == 422
