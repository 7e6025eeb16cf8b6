"""MEC 011 in secure mode: every operation on what an application instance owns answers that
instance and the operator only (issue 12); discovery and timing answer any instance.

Each case is an operation on app-a's resource (tests/secure_tenants.py): no token 401,
app-b's token 403 with app-a's view unchanged, then app-a's (or the operator's) the normal
answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import problem
from secure_tenants import CONTROL, Call, Setup, Tenants, check_owned, secured, tenants_document

from meclab.runtime import Runtime
from meclab.scenario.model import Scenario

AS = "/mec_app_support/v1"
SM = "/mec_service_mgmt/v1"
CALLBACK = "http://127.0.0.1:9/callback"
SERVICE = {
    "serName": "a-svc",
    "version": "1.0",
    "state": "ACTIVE",
    "serializer": "JSON",
    "transportInfo": {
        "id": "t1",
        "name": "REST",
        "type": "REST_HTTP",
        "protocol": "HTTP",
        "version": "2.0",
        "endpoint": {"uris": ["http://10.0.0.10:8080/a"]},
        "security": {},
    },
    "livenessInterval": 60,
}


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """Overrides the package's: the two tenants of tests/secure_tenants.py."""
    return Scenario.model_validate(tenants_document(lab_doc))


@pytest.fixture
async def tenants(runtime: Runtime, tmp_path: Path) -> AsyncIterator[Tenants]:
    async with secured(runtime, tmp_path) as opened:
        yield opened


def app_url(t: Tenants, api: str, rest: str = "") -> str:
    return f"{api}/applications/{t.instance('app-a')}{rest}"


async def ready(t: Tenants) -> None:
    response = await t.client.post(
        app_url(t, AS, "/confirm_ready"),
        json={"indication": "READY"},
        headers=await t.as_app("app-a"),
    )
    assert response.status_code == 204, response.text


async def service(t: Tenants) -> dict[str, Any]:
    """app-a ready with a service; the service's body."""
    await ready(t)
    response = await t.client.post(
        app_url(t, SM, "/services"), json=SERVICE, headers=await t.as_app("app-a")
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def subscription(t: Tenants, api: str) -> str:
    """A subscription of app-a under ``api``; its URL."""
    body: dict[str, Any] = {"callbackReference": CALLBACK}
    if api == AS:
        body |= {
            "subscriptionType": "AppTerminationNotificationSubscription",
            "appInstanceId": t.instance("app-a"),
        }
    else:
        body["subscriptionType"] = "SerAvailabilityNotificationSubscription"
    response = await t.client.post(
        app_url(t, api, "/subscriptions"), json=body, headers=await t.as_app("app-a")
    )
    assert response.status_code == 201, response.text
    return str(response.headers["location"]).removeprefix(str(t.client.base_url))


async def registration(t: Tenants) -> str:
    """app-a registered (MEC 011 v3); its registration's URL."""
    response = await t.client.post(
        f"{AS}/registrations", json=app_info(t), headers=await t.as_app("app-a")
    )
    assert response.status_code == 201, response.text
    return f"{AS}/registrations/{t.instance('app-a')}"


def app_info(t: Tenants, **extra: Any) -> dict[str, Any]:
    return {"appInstanceId": t.instance("app-a"), "appName": "app-a", **extra}


# --- the cases: each sets up what it needs and names one call ------------------------------


async def confirm_ready(t: Tenants) -> Call:
    return Call("POST", app_url(t, AS, "/confirm_ready"), {"indication": "READY"}, 204)


async def confirm_termination(t: Tenants) -> Call:
    await ready(t)
    started = await t.client.post(
        f"{CONTROL}/events",
        json={"type": "terminate", "app": "app-a", "graceful_timeout_s": 60},
        headers=t.operator,
    )
    assert started.status_code == 201, started.text
    url = app_url(t, AS, "/confirm_termination")
    return Call("POST", url, {"operationAction": "TERMINATING"}, 204)


async def list_dns_rules(t: Tenants) -> Call:
    return Call("GET", app_url(t, AS, "/dns_rules"))


async def get_dns_rule(t: Tenants) -> Call:
    return Call("GET", app_url(t, AS, "/dns_rules/dns-a"))


async def put_dns_rule(t: Tenants) -> Call:
    url = app_url(t, AS, "/dns_rules/dns-a")
    current = (await t.client.get(url, headers=await t.as_app("app-a"))).json()
    return Call("PUT", url, {**current, "state": "INACTIVE"}, read=url)


async def list_traffic_rules(t: Tenants) -> Call:
    return Call("GET", app_url(t, AS, "/traffic_rules"))


async def get_traffic_rule(t: Tenants) -> Call:
    return Call("GET", app_url(t, AS, "/traffic_rules/tr-a"))


async def put_traffic_rule(t: Tenants) -> Call:
    url = app_url(t, AS, "/traffic_rules/tr-a")
    current = (await t.client.get(url, headers=await t.as_app("app-a"))).json()
    return Call("PUT", url, {**current, "state": "INACTIVE"}, read=url)


def subscription_cases(api: str, name: str) -> dict[str, Setup]:
    """The four subscription operations of ``api``, by case name (``name`` prefixed)."""

    async def list_subs(t: Tenants) -> Call:
        await subscription(t, api)
        return Call("GET", app_url(t, api, "/subscriptions"))

    async def create_sub(t: Tenants) -> Call:
        url = app_url(t, api, "/subscriptions")
        body = {
            "subscriptionType": "SerAvailabilityNotificationSubscription",
            "callbackReference": CALLBACK,
        }
        if api == AS:
            body = {
                "subscriptionType": "AppTerminationNotificationSubscription",
                "callbackReference": CALLBACK,
                "appInstanceId": t.instance("app-a"),
            }
        return Call("POST", url, body, 201, read=url)

    async def get_sub(t: Tenants) -> Call:
        return Call("GET", await subscription(t, api))

    async def delete_sub(t: Tenants) -> Call:
        url = await subscription(t, api)
        return Call("DELETE", url, status=204, read=url)

    cases: list[Setup] = [list_subs, create_sub, get_sub, delete_sub]
    return {f"{name}_{case.__name__}": case for case in cases}


async def list_services(t: Tenants) -> Call:
    await service(t)
    return Call("GET", app_url(t, SM, "/services"))


async def create_service(t: Tenants) -> Call:
    await ready(t)
    url = app_url(t, SM, "/services")
    return Call("POST", url, SERVICE, 201, read=url)


async def get_service(t: Tenants) -> Call:
    created = await service(t)
    return Call("GET", app_url(t, SM, f"/services/{created['serInstanceId']}"))


async def put_service(t: Tenants) -> Call:
    created = await service(t)
    url = app_url(t, SM, f"/services/{created['serInstanceId']}")
    return Call("PUT", url, {**created, "state": "SUSPENDED"}, read=url)


async def delete_service(t: Tenants) -> Call:
    created = await service(t)
    url = app_url(t, SM, f"/services/{created['serInstanceId']}")
    return Call("DELETE", url, status=204, read=url)


async def get_liveness(t: Tenants) -> Call:
    created = await service(t)
    return Call("GET", f"{SM}/liveness/{created['serInstanceId']}")


async def heartbeat(t: Tenants) -> Call:
    created = await service(t)
    url = f"{SM}/liveness/{created['serInstanceId']}"
    return Call("PATCH", url, {"state": "ACTIVE"}, 204, read=url)


async def create_registration(t: Tenants) -> Call:
    return Call("POST", f"{AS}/registrations", app_info(t), 201)


async def get_registration(t: Tenants) -> Call:
    return Call("GET", await registration(t))


async def put_registration(t: Tenants) -> Call:
    url = await registration(t)
    body = app_info(t, appProvider="updated")
    return Call("PUT", url, body, 204, read=url)


async def delete_registration(t: Tenants) -> Call:
    url = await registration(t)
    return Call("DELETE", url, status=204, read=url)


CASES: dict[str, Setup] = {
    "confirm_ready": confirm_ready,
    "confirm_termination": confirm_termination,
    "list_dns_rules": list_dns_rules,
    "get_dns_rule": get_dns_rule,
    "put_dns_rule": put_dns_rule,
    "list_traffic_rules": list_traffic_rules,
    "get_traffic_rule": get_traffic_rule,
    "put_traffic_rule": put_traffic_rule,
    **subscription_cases(AS, "app_support"),
    **subscription_cases(SM, "service_mgmt"),
    "list_services": list_services,
    "create_service": create_service,
    "get_service": get_service,
    "put_service": put_service,
    "delete_service": delete_service,
    "get_liveness": get_liveness,
    "heartbeat": heartbeat,
    "create_registration": create_registration,
    "get_registration": get_registration,
    "put_registration": put_registration,
    "delete_registration": delete_registration,
}


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
@pytest.mark.parametrize("setup", CASES.values(), ids=CASES.keys())
async def test_owned_operation(tenants: Tenants, setup: Setup, allowed: str) -> None:
    call = await setup(tenants)
    await check_owned(tenants, call, allowed)


async def test_lists_and_discovery_answer_any_instance(tenants: Tenants) -> None:
    created = await service(tenants)
    b = await tenants.as_app("app-b")
    services = await tenants.client.get(f"{SM}/services", headers=b)
    assert services.status_code == 200, services.text
    assert created["serInstanceId"] in [s["serInstanceId"] for s in services.json()]
    one = await tenants.client.get(f"{SM}/services/{created['serInstanceId']}", headers=b)
    assert one.status_code == 200, one.text
    for path in (f"{SM}/transports", f"{AS}/timing/current_time", f"{AS}/timing/timing_caps"):
        response = await tenants.client.get(path, headers=b)
        assert response.status_code == 200, (path, response.text)


async def test_an_instance_registers_itself_only(tenants: Tenants) -> None:
    b = await tenants.as_app("app-b")
    # Another instance's id, or a new run-time instance whose id is not the caller's: 403.
    problem(
        await tenants.client.post(f"{AS}/registrations", json=app_info(tenants), headers=b), 403
    )
    stranger = {"appInstanceId": "run-time-1", "appName": "x", "endpoint": {"uris": [CALLBACK]}}
    problem(await tenants.client.post(f"{AS}/registrations", json=stranger, headers=b), 403)
    assert "run-time-1" not in tenants.platforms.apps
    # Without an appInstanceId, the caller registers itself.
    mine = await tenants.client.post(f"{AS}/registrations", json={"appName": "app-b"}, headers=b)
    assert mine.status_code == 201, mine.text
    assert mine.json()["appInstanceId"] == tenants.instance("app-b")
    # A run-time instance enrolled by the operator registers under its own id.
    enrolled = await tenants.client.post(
        f"{CONTROL}/credentials", json={"client_id": "run-time-1"}, headers=tenants.operator
    )
    assert enrolled.status_code == 200, enrolled.text
    credential = enrolled.json()
    token = await tenants.client.post(
        credential["token_url"],
        data={"grant_type": "client_credentials"},
        auth=(credential["client_id"], credential["client_secret"]),
    )
    own = {"Authorization": f"Bearer {token.json()['access_token']}"}
    created = await tenants.client.post(f"{AS}/registrations", json=stranger, headers=own)
    assert created.status_code == 201, created.text
    assert tenants.platforms.apps["run-time-1"].registration is not None


async def test_an_unknown_instance_is_still_404(tenants: Tenants) -> None:
    b = await tenants.as_app("app-b")
    problem(await tenants.client.get(f"{AS}/applications/nobody/dns_rules", headers=b), 404)
