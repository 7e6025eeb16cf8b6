"""app_lcm/v1 subscriptions: create, list, read, delete, and what they refuse."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import BASE_URL, problem
from lcm_helpers import LCM, path_of
from lcm_lab import Lab

from meclab.lifecycle import SYSTEM_HOST
from meclab.services.app_lcm.models import SUBSCRIPTION_INFOS

CALLBACK = "http://127.0.0.1:9/cb"
BODIES: dict[str, dict[str, Any]] = {
    "AppInstanceStateChangeSubscription": {
        "appInstanceState": ["STARTED", "STOPPED"],
        "appInstanceSubscriptionFilter": {"appInstSelectorType": 3, "appInstances": ["edge-d"]},
    },
    "AppLcmOpOccStateChangeSubscription": {
        "appLcmOpOccSubscriptionFilter": {
            "operationTypes": "INSTANTIATE",
            "operationStates": ["COMPLETED", "FAILED_TEMP"],
            "notificationTypes": "AppLcmOpOccNotification",
        }
    },
    "AppIdentifierCreationSubscription": {
        "appInstanceSubscriptionFilter": {
            "appInstSelectorType": "APP_FROM_PROVIDER",
            "appsFromProviders": [{"appProvider": "ACME"}],
        }
    },
    "AppIdentifierDeletionSubscription": {},
}


async def subscribe(lab: Lab, kind: str, **body: Any) -> dict[str, Any]:
    response = await lab.client.post(
        f"{LCM}/subscriptions", json={"subscriptionType": kind, "callbackUri": CALLBACK, **body}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert response.headers["Location"] == created["_links"]["self"]["href"]
    return created


@pytest.mark.parametrize("kind", list(BODIES))
async def test_create_read_delete(lab: Lab, kind: str) -> None:
    created = await subscribe(lab, kind, **BODIES[kind])
    info = SUBSCRIPTION_INFOS[kind].model_validate(created)
    href = created["_links"]["self"]["href"]
    assert href == f"{BASE_URL}{LCM}/subscriptions/{created['id']}"
    assert info.wire() == created
    assert {k: created[k] for k in BODIES[kind]} == BODIES[kind]  # kept as sent
    # Filed under the MEC system, not a host.
    stored = lab.app.state.platforms.subscriptions.find(created["id"])
    assert stored.host == SYSTEM_HOST and stored.callback == CALLBACK
    got = await lab.client.get(path_of(href))
    assert got.status_code == 200 and got.json() == created
    deleted = await lab.client.delete(path_of(href))
    assert deleted.status_code == 204 and deleted.content == b""
    problem(await lab.client.get(path_of(href)), 404)
    problem(await lab.client.delete(path_of(href)), 404)


async def test_list_by_type_in_either_spelling(lab: Lab) -> None:
    made = {kind: await subscribe(lab, kind, **body) for kind, body in BODIES.items()}
    url = f"{LCM}/subscriptions"
    listed = (await lab.client.get(url)).json()
    assert listed["_links"]["self"]["href"] == f"{BASE_URL}{url}"
    assert listed["_links"]["subscriptions"] == [
        {"href": m["_links"]["self"]["href"], "subscriptionType": k} for k, m in made.items()
    ]
    for name in ("subscriptionType", "subscriptiontype"):
        kind = "AppLcmOpOccStateChangeSubscription"
        only = (await lab.client.get(url, params={name: kind})).json()["_links"]["subscriptions"]
        assert [s["href"] for s in only] == [made[kind]["_links"]["self"]["href"]]
    details = problem(await lab.client.get(url, params={"subscriptiontype": "cell_change"}), 400)
    assert details["invalidParams"][0]["name"] == "subscriptiontype"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"callbackUri": CALLBACK}, "subscriptionType"),
        (
            {"subscriptionType": "CellChangeSubscription", "callbackUri": CALLBACK},
            "subscriptionType",
        ),
        ({"subscriptionType": "AppIdentifierDeletionSubscription"}, "callbackUri"),
        (
            {"subscriptionType": "AppIdentifierDeletionSubscription", "callbackUri": "ftp://x"},
            "callbackUri",
        ),
        (
            {
                "subscriptionType": "AppInstanceStateChangeSubscription",
                "callbackUri": CALLBACK,
                "appInstanceState": "RUNNING",
            },
            "appInstanceState",
        ),
        (
            {
                "subscriptionType": "AppLcmOpOccStateChangeSubscription",
                "callbackUri": CALLBACK,
                "appLcmOpOccSubscriptionFilter": {"operationStates": ["DONE"]},
            },
            "appLcmOpOccSubscriptionFilter.operationStates",
        ),
        (
            {
                "subscriptionType": "AppIdentifierCreationSubscription",
                "callbackUri": CALLBACK,
                "appInstanceSubscriptionFilter": {
                    "appInstSelectorType": 2,
                    "appInstances": ["a"],
                },
            },
            "",
        ),
        (
            {
                "subscriptionType": "AppIdentifierDeletionSubscription",
                "callbackUri": CALLBACK,
                "appInstanceSubscriptionFilter": {"appInstSelectorType": 4},
            },
            "appInstanceSubscriptionFilter",
        ),
    ],
)
async def test_create_refusals(lab: Lab, body: dict[str, Any], field: str) -> None:
    details = problem(await lab.client.post(f"{LCM}/subscriptions", json=body), 400)
    names = {p["name"] for p in details["invalidParams"]}
    assert any(
        n == field or n.startswith(f"{field}.") or n.startswith(f"{field}[") for n in names
    ), names
    listed = (await lab.client.get(f"{LCM}/subscriptions")).json()
    assert listed["_links"]["subscriptions"] == []
