"""Every ETSI API under an API root (``meclab up --api-root``), as gateways and the ETSI sandbox
serve them: the routes, every link meclab builds, and the platform's registered services."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from helpers import BASE_URL, nothing_pending, problem, serve, service
from receiver import Receiver

from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.services.hosting import api_root_path

ROOT = "/sbx1x2/mep1"
API = f"{BASE_URL}{ROOT}"
"""Where the default host's ETSI APIs are, as links name them."""
SM = "/mec_service_mgmt/v1"
AS = "/mec_app_support/v1"


@pytest.fixture
async def served(runtime: Runtime) -> AsyncIterator[tuple[Platforms, httpx.AsyncClient]]:
    async with serve(runtime, api_root=ROOT) as (app, client):
        yield app.state.platforms, client


def edge_app(platforms: Platforms) -> str:
    return platforms.app_named("edge-app").app_instance_id


def subscriptions(platforms: Platforms, callback: str) -> list[tuple[str, dict[str, Any]]]:
    """A subscription request of every API that has them: (collection path, body)."""
    app_id = edge_app(platforms)
    return [
        (
            f"{SM}/applications/{app_id}/subscriptions",
            {
                "subscriptionType": "SerAvailabilityNotificationSubscription",
                "callbackReference": callback,
            },
        ),
        (
            f"{AS}/applications/{app_id}/subscriptions",
            {
                "subscriptionType": "AppTerminationNotificationSubscription",
                "callbackReference": callback,
                "appInstanceId": app_id,
            },
        ),
        (
            "/rni/v2/subscriptions",
            {
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": callback,
                "filterCriteriaAssocHo": {"hoStatus": [3]},
            },
        ),
        (
            "/location/v2/subscriptions/zonalTraffic",
            {
                "zonalTrafficSubscription": {
                    "callbackReference": {"notifyURL": callback},
                    "zoneId": "zone-a",
                }
            },
        ),
        (
            "/location/v2/subscriptions/zones",
            {
                "zoneLocationEventSubscription": {
                    "subscriptionType": "ZoneLocationEventSubscription",
                    "callbackReference": callback,
                    "zoneId": "zone-a",
                }
            },
        ),
        (
            "/wai/v2/subscriptions",
            {
                "subscriptionType": "AssocStaSubscription",
                "callbackReference": callback,
                "apId": {"bssid": "02:00:00:00:00:a2"},
                "notificationEvent": {"trigger": 1, "threshold": 0},
            },
        ),
    ]


def self_link(body: dict[str, Any]) -> str:
    """The subscription's own URL in its representation: ``_links.self`` or ``resourceURL``."""
    if "_links" in body:
        return str(body["_links"]["self"]["href"])
    (inner,) = body.values()  # MEC 013 wraps the subscription in its type's name
    return str(inner["_links"]["self"]["href"] if "_links" in inner else inner["resourceURL"])


@pytest.mark.parametrize("host", ["", "/hosts/mec-a"])
async def test_every_subscription_lives_under_the_root(
    served: tuple[Platforms, httpx.AsyncClient], host: str
) -> None:
    platforms, client = served
    for collection, body in subscriptions(platforms, "http://127.0.0.1:9/cb"):
        created = await client.post(f"{ROOT}{host}{collection}", json=body)
        assert created.status_code == 201, (collection, created.text)
        location = created.headers["Location"]
        assert location.startswith(f"{API}/{collection.split('/')[1]}/"), location
        assert self_link(created.json()) == location
        assert (await client.get(location)).status_code == 200, location
        # the same resource is not served without the root
        problem(await client.get(location.replace(ROOT, "", 1)), 404)
        problem(await client.post(f"{host}{collection}", json=body), 404)
        listed = (await client.get(f"{ROOT}{host}{collection}")).json()
        assert location in str(listed), collection


async def test_registered_services_and_discovery_name_the_root(
    served: tuple[Platforms, httpx.AsyncClient],
) -> None:
    _, client = served
    for discovery in (f"{ROOT}{SM}/services", f"{ROOT}/hosts/mec-a{SM}/services"):
        found = await client.get(discovery)
        assert found.status_code == 200, found.text
        own = {s["serName"]: s for s in found.json() if s["serName"] in ("rni", "location", "wai")}
        assert set(own) == {"rni", "location", "wai"}
        assert own["rni"]["transportInfo"]["endpoint"]["uris"] == [f"{API}/rni/v2"]
        assert own["location"]["transportInfo"]["endpoint"]["uris"][0].startswith(f"{API}/")
        assert own["wai"]["_links"]["self"]["href"].startswith(f"{API}{SM}/services/")
        assert own["wai"]["serCategory"]["href"].startswith(f"{API}{SM}/services")
    transports = (await client.get(f"{ROOT}{SM}/transports")).json()
    assert transports[0]["endpoint"]["uris"][0].startswith(f"{API}/")
    for unprefixed in (f"{SM}/services", f"/hosts/mec-a{SM}/services", "/rni/v2/queries/rab_info"):
        problem(await client.get(unprefixed), 404)


async def test_notifications_link_under_the_root(runtime: Runtime, receiver: Receiver) -> None:
    async with serve(runtime, api_root=ROOT) as (app, client):
        platforms: Platforms = app.state.platforms
        app_id = edge_app(platforms)
        collection, body = subscriptions(platforms, receiver.url("/cb"))[0]
        sub = await client.post(f"{ROOT}{collection}", json=body)
        assert sub.status_code == 201, sub.text
        registered = await client.post(f"{ROOT}{SM}/applications/{app_id}/services", json=service())
        assert registered.status_code == 201, registered.text
        assert registered.headers["Location"].startswith(f"{API}{SM}/applications/{app_id}/")
        (note,) = await receiver.wait_for(1)
        await nothing_pending(platforms.notifier)
    assert note["_links"]["subscription"]["href"] == sub.headers["Location"]
    assert note["serviceReferences"][0]["link"]["href"].startswith(f"{API}{SM}/services/")


async def test_ue_identity_under_the_root(served: tuple[Platforms, httpx.AsyncClient]) -> None:
    platforms, client = served
    path = f"/ui/v1/{edge_app(platforms)}/ue_identity_tag_info"
    query = {"ueIdentityTag": "acr:10.0.0.1"}
    assert (await client.get(f"{ROOT}{path}", params=query)).status_code == 200
    assert (await client.get(f"{ROOT}/hosts/mec-a{path}", params=query)).status_code == 200
    problem(await client.get(path, params=query), 404)


async def test_meclab_own_endpoints_stay_at_the_root(
    served: tuple[Platforms, httpx.AsyncClient],
) -> None:
    _, client = served
    assert (await client.get("/meclab/v1/world")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert f"{ROOT}/rni/v2/subscriptions" in paths
    assert "/rni/v2/subscriptions" not in paths


@pytest.mark.parametrize(
    ("given", "root"), [("", ""), ("/", ""), ("/sbx1/mep1/", "/sbx1/mep1"), ("/a", "/a")]
)
def test_api_root_spellings(given: str, root: str) -> None:
    assert api_root_path(given) == root


@pytest.mark.parametrize(
    ("given", "fault"),
    [
        ("sbx1", "must start with '/'"),
        ("/a//b", "empty, '.' or '..' segment"),
        ("/a/../b", "empty, '.' or '..' segment"),
        ("/a/{host}", "segment '{host}'"),
        ("/a?b=1", "segment 'a?b=1'"),
        ("/a b", "segment 'a b'"),
        ("/meclab/etsi", "/meclab is meclab's own"),
    ],
)
def test_bad_api_roots_are_refused_naming_the_fault(given: str, fault: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fault)):
        api_root_path(given)
