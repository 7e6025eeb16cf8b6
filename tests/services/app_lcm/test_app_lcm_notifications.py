"""app_lcm/v1 notifications, delivered to a real HTTP receiver, filtered as subscribed."""

from __future__ import annotations

from typing import Any

from helpers import BASE_URL, nothing_pending, problem
from lcm_helpers import HOST_PICK, LCM, create, run
from lcm_lab import Lab
from receiver import Receiver

from meclab.services.app_lcm.models import (
    AppInstanceIdentifierCreationNotification,
    AppInstanceIdentifierDeletionNotification,
    AppInstNotification,
    AppLcmOpOccNotification,
)


async def subscribe(lab: Lab, receiver: Receiver, path: str, kind: str, **body: Any) -> str:
    response = await lab.client.post(
        f"{LCM}/subscriptions",
        json={"subscriptionType": kind, "callbackUri": receiver.url(path), **body},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def by_provider(provider: str, **product: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"appProvider": provider}
    if product:
        entry["appProducts"] = [product]
    return {"appInstSelectorType": 4, "appsFromProviders": [entry]}


async def settle(lab: Lab) -> None:
    await nothing_pending(lab.app.state.platforms.notifier)


async def test_identifier_creation_and_deletion(lab: Lab, receiver: Receiver) -> None:
    created = await subscribe(lab, receiver, "/new", "AppIdentifierCreationSubscription")
    acme = await subscribe(
        lab,
        receiver,
        "/new-acme",
        "AppIdentifierCreationSubscription",
        appInstanceSubscriptionFilter=by_provider("ACME", appName="edge"),
    )
    gone = await subscribe(lab, receiver, "/gone", "AppIdentifierDeletionSubscription")
    edge = await create(lab.client, "edge-d")
    ml = await create(lab.client, "ml-d")
    both = await receiver.wait_for(2, "/new")
    notes = [AppInstanceIdentifierCreationNotification.model_validate(b) for b in both]
    assert [n.appInstanceId for n in notes] == [edge, ml]
    assert all(n.subscriptionId == created for n in notes)
    assert notes[0].links.appInstance.href == f"{BASE_URL}{LCM}/app_instances/{edge}"
    assert notes[0].links.subscription.href == f"{BASE_URL}{LCM}/subscriptions/{created}"
    assert notes[0].notificationType == "AppIdentifierCreationSubscription"
    (only_edge,) = await receiver.wait_for(1, "/new-acme")
    assert (only_edge["appInstanceId"], only_edge["subscriptionId"]) == (edge, acme)
    # One notification id for one change, whichever subscription it goes to.
    assert only_edge["id"] == both[0]["id"] != both[1]["id"]
    assert (await lab.client.delete(f"{LCM}/app_instances/{ml}")).status_code == 204
    (deleted,) = await receiver.wait_for(1, "/gone")
    note = AppInstanceIdentifierDeletionNotification.model_validate(deleted)
    assert (note.appInstanceId, note.subscriptionId) == (ml, gone)
    await settle(lab)
    assert len(receiver.bodies("/new-acme")) == 1


async def test_operation_states(lab: Lab, receiver: Receiver) -> None:
    every = await subscribe(lab, receiver, "/all", "AppLcmOpOccStateChangeSubscription")
    await subscribe(
        lab,
        receiver,
        "/done",
        "AppLcmOpOccStateChangeSubscription",
        appLcmOpOccSubscriptionFilter={
            "operationTypes": ["OPERATE", "TERMINATE"],
            "operationStates": "COMPLETED",
            "appInstanceSubscriptionFilter": {"appInstSelectorType": 2, "appInstances": ["e1"]},
        },
    )
    edge = await create(lab.client, "edge-d", appInstanceName="e1")
    other = await create(lab.client, "edge-d", appInstanceName="e2")
    op = await run(lab.client, edge, "instantiate", HOST_PICK)
    notes = [AppLcmOpOccNotification.model_validate(b) for b in await receiver.wait_for(3, "/all")]
    assert [n.operationState for n in notes] == ["STARTING", "PROCESSING", "COMPLETED"]
    assert {(n.operationType, n.appLcmOpOccId, n.appInstanceId) for n in notes} == {
        ("INSTANTIATE", op["id"], edge)
    }
    assert notes[0].subscriptionId == every
    assert notes[0].links.appLcmOpOcc.href == op["_links"]["self"]["href"]
    assert notes[0].links.appInstance.href == f"{BASE_URL}{LCM}/app_instances/{edge}"
    await run(lab.client, other, "instantiate", HOST_PICK)
    await run(lab.client, other, "operate", {"changeStateTo": "STOPPED"})
    stop = await run(lab.client, edge, "operate", {"changeStateTo": "STOPPED"})
    (done,) = await receiver.wait_for(1, "/done")
    assert (done["appLcmOpOccId"], done["operationType"]) == (stop["id"], "OPERATE")
    await settle(lab)
    assert len(receiver.bodies("/done")) == 1
    assert len(receiver.bodies("/all")) == 12


async def test_instance_states(lab: Lab, receiver: Receiver) -> None:
    await subscribe(lab, receiver, "/any", "AppInstanceStateChangeSubscription")
    await subscribe(
        lab,
        receiver,
        "/stopped",
        "AppInstanceStateChangeSubscription",
        appInstanceState="STOPPED",
        appInstanceSubscriptionFilter=by_provider(
            "ACME", appName="edge", versions=[{"appSoftVersion": "1.2", "appDVersion": ["3"]}]
        ),
    )
    await subscribe(
        lab,
        receiver,
        "/old",
        "AppInstanceStateChangeSubscription",
        appInstanceSubscriptionFilter=by_provider(
            "ACME", appName="edge", versions=[{"appSoftVersion": "0.9"}]
        ),
    )
    edge = await create(lab.client, "edge-d")
    ml = await create(lab.client, "ml-d")
    for inst in (edge, ml):
        await run(lab.client, inst, "instantiate", HOST_PICK)
        await run(lab.client, inst, "operate", {"changeStateTo": "STOPPED"})
    await run(lab.client, edge, "terminate", {"terminationType": "FORCEFUL"})
    bodies = await receiver.wait_for(5, "/any")
    notes = [AppInstNotification.model_validate(b) for b in bodies]
    assert [(n.appInstanceId, n.appInstanceState) for n in notes] == [
        (edge, "STARTED"),
        (edge, "STOPPED"),
        (ml, "STARTED"),
        (ml, "STOPPED"),
        (edge, "NOT_INSTANTIATED"),
    ]
    assert (notes[0].appDId, notes[0].appPkgId) == ("edge-d", "pkg-edge-d")
    (stopped,) = await receiver.wait_for(1, "/stopped")
    assert (stopped["appInstanceId"], stopped["appInstanceState"]) == (edge, "STOPPED")
    await settle(lab)
    assert len(receiver.bodies("/stopped")) == 1
    assert receiver.bodies("/old") == []


async def test_a_deleted_subscription_is_told_nothing(lab: Lab, receiver: Receiver) -> None:
    sub = await subscribe(lab, receiver, "/x", "AppIdentifierCreationSubscription")
    assert (await lab.client.delete(f"{LCM}/subscriptions/{sub}")).status_code == 204
    await create(lab.client)
    await settle(lab)
    assert receiver.bodies() == []


async def test_user_defined_notification_checks_a_notification(lab: Lab) -> None:
    url = f"{LCM}/user_defined_notification"
    note = {
        "id": "n1",
        "notificationType": "AppIdentifierDeletionSubscription",
        "subscriptionId": "s1",
        "timeStamp": {"seconds": 1, "nanoSeconds": 0},
        "appInstanceId": "i1",
        "_links": {"subscription": {"href": "http://x/s1"}, "appInstance": {"href": "http://x/i1"}},
    }
    response = await lab.client.post(url, json=note)
    assert response.status_code == 204 and response.content == b""
    details = problem(await lab.client.post(url, json={**note, "notificationType": "X"}), 400)
    assert [p["name"] for p in details["invalidParams"]] == ["notificationType"]
    del note["subscriptionId"]
    details = problem(await lab.client.post(url, json=note), 400)
    assert [p["name"] for p in details["invalidParams"]] == ["subscriptionId"]
