"""Preconditions before the body (RFC 9110 13.2.1), on every PUT and PATCH of every ETSI API.

A request whose ``If-Match`` is stale answers 412 even when its body is malformed or invalid
too: the precondition is evaluated before the content is processed. Each case creates the
resource, then sends it a stale ``If-Match`` with a broken body; a last test checks that the
cases cover every PUT and PATCH the OpenAPI document lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from helpers import problem, serve, service

from meclab.app import SYSTEM_APIS
from meclab.runtime import Runtime
from meclab.scenario.model import APP_INSTANCE_NAMESPACE, Scenario
from meclab.services.wai.wifi import station_mac

CALLBACK = "http://127.0.0.1:9/cb"  # nothing listens: notifications are not the point here
STALE = {"If-Match": '"stale"'}
JSON = {"Content-Type": "application/json"}
DEV = str(uuid.uuid5(APP_INSTANCE_NAMESPACE, "dev-app"))
AS = "/mec_app_support/v1"
SM = "/mec_service_mgmt/v1"

BROKEN_BODIES = {
    "malformed": b'{"not json',
    "invalid": b'{"unknownMember": 1, "state": [[]]}',
}
"""A body FastAPI cannot parse, and one no model of any API accepts."""


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """The lab world, plus an application of yours on mec-a with a DNS and a traffic rule."""
    mec_a = lab_doc["domains"][0]["zones"][0]["mec_hosts"][0]
    mec_a["apps"].append(
        {
            "name": "dev-app",
            "emulated": False,
            "dns_rules": [{"id": "dns-1", "domain_name": "dev.example", "ip_address": "10.0.0.10"}],
            "traffic_rules": [
                {
                    "id": "tr-1",
                    "priority": 1,
                    "filters": [{"dst_address": ["10.0.0.10/32"]}],
                    "action": "FORWARD_DECAPSULATED",
                }
            ],
        }
    )
    return Scenario.model_validate(lab_doc)


async def created(client: httpx.AsyncClient, path: str, body: Any) -> str:
    """POST ``body`` to ``path``; the created resource's path."""
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return str(response.headers["location"]).removeprefix(str(client.base_url))


async def ready(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{AS}/applications/{DEV}/confirm_ready", json={"indication": "READY"}
    )
    assert response.status_code == 204, response.text


async def dev_service(client: httpx.AsyncClient, **extra: Any) -> str:
    await ready(client)
    body = service("dev-svc", **extra)
    return await created(client, f"{SM}/applications/{DEV}/services", body)


async def liveness(client: httpx.AsyncClient) -> str:
    service = await client.get(await dev_service(client, livenessInterval=60))
    return str(service.json()["_links"]["liveness"]["href"]).removeprefix(str(client.base_url))


async def registration(client: httpx.AsyncClient) -> str:
    return await created(
        client, f"{AS}/registrations", {"appName": "dev-app", "appInstanceId": DEV}
    )


async def wai_subscription(client: httpx.AsyncClient) -> str:
    body = {
        "subscriptionType": "AssocStaSubscription",
        "callbackReference": CALLBACK,
        "apId": {"bssid": "02:00:00:00:00:a2"},
        "notificationEvent": {"trigger": 1, "threshold": 0},
    }
    return await created(client, "/wai/v2/subscriptions", body)


async def wai_measurement(client: httpx.AsyncClient) -> str:
    body = {
        "measurementId": "beacons",
        "measurementInfo": {
            "beaconRequestConf": {
                "operatingClass": 115,
                "channelId": 36,
                "measurementMode": 0,
                "beaconReportingConf": {"reportingCondition": 0, "threshold": 0},
            }
        },
        "staId": [{"macId": station_mac("ue-far")}],
    }
    return await created(client, "/wai/v2/measurements", body)


async def rnis_subscription(client: httpx.AsyncClient) -> str:
    body = {
        "subscriptionType": "CellChangeSubscription",
        "callbackReference": CALLBACK,
        "filterCriteriaAssocHo": {"hoStatus": [3]},
    }
    return await created(client, "/rni/v2/subscriptions", body)


async def location_v3_subscription(client: httpx.AsyncClient) -> str:
    body = {
        "zoneLocationEventSubscription": {
            "subscriptionType": "ZoneLocationEventSubscription",
            "callbackReference": CALLBACK,
            "zoneId": "zone-a",
        }
    }
    return await created(client, "/location/v2/subscriptions/zones", body)


async def location_v2_subscription(client: httpx.AsyncClient) -> str:
    body = {
        "zonalTrafficSubscription": {
            "callbackReference": {"notifyURL": CALLBACK},
            "zoneId": "zone-a",
        }
    }
    return await created(client, "/location/v2/subscriptions/zonalTraffic", body)


async def ue_identity(client: httpx.AsyncClient) -> str:
    path = f"/ui/v1/{DEV}/ue_identity_tag_info"
    await ready(client)
    body = {"ueIdentityTags": [{"ueIdentityTag": "ue-car", "state": 1}]}
    assert (await client.put(path, json=body)).status_code == 200
    return path


async def ams_registration(client: httpx.AsyncClient) -> str:
    await ready(client)
    body = {
        "serviceConsumerId": {"appInstanceId": DEV},
        "deviceInformation": [{"associateId": {"type": 1, "value": "10.0.0.2"}}],
    }
    return await created(client, "/amsi/v1/app_mobility_services", body)


async def ams_subscription(client: httpx.AsyncClient) -> str:
    body = {
        "subscriptionType": "AdjacentAppInfoSubscription",
        "callbackReference": CALLBACK,
        "filterCriteria": {},
    }
    return await created(client, "/amsi/v1/subscriptions", body)


async def mts_session(client: httpx.AsyncClient) -> str:
    body = {
        "appInsId": DEV,
        "requestType": 0,
        "flowFilter": [],
        "qosD": {},
        "mtsMode": 1,
        "trafficDirection": "10",
    }
    return await created(client, "/mts/v1/mts_sessions", body)


async def bw_allocation(client: httpx.AsyncClient) -> str:
    body = {
        "appInsId": DEV,
        "requestType": 0,
        "fixedAllocation": "1000000",
        "allocationDirection": "00",
    }
    return await created(client, "/bwm/v1/bw_allocations", body)


def exists(path: str) -> Callable[[httpx.AsyncClient], Awaitable[str]]:
    """A resource the scenario made."""

    async def make(_: httpx.AsyncClient) -> str:
        return path

    return make


CASES: dict[tuple[str, str], Callable[[httpx.AsyncClient], Awaitable[str]]] = {
    ("put", f"{AS}/applications/{{appInstanceId}}/dns_rules/{{dnsRuleId}}"): exists(
        f"{AS}/applications/{DEV}/dns_rules/dns-1"
    ),
    ("put", f"{AS}/applications/{{appInstanceId}}/traffic_rules/{{trafficRuleId}}"): exists(
        f"{AS}/applications/{DEV}/traffic_rules/tr-1"
    ),
    ("put", f"{AS}/registrations/{{appInstanceId}}"): registration,
    ("put", f"{SM}/applications/{{appInstanceId}}/services/{{serviceId}}"): dev_service,
    ("patch", f"{SM}/liveness/{{serInstanceId}}"): liveness,
    ("put", "/rni/v2/subscriptions/{subscriptionId}"): rnis_subscription,
    ("put", "/wai/v2/subscriptions/{subscriptionId}"): wai_subscription,
    ("put", "/wai/v2/measurements/{measurementConfigId}"): wai_measurement,
    ("put", "/ui/v1/{appInstanceId}/ue_identity_tag_info"): ue_identity,
    ("put", "/amsi/v1/app_mobility_services/{appMobilityServiceId}"): ams_registration,
    ("put", "/amsi/v1/subscriptions/{subscriptionId}"): ams_subscription,
    ("put", "/mts/v1/mts_sessions/{sessionId}"): mts_session,
    ("put", "/bwm/v1/bw_allocations/{allocationId}"): bw_allocation,
    ("patch", "/bwm/v1/bw_allocations/{allocationId}"): bw_allocation,
    ("put", "/location/v2/subscriptions/zones/{subscriptionId}"): location_v3_subscription,
    ("put", "/location/v2/subscriptions/zonalTraffic/{subscriptionId}"): location_v2_subscription,
}
"""Per PUT or PATCH (as the OpenAPI document names it): how to make a resource to send it to."""


def is_location_subscription(path: str) -> bool:
    """Every Location subscription route, v2 and v3 (whatever base path each version has), is
    declared by one function (meclab/services/location/subscription_routes.py): two of them
    stand for all."""
    return path.startswith("/location/") and "/subscriptions/" in path


@pytest.mark.parametrize("kind", BROKEN_BODIES)
@pytest.mark.parametrize("route", CASES, ids=lambda r: f"{r[0].upper()} {r[1]}")
async def test_a_stale_if_match_answers_412_whatever_the_body(
    client: httpx.AsyncClient, route: tuple[str, str], kind: str
) -> None:
    method, _ = route
    path = await CASES[route](client)
    before = await client.get(path, params=_query(path))
    assert before.status_code == 200, before.text
    response = await client.request(
        method, path, content=BROKEN_BODIES[kind], headers={**JSON, **STALE}
    )
    problem(response, 412)
    after = await client.get(path, params=_query(path))
    assert (after.json(), after.headers["etag"]) == (before.json(), before.headers["etag"])


@pytest.mark.parametrize("route", CASES, ids=lambda r: f"{r[0].upper()} {r[1]}")
async def test_a_current_if_match_lets_the_body_be_judged(
    client: httpx.AsyncClient, route: tuple[str, str]
) -> None:
    method, _ = route
    path = await CASES[route](client)
    etag = (await client.get(path, params=_query(path))).headers["etag"]
    response = await client.request(
        method, path, content=BROKEN_BODIES["invalid"], headers={**JSON, "If-Match": etag}
    )
    problem(response, 400)


async def test_the_cases_cover_every_put_and_patch(runtime: Runtime) -> None:
    async with serve(runtime) as (app, _):
        paths = app.openapi()["paths"]
    routes = {
        (method, path)
        for path, operations in paths.items()
        for method in operations
        if method in ("put", "patch")
        and not path.startswith("/meclab/")
        # The MEC system's resources need an onboarded package (and, for a context, a running
        # instance): their own tests check If-Match (tests/services/app_pkgm, dev_app).
        and not path.startswith(SYSTEM_APIS)
    }
    missing = {r for r in routes - CASES.keys() if not is_location_subscription(r[1])}
    assert not missing


def _query(path: str) -> dict[str, str]:
    # The UE identity resource is read for the tags one asks about.
    return {"ueIdentityTag": "ue-car"} if path.startswith("/ui/") else {}
