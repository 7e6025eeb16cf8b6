"""BWM in secure mode: an allocation answers its application instance and the operator only
(issue 12; the matrix of tests/secure_tenants.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from bwm_helpers import ALLOCATIONS, app_body
from helpers import problem
from secure_tenants import Call, Tenants, check_owned, secured, tenants_document

from meclab.runtime import Runtime
from meclab.scenario.model import Scenario


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """Overrides the package's: the two tenants of tests/secure_tenants.py, requiring BWM."""
    doc = tenants_document(lab_doc)
    for app in doc["domains"][0]["zones"][0]["mec_hosts"][0]["apps"][1:]:
        app["services_required"] = [*app["services_required"], {"name": "bwm"}]
    return Scenario.model_validate(doc)


@pytest.fixture
async def tenants(runtime: Runtime, tmp_path: Path) -> AsyncIterator[Tenants]:
    async with secured(runtime, tmp_path) as opened:
        yield opened


async def an_allocation(t: Tenants) -> str:
    """The URL of an allocation app-a creates for itself."""
    made = await t.client.post(
        ALLOCATIONS, json=app_body(t.instance("app-a")), headers=await t.as_app("app-a")
    )
    assert made.status_code == 201, made.text
    return f"{ALLOCATIONS}/{made.json()['allocationId']}"


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
async def test_read_an_allocation(tenants: Tenants, allowed: str) -> None:
    url = await an_allocation(tenants)
    answer = await check_owned(tenants, Call("GET", url), allowed)
    assert answer.json()["appInsId"] == tenants.instance("app-a")


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
async def test_replace_an_allocation(tenants: Tenants, allowed: str) -> None:
    url = await an_allocation(tenants)
    body = app_body(tenants.instance("app-a"), fixedAllocation="2000")
    answer = await check_owned(tenants, Call("PUT", url, body, read=url), allowed)
    assert answer.json()["fixedAllocation"] == "2000"


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
async def test_patch_an_allocation(tenants: Tenants, allowed: str) -> None:
    url = await an_allocation(tenants)
    deltas = {"appInsId": tenants.instance("app-a"), "requestType": 0, "fixedAllocation": "3000"}
    answer = await check_owned(tenants, Call("PATCH", url, deltas, read=url), allowed)
    assert answer.json()["fixedAllocation"] == "3000"


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
async def test_delete_an_allocation(tenants: Tenants, allowed: str) -> None:
    url = await an_allocation(tenants)
    await check_owned(tenants, Call("DELETE", url, status=204, read=url), allowed)
    problem(await tenants.client.get(url, headers=tenants.operator), 404)


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
async def test_create_an_allocation_for_an_instance(tenants: Tenants, allowed: str) -> None:
    body = app_body(tenants.instance("app-a"))
    answer = await check_owned(tenants, Call("POST", ALLOCATIONS, body, status=201), allowed)
    assert answer.json()["appInsId"] == tenants.instance("app-a")


async def test_a_listing_shows_the_caller_its_own(tenants: Tenants) -> None:
    url = await an_allocation(tenants)
    b = await tenants.as_app("app-b")
    made = await tenants.client.post(
        ALLOCATIONS, json=app_body(tenants.instance("app-b")), headers=b
    )
    assert made.status_code == 201, made.text
    listed = {
        who: [
            s["allocationId"] for s in (await tenants.client.get(ALLOCATIONS, headers=auth)).json()
        ]
        for who, auth in (
            ("a", await tenants.as_app("app-a")),
            ("b", b),
            ("operator", tenants.operator),
        )
    }
    a_id, b_id = url.rsplit("/", 1)[1], made.json()["allocationId"]
    assert listed == {"a": [a_id], "b": [b_id], "operator": [a_id, b_id]}
    # a filter naming another's allocation finds nothing rather than telling it exists
    by_id = await tenants.client.get(ALLOCATIONS, params={"session_id": a_id}, headers=b)
    assert by_id.json() == []
