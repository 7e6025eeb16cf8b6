"""AMS subscriptions (ETSI GS MEC 021 clauses 8.5, 8.6) and notifications (7.4): every
operation and its errors, the filters, delivery by callback and websocket, test notifications,
expiry and the ``meclab`` extension object."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from ams_helpers import AMS, SUBS, UE_CAR, UE_WALK, Served, notice
from helpers import BASE_URL, problem, until
from receiver import Receiver

from meclab.mobility.notices import (
    AdjacentChange,
    AdjacentInstance,
    InstanceAddress,
    MobilityStatus,
)

CALLBACK = "http://127.0.0.1:9/cb"  # nothing listens: notifications are not the point there
TRIGGERED = MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED
COMPLETED = MobilityStatus.INTERHOST_MOVEOUT_COMPLETED
FAILED = MobilityStatus.INTERHOST_MOVEOUT_FAILED
TARGET = InstanceAddress("edge-b-id", "mec-b", "10.200.0.7", 8080)


def mobility(callback: str = CALLBACK, **criteria: Any) -> dict[str, Any]:
    return {
        "subscriptionType": "MobilityProcedureSubscription",
        "callbackReference": callback,
        "filterCriteria": criteria,
    }


def adjacent(callback: str = CALLBACK, **criteria: Any) -> dict[str, Any]:
    return {
        "subscriptionType": "AdjacentAppInfoSubscription",
        "callbackReference": callback,
        "filterCriteria": criteria,
    }


def path(response: httpx.Response) -> str:
    return response.headers["location"].removeprefix(BASE_URL)


# --- the resources ----------------------------------------------------------------------------


async def test_create_echoes_default_mobility_status(client: httpx.AsyncClient) -> None:
    response = await client.post(SUBS, json=mobility())
    assert response.status_code == 201
    href = response.headers["location"]
    assert response.json() == {
        **mobility(filterCriteria=None),
        "filterCriteria": {"mobilityStatus": [1]},
        "_links": {"self": {"href": href}},
    }
    given = await client.post(SUBS, json=mobility(mobilityStatus=[2, 3]))
    assert given.json()["filterCriteria"] == {"mobilityStatus": [2, 3]}
    assert (await client.get(path(response))).json() == response.json()


async def test_list_and_filter_by_type(served: Served, client: httpx.AsyncClient) -> None:
    proc = (await client.post(SUBS, json=mobility())).headers["location"]
    adj = (await client.post(SUBS, json=adjacent())).headers["location"]
    listed = (await client.get(SUBS)).json()
    assert listed == {
        "_links": {
            "self": {"href": f"{BASE_URL}{SUBS}"},
            "subscription": [
                {"href": proc, "subscriptionType": "MobilityProcedureSubscription"},
                {"href": adj, "subscriptionType": "AdjacentAppInfoSubscription"},
            ],
        }
    }
    for name in ("subscriptiontype", "subscriptionType"):
        only = (await client.get(SUBS, params={name: "adj_app_info"})).json()
        assert [s["href"] for s in only["_links"]["subscription"]] == [adj]
    bad = problem(await client.get(SUBS, params={"subscriptiontype": "cell_change"}), 400)
    assert bad["invalidParams"][0]["name"] == "subscriptiontype"
    problem(await client.get(SUBS, params={"subscription_type": "adj_app_info"}), 400)
    other = (await client.get(f"/hosts/mec-b{SUBS}")).json()
    assert other["_links"]["subscription"] == []


async def test_create_errors(served: Served, client: httpx.AsyncClient) -> None:
    def named(response: httpx.Response) -> str:
        return str(problem(response, 400)["invalidParams"][0]["name"])

    foreign = mobility(appInstanceId=served.instance("edge-b"))
    assert named(await client.post(SUBS, json=foreign)) == "filterCriteria.appInstanceId"
    assert named(await client.post(SUBS, json=adjacent(appInstanceId="nope"))) == (
        "filterCriteria.appInstanceId"
    )
    nobody = mobility(associateId=[UE_WALK, {"type": 1, "value": "10.9.9.9"}])
    assert named(await client.post(SUBS, json=nobody)) == "filterCriteria.associateId[1]"
    no_delivery = {k: v for k, v in mobility().items() if k != "callbackReference"}
    assert "callbackReference" in named(await client.post(SUBS, json=no_delivery))
    assert named(await client.post(SUBS, json={"filterCriteria": {}})) == "subscriptionType"
    problem(await client.post(SUBS, json={**mobility(), "subscriptionType": "X"}), 422)
    problem(await client.post(SUBS, json={"subscriptionType": "MobilityProcedureSubscription",
                                          "callbackReference": CALLBACK}), 400)  # fmt: skip
    problem(await client.post(SUBS, json=mobility(callback="ftp://x/cb")), 400)
    problem(await client.post(SUBS, json=mobility(mobilityStatus=[7])), 400)
    past = {"seconds": 1, "nanoSeconds": 0}
    assert named(await client.post(SUBS, json={**mobility(), "expiryDeadline": past})) == (
        "expiryDeadline"
    )


async def test_put_and_delete(served: Served, client: httpx.AsyncClient) -> None:
    created = await client.post(SUBS, json=mobility())
    url, etag = path(created), created.headers["etag"]
    edge = served.instance("edge-app")
    replacement = mobility(appInstanceId=edge, mobilityStatus=[2])
    problem(await client.put(url, json=replacement, headers={"If-Match": '"stale"'}), 412)
    response = await client.put(url, json=replacement, headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.json()["filterCriteria"] == {"appInstanceId": edge, "mobilityStatus": [2]}
    assert "same type" in problem(await client.put(url, json=adjacent()), 422)["detail"]
    wrong = {**replacement, "_links": {"self": {"href": f"{BASE_URL}{SUBS}/other"}}}
    assert problem(await client.put(url, json=wrong), 400)["invalidParams"][0]["name"] == (
        "_links.self.href"
    )
    assert (await client.put(url, json=response.json())).status_code == 200  # as read
    problem(await client.put(f"{SUBS}/nope", json=replacement), 404)
    problem(await client.delete(url, headers={"If-Match": '"stale"'}), 412)
    assert (await client.delete(url)).status_code == 204
    problem(await client.get(url), 404)


# --- notifications ----------------------------------------------------------------------------


async def test_procedure_notification_and_extension(
    served: Served, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    edge = served.instance("edge-app")
    body = mobility(receiver.url("/p"), appInstanceId=edge, mobilityStatus=[1, 3])
    href = (await client.post(SUBS, json=body)).headers["location"]
    prediction = {"zone": "zone-b", "in_s": 4.5}
    await served.mobility.emit(notice(TRIGGERED, edge, target=TARGET, prediction=prediction))
    await served.mobility.emit(notice(COMPLETED, edge, target=TARGET))  # not subscribed
    await served.mobility.emit(notice(FAILED, edge, reason="no instance could start"))
    first, second = await receiver.wait_for(2)
    assert first == {
        "notificationType": "MobilityProcedureNotification",
        "timeStamp": {"seconds": 1_700_000_123, "nanoSeconds": 500_000_000},
        "associateId": [UE_WALK],
        "mobilityStatus": 1,
        "targetAppInfo": {
            "appInstanceId": "edge-b-id",
            "commInterface": {"ipAddresses": [{"host": "10.200.0.7", "port": 8080}]},
        },
        "_links": {"subscription": {"href": href}},
        "meclab": {
            "procedure": f"{BASE_URL}/meclab/v1/relocations/proc-1",
            "prediction": prediction,
        },
    }
    assert second["mobilityStatus"] == 3
    assert "targetAppInfo" not in second
    assert second["meclab"] == {
        "procedure": f"{BASE_URL}/meclab/v1/relocations/proc-1",
        "reason": "no instance could start",
    }
    assert len(receiver.bodies()) == 2


EDGE = "<edge-app>"
"""Stands for edge-app's appInstanceId (known once the world is served)."""


@pytest.mark.parametrize(
    ("criteria", "from_instance", "delivered"),
    [
        ({}, EDGE, True),
        ({"associateId": []}, EDGE, True),
        ({"associateId": [UE_WALK]}, EDGE, True),
        ({"associateId": [{"type": "UE_IPV4_ADDRESS", "value": "10.0.0.1"}]}, EDGE, True),
        ({"associateId": [UE_CAR]}, EDGE, False),
        ({"associateId": [UE_CAR, UE_WALK]}, EDGE, True),
        ({"mobilityStatus": [2]}, EDGE, False),
        ({"appInstanceId": EDGE}, EDGE, True),
        ({"appInstanceId": EDGE}, "another-instance", False),
    ],
)
async def test_procedure_filters(
    served: Served,
    client: httpx.AsyncClient,
    receiver: Receiver,
    criteria: dict[str, Any],
    from_instance: str,
    delivered: bool,
) -> None:
    edge = served.instance("edge-app")
    criteria = {k: edge if v == EDGE else v for k, v in criteria.items()}
    await client.post(SUBS, json=mobility(receiver.url("/f"), **criteria))
    await client.post(SUBS, json=mobility(receiver.url("/all")))
    await served.mobility.emit(notice(TRIGGERED, edge if from_instance == EDGE else from_instance))
    await receiver.wait_for(1, "/all")
    await served.mobility.emit(notice(TRIGGERED, edge, host="mec-b"))  # another host's AMS
    await receiver.quiet(0.2)
    assert len(receiver.bodies("/f")) == (1 if delivered else 0)
    assert len(receiver.bodies("/all")) == 1


async def test_adjacent_notification(
    served: Served, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    edge = served.instance("edge-app")
    href = (await client.post(SUBS, json=adjacent(receiver.url("/a"), appInstanceId=edge))).headers[
        "location"
    ]
    await client.post(SUBS, json=adjacent(receiver.url("/any")))
    change = AdjacentChange(
        host="mec-a",
        app_instance_id=edge,
        adjacent=(AdjacentInstance(TARGET, "appd-edge", "mec-b"),),
        wall=1_700_000_200.0,
    )
    await served.mobility.emit(change)
    await served.mobility.emit(AdjacentChange(host="mec-a", app_instance_id="another"))
    (note,) = await receiver.wait_for(1, "/a")
    assert note == {
        "notificationType": "AdjacentAppInfoNotification",
        "timeStamp": {"seconds": 1_700_000_200, "nanoSeconds": 0},
        "adjacentAppInfo": [
            {
                "appInstanceId": "edge-b-id",
                "commInterface": {"ipAddresses": [{"host": "10.200.0.7", "port": 8080}]},
            }
        ],
        "_links": {"subscription": {"href": href}},
    }
    both = await receiver.wait_for(2, "/any")
    assert both[1]["adjacentAppInfo"] == []
    assert len(receiver.bodies("/a")) == 1


async def test_test_notification_and_expiry(client: httpx.AsyncClient, receiver: Receiver) -> None:
    created = await client.post(
        SUBS, json={**adjacent(receiver.url("/t")), "requestTestNotification": True}
    )
    (note,) = await receiver.wait_for(1, "/t")
    assert note == {
        "notificationType": "TestNotification",
        "_links": {"subscription": {"href": created.headers["location"]}},
    }
    deadline = time.time() + 0.3
    stamp = {"seconds": int(deadline), "nanoSeconds": round((deadline - int(deadline)) * 1e9)}
    expiring = await client.post(
        SUBS, json={**mobility(receiver.url("/x")), "expiryDeadline": stamp}
    )
    assert expiring.json()["expiryDeadline"] == stamp
    (expiry,) = await receiver.wait_for(1, "/x")
    assert expiry["notificationType"] == "ExpiryNotification"
    assert expiry["expiryDeadline"] == stamp
    assert expiry["_links"] == {"subscription": {"href": expiring.headers["location"]}}
    assert set(expiry["timeStamp"]) == {"seconds", "nanoSeconds"}
    problem(await client.get(path(expiring)), 404)


class Channel:
    """A websocket connection as delivery sees it (the route itself is the platform's)."""

    def __init__(self) -> None:
        self.frames: list[Any] = []

    async def send_text(self, data: str) -> None:
        self.frames.append(json.loads(data))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass


async def test_websocket_delivery(served: Served, client: httpx.AsyncClient) -> None:
    body = {**mobility(), "websockNotifConfig": {"requestWebsocketUri": True}}
    created = (await client.post(SUBS, json=body)).json()
    assert "callbackReference" not in created
    sub_id = created["_links"]["self"]["href"].rsplit("/", 1)[1]
    assert created["websockNotifConfig"] == {
        "websocketUri": f"ws://meclab.test/meclab/ws/notifications/{sub_id}",
        "requestWebsocketUri": True,
    }
    platforms = served.app.state.platforms
    sub = platforms.subscriptions.find(sub_id)
    channel = Channel()
    platforms.notifier.attach_websocket(sub, channel)
    await served.mobility.emit(notice(TRIGGERED, served.instance("edge-app")))
    await until(lambda: channel.frames != [], "the notification on the websocket", 2.0)
    assert channel.frames[0]["notificationType"] == "MobilityProcedureNotification"
    assert channel.frames[0]["_links"]["subscription"]["href"] == created["_links"]["self"]["href"]


async def test_offered_in_service_registry(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/mec_service_mgmt/v1/services", params={"ser_name": "amsi"})).json()
    (info,) = listed
    assert info["version"] == "2.2.1"
    assert info["transportInfo"]["endpoint"]["uris"] == [f"{BASE_URL}{AMS}"]


async def test_stored_bodies_parse_back_to_their_criteria(
    served: Served, client: httpx.AsyncClient
) -> None:
    """A resumed world rebuilds each subscription's criteria from its stored body (the
    registry's restore): the default mobilityStatus is in it, so the filter stays the same."""
    await client.post(SUBS, json=mobility(associateId=[UE_WALK]))
    await client.post(
        SUBS, json={**adjacent(), "websockNotifConfig": {"requestWebsocketUri": True}}
    )
    registry = served.app.state.platforms.subscriptions
    stored = dict(await served.app.state.platforms.store.items("subscriptions"))
    subs = registry.list("mec-a", "ams")
    assert len(subs) == 2
    for sub in subs:
        assert stored[sub.id]["body"] == sub.body
        parsed = registry.apis["ams"].parse(sub.type, stored[sub.id]["body"])
        assert parsed.filterCriteria == sub.criteria.filterCriteria
    assert subs[0].criteria.filterCriteria.mobilityStatus == [TRIGGERED]
