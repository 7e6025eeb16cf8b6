"""MEC 011 v3 ``/registrations``: take-over of a scenario instance, run-time instances."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers import BASE_URL, problem, service
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

ENDPOINT = {"uris": ["http://my-app.example:8080/api"]}


async def test_runtime_registration_creates_an_instance(
    world: World, api: httpx.AsyncClient
) -> None:
    body = {"appName": "my-app", "appProvider": "me", "endpoint": ENDPOINT}
    created = await api.post(f"{AS}/registrations", json=body)
    assert created.status_code == 201
    registration = created.json()
    app_id = registration["appInstanceId"]
    assert registration == {**body, "appInstanceId": app_id, "isInsByMec": False}
    location = created.headers["Location"]
    assert location == f"{BASE_URL}{AS}/registrations/{app_id}"
    got = await api.get(location.removeprefix(BASE_URL))
    assert got.status_code == 200
    assert got.json() == registration
    assert got.headers["ETag"] == created.headers["ETag"]
    # A new instance on the default host, INSTANTIATED until it confirms ready.
    instance = world.platforms.apps[app_id]
    assert (instance.host, instance.app_name, instance.state) == ("mec-a", "my-app", "INSTANTIATED")
    problem(await api.post(f"{SM}/applications/{app_id}/services", json=service()), 403)
    await ready(api, app_id)
    await register_service(api, app_id, service())


async def test_runtime_registration_with_its_own_id_on_another_host(
    world: World, api: httpx.AsyncClient
) -> None:
    body = {"appName": "my-app", "appInstanceId": "my-id-1", "endpoint": ENDPOINT}
    created = await api.post(f"/hosts/mec-c{AS}/registrations", json=body)
    assert created.status_code == 201
    assert created.headers["Location"] == f"{BASE_URL}/hosts/mec-c{AS}/registrations/my-id-1"
    assert world.platforms.apps["my-id-1"].host == "mec-c"
    problem(await api.get(f"{AS}/registrations/my-id-1"), 404)  # not on mec-a
    # The id is taken: registered on this host (PUT updates it), another's on any other.
    problem(await api.post(f"/hosts/mec-c{AS}/registrations", json=body), 409)
    assert bad_fields(await api.post(f"{AS}/registrations", json=body)) == ["appInstanceId"]


@pytest.mark.parametrize("holder", ["cloud-app", "edge-app"])
async def test_runtime_registration_cannot_take_a_scenario_apps_id(
    world: World, api: httpx.AsyncClient, holder: str
) -> None:
    # cloud-app runs in the cloud, on no MEC host; edge-app on mec-a, addressed from mec-c.
    taken = world.runtime.world.top.apps[holder].app_instance_id
    body = {"appName": "my-app", "appInstanceId": taken, "endpoint": ENDPOINT}
    before = dict(world.platforms.apps)
    response = await api.post(f"/hosts/mec-c{AS}/registrations", json=body)
    assert bad_fields(response) == ["appInstanceId"]
    assert holder in response.json()["detail"]
    assert world.platforms.apps == before


async def test_take_over_a_scenario_instance(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    body = {"appName": "dev-app", "appInstanceId": dev, "appDId": "dev-appd"}
    created = await api.post(f"{AS}/registrations", json=body)
    assert created.status_code == 201
    assert created.json() == {**body, "isInsByMec": True}
    assert world.platforms.apps[dev].registration == {**body, "isInsByMec": True}
    assert len(world.platforms.apps) == 6  # no new instance
    # Registered once; a second POST is a conflict (PUT updates).
    problem(await api.post(f"{AS}/registrations", json=body), 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"appName": "other"}, "appName"),
        ({"appName": "dev-app", "isInsByMec": False}, "isInsByMec"),
    ],
)
async def test_take_over_contradictions_are_400(
    world: World, api: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    dev = world.app_id("dev-app")
    response = await api.post(f"{AS}/registrations", json={**body, "appInstanceId": dev})
    assert bad_fields(response) == [field]
    assert world.platforms.apps[dev].registration is None


async def test_emulated_or_foreign_instances_cannot_be_taken_over(
    world: World, api: httpx.AsyncClient
) -> None:
    edge = world.app_id("edge-app")
    problem(
        await api.post(f"{AS}/registrations", json={"appName": "edge-app", "appInstanceId": edge}),
        409,
    )
    # b-app is mec-b's: its id is taken, a bad field (MEC 011 lists no 409 for this POST).
    b_app = world.app_id("b-app")
    body = {"appName": "b-app", "appInstanceId": b_app}
    assert bad_fields(await api.post(f"{AS}/registrations", json=body)) == ["appInstanceId"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "appName"),
        ({"appName": ""}, "appName"),
        ({"appName": "x"}, "endpoint"),  # not instantiated by MEC management: endpoint needed
        ({"appName": "x", "isInsByMec": True, "endpoint": ENDPOINT}, "appInstanceId"),
        ({"appName": "x", "endpoint": {"uris": "http://x"}}, "endpoint.uris"),
        (
            {"appName": "x", "endpoint": ENDPOINT, "appServiceRequired": [{"serName": "rni"}]},
            "appServiceRequired[0].version",
        ),
        ({"appName": "x", "endpoint": ENDPOINT, "colour": "red"}, "colour"),
    ],
)
async def test_registration_bad_body(
    world: World, api: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    before = len(world.platforms.apps)
    assert bad_fields(await api.post(f"{AS}/registrations", json=body)) == [field]
    assert len(world.platforms.apps) == before


async def test_registration_put_and_if_match(world: World, api: httpx.AsyncClient) -> None:
    created = await api.post(
        f"{AS}/registrations", json={"appName": "my-app", "endpoint": ENDPOINT}
    )
    app_id = created.json()["appInstanceId"]
    url = f"{AS}/registrations/{app_id}"
    update = {
        "appName": "my-app",
        "endpoint": {"fqdn": ["my-app.example"]},
        "appFeatureRequired": [{"featureName": "UEIdentity", "version": "1"}],
    }
    put = await api.put(url, json=update, headers={"If-Match": created.headers["ETag"]})
    assert put.status_code == 204
    assert put.content == b""
    got = await api.get(url)
    assert got.json() == {**update, "appInstanceId": app_id, "isInsByMec": False}
    assert put.headers["ETag"] == got.headers["ETag"] != created.headers["ETag"]
    problem(await api.put(url, json=update, headers={"If-Match": created.headers["ETag"]}), 412)
    assert bad_fields(await api.put(url, json={**update, "appInstanceId": "x"})) == [
        "appInstanceId"
    ]
    assert bad_fields(await api.put(url, json={**update, "appName": "renamed"})) == ["appName"]
    assert bad_fields(await api.put(url, json={"appName": "my-app"})) == ["endpoint"]
    problem(await api.put(f"{AS}/registrations/nope", json=update), 404)


async def test_deregistering_a_runtime_instance_removes_it(
    world: World, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    created = await api.post(
        f"{AS}/registrations", json={"appName": "my-app", "endpoint": ENDPOINT}
    )
    app_id = created.json()["appInstanceId"]
    await ready(api, app_id)
    svc = await register_service(api, app_id, service("mine"))
    peer = world.app_id("peer-app")
    await subscribe_availability(api, peer, receiver.url("/peer"))
    url = f"{AS}/registrations/{app_id}"
    problem(await api.delete(url, headers={"If-Match": '"stale"'}), 412)
    assert (await api.delete(url)).status_code == 204
    assert app_id not in world.platforms.apps
    problem(await api.get(url), 404)
    problem(await api.get(f"{SM}/services/{svc['serInstanceId']}"), 404)
    [removed] = await receiver.wait_for(1, "/peer")
    assert removed["serviceReferences"][0]["changeType"] == "REMOVED"
    problem(await api.delete(url), 404)


async def test_deregistering_a_scenario_instance_keeps_it(
    world: World, api: httpx.AsyncClient
) -> None:
    dev = world.app_id("dev-app")
    await api.post(f"{AS}/registrations", json={"appName": "dev-app", "appInstanceId": dev})
    await ready(api, dev)
    assert (await api.delete(f"{AS}/registrations/{dev}")).status_code == 204
    assert world.platforms.apps[dev].state == "READY"
    problem(await api.get(f"{AS}/registrations/{dev}"), 404)
    # It may register again.
    again = await api.post(f"{AS}/registrations", json={"appName": "dev-app", "appInstanceId": dev})
    assert again.status_code == 201


async def test_unregistered_scenario_instance_has_no_registration(
    world: World, api: httpx.AsyncClient
) -> None:
    problem(await api.get(f"{AS}/registrations/{world.app_id('dev-app')}"), 404)
    problem(await api.delete(f"{AS}/registrations/{world.app_id('dev-app')}"), 404)
