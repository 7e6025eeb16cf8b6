"""MEC 016 dev_app/v1 over HTTP: every operation, its answers, its errors and notifications.

The lifecycle behind the port is tests/services/dev_app/devapp_fake.py; bodies are validated
against meclab's MEC 016 models, which tests/conformance/test_dev_app.py checks against the
ETSI file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from devapp_helpers import DEV, GAME, JSON, TOOL, Served, context_body, serving
from helpers import BASE_URL
from receiver import Receiver

from meclab.lifecycle.device_apps import ReferenceChange
from meclab.scenario.model import Scenario
from meclab.services.dev_app.locations import host_location
from meclab.services.dev_app.models import (
    AddressChangeNotification,
    AppContext,
    ApplicationContextDeleteNotification,
    ApplicationContextUpdateNotification,
    ApplicationList,
    ApplicationLocationAvailability,
)


def location(served: Served, host: str) -> dict[str, Any]:
    found = host_location(served.runtime.world.top, host)
    assert found is not None
    return found.wire()


def invalid(response: httpx.Response, status: int = 400) -> list[str]:
    """The names of the invalid parameters of a problem response."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [p["name"] for p in response.json().get("invalidParams", [])]


async def create(client: httpx.AsyncClient, body: dict[str, Any]) -> AppContext:
    response = await client.post(f"{DEV}/app_contexts", json=body)
    assert response.status_code == 201, response.text
    context = AppContext.model_validate(response.json())
    assert response.headers["location"] == f"{BASE_URL}{DEV}/app_contexts/{context.contextId}"
    return context


# --- app_list ------------------------------------------------------------------------------


async def test_app_list_shows_every_available_application(served: Served) -> None:
    response = await served.client.get(f"{DEV}/app_list")
    assert response.status_code == 200
    listed = ApplicationList.model_validate(response.json())
    assert listed.appList is not None
    game, tool = listed.appList
    assert game.appInfo.appDId == "appd-game"
    assert (game.appInfo.appName, game.appInfo.appProvider) == ("game", "acme")
    assert (game.appInfo.appSoftVersion, game.appInfo.appDVersion) == ("2.0", "1")
    assert game.appInfo.appDescription == "a multiplayer game server"
    assert game.appInfo.appCharcs is not None
    assert game.appInfo.appCharcs.wire() == {
        "memory": 512,
        "storage": 1024,
        "latency": 20,
        "bandwidth": 5000,
        "serviceCont": 1,
    }
    assert game.vendorSpecificExt is not None and game.vendorSpecificExt.vendorId == "acme-phones"
    # Where it could run: each host's zone, mec-a's and mec-b's, which differ.
    wire_locations = [loc.wire() for loc in game.appInfo.appLocation or []]
    assert wire_locations == [location(served, "mec-a"), location(served, "mec-b")]
    assert wire_locations[0] != wire_locations[1]
    assert "appCharcs" not in response.json()["appList"][1]["appInfo"]
    assert tool.vendorSpecificExt is None


async def test_a_long_description_is_cut_for_the_list(scenario: Scenario, store_path: Any) -> None:
    wordy = replace(TOOL, description="w" * 300)
    async with serving(store_path, scenario, apps=[wordy]) as served:
        response = await served.client.get(f"{DEV}/app_list")
        (entry,) = ApplicationList.model_validate(response.json()).appList or []
        assert entry.appInfo.appDescription == "w" * 128


async def test_a_hosts_location_is_the_box_of_its_zones_coverage(served: Served) -> None:
    # zone-b's only cell: cell-b1 at (0.004, 0), 400 m; mec-b at (0.004, 0.0005) lies inside.
    ring = location(served, "mec-b")["area"]["coordinates"][0]
    degrees = 400 / 6_371_008.8 * 180 / 3.141592653589793
    assert ring[0] == pytest.approx([0.004 - degrees, -degrees], abs=1e-7)
    assert ring[2] == pytest.approx([0.004 + degrees, degrees], abs=1e-7)
    assert ring[0] == ring[-1] and len(ring) == 5


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("appName=game", ["game"]),
        ("appName=game&appName=tool", ["game", "tool"]),
        ("appName=tool,game", ["game", "tool"]),
        ("appName=nothing", []),
        ("appProvider=tools-inc", ["tool"]),
        ("appSoftVersion=2.0", ["game"]),
        ("vendorId=acme-phones", ["game"]),
        ("serviceCont=1", ["game"]),
        ("serviceCont=0", ["tool"]),
        ("appName=game&appProvider=tools-inc", []),
    ],
)
async def test_app_list_filters(client: httpx.AsyncClient, query: str, names: list[str]) -> None:
    response = await client.get(f"{DEV}/app_list?{query}")
    assert response.status_code == 200, response.text
    listed = ApplicationList.model_validate(response.json())
    assert [a.appInfo.appName for a in listed.appList or []] == names


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("serviceCont=2", "serviceCont"),
        ("appname=game", "appname"),
        ("appName=" + "x" * 33, "appName"),
    ],
)
async def test_app_list_bad_filters_name_the_parameter(
    client: httpx.AsyncClient, query: str, name: str
) -> None:
    response = await client.get(f"{DEV}/app_list?{query}")
    assert invalid(response) == [name]
    assert response.json()["invalidParams"][0]["in"] == "query"


async def test_served_once_for_the_system_not_per_host(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{DEV}/app_list")).status_code == 200
    assert (await client.get(f"/hosts/mec-b{DEV}/app_list")).status_code == 404


async def test_served_under_the_api_root(scenario: Scenario, store_path: Any) -> None:
    async with serving(store_path, scenario, api_root="/sbx1/mep") as served:
        assert (await served.client.get(f"{DEV}/app_list")).status_code == 404
        response = await served.client.post(f"/sbx1/mep{DEV}/app_contexts", json=context_body())
        assert response.status_code == 201
        context_id = response.json()["contextId"]
        href = f"{BASE_URL}/sbx1/mep{DEV}/app_contexts/{context_id}"
        assert response.headers["location"] == href
        assert (await served.client.delete(href)).status_code == 204


# --- app_contexts: creation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dev_app", "host"),
    [
        ("ue-walk", "mec-a"),
        ("acr:10.0.0.1", "mec-a"),
        ("10.0.0.1", "mec-a"),
        ("001010000000001", "mec-a"),
        ("ue-b", "mec-b"),
        ("acr:10.0.0.9", "mec-b"),
    ],
)
async def test_context_placed_on_the_terminals_zone_host(
    served: Served, dev_app: str, host: str
) -> None:
    context = await create(served.client, context_body(dev_app))
    assert context.contextId is not None and len(context.contextId) <= 32
    (entry,) = context.appInfo.userAppInstanceInfo
    (instance,) = served.lifecycle.instances.values()
    assert instance.host == host and instance.users == {context.contextId}
    assert entry.appInstanceId == instance.id
    assert entry.referenceURI == instance.reference_uri
    assert entry.appLocation is not None and entry.appLocation.wire() == location(served, host)
    # What the request said comes back as it was (GS note 1).
    assert context.associateDevAppId == dev_app
    assert context.appInfo.appName == "game" and context.appInfo.appDId == "appd-game"


async def test_context_by_name_provider_and_versions(served: Served) -> None:
    context = await create(served.client, context_body(app=TOOL, with_id=False))
    assert context.appInfo.appDId == "appd-tool"  # the MEC system fills it in
    (instance,) = served.lifecycle.instances.values()
    assert instance.app_d_id == "appd-tool"


async def test_contexts_share_an_instance_until_the_last_goes(served: Served) -> None:
    client, lifecycle = served.client, served.lifecycle
    first = await create(client, context_body("ue-walk"))
    second = await create(client, context_body("acr:10.0.0.1"))
    one, two = (c.appInfo.userAppInstanceInfo[0].appInstanceId for c in (first, second))
    assert one == two
    assert (await client.delete(f"{DEV}/app_contexts/{first.contextId}")).status_code == 204
    assert one in lifecycle.instances and lifecycle.terminated == []
    assert (await client.delete(f"{DEV}/app_contexts/{second.contextId}")).status_code == 204
    assert lifecycle.instances == {} and lifecycle.terminated == [one]


async def test_requested_location_picks_among_the_hosts_it_admits(served: Served) -> None:
    # ue-walk is in zone-a, but asks for the app where mec-b is.
    asked = context_body(location=location(served, "mec-b"))
    context = await create(served.client, asked)
    (instance,) = served.lifecycle.instances.values()
    assert instance.host == "mec-b"
    assert context.appInfo.userAppInstanceInfo[0].appInstanceId == instance.id


async def test_location_by_area_containing_a_host(served: Served) -> None:
    around_b = [
        [[0.0039, 0.0004], [0.0041, 0.0004], [0.0041, 0.0006], [0.0039, 0.0006], [0.0039, 0.0004]]
    ]
    body = context_body(location={"area": {"type": "Polygon", "coordinates": around_b}})
    await create(served.client, body)
    (instance,) = served.lifecycle.instances.values()
    assert instance.host == "mec-b"


async def test_location_by_country_only_restricts_nothing(served: Served) -> None:
    await create(served.client, context_body(location={"countryCode": "FR"}))
    (instance,) = served.lifecycle.instances.values()
    assert instance.host == "mec-a"


def _with(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node: Any = body
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    return body


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        (("associateDevAppId", "ue-nobody"), "associateDevAppId", 400),
        (("associateDevAppId", "x" * 33), "associateDevAppId", 400),
        (("appInfo.appDId", "appd-none"), "appInfo.appDId", 404),
        (("appInfo.appName", "other"), "appInfo.appName", 400),
        (("appInfo.appDVersion", "9"), "appInfo.appDVersion", 400),
        (("contextId", "mine"), "contextId", 400),
        (
            ("appInfo.userAppInstanceInfo.0.appInstanceId", "i"),
            "appInfo.userAppInstanceInfo[0].appInstanceId",
            400,
        ),
        (
            ("appInfo.userAppInstanceInfo.0.referenceURI", "http://x/"),
            "appInfo.userAppInstanceInfo[0].referenceURI",
            400,
        ),
        (("appInfo.userAppInstanceInfo", []), "appInfo.userAppInstanceInfo", 400),
        (("appInfo.userAppInstanceInfo", [{}, {}]), "appInfo.userAppInstanceInfo", 400),
        (
            ("appInfo.userAppInstanceInfo.0.appLocation", {}),
            "appInfo.userAppInstanceInfo[0].appLocation",
            400,
        ),
        (
            ("appInfo.userAppInstanceInfo.0.appLocation", {"countryCode": "FRA"}),
            "appInfo.userAppInstanceInfo[0].appLocation.countryCode",
            400,
        ),
        (("callbakReference", "http://x/"), "callbakReference", 400),
    ],
)
async def test_bad_context_requests_name_the_field(
    served: Served, change: tuple[str, Any], field: str, status: int
) -> None:
    body = _with(context_body(), *change)
    response = await served.client.post(f"{DEV}/app_contexts", json=body)
    assert invalid(response, status) == [field]
    assert served.lifecycle.instances == {}


async def test_unknown_application_by_name_is_not_found(client: httpx.AsyncClient) -> None:
    body = context_body(with_id=False)
    body["appInfo"]["appName"] = "unlisted"
    body["appInfo"]["appPackageSource"] = "http://example.com/pkg.zip"
    response = await client.post(f"{DEV}/app_contexts", json=body)
    assert invalid(response, 404) == ["appInfo.appName"]
    assert "app_pkgm" in response.json()["detail"]


async def test_updates_and_auto_instantiation_not_both(client: httpx.AsyncClient) -> None:
    body = {**context_body(), "appLocationUpdates": True, "appAutoInstantiation": True}
    response = await client.post(f"{DEV}/app_contexts", json=body)
    assert response.status_code == 400
    assert "appAutoInstantiation" in response.json()["detail"]


async def test_a_location_no_host_lies_in_is_refused(served: Served) -> None:
    far = [[[1.0, 1.0], [1.1, 1.0], [1.1, 1.1], [1.0, 1.0]]]
    body = context_body(location={"area": {"coordinates": far}})
    response = await served.client.post(f"{DEV}/app_contexts", json=body)
    assert invalid(response) == ["appInfo.userAppInstanceInfo[0].appLocation"]


async def test_no_context_is_left_when_placement_fails(served: Served) -> None:
    # tool runs on mec-a only: asking for mec-b's location admits no host of it.
    body = context_body(app=TOOL, location=location(served, "mec-b"))
    response = await served.client.post(f"{DEV}/app_contexts", json=body)
    assert invalid(response) == ["appInfo.userAppInstanceInfo[0].appLocation"]
    # The port refusing (Conflict) leaves nothing either.
    served.lifecycle.apps = [replace(GAME, hosts=())]
    response = await served.client.post(f"{DEV}/app_contexts", json=context_body())
    assert response.status_code == 409
    assert served.service.contexts.all() == []


# --- app_contexts: update and deletion --------------------------------------------------------


async def test_delete_then_gone(served: Served) -> None:
    context = await create(served.client, context_body())
    url = f"{DEV}/app_contexts/{context.contextId}"
    response = await served.client.delete(url)
    assert response.status_code == 204 and response.content == b""
    assert (await served.client.delete(url)).status_code == 404
    assert (await served.client.put(url, json=context.wire())).status_code == 404


async def test_put_changes_the_callback(served: Served) -> None:
    async with Receiver() as old, Receiver() as new:
        context = await create(served.client, context_body(callback=old.url("/old")))
        body = {**context.wire(), "callbackReference": new.url("/new")}
        response = await served.client.put(f"{DEV}/app_contexts/{context.contextId}", json=body)
        assert response.status_code == 204 and response.content == b""
        instance = context.appInfo.userAppInstanceInfo[0].appInstanceId
        assert instance is not None
        await served.lifecycle.readdress(instance, "http://10.200.9.9:8080/")
        (note,) = await new.wait_for(1)
        assert note["notificationType"] == "AddressChangeNotification"
        assert await old.quiet(0.2) == 0


async def test_put_with_the_request_body_only_is_accepted(served: Served) -> None:
    # A device application may send back what it first sent (no instance details), and
    # spell out a flag it left out as false.
    context = await create(served.client, context_body())
    body = {**context_body(), "contextId": context.contextId, "appAutoInstantiation": False}
    response = await served.client.put(f"{DEV}/app_contexts/{context.contextId}", json=body)
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("associateDevAppId", "ue-b"), "associateDevAppId"),
        (("appLocationUpdates", True), "appLocationUpdates"),
        (("appInfo.appDescription", "new words"), "appInfo.appDescription"),
        (
            ("appInfo.userAppInstanceInfo.0.referenceURI", "http://elsewhere/"),
            "appInfo.userAppInstanceInfo[0].referenceURI",
        ),
        (("contextId", "another"), "contextId"),
    ],
)
async def test_put_may_change_nothing_else(
    served: Served, change: tuple[str, Any], field: str
) -> None:
    context = await create(served.client, context_body())
    body = _with(context.wire(), *change)
    response = await served.client.put(f"{DEV}/app_contexts/{context.contextId}", json=body)
    assert invalid(response) == [field]


async def test_put_bad_bodies(served: Served) -> None:
    context = await create(served.client, context_body())
    url = f"{DEV}/app_contexts/{context.contextId}"
    assert invalid(await served.client.put(url, json={"appInfo": {}})) == [
        "associateDevAppId",
        "appInfo.appName",
        "appInfo.appProvider",
        "appInfo.appDVersion",
        "appInfo.userAppInstanceInfo",
    ]
    response = await served.client.put(url, content=b"{", headers=JSON)
    assert response.status_code == 400
    assert (await served.client.put(url, content=b"{}")).status_code == 415


async def test_put_a_new_location_moves_the_context(served: Served) -> None:
    async with Receiver() as receiver:
        context = await create(served.client, context_body(callback=receiver.url()))
        before = context.appInfo.userAppInstanceInfo[0].appInstanceId
        body = _with(
            context.wire(), "appInfo.userAppInstanceInfo.0.appLocation", location(served, "mec-b")
        )
        response = await served.client.put(f"{DEV}/app_contexts/{context.contextId}", json=body)
        assert response.status_code == 204
        (instance,) = served.lifecycle.instances.values()
        assert instance.host == "mec-b" and instance.users == {context.contextId}
        assert served.lifecycle.terminated == [before]
        (note,) = await receiver.wait_for(1)
        update = ApplicationContextUpdateNotification.model_validate(note)
        assert update.contextId == context.contextId
        (entry,) = update.userAppInstanceInfo
        assert (entry.appInstanceId, entry.referenceURI) == (instance.id, instance.reference_uri)
        assert entry.appLocation is not None
        assert entry.appLocation.wire() == location(served, "mec-b")


# --- notifications ----------------------------------------------------------------------------


async def test_address_change_is_notified(served: Served) -> None:
    async with Receiver() as receiver:
        context = await create(served.client, context_body(callback=receiver.url()))
        instance = context.appInfo.userAppInstanceInfo[0].appInstanceId
        assert instance is not None
        await served.lifecycle.readdress(instance, "http://10.200.7.7:9000/")
        (note,) = await receiver.wait_for(1)
        assert AddressChangeNotification.model_validate(note).model_dump() == {
            "notificationType": "AddressChangeNotification",
            "contextId": context.contextId,
            "appInstanceId": instance,
            "referenceURI": "http://10.200.7.7:9000/",
        }


async def test_relocation_is_an_update_and_the_context_follows(served: Served) -> None:
    async with Receiver() as receiver:
        context = await create(served.client, context_body(callback=receiver.url()))
        old = context.appInfo.userAppInstanceInfo[0].appInstanceId
        assert old is not None
        moved = await served.lifecycle.relocate(old, "mec-b")
        (note,) = await receiver.wait_for(1)
        update = ApplicationContextUpdateNotification.model_validate(note)
        assert update.userAppInstanceInfo[0].appInstanceId == moved.app_instance_id
        # The context now names the new instance: deleting it releases that one.
        response = await served.client.delete(f"{DEV}/app_contexts/{context.contextId}")
        assert response.status_code == 204
        assert served.lifecycle.terminated == [old, moved.app_instance_id]


async def test_instance_ended_deletes_the_context_and_says_so(served: Served) -> None:
    async with Receiver() as receiver:
        context = await create(served.client, context_body(callback=receiver.url()))
        other = await create(served.client, context_body(app=TOOL))  # another instance
        instance = context.appInfo.userAppInstanceInfo[0].appInstanceId
        assert instance is not None
        await served.lifecycle.terminate(instance)
        (note,) = await receiver.wait_for(1)
        assert ApplicationContextDeleteNotification.model_validate(note).contextId == (
            context.contextId
        )
        url = f"{DEV}/app_contexts/{context.contextId}"
        assert (await served.client.delete(url)).status_code == 404
        assert [r.id for r in served.service.contexts.all()] == [other.contextId]


async def test_no_callback_no_notification(served: Served) -> None:
    context = await create(served.client, context_body())
    instance = context.appInfo.userAppInstanceInfo[0].appInstanceId
    assert instance is not None
    await served.lifecycle.readdress(instance, "http://10.200.7.7:9000/")
    assert served.app.state.platforms.notifier.pending_total() == 0


# --- obtain_app_loc_availability ----------------------------------------------------------------


def availability_body(dev_app: str, app: Any = GAME) -> dict[str, Any]:
    return {
        "associateDevAppId": dev_app,
        "appInfo": {
            "appName": app.app_name,
            "appProvider": app.app_provider,
            "appDVersion": app.app_d_version,
            "appPackageSource": "http://example.com/game.zip",
        },
    }


@pytest.mark.parametrize(
    ("dev_app", "order"), [("ue-b", ["mec-b", "mec-a"]), ("ue-walk", ["mec-a", "mec-b"])]
)
async def test_availability_lists_where_it_could_run_best_first(
    served: Served, dev_app: str, order: list[str]
) -> None:
    asked = availability_body(dev_app)
    response = await served.client.post(f"{DEV}/obtain_app_loc_availability", json=asked)
    assert response.status_code == 200, response.text
    answer = ApplicationLocationAvailability.model_validate(response.json())
    assert [
        a.appLocation.wire() for a in answer.appInfo.availableLocations or [] if a.appLocation
    ] == [location(served, h) for h in order]
    # Everything asked comes back as it was.
    body = response.json()
    del body["appInfo"]["availableLocations"]
    assert body == asked
    assert served.lifecycle.instances == {}  # asking instantiates nothing


async def test_availability_errors_name_the_field(client: httpx.AsyncClient) -> None:
    url = f"{DEV}/obtain_app_loc_availability"
    asked = availability_body("ue-b")
    asked["appInfo"]["availableLocations"] = []
    assert invalid(await client.post(url, json=asked)) == ["appInfo.availableLocations"]
    assert invalid(await client.post(url, json=availability_body("nobody"))) == [
        "associateDevAppId"
    ]
    unknown = availability_body("ue-b")
    unknown["appInfo"]["appProvider"] = "someone"
    assert invalid(await client.post(url, json=unknown), 404) == ["appInfo.appName"]
    assert invalid(await client.post(url, json={"appInfo": {}})) == [
        "associateDevAppId",
        "appInfo.appName",
        "appInfo.appProvider",
        "appInfo.appDVersion",
    ]


# --- restart ------------------------------------------------------------------------------------


async def test_contexts_survive_a_restart(scenario: Scenario, store_path: Any) -> None:
    async with serving(store_path, scenario) as served:
        context = await create(served.client, context_body())
    instance = context.appInfo.userAppInstanceInfo[0].appInstanceId
    assert instance is not None
    async with Receiver() as receiver, serving(store_path, None) as served:
        # What the lifecycle reads to count the instance's users again.
        assert served.service.context_users() == {context.contextId: instance}
        url = f"{DEV}/app_contexts/{context.contextId}"
        body = {**context.wire(), "callbackReference": receiver.url()}
        assert (await served.client.put(url, json=body)).status_code == 204
        await served.lifecycle.report(ReferenceChange(instance, None))
        (note,) = await receiver.wait_for(1)
        assert note == {
            "notificationType": "ApplicationContextDeleteNotification",
            "contextId": context.contextId,
        }


# --- conditional requests ---------------------------------------------------------------------


async def test_etag_and_if_match(served: Served) -> None:
    response = await served.client.post(f"{DEV}/app_contexts", json=context_body())
    etag = response.headers["etag"]
    context = AppContext.model_validate(response.json())
    url = f"{DEV}/app_contexts/{context.contextId}"
    stale = {"If-Match": '"0000"'}
    assert (await served.client.put(url, json=context.wire(), headers=stale)).status_code == 412
    assert (await served.client.delete(url, headers=stale)).status_code == 412
    # 412 before the body is looked at (RFC 9110 13.2.1): a bad body changes nothing of that.
    assert (await served.client.put(url, json={}, headers=stale)).status_code == 412
    response = await served.client.put(url, json=context.wire(), headers={"If-Match": etag})
    assert response.status_code == 204
    assert (await served.client.delete(url, headers={"If-Match": etag})).status_code == 204


async def test_a_refused_put_changes_nothing(served: Served) -> None:
    async with Receiver() as old, Receiver() as new:
        context = await create(served.client, context_body(app=TOOL, callback=old.url()))
        body = _with(
            {**context.wire(), "callbackReference": new.url()},
            "appInfo.userAppInstanceInfo.0.appLocation",
            location(served, "mec-b"),  # tool runs on mec-a only
        )
        response = await served.client.put(f"{DEV}/app_contexts/{context.contextId}", json=body)
        assert invalid(response) == ["appInfo.userAppInstanceInfo[0].appLocation"]
        instance = context.appInfo.userAppInstanceInfo[0].appInstanceId
        assert instance is not None
        await served.lifecycle.readdress(instance, "http://10.200.8.8:8080/")
        assert len(await old.wait_for(1)) == 1
        assert await new.quiet(0.2) == 0
