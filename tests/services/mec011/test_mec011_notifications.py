"""Service availability notifications, delivered over real HTTP to a receiver in the test:
exact contents, every filter, other hosts, liveness lapses, a receiver that is down a while."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from helpers import BASE_URL, service
from mec011_helpers import SM, World, ready, register_service, subscribe_availability
from receiver import Receiver


@pytest.fixture
async def dev(world: World, api: httpx.AsyncClient) -> str:
    """dev-app, confirmed ready: it produces the services."""
    app_id = world.app_id("dev-app")
    await ready(api, app_id)
    return app_id


@pytest.fixture
def peer(world: World) -> str:
    """peer-app: it subscribes."""
    return world.app_id("peer-app")


def expected(
    sub: dict[str, Any], ser: dict[str, Any], change: str, state: str = "ACTIVE", prefix: str = ""
) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "link": {"href": f"{BASE_URL}{prefix}{SM}/services/{ser['serInstanceId']}"},
        "serName": ser["serName"],
        "serInstanceId": ser["serInstanceId"],
        "state": state,
        "changeType": change,
    }
    if change == "REMOVED":
        del reference["link"]
    return {
        "notificationType": "SerAvailabilityNotification",
        "serviceReferences": [reference],
        "_links": {"subscription": {"href": sub["_links"]["self"]["href"]}},
    }


async def test_added_changed_removed(
    api: httpx.AsyncClient, dev: str, peer: str, receiver: Receiver
) -> None:
    sub = await subscribe_availability(api, peer, receiver.url())
    ser = await register_service(api, dev, service("s1"))
    url = f"{SM}/applications/{dev}/services/{ser['serInstanceId']}"
    assert (await api.put(url, json=service("s1", state="SUSPENDED"))).status_code == 200
    assert (
        await api.put(url, json=service("s1", state="SUSPENDED", version="2"))
    ).status_code == 200
    assert (
        await api.put(url, json=service("s1", state="SUSPENDED", version="2"))
    ).status_code == 200
    assert (await api.delete(url)).status_code == 204
    received = await receiver.wait_for(4)
    assert received == [
        expected(sub, ser, "ADDED"),
        expected(sub, ser, "STATE_CHANGED", "SUSPENDED"),
        expected(sub, ser, "ATTRIBUTES_CHANGED", "SUSPENDED"),  # the unchanged PUT says nothing
        expected(sub, ser, "REMOVED", "SUSPENDED"),
    ]


CAT_W = {"href": "http://cat.example/w", "id": "cat-w", "name": "W", "version": "1"}
FAR = "/hosts/mec-b"
"""Services registered there with consumedLocalOnly false are seen on mec-a, as non-local."""


@pytest.mark.parametrize(
    ("criteria", "decoys", "match"),
    [
        ({"serNames": ["wanted"]}, [("", service("other"))], ("", service("wanted"))),
        (
            {"serCategories": [CAT_W]},
            [("", service("x")), ("", service("y", serCategory=None))],
            ("", service("z", serCategory=CAT_W)),
        ),
        ({"states": ["INACTIVE"]}, [("", service("x"))], ("", service("y", state="INACTIVE"))),
        (
            {"isLocal": True},
            [(FAR, service("far", consumedLocalOnly=False))],
            ("", service("near")),
        ),
        (
            {"isLocal": False},
            [("", service("near"))],
            (FAR, service("far", consumedLocalOnly=False)),
        ),
        (
            {"serNames": ["wanted"], "states": ["INACTIVE", "SUSPENDED"]},
            [("", service("wanted")), ("", service("other", state="INACTIVE"))],
            ("", service("wanted", state="SUSPENDED")),
        ),
    ],
)
async def test_filters(
    world: World,
    api: httpx.AsyncClient,
    dev: str,
    peer: str,
    receiver: Receiver,
    criteria: dict[str, Any],
    decoys: list[tuple[str, dict[str, Any]]],
    match: tuple[str, dict[str, Any]],
) -> None:
    b_app = world.app_id("b-app")
    await ready(api, b_app, prefix=FAR)
    producer = {"": dev, FAR: b_app}
    await subscribe_availability(api, peer, receiver.url("/filtered"), criteria)
    await subscribe_availability(api, peer, receiver.url("/all"))
    for prefix, body in decoys:
        await register_service(api, producer[prefix], body, prefix=prefix)
    # The match comes last: if a decoy had passed the filter, it would arrive before it.
    prefix, body = match
    wanted = await register_service(api, producer[prefix], body, prefix=prefix)
    assert len(await receiver.wait_for(len(decoys) + 1, "/all")) == len(decoys) + 1
    [first] = await receiver.wait_for(1, "/filtered")
    assert first["serviceReferences"][0]["serInstanceId"] == wanted["serInstanceId"]


async def test_serinstanceids_filter(
    api: httpx.AsyncClient, dev: str, peer: str, receiver: Receiver
) -> None:
    first = await register_service(api, dev, service("s1"))
    second = await register_service(api, dev, service("s2"))
    sub = await subscribe_availability(
        api, peer, receiver.url(), {"serInstanceIds": [second["serInstanceId"]]}
    )
    for ser in (first, second):
        await api.delete(f"{SM}/applications/{dev}/services/{ser['serInstanceId']}")
    assert await receiver.wait_for(1) == [expected(sub, second, "REMOVED")]


async def test_other_hosts_are_told_what_they_see(
    world: World, api: httpx.AsyncClient, dev: str, receiver: Receiver
) -> None:
    c_app = world.app_id("c-app")
    b_app = world.app_id("b-app")
    on_c = await subscribe_availability(api, c_app, receiver.url("/c"), prefix="/hosts/mec-c")
    await subscribe_availability(api, b_app, receiver.url("/b"), prefix="/hosts/mec-b")
    # MEC_HOST, local only: nobody else sees it. MEC_SYSTEM: every host, as local.
    await register_service(api, dev, service("mine"))
    everywhere = await register_service(api, dev, service("all", scopeOfLocality="MEC_SYSTEM"))
    [seen_on_c] = await receiver.wait_for(1, "/c")
    assert seen_on_c == expected(on_c, everywhere, "ADDED", prefix="/hosts/mec-c")
    [seen_on_b] = await receiver.wait_for(1, "/b")
    assert seen_on_b["serviceReferences"][0]["serName"] == "all"


async def test_duplicate_filter_selectors_are_400(
    api: httpx.AsyncClient, peer: str, receiver: Receiver
) -> None:
    response = await api.post(
        f"{SM}/applications/{peer}/subscriptions",
        json={
            "subscriptionType": "SerAvailabilityNotificationSubscription",
            "callbackReference": receiver.url(),
            "filteringCriteria": {"serNames": ["a"], "serInstanceIds": ["b"]},
        },
    )
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalidParams"]] == ["filteringCriteria"]
    bad_state = await api.post(
        f"{SM}/applications/{peer}/subscriptions",
        json={
            "subscriptionType": "SerAvailabilityNotificationSubscription",
            "callbackReference": receiver.url(),
            "filteringCriteria": {"states": ["GONE"]},
        },
    )
    assert [p["name"] for p in bad_state.json()["invalidParams"]] == ["filteringCriteria.states[0]"]


async def test_liveness_lapse_and_heartbeat(
    api: httpx.AsyncClient, dev: str, peer: str, receiver: Receiver
) -> None:
    sub = await subscribe_availability(
        api, peer, receiver.url(), {"states": ["INACTIVE", "ACTIVE"]}
    )
    ser = await register_service(api, dev, service("beating", livenessInterval=1))
    liveness = ser["_links"]["liveness"]["href"].removeprefix(BASE_URL)
    assert (await receiver.wait_for(1))[0] == expected(sub, ser, "ADDED")
    # No heartbeat: the platform marks it INACTIVE (after 1.5 intervals, checked every second).
    lapsed = (await receiver.wait_for(2, timeout_s=6.0))[1]
    assert lapsed == expected(sub, ser, "STATE_CHANGED", "INACTIVE")
    assert (await api.get(liveness)).json()["state"] == "INACTIVE"
    assert (await api.get(f"{SM}/services/{ser['serInstanceId']}")).json()["state"] == "INACTIVE"
    # A heartbeat brings it back.
    assert (await api.patch(liveness, json={"state": "ACTIVE"})).status_code == 204
    back = (await receiver.wait_for(3))[2]
    assert back == expected(sub, ser, "STATE_CHANGED", "ACTIVE")


async def test_heartbeats_keep_a_service_active(
    api: httpx.AsyncClient, dev: str, peer: str, receiver: Receiver
) -> None:
    await subscribe_availability(api, peer, receiver.url(), {"serNames": ["beating", "marker"]})
    ser = await register_service(api, dev, service("beating", livenessInterval=1))
    liveness = ser["_links"]["liveness"]["href"].removeprefix(BASE_URL)
    loop = asyncio.get_running_loop()
    until = loop.time() + 3.5
    while loop.time() < until:  # heartbeats every 0.5 s for 3.5 s: never late
        assert (await api.patch(liveness, json={"state": "ACTIVE"})).status_code == 204
        await asyncio.sleep(0.5)
    await register_service(api, dev, service("marker"))
    changes = [b["serviceReferences"][0] for b in await receiver.wait_for(2)]
    assert [(c["serName"], c["changeType"]) for c in changes] == [
        ("beating", "ADDED"),
        ("marker", "ADDED"),
    ]


async def test_receiver_down_then_back_gets_everything_in_order(
    api: httpx.AsyncClient, dev: str, peer: str
) -> None:
    receiver = Receiver()  # not listening yet: connection refused
    sub = await subscribe_availability(api, peer, receiver.url())
    ser = await register_service(api, dev, service("s1"))
    url = f"{SM}/applications/{dev}/services/{ser['serInstanceId']}"
    await api.put(url, json=service("s1", state="INACTIVE"))
    await api.put(url, json=service("s1", state="INACTIVE", version="9"))
    await api.delete(url)
    await receiver.start()
    try:
        received = await receiver.wait_for(4)
    finally:
        await receiver.stop()
    assert received == [
        expected(sub, ser, "ADDED"),
        expected(sub, ser, "STATE_CHANGED", "INACTIVE"),
        expected(sub, ser, "ATTRIBUTES_CHANGED", "INACTIVE"),
        expected(sub, ser, "REMOVED", "INACTIVE"),
    ]


async def test_deleted_subscription_gets_nothing_more(
    api: httpx.AsyncClient, dev: str, peer: str, receiver: Receiver
) -> None:
    gone = await subscribe_availability(api, peer, receiver.url("/gone"))
    await subscribe_availability(api, peer, receiver.url("/kept"))
    await api.delete(gone["_links"]["self"]["href"].removeprefix(BASE_URL))
    await register_service(api, dev, service("s1"))
    await receiver.wait_for(1, "/kept")
    assert receiver.bodies("/gone") == []


async def test_liveness_added_by_put_lapses_too(
    api: httpx.AsyncClient, dev: str, peer: str, receiver: Receiver
) -> None:
    sub = await subscribe_availability(api, peer, receiver.url())
    ser = await register_service(api, dev, service("later-beating"))
    url = f"{SM}/applications/{dev}/services/{ser['serInstanceId']}"
    put = await api.put(url, json=service("later-beating", livenessInterval=1))
    assert put.json()["_links"]["liveness"]["href"].endswith(f"/liveness/{ser['serInstanceId']}")
    received = await receiver.wait_for(3, timeout_s=6.0)
    assert [r["serviceReferences"][0]["changeType"] for r in received] == [
        "ADDED",
        "ATTRIBUTES_CHANGED",
        "STATE_CHANGED",
    ]
    assert received[2] == expected(sub, ser, "STATE_CHANGED", "INACTIVE")
