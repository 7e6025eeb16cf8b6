"""Subscription requests RNIS refuses, each with its status and the attribute it names.

None of them creates anything, so the tests share one running lab.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from rnis_bodies import EXAMPLES, SUBS
from rnis_lab import Lab, ecgi, open_lab, two_ues

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab_shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Lab]:
    async with open_lab(two_ues(), tmp_path_factory.mktemp("rnis") / "rnis.sqlite") as running:
        yield running


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"subscriptionType": "NoSuchSubscription"}, 422, "subscriptionType"),
        # A missing member is a 400, as in every API; only a type RNIS does not offer is 422.
        ({"callbackReference": "http://x/y"}, 400, "subscriptionType"),
        ({"subscriptionType": 7, "callbackReference": "http://x/y"}, 400, "subscriptionType"),
        (
            {"subscriptionType": "CellChangeSubscription", "callbackReference": "http://x/y"},
            400,
            "filterCriteriaAssocHo",
        ),
        (
            {**EXAMPLES["CellChangeSubscription"], "subscriptionType": "CellChangeSubscription"},
            400,
            "callbackReference/websockNotifConfig",
        ),
        (
            {
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": "not a uri",
                "filterCriteriaAssocHo": {},
            },
            400,
            "callbackReference",
        ),
        (
            {
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaAssocHo": {},
                "callbackRefrence": "http://x/y",
            },
            400,
            "callbackRefrence",
        ),
        (
            {
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaAssocHo": {"hoStatus": [9]},
            },
            400,
            "filterCriteriaAssocHo.hoStatus[0]",
        ),
        (
            {
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaAssocHo": {"ecgi": [ecgi("nope")]},
            },
            400,
            "filterCriteriaAssocHo.ecgi[0].cellId",
        ),
        (
            {
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaAssocHo": {
                    "ecgi": [{"plmn": {"mcc": "1", "mnc": "01"}, "cellId": "1"}]
                },
            },
            400,
            "filterCriteriaAssocHo.ecgi[0].plmn.mcc",
        ),
        (
            {
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaAssocHo": {"associateId": [{"type": 1, "value": "::1"}]},
            },
            400,
            "filterCriteriaAssocHo.associateId[0].value",
        ),
        (
            {
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaAssocHo": {"appInstanceId": "ghost"},
            },
            422,
            "filterCriteriaAssocHo.appInstanceId",
        ),
        (
            {
                "subscriptionType": "MeasRepUeSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaAssocTri": {"trigger": [6]},
            },
            400,
            "filterCriteriaAssocTri.trigger[0]",
        ),
        (
            {
                "subscriptionType": "RabModSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaQci": {"qci": 9},
            },
            400,
            "filterCriteriaQci.erabId",
        ),
        (
            {
                "subscriptionType": "S1BearerSubscription",
                "callbackReference": "http://x/y",
                "eventType": [],
                "S1BearerSubscriptionCriteria": {},
            },
            400,
            "eventType",
        ),
        (
            {
                "subscriptionType": "S1BearerSubscription",
                "callbackReference": "http://x/y",
                "eventType": [0],
                "S1BearerSubscriptionCriteria": {},
            },
            400,
            "eventType[0]",
        ),
        (
            {
                "subscriptionType": "RabEstSubscription",
                "callbackReference": "http://x/y",
                "filterCriteriaQci": {"qci": 9},
                "expiryDeadline": {"seconds": 1, "nanoSeconds": 0},
            },
            400,
            "expiryDeadline",
        ),
        ([1, 2], 400, ""),
    ],
)
async def test_bad_subscription_bodies(lab_shared: Lab, body: Any, status: int, field: str) -> None:
    response = await lab_shared.client.post(SUBS, json=body)
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == status
    assert [p["name"] for p in problem["invalidParams"]] == [field]
    assert (await lab_shared.client.get(SUBS)).json()["_links"]["subscription"] == []


async def test_requests_that_are_not_json(lab_shared: Lab) -> None:
    form = await lab_shared.client.post(
        SUBS, content=b"a=1", headers={"Content-Type": "text/plain"}
    )
    assert form.status_code == 415
    broken = await lab_shared.client.post(
        SUBS, content=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert (await lab_shared.client.get(f"{SUBS}/nope")).status_code == 404
    assert (await lab_shared.client.delete(f"{SUBS}/nope")).status_code == 404
    assert (await lab_shared.client.put(f"{SUBS}/nope", json={})).status_code == 404
    assert (await lab_shared.client.get(SUBS, params={"type": "x"})).status_code == 400
