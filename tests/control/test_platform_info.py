"""What the control API says of where each MEC host's platform is and of the apps a developer
runs: enough for a client (``meclab run``) to find both without /openapi.json or /scenario."""

from __future__ import annotations

from typing import Any

from helpers import BASE_URL, serve

from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore

BASE = "/meclab/v1"


async def test_hosts_give_their_platform_url_and_apps_say_if_emulated(
    lab_doc: dict[str, Any], store: SqliteStore
) -> None:
    mec_a = lab_doc["domains"][0]["zones"][0]["mec_hosts"][0]
    mec_a["apps"].append({"name": "mine", "emulated": False, "endpoint": "127.0.0.1:9999"})
    runtime = Runtime(store, MemoryBus())
    await runtime.open(Scenario.model_validate(lab_doc))
    try:
        async with serve(runtime, api_root="/sbx1/mep") as (_, client):
            host = (await client.get(f"{BASE}/nodes/mec-a")).json()
            assert host["api_root"] == "/sbx1/mep/hosts/mec-a"
            assert host["platform_url"] == f"{BASE_URL}/sbx1/mep/hosts/mec-a"
            # The advertised root serves the host's ETSI APIs.
            timing = await client.get(
                f"{host['platform_url']}/mec_app_support/v1/timing/current_time"
            )
            assert timing.status_code == 200
            apps = {a["name"]: a for a in (await client.get(f"{BASE}/apps")).json()}
            assert (apps["mine"]["emulated"], apps["mine"]["endpoint"]) == (False, "127.0.0.1:9999")
            assert (apps["edge-app"]["emulated"], apps["edge-app"]["endpoint"]) == (True, None)
    finally:
        await runtime.stop()
