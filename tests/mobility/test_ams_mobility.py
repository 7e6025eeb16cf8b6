"""MEC 021 end to end over REST on the real mobility manager: a registered UE crossing zones
yields exactly the notifications in order, in both switching modes, and intra-host moves none.

The lab world with ``mec-b`` in zone-b running ``edge-app-b``, the same application as
``edge-app`` on ``mec-a``; the UE is moved by the control API, as an operator would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from helpers import serve
from receiver import Receiver

from meclab.runtime import Runtime
from meclab.scenario.model import Scenario

AMS = "/amsi/v1"
CAR = {"type": 1, "value": "10.0.0.2"}


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    lab_doc["domains"][0]["zones"][1]["mec_hosts"] = [
        {
            "name": "mec-b",
            "position": [0.004, 0.0005],
            "apps": [{"name": "edge-app-b", "app_name": "edge-app"}],
        }
    ]
    return Scenario.model_validate(lab_doc)


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(runtime) as (_, http):
        yield http


async def instance_of(client: httpx.AsyncClient, name: str) -> str:
    apps = (await client.get("/meclab/v1/apps")).json()
    return next(a["app_instance_id"] for a in apps if a["name"] == name)


async def setup(
    client: httpx.AsyncClient, receiver: Receiver, level: int
) -> tuple[str, str, dict[str, Any]]:
    """edge-app registers ue-car at ``level`` and subscribes to every mobility status."""
    edge = await instance_of(client, "edge-app")
    registration = await client.post(
        f"{AMS}/app_mobility_services",
        json={
            "serviceConsumerId": {"appInstanceId": edge},
            "deviceInformation": [{"associateId": CAR, "appMobilityServiceLevel": level}],
        },
    )
    assert registration.status_code == 201, registration.text
    subscription = await client.post(
        f"{AMS}/subscriptions",
        json={
            "subscriptionType": "MobilityProcedureSubscription",
            "callbackReference": receiver.url("/mobility"),
            "filterCriteria": {"appInstanceId": edge, "mobilityStatus": [1, 2, 3]},
        },
    )
    assert subscription.status_code == 201, subscription.text
    return edge, registration.headers["location"], registration.json()


async def move(client: httpx.AsyncClient, poa: str) -> None:
    moved = await client.post(
        "/meclab/v1/events", json={"type": "move", "ue": "ue-car", "poa": poa}
    )
    assert moved.status_code == 201, moved.text


async def test_mec_assisted_notifications_in_order_with_the_target(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    _, location, registration = await setup(client, receiver, 2)  # WITH_CONFIRMATION
    target = await instance_of(client, "edge-app-b")
    await move(client, "cell-b1")
    (triggered,) = await receiver.wait_for(1)
    assert triggered["notificationType"] == "MobilityProcedureNotification"
    assert triggered["mobilityStatus"] == 1 and triggered["associateId"] == [CAR]
    assert triggered["targetAppInfo"]["appInstanceId"] == target
    procedure = triggered["meclab"]["procedure"]
    assert (await client.get(procedure.removeprefix(str(client.base_url)))).json()[
        "state"
    ] == "TRIGGERED"

    # The source has moved the context: it says so in its registration (contextTransferState).
    registration["deviceInformation"][0]["contextTransferState"] = 1
    etag = (await client.get(location)).headers["etag"]
    updated = await client.put(location, json=registration, headers={"If-Match": etag})
    assert updated.status_code == 200, updated.text
    first, completed = await receiver.wait_for(2)
    assert first == triggered
    assert completed["mobilityStatus"] == 2
    assert completed["targetAppInfo"]["appInstanceId"] == target
    assert completed["meclab"]["procedure"] == procedure
    assert await receiver.quiet(0.2) == 0


async def test_without_confirmation_both_notifications_follow_the_move(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await setup(client, receiver, 3)  # WITHOUT_CONFIRMATION
    await move(client, "cell-b1")
    notes = await receiver.wait_for(2)
    assert [n["mobilityStatus"] for n in notes] == [1, 2]
    assert await receiver.quiet(0.2) == 0


async def test_an_intra_host_move_is_told_nothing(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await setup(client, receiver, 3)
    await move(client, "wifi-a2")  # another cell of zone-a: mec-a still serves it
    assert await receiver.quiet(0.3) == 0
    assert (await client.get("/meclab/v1/relocations")).json() == []


async def test_a_filter_for_completions_only_hears_only_them(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    edge, _, _ = await setup(client, receiver, 3)
    only = await client.post(
        f"{AMS}/subscriptions",
        json={
            "subscriptionType": "MobilityProcedureSubscription",
            "callbackReference": receiver.url("/completed"),
            "filterCriteria": {"appInstanceId": edge, "associateId": [CAR], "mobilityStatus": [2]},
        },
    )
    assert only.status_code == 201, only.text
    await move(client, "cell-b1")
    await receiver.wait_for(3)
    paths = [r.path for r in receiver.received]
    assert sorted(paths) == ["/completed", "/mobility", "/mobility"]
