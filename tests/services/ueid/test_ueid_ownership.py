"""MEC 014 in secure mode: an instance's UE identity tags answer that instance and the
operator only (issue 12; the matrix of tests/secure_tenants.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from secure_tenants import Call, Tenants, check_owned, secured, tenants_document

from meclab.runtime import Runtime
from meclab.scenario.model import Scenario

UI = "/ui/v1"


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """Overrides the package's: the two tenants of tests/secure_tenants.py."""
    return Scenario.model_validate(tenants_document(lab_doc))


@pytest.fixture
async def tenants(runtime: Runtime, tmp_path: Path) -> AsyncIterator[Tenants]:
    async with secured(runtime, tmp_path) as opened:
        yield opened


def tag_url(t: Tenants, query: str = "") -> str:
    return f"{UI}/{t.instance('app-a')}/ue_identity_tag_info{query}"


def tag_info(tag: str, state: int) -> dict[str, Any]:
    return {"ueIdentityTags": [{"ueIdentityTag": tag, "state": state}]}


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
async def test_read_tags(tenants: Tenants, allowed: str) -> None:
    registered = await tenants.client.put(
        tag_url(tenants), json=tag_info("ue-walk", 1), headers=await tenants.as_app("app-a")
    )
    assert registered.status_code == 200, registered.text
    answer = await check_owned(
        tenants, Call("GET", tag_url(tenants, "?ueIdentityTag=ue-walk")), allowed
    )
    assert answer.json() == tag_info("ue-walk", 1)


@pytest.mark.parametrize("allowed", ["app-a", "operator"])
async def test_register_tags(tenants: Tenants, allowed: str) -> None:
    read = tag_url(tenants, "?ueIdentityTag=ue-car")
    call = Call("PUT", tag_url(tenants), tag_info("ue-car", 1), read=read)
    await check_owned(tenants, call, allowed)
    after = await tenants.client.get(read, headers=await tenants.as_app("app-a"))
    assert after.json() == tag_info("ue-car", 1)
