"""granting/v1: a grant is made at once (201 + Location) and read back."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import BASE_URL, problem
from lcm_helpers import HOST_PICK, LCM, create, run
from lcm_lab import Lab

from meclab.services.granting.models import Grant

GRANTS = "/granting/v1/grants"


async def request(lab: Lab) -> dict[str, Any]:
    inst = await create(lab.client)
    op = await run(lab.client, inst, "instantiate", HOST_PICK)
    return {
        "appInstanceId": inst,
        "appLcmOpOccId": op["id"],
        "appDId": "edge-d",
        "operation": "INSTANTIATE",
        "addResources": [
            {
                "id": "compute-1",
                "type": "COMPUTE",
                "resourceTemplateId": ["vcd-1"],
                "resource": {
                    "vimConnectionInfo": {"id": "vim-1", "vimType": "meclab"},
                    "resourceId": "r-1",
                },
            }
        ],
        "_links": {
            "appLcmOpOcc": {"href": op["_links"]["self"]["href"]},
            "appInstance": {"href": op["_links"]["appInstance"]["href"]},
        },
    }


async def test_grant_is_created_and_read(lab: Lab) -> None:
    body = await request(lab)
    response = await lab.client.post(GRANTS, json=body)
    assert response.status_code == 201, response.text
    grant = Grant.model_validate(response.json())
    assert response.headers["Location"] == f"{BASE_URL}{GRANTS}/{grant.id}"
    assert (grant.appInstanceId, grant.appLcmOpOccId) == (
        body["appInstanceId"],
        body["appLcmOpOccId"],
    )
    assert grant.links.appInstance.href == f"{BASE_URL}{LCM}/app_instances/{grant.appInstanceId}"
    assert grant.links.appLcmOpOcc.href == body["_links"]["appLcmOpOcc"]["href"]
    assert [z.zoneId for z in grant.zones or []] == ["mec-a"]
    assert [r.resourceDefinitionId for r in grant.addResources or []] == ["compute-1"]
    got = await lab.client.get(f"{GRANTS}/{grant.id}")
    assert got.status_code == 200 and got.json() == response.json()
    problem(await lab.client.get(f"{GRANTS}/grant-404"), 404)


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"operation": "SCALE"}, 400, "operation"),
        ({"appDId": None}, 400, "appDId"),
        ({"_links": None}, 400, "_links"),
        ({"appInstanceId": "inst-404"}, 404, None),
    ],
)
async def test_grant_refusals(
    lab: Lab, change: dict[str, Any], status: int, field: str | None
) -> None:
    body = {k: v for k, v in {**await request(lab), **change}.items() if v is not None}
    details = problem(await lab.client.post(GRANTS, json=body), status)
    if field is not None:
        assert [p["name"] for p in details["invalidParams"]] == [field]
    assert lab.fake.grants == {}
