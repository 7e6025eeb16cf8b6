"""Compute and energy in the control API: effective values, and whether they are defaults."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from meclab.scenario.model import Scenario

BASE = "/meclab/v1"

CLOUD_COMPUTE = {"cores": 512, "speed_ghz": 2.9, "memory_gb": 2048.0}
WALK_COMPUTE = {"cores": 2, "speed_ghz": 1.5, "memory_gb": 3.0}

# The documented defaults (meclab/scenario/compute.py, README), written out here on purpose.
MEC_HOST_DEFAULT = {"cores": 16, "speed_ghz": 3.1, "memory_gb": 64.0}
FOG_DEFAULT = {"cores": 4, "speed_ghz": 2.4, "memory_gb": 16.0}
PHONE_DEFAULT = {"cores": 4, "speed_ghz": 2.0, "memory_gb": 4.0}
LTE = {"tx_nj_per_bit": 438.39, "rx_nj_per_bit": 51.97}
WIFI = {"tx_nj_per_bit": 283.17, "rx_nj_per_bit": 137.01}


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """The lab world with a fog node at cell-a1, a bigger public cloud, a slow walker's phone
    and a car whose terminal overrides part of its energy model."""
    lab_doc["clouds"][0]["compute"] = CLOUD_COMPUTE
    poa = lab_doc["domains"][0]["zones"][0]["poas"][0]
    poa["fog_nodes"] = [{"name": "fog-a1"}]
    walk, car, _far = lab_doc["domains"][0]["terminals"]
    walk["compute"] = WALK_COMPUTE
    car["energy"] = {"idle_w": 0.2, "radio": {"5G": {"tx_nj_per_bit": 90, "rx_nj_per_bit": 30}}}
    return Scenario.model_validate(lab_doc)


async def test_nodes_carry_their_effective_compute(client: httpx.AsyncClient) -> None:
    nodes = {n["name"]: n for n in (await client.get(f"{BASE}/nodes")).json()}
    assert {name: n["compute"] for name, n in nodes.items()} == {
        "cloud-pub": {**CLOUD_COMPUTE, "default": False},
        "mec-a": {**MEC_HOST_DEFAULT, "default": True},
        "fog-a1": {**FOG_DEFAULT, "default": True},
    }
    for name, node in nodes.items():
        assert (await client.get(f"{BASE}/nodes/{name}")).json() == node


async def test_a_terminal_carries_compute_and_energy(client: httpx.AsyncClient) -> None:
    walk = (await client.get(f"{BASE}/terminals/ue-walk")).json()
    assert walk["compute"] == {**WALK_COMPUTE, "default": False}
    assert walk["energy"] == {
        "cpu_nj_per_cycle": 0.5,
        "radio": {"5G": LTE, "4G": LTE, "WIFI": WIFI},
        "idle_w": 0.3,
        "default": True,
    }


async def test_a_partial_energy_override_shows_merged_with_the_defaults(
    client: httpx.AsyncClient,
) -> None:
    car = (await client.get(f"{BASE}/terminals/ue-car")).json()
    assert car["compute"] == {**PHONE_DEFAULT, "default": True}
    assert car["energy"] == {
        "cpu_nj_per_cycle": 0.5,
        "radio": {"5G": {"tx_nj_per_bit": 90.0, "rx_nj_per_bit": 30.0}, "4G": LTE, "WIFI": WIFI},
        "idle_w": 0.2,
        "default": False,
    }


async def test_energy_covers_only_the_radios_a_terminal_may_use(
    client: httpx.AsyncClient,
) -> None:
    far = (await client.get(f"{BASE}/terminals/ue-far")).json()
    assert far["energy"]["radio"] == {"WIFI": WIFI}


async def test_the_terminal_list_stays_lean(client: httpx.AsyncClient) -> None:
    items = (await client.get(f"{BASE}/terminals")).json()["items"]
    assert items and all("compute" not in t and "energy" not in t for t in items)
