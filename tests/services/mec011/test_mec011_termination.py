"""Graceful termination (MEC 011 clause 5.2.3), end to end: the control API terminates an
instance, its subscribers are notified over HTTP, it confirms (or the timeout passes), and it
goes with its services (their subscribers are told) and its subscriptions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers import BASE_URL, problem, service, until
from mec011_helpers import (
    AS,
    SM,
    World,
    bad_fields,
    ready,
    register_service,
    subscribe_availability,
)
from receiver import Receiver

EVENTS = "/meclab/v1/events"


async def terminate(
    api: httpx.AsyncClient, app: str, timeout_s: int, action: str = "TERMINATING"
) -> httpx.Response:
    return await api.post(
        EVENTS,
        json={"type": "terminate", "app": app, "action": action, "graceful_timeout_s": timeout_s},
    )


async def subscribe_termination(
    api: httpx.AsyncClient, subscriber: str, watched: str, callback: str, prefix: str = ""
) -> dict[str, Any]:
    response = await api.post(
        f"{prefix}{AS}/applications/{subscriber}/subscriptions",
        json={
            "subscriptionType": "AppTerminationNotificationSubscription",
            "callbackReference": callback,
            "appInstanceId": watched,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def termination_notice(sub: dict[str, Any], app_id: str, timeout_s: int, action: str) -> Any:
    return {
        "notificationType": "AppTerminationNotification",
        "operationAction": action,
        "maxGracefulTimeout": timeout_s,
        "_links": {
            "subscription": {"href": sub["_links"]["self"]["href"]},
            "confirmTermination": {
                "href": f"{BASE_URL}{AS}/applications/{app_id}/confirm_termination"
            },
        },
    }


@pytest.fixture
async def running(world: World, api: httpx.AsyncClient, receiver: Receiver) -> dict[str, Any]:
    """dev-app READY with a service, subscribed to its own termination; peer-app subscribed
    to service availability and to dev-app's termination."""
    dev, peer = world.app_id("dev-app"), world.app_id("peer-app")
    await ready(api, dev)
    ser = await register_service(api, dev, service("s1"))
    own = await subscribe_termination(api, dev, dev, receiver.url("/dev-term"))
    watch = await subscribe_termination(api, peer, dev, receiver.url("/peer-term"))
    avail = await subscribe_availability(api, peer, receiver.url("/peer-avail"))
    await subscribe_availability(api, dev, receiver.url("/dev-avail"))
    return {"dev": dev, "peer": peer, "ser": ser, "own": own, "watch": watch, "avail": avail}


async def test_graceful_termination_confirmed(
    world: World, api: httpx.AsyncClient, receiver: Receiver, running: dict[str, Any]
) -> None:
    dev = running["dev"]
    response = await terminate(api, "dev-app", 30)
    assert response.status_code == 201
    assert world.platforms.apps[dev].state == "TERMINATING"
    [notice] = await receiver.wait_for(1, "/dev-term")
    assert notice == termination_notice(running["own"], dev, 30, "TERMINATING")
    [watched] = await receiver.wait_for(1, "/peer-term")
    assert watched == termination_notice(running["watch"], dev, 30, "TERMINATING")
    # In its grace period it is still there, may not register services nor confirm ready.
    assert (await api.get(f"{AS}/applications/{dev}/dns_rules")).status_code == 200
    problem(await api.post(f"{SM}/applications/{dev}/services", json=service("late")), 403)
    problem(
        await api.post(f"{AS}/applications/{dev}/confirm_ready", json={"indication": "READY"}),
        409,
    )
    problem(await terminate(api, "dev-app", 30), 409)  # already terminating
    # The confirmation must name the action asked for.
    url = notice["_links"]["confirmTermination"]["href"].removeprefix(BASE_URL)
    assert bad_fields(await api.post(url, json={"operationAction": "STOPPING"})) == [
        "operationAction"
    ]
    assert (await api.post(url, json={"operationAction": "TERMINATING"})).status_code == 204
    await until(lambda: dev not in world.platforms.apps, "dev-app removed", 5.0)
    problem(await api.get(f"{AS}/applications/{dev}/dns_rules"), 404)
    problem(await api.get(f"{SM}/services/{running['ser']['serInstanceId']}"), 404)
    [removed] = await receiver.wait_for(1, "/peer-avail")
    assert removed["serviceReferences"][0] == {
        "serName": "s1",
        "serInstanceId": running["ser"]["serInstanceId"],
        "state": "ACTIVE",
        "changeType": "REMOVED",
    }
    # Its subscriptions and the watcher's subscription to it are gone; the peer's others stay.
    subs = world.platforms.subscriptions
    assert [s.owner for s in subs.subscribers("mec011_app_support")] == []
    assert [s.owner for s in subs.subscribers("mec011_service_mgmt")] == [running["peer"]]
    assert receiver.bodies("/dev-avail") == []  # not told of its own services' removal
    assert list(world.platforms.notifier.undelivered) == []
    problem(await terminate(api, "dev-app", 30), 404)


async def test_graceful_termination_times_out(
    world: World, api: httpx.AsyncClient, receiver: Receiver, running: dict[str, Any]
) -> None:
    dev = running["dev"]
    assert (await terminate(api, dev, 1)).status_code == 201  # by appInstanceId
    [notice] = await receiver.wait_for(1, "/dev-term")
    assert notice["maxGracefulTimeout"] == 1
    assert dev in world.platforms.apps
    await until(lambda: dev not in world.platforms.apps, "dev-app removed", 5.0)
    [removed] = await receiver.wait_for(1, "/peer-avail")
    assert removed["serviceReferences"][0]["changeType"] == "REMOVED"
    url = f"{AS}/applications/{dev}/confirm_termination"
    problem(await api.post(url, json={"operationAction": "TERMINATING"}), 404)


async def test_graceful_stop(
    world: World, api: httpx.AsyncClient, receiver: Receiver, running: dict[str, Any]
) -> None:
    dev = running["dev"]
    assert (await terminate(api, "dev-app", 30, "STOPPING")).status_code == 201
    [notice] = await receiver.wait_for(1, "/dev-term")
    assert notice == termination_notice(running["own"], dev, 30, "STOPPING")
    url = f"{AS}/applications/{dev}/confirm_termination"
    assert (await api.post(url, json={"operationAction": "STOPPING"})).status_code == 204
    problem(await api.post(url, json={"operationAction": "STOPPING"}), 409)  # once only
    await until(lambda: dev not in world.platforms.apps, "dev-app removed", 5.0)


async def test_no_grace_period(
    world: World, api: httpx.AsyncClient, receiver: Receiver, running: dict[str, Any]
) -> None:
    # maxGracefulTimeout is non-zero (clause 7.1.4.2): a timeout of 0 is no graceful
    # termination, and nobody is asked to confirm.
    dev = running["dev"]
    assert (await terminate(api, "dev-app", 0)).status_code == 201
    await until(lambda: dev not in world.platforms.apps, "dev-app removed", 5.0)
    await receiver.wait_for(1, "/peer-avail")
    assert receiver.bodies("/dev-term") == receiver.bodies("/peer-term") == []
    assert world.platforms.notifier.pending_total() == 0


async def test_emulated_instance_confirms_at_once(
    world: World, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    edge, peer = world.app_id("edge-app"), world.app_id("peer-app")
    sub = await subscribe_termination(api, peer, edge, receiver.url("/term"))
    await subscribe_availability(api, peer, receiver.url("/avail"), {"serNames": ["edge-svc"]})
    assert (await terminate(api, "edge-app", 60)).status_code == 201
    [notice] = await receiver.wait_for(1, "/term")
    assert notice == termination_notice(sub, edge, 60, "TERMINATING")
    await until(lambda: edge not in world.platforms.apps, "edge-app removed", 5.0)
    [removed] = await receiver.wait_for(1, "/avail")
    assert removed["serviceReferences"][0]["serName"] == "edge-svc"
    assert removed["serviceReferences"][0]["changeType"] == "REMOVED"


async def test_instance_not_ready_can_be_terminated(
    world: World, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    a2 = world.app_id("a2-app")
    sub = await subscribe_termination(api, a2, a2, receiver.url("/term"), "/hosts/mec-a2")
    assert world.platforms.apps[a2].state == "INSTANTIATED"
    assert (await terminate(api, "a2-app", 10)).status_code == 201
    [notice] = await receiver.wait_for(1, "/term")
    assert notice["_links"]["subscription"] == sub["_links"]["self"]
    assert notice["_links"]["confirmTermination"]["href"] == (
        f"{BASE_URL}/hosts/mec-a2{AS}/applications/{a2}/confirm_termination"
    )
    url = notice["_links"]["confirmTermination"]["href"].removeprefix(BASE_URL)
    assert (await api.post(url, json={"operationAction": "TERMINATING"})).status_code == 204
    await until(lambda: a2 not in world.platforms.apps, "a2-app removed", 5.0)


async def test_terminate_unknown_instance_is_404(api: httpx.AsyncClient) -> None:
    problem(await terminate(api, "no-such-app", 10), 404)
