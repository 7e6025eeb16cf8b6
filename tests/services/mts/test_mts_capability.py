"""GET /mts/v1/mts_capability_info: the host's zone's accesses from the world, and the modes;
and the service in each host's MEC 011 registry."""

from __future__ import annotations

from typing import Any

import httpx
from helpers import BASE_URL, problem
from mts_helpers import MTS, Served, mts_document, on_host, serving
from port_lab import WALL

from meclab.scenario.model import Scenario

CAPABILITY = f"{MTS}/mts_capability_info"
MODES = [0, 1, 2, 3, 4]


async def test_the_default_host_offers_its_zones_5g_and_wifi(client: httpx.AsyncClient) -> None:
    answer = await client.get(CAPABILITY)
    assert answer.status_code == 200
    assert answer.json() == {
        "timeStamp": {"seconds": int(WALL), "nanoSeconds": 0},
        "mtsAccessInfo": [
            {"accessId": 1, "accessType": 33, "metered": 1},  # cell-a1, 5G NR
            {"accessId": 2, "accessType": 13, "metered": 0},  # wifi-a2, unmetered
        ],
        "mtsMode": MODES,
    }


async def test_each_host_offers_its_own_zone(client: httpx.AsyncClient) -> None:
    mec_b = (await client.get(on_host(CAPABILITY, "mec-b"))).json()
    assert mec_b["mtsAccessInfo"] == [{"accessId": 3, "accessType": 32, "metered": 1}]  # 4G
    mec_a = (await client.get(on_host(CAPABILITY, "mec-a"))).json()
    assert mec_a == (await client.get(CAPABILITY)).json()


async def test_the_accesses_follow_the_world(lab_doc: dict[str, Any], store_path: Any) -> None:
    doc = mts_document(lab_doc)
    zone_b = doc["domains"][0]["zones"][1]
    zone_b["poas"].insert(
        0,
        {
            "name": "wifi-b0",
            "type": "WIFI",
            "position": [0.004, 0.001],
            "radius_m": 80.0,
            "bssid": "02:00:00:00:00:b0",
        },
    )
    async with serving(store_path, Scenario.model_validate(doc)) as served:
        found = (await served.client.get(on_host(CAPABILITY, "mec-b"))).json()
    assert found["mtsAccessInfo"] == [
        {"accessId": 3, "accessType": 13, "metered": 0},
        {"accessId": 4, "accessType": 32, "metered": 1},
    ]


async def test_unknown_host_and_query(client: httpx.AsyncClient) -> None:
    problem(await client.get(on_host(CAPABILITY, "mars")), 404)
    found = problem(await client.get(CAPABILITY, params={"accessType": "1"}), 400)
    assert [p["name"] for p in found["invalidParams"]] == ["accessType"]


async def test_every_host_registers_the_service(served: Served) -> None:
    for host in ("mec-a", "mec-b"):
        answer = await served.client.get(
            on_host("/mec_service_mgmt/v1/services", host), params={"ser_name": "mts"}
        )
        [info] = answer.json()
        assert info["version"] == "2.2.1"
        assert info["state"] == "ACTIVE"
        uris = info["transportInfo"]["endpoint"]["uris"]
        prefix = "" if host == "mec-a" else f"/hosts/{host}"
        assert uris == [f"{BASE_URL}{prefix}{MTS}"]
