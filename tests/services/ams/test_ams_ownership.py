"""The AMS in secure mode (issue 12): a registration is its consumer instance's, a
subscription its creator's. Another instance's answers 403 with nothing changed, listings show
the caller its own, the operator sees and changes all, the adjacent query answers anyone.
The matrix is tests/secure_tenants.py's, over the real mobility manager."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import problem
from secure_tenants import Call, Setup, Tenants, check_owned, secured, tenants_document

from meclab.runtime import Runtime
from meclab.scenario.model import Scenario

AMS = "/amsi/v1"
REGS = f"{AMS}/app_mobility_services"
SUBS = f"{AMS}/subscriptions"
CALLBACK = "http://127.0.0.1:9/callback"
UE_WALK = {"type": 1, "value": "10.0.0.1"}
UE_CAR = {"type": 1, "value": "10.0.0.2"}


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """Overrides the package's: the two tenants of tests/secure_tenants.py."""
    return Scenario.model_validate(tenants_document(lab_doc))


@pytest.fixture
async def tenants(runtime: Runtime, tmp_path: Path) -> AsyncIterator[Tenants]:
    async with secured(runtime, tmp_path) as opened:
        yield opened


def registration(app_instance_id: str, associate: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "serviceConsumerId": {"appInstanceId": app_instance_id},
        "deviceInformation": [{"associateId": associate, "appMobilityServiceLevel": 2}],
        **extra,
    }


def mobility(app_instance_id: str) -> dict[str, Any]:
    return {
        "subscriptionType": "MobilityProcedureSubscription",
        "callbackReference": CALLBACK,
        "filterCriteria": {"appInstanceId": app_instance_id},
    }


def path(t: Tenants, response: Any) -> str:
    assert response.status_code == 201, response.text
    return str(response.headers["location"]).removeprefix(str(t.client.base_url))


async def registered(t: Tenants, name: str = "app-a") -> str:
    """A registration of ``name`` for ue-walk, made with its token; its URL."""
    body = registration(t.instance(name), UE_WALK, expiryTime=60)
    return path(t, await t.client.post(REGS, json=body, headers=await t.as_app(name)))


async def subscribed(t: Tenants, name: str = "app-a") -> str:
    """A subscription ``name`` made; its URL."""
    body = mobility(t.instance(name))
    return path(t, await t.client.post(SUBS, json=body, headers=await t.as_app(name)))


# --- the cases on app-a's resources --------------------------------------------------------


async def register(t: Tenants) -> Call:
    return Call("POST", REGS, registration(t.instance("app-a"), UE_CAR), 201)


async def get_registration(t: Tenants) -> Call:
    return Call("GET", await registered(t))


async def put_registration(t: Tenants) -> Call:
    url = await registered(t)
    current = (await t.client.get(url, headers=await t.as_app("app-a"))).json()
    current["deviceInformation"].append({"associateId": UE_CAR, "appMobilityServiceLevel": 3})
    return Call("PUT", url, current, read=url)


async def delete_registration(t: Tenants) -> Call:
    url = await registered(t)
    return Call("DELETE", url, status=204, read=url)


async def deregister_task(t: Tenants) -> Call:
    url = await registered(t)
    return Call("POST", f"{url}/deregister_task", status=204, read=url)


async def get_subscription(t: Tenants) -> Call:
    return Call("GET", await subscribed(t))


async def put_subscription(t: Tenants) -> Call:
    url = await subscribed(t)
    current = (await t.client.get(url, headers=await t.as_app("app-a"))).json()
    current["filterCriteria"]["mobilityStatus"] = [1, 2]
    return Call("PUT", url, current, read=url)


async def delete_subscription(t: Tenants) -> Call:
    url = await subscribed(t)
    return Call("DELETE", url, status=204, read=url)


CASES: dict[str, Setup] = {
    "register": register,
    "get_registration": get_registration,
    "put_registration": put_registration,
    "delete_registration": delete_registration,
    "deregister_task": deregister_task,
    "get_subscription": get_subscription,
    "put_subscription": put_subscription,
    "delete_subscription": delete_subscription,
}


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
@pytest.mark.parametrize("setup", CASES.values(), ids=CASES.keys())
async def test_owned_operation(tenants: Tenants, setup: Setup, allowed: str) -> None:
    call = await setup(tenants)
    await check_owned(tenants, call, allowed)


async def listed(t: Tenants, url: str, auth: dict[str, str]) -> Any:
    response = await t.client.get(url, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


async def test_listings_show_the_caller_its_own(tenants: Tenants) -> None:
    a_reg, b_reg = await registered(tenants, "app-a"), await registered(tenants, "app-b")
    a_sub, b_sub = await subscribed(tenants, "app-a"), await subscribed(tenants, "app-b")
    a, b = await tenants.as_app("app-a"), await tenants.as_app("app-b")
    problem(await tenants.client.get(REGS), 401)
    problem(await tenants.client.get(SUBS), 401)

    def ids(registrations: list[dict[str, Any]]) -> set[str]:
        return {r["appMobilityServiceId"] for r in registrations}

    def hrefs(links: dict[str, Any]) -> set[str]:
        return {
            s["href"].removeprefix(str(tenants.client.base_url))
            for s in links["_links"].get("subscription", [])
        }

    everyone = {a_reg.rsplit("/", 1)[1], b_reg.rsplit("/", 1)[1]}
    assert ids(await listed(tenants, REGS, a)) == {a_reg.rsplit("/", 1)[1]}
    assert ids(await listed(tenants, REGS, b)) == {b_reg.rsplit("/", 1)[1]}
    assert ids(await listed(tenants, REGS, tenants.operator)) == everyone
    assert hrefs(await listed(tenants, SUBS, a)) == {a_sub}
    assert hrefs(await listed(tenants, SUBS, b)) == {b_sub}
    assert hrefs(await listed(tenants, SUBS, tenants.operator)) == {a_sub, b_sub}


async def test_adjacent_instances_answer_any_instance(tenants: Tenants) -> None:
    await registered(tenants, "app-a")
    for auth in (await tenants.as_app("app-b"), tenants.operator):
        response = await tenants.client.get(f"{AMS}/queries/adjacent_app_instances", headers=auth)
        assert response.status_code == 200, response.text


async def test_a_registration_names_its_caller(tenants: Tenants) -> None:
    b = await tenants.as_app("app-b")
    # Moving one's own registration over to another instance is refused too.
    url = await registered(tenants, "app-b")
    current = (await tenants.client.get(url, headers=b)).json()
    current["serviceConsumerId"] = {"appInstanceId": tenants.instance("app-a")}
    problem(await tenants.client.put(url, json=current, headers=b), 403)
    after = (await tenants.client.get(url, headers=b)).json()
    assert after["serviceConsumerId"] == {"appInstanceId": tenants.instance("app-b")}
    # A MEC platform's registration is the operator's to make.
    platform = {"serviceConsumerId": {"mepId": "mec-a"}, "deviceInformation": []}
    problem(await tenants.client.post(REGS, json=platform, headers=b), 403)
    made = await tenants.client.post(REGS, json=platform, headers=tenants.operator)
    assert made.status_code == 201, made.text
