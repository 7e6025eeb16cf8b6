"""Services produced in a cloud: discoverable where their scopeOfLocality says (MEC 011 8.1.6.2).

The MEC system is the deployment (meclab/platform/services.py): a MEC_SYSTEM service is local on
every MEC host whoever produces it. A cloud is no MEC host, zone or NFVI node, so the narrower
scopes make a cloud's service local nowhere, except ZONE_GROUP for a cloud inside an operator's
domain; consumedLocalOnly false still shows it, as not local, on every host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from mec011_helpers import SM, World, open_world

from meclab.scenario.model import Scenario

HOSTS = ("mec-a", "mec-a2", "mec-b", "mec-c")
"""mec-a, mec-a2 and mec-b are op's (mec-a and mec-a2 in zone-a), mec-c is op2's."""


def produced(name: str, scope: str, local_only: bool) -> dict[str, Any]:
    return {"name": name, "scope_of_locality": scope, "consumed_local_only": local_only}


@pytest.fixture
def scenario(scenario: Scenario) -> Scenario:
    """The package's world, with services in the public cloud and in a cloud of op."""
    document = scenario.model_dump(mode="json", exclude_none=True)
    (cloud_app,) = document["clouds"][0]["apps"]
    cloud_app["services_produced"] = [
        produced("catalogue", "MEC_SYSTEM", True),
        produced("host-only", "MEC_HOST", True),
        produced("anywhere", "MEC_HOST", False),
        produced("op-wide", "ZONE_GROUP", True),
    ]
    document["domains"][0]["clouds"] = [
        {
            "name": "op-cloud",
            "apps": [
                {"name": "op-app", "services_produced": [produced("op-svc", "ZONE_GROUP", True)]}
            ],
        }
    ]
    return Scenario.model_validate(document)


async def seen(api: httpx.AsyncClient) -> dict[str, dict[str, bool]]:
    """Per service name: the hosts that discover it, with isLocal there."""
    found: dict[str, dict[str, bool]] = {}
    for host in HOSTS:
        response = await api.get(f"/hosts/{host}{SM}/services")
        assert response.status_code == 200, response.text
        for service in response.json():
            found.setdefault(service["serName"], {})[host] = service["isLocal"]
    return found


EXPECTED = {
    "catalogue": dict.fromkeys(HOSTS, True),
    "anywhere": dict.fromkeys(HOSTS, False),
    "op-svc": {"mec-a": True, "mec-a2": True, "mec-b": True},
}
"""host-only and the public cloud's op-wide are local to no host, and consumed locally only."""


async def test_cloud_services_are_discovered_per_their_scope(api: httpx.AsyncClient) -> None:
    found = await seen(api)
    assert {name: found.get(name) for name in [*EXPECTED, "host-only", "op-wide"]} == {
        **EXPECTED,
        "host-only": None,
        "op-wide": None,
    }


async def test_cloud_services_survive_a_restart(world: World, store_path: Path) -> None:
    before = await seen(world.client)
    assert before["catalogue"] == dict.fromkeys(HOSTS, True)
    async with open_world(store_path, None) as resumed:
        assert await seen(resumed.client) == before
