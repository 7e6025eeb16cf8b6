"""app_lcm/v1 and granting/v1 as system-level APIs: at the API root, once, and their
subscriptions kept across a restart of meclab."""

from __future__ import annotations

from pathlib import Path

from helpers import BASE_URL
from lcm_helpers import create
from lcm_lab import open_lab
from receiver import Receiver

from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore


async def test_served_once_under_the_api_root(runtime: Runtime) -> None:
    async with open_lab(runtime, api_root="/sbx1/mep") as lab:
        response = await lab.client.post(
            "/sbx1/mep/app_lcm/v1/app_instances", json={"appDId": "ml-d"}
        )
        assert response.status_code == 201
        assert response.headers["Location"].startswith(f"{BASE_URL}/sbx1/mep/app_lcm/v1/")
        assert (await lab.client.get("/app_lcm/v1/app_instances")).status_code == 404
        # Not one copy per MEC host: the MEC system has one lifecycle.
        hosts = "/sbx1/mep/hosts/mec-a/app_lcm/v1/app_instances"
        assert (await lab.client.get(hosts)).status_code == 404
        assert (await lab.client.get("/sbx1/mep/granting/v1/grants/g-1")).status_code == 404
        paths = lab.app.openapi()["paths"]
        assert "/sbx1/mep/app_lcm/v1/app_instances/{appInstanceId}/instantiate" in paths
        assert "/sbx1/mep/granting/v1/grants" in paths


async def test_subscriptions_survive_a_restart(
    scenario: Scenario, store_path: Path, receiver: Receiver
) -> None:
    body = {
        "subscriptionType": "AppIdentifierCreationSubscription",
        "callbackUri": receiver.url("/new"),
        "appInstanceSubscriptionFilter": {"appInstSelectorType": 3, "appInstances": ["ml-d"]},
    }
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(scenario)
    async with open_lab(runtime) as lab:
        created = (await lab.client.post("/app_lcm/v1/subscriptions", json=body)).json()
    await runtime.stop()
    await store.close()

    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(None)
    try:
        async with open_lab(runtime) as lab:
            href = created["_links"]["self"]["href"].removeprefix(BASE_URL)
            assert (await lab.client.get(href)).json() == created
            await create(lab.client, "edge-d")
            ml = await create(lab.client, "ml-d")
            (note,) = await receiver.wait_for(1, "/new")
            assert (note["appInstanceId"], note["subscriptionId"]) == (ml, created["id"])
    finally:
        await runtime.stop()
        await store.close()
