"""What MEC 011 applications create survives a restart of meclab (the same SQLite file), and
the restart tells no subscriber anything twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from helpers import BASE_URL, service, until
from mec011_helpers import (
    AS,
    SM,
    open_world,
    ready,
    register_service,
    subscribe_availability,
)
from receiver import Receiver

from meclab.scenario.model import Scenario

ENDPOINT = {"uris": ["http://my-app.example/api"]}


async def snapshot(api: httpx.AsyncClient, urls: list[str]) -> dict[str, Any]:
    """Status, body and ETag of every URL."""
    out = {}
    for url in urls:
        response = await api.get(url)
        out[url] = (response.status_code, response.json(), response.headers.get("ETag"))
    return out


async def test_everything_survives_a_restart(
    scenario: Scenario, store_path: Path, receiver: Receiver
) -> None:
    async with open_world(store_path, scenario) as world:
        api = world.client
        dev, peer = world.app_id("dev-app"), world.app_id("peer-app")
        edge_svc = (await api.get(f"{SM}/services", params={"ser_name": "edge-svc"})).json()
        await api.post(f"{AS}/registrations", json={"appName": "dev-app", "appInstanceId": dev})
        await ready(api, dev)
        avail = await subscribe_availability(api, peer, receiver.url("/avail"))
        filtered = await subscribe_availability(
            api, peer, receiver.url("/filtered"), {"serNames": ["later"]}
        )
        term = await api.post(
            f"{AS}/applications/{dev}/subscriptions",
            json={
                "subscriptionType": "AppTerminationNotificationSubscription",
                "callbackReference": receiver.url("/term"),
                "appInstanceId": dev,
            },
        )
        s1 = await register_service(api, dev, service("s1", livenessInterval=60))
        s2 = await register_service(api, dev, service("s2", scopeOfLocality="MEC_SYSTEM"))
        dns = f"{AS}/applications/{dev}/dns_rules/dns-1"
        rule = (await api.get(dns)).json()
        assert (await api.put(dns, json={**rule, "state": "INACTIVE"})).status_code == 200
        traffic = f"{AS}/applications/{dev}/traffic_rules/tr-1"
        rule = (await api.get(traffic)).json()
        assert (await api.put(traffic, json={**rule, "action": "DROP"})).status_code == 200
        mine = await api.post(
            f"/hosts/mec-b{AS}/registrations", json={"appName": "my-app", "endpoint": ENDPOINT}
        )
        my_id = mine.json()["appInstanceId"]
        await ready(api, my_id, prefix="/hosts/mec-b")
        s3 = await register_service(
            api, my_id, service("s3", consumedLocalOnly=False), prefix="/hosts/mec-b"
        )
        await receiver.wait_for(3, "/avail")  # s1, s2, s3 added
        urls = [
            f"{AS}/registrations/{dev}",
            f"/hosts/mec-b{AS}/registrations/{my_id}",
            dns,
            traffic,
            f"{AS}/applications/{dev}/dns_rules",
            f"{AS}/applications/{dev}/subscriptions",
            term.headers["Location"].removeprefix(BASE_URL),
            f"{SM}/applications/{peer}/subscriptions",
            avail["_links"]["self"]["href"].removeprefix(BASE_URL),
            filtered["_links"]["self"]["href"].removeprefix(BASE_URL),
            f"{SM}/services",
            f"/hosts/mec-c{SM}/services",
            f"{SM}/applications/{dev}/services/{s1['serInstanceId']}",
            f"{SM}/services/{s2['serInstanceId']}",
            f"/hosts/mec-b{SM}/applications/{my_id}/services/{s3['serInstanceId']}",
        ]
        before = await snapshot(api, urls)
        liveness = s1["_links"]["liveness"]["href"].removeprefix(BASE_URL)
        beat = (await api.get(liveness)).json()
        states = {a.app_instance_id: a.state for a in world.platforms.apps.values()}
        avail_before = len(receiver.bodies("/avail"))  # before the stop's withdrawals
    assert all(status == 200 for status, _, _ in before.values())

    async with open_world(store_path, None) as world:
        api = world.client
        assert world.runtime.opened == "resumed"
        after = await snapshot(api, urls)
        assert after == before
        # Liveness is counted afresh from the restart: producers could not reach meclab.
        resumed = (await api.get(liveness)).json()
        assert (resumed["state"], resumed["interval"]) == (beat["state"], beat["interval"])
        assert resumed["timeStamp"]["seconds"] >= beat["timeStamp"]["seconds"]
        assert {a.app_instance_id: a.state for a in world.platforms.apps.values()} == states
        # The emulated instance's service was restored, not registered again.
        assert (await api.get(f"{SM}/services", params={"ser_name": "edge-svc"})).json() == edge_svc
        # Nothing about the apps' services was sent on resume: the next such notification
        # each subscription gets is the one of a new change (delivery keeps each
        # subscription's order). The platform's own services (WAI, UE identity ...) were
        # withdrawn at the stop and offered again at the start: REMOVED then ADDED, under the
        # same serInstanceId.
        platform_services = {
            r.info.serName for r in world.platforms.services.records.values() if r.owner is None
        }
        later = await register_service(api, dev, service("later"))
        await receiver.wait_for(1, "/filtered")

        def about_apps(body: dict[str, Any]) -> bool:
            return body["serviceReferences"][0]["serName"] not in platform_services

        await until(
            lambda: len([b for b in receiver.bodies("/avail") if about_apps(b)]) >= 4,
            "the notification of the new service",
        )
        apps_avail = [b for b in receiver.bodies("/avail") if about_apps(b)]
        assert apps_avail[3]["serviceReferences"][0]["serInstanceId"] == later["serInstanceId"]

        def platform_notes() -> list[dict[str, Any]]:
            since = receiver.bodies("/avail")[avail_before:]
            return [b for b in since if not about_apps(b)]

        await until(lambda: len(platform_notes()) >= 2 * len(platform_services), "re-offers")
        changes = [
            (b["serviceReferences"][0]["serName"], b["serviceReferences"][0]["changeType"])
            for b in platform_notes()
        ]
        assert sorted(changes) == sorted(
            [(name, kind) for name in platform_services for kind in ("REMOVED", "ADDED")]
        )
        assert receiver.bodies("/term") == []


async def test_a_termination_under_way_resumes(
    scenario: Scenario, store_path: Path, receiver: Receiver
) -> None:
    async with open_world(store_path, scenario) as world:
        api = world.client
        dev = world.app_id("dev-app")
        await api.post(
            f"{AS}/applications/{dev}/subscriptions",
            json={
                "subscriptionType": "AppTerminationNotificationSubscription",
                "callbackReference": receiver.url("/term"),
                "appInstanceId": dev,
            },
        )
        terminate = {"type": "terminate", "app": "dev-app", "graceful_timeout_s": 60}
        assert (await api.post("/meclab/v1/events", json=terminate)).status_code == 201
        [notice] = await receiver.wait_for(1, "/term")

    async with open_world(store_path, None) as world:
        api = world.client
        assert world.platforms.apps[dev].state == "TERMINATING"
        url = notice["_links"]["confirmTermination"]["href"].removeprefix(BASE_URL)
        assert (await api.post(url, json={"operationAction": "TERMINATING"})).status_code == 204
        await until(lambda: dev not in world.platforms.apps, "dev-app removed", 5.0)
        assert len(receiver.bodies("/term")) == 1

    async with open_world(store_path, None) as world:
        assert dev not in world.platforms.apps
        assert (await world.client.get(f"{AS}/applications/{dev}/dns_rules")).status_code == 404


async def test_a_termination_that_times_out_after_a_restart_completes(
    scenario: Scenario, store_path: Path
) -> None:
    async with open_world(store_path, scenario) as world:
        dev = world.app_id("dev-app")
        terminate = {"type": "terminate", "app": "dev-app", "graceful_timeout_s": 1}
        assert (await world.client.post("/meclab/v1/events", json=terminate)).status_code == 201
    # Stopped within its grace period; no confirmation will come.

    async with open_world(store_path, None) as world:
        assert world.platforms.apps[dev].state == "TERMINATING"
        await until(lambda: dev not in world.platforms.apps, "dev-app removed", 5.0)
