"""MEC 016 application contexts over the real lifecycle: an instance near each terminal.

A device application of a terminal in zone-a gets an instance on mec-a, one in zone-b an
instance on mec-b (the onboarded package's 20 ms bound rules the other host out), each reached
at its reference URI through the data plane; a second context of zone-a shares the instance;
deleting the last context of an instance terminates it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from deploy_world import Deploy, serve_deploy, two_host_document, write_package

from meclab.sdk.dataplane import DataPlane as PlaneClient
from meclab.sdk.dataplane import SocksEntry


@pytest.fixture
async def lab(lab_doc: dict[str, Any], tmp_path: Path) -> Any:
    document = two_host_document(lab_doc)
    document["domains"][0]["terminals"].append(
        {"name": "ue-b", "address": "acr:10.0.0.9", "path": [[0.004, 0.0]]}
    )
    async with serve_deploy(document, tmp_path / "store.sqlite", tmp_path / "data") as deploy:
        yield deploy


async def _context(lab: Deploy, ue: str, app_d_id: str) -> dict[str, Any]:
    body = {
        "associateDevAppId": ue,
        "appInfo": {
            "appDId": app_d_id,
            "appName": "hello",
            "appProvider": "meclab",
            "appDVersion": "1.0",
            "userAppInstanceInfo": [{}],
        },
    }
    response = await lab.http.post("/dev_app/v1/app_contexts", json=body, timeout=60)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _get_as(lab: Deploy, ue: str, url: str) -> dict[str, Any]:
    socks = lab.plane.entry_points().socks5
    assert socks is not None
    plane = PlaneClient(SocksEntry.from_url(f"socks5://{socks}"), ue)
    async with (
        aiohttp.ClientSession(connector=plane.connector()) as session,
        session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response,
    ):
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def test_each_zones_terminal_gets_its_zones_host(lab: Deploy, tmp_path: Path) -> None:
    app_d_id = await lab.onboard(write_package(tmp_path, "hello"))
    lifecycle = lab.lifecycle

    walk = await _context(lab, "ue-walk", app_d_id)
    walk_instance = walk["appInfo"]["userAppInstanceInfo"][0]
    assert lifecycle.instance(walk_instance["appInstanceId"]).host == "mec-a"
    answer = await _get_as(lab, "ue-walk", walk_instance["referenceURI"] + "hello")
    assert answer["from"] == walk_instance["appInstanceId"]

    far = await _context(lab, "ue-b", app_d_id)
    far_instance = far["appInfo"]["userAppInstanceInfo"][0]
    assert lifecycle.instance(far_instance["appInstanceId"]).host == "mec-b"
    answer = await _get_as(lab, "ue-b", far_instance["referenceURI"] + "hello")
    assert answer["from"] == far_instance["appInstanceId"]

    # Another device app in zone-a shares the instance already running there.
    again = await _context(lab, "ue-car", app_d_id)
    assert again["appInfo"]["userAppInstanceInfo"][0] == walk_instance

    # The last context of an instance gone, the instance goes; a shared one stays.
    deleted = await lab.http.delete(f"/dev_app/v1/app_contexts/{far['contextId']}")
    assert deleted.status_code == 204
    assert far_instance["appInstanceId"] not in {i.id for i in lifecycle.instances()}
    assert far_instance["appInstanceId"] not in lab.app.state.platforms.apps
    await lab.http.delete(f"/dev_app/v1/app_contexts/{walk['contextId']}")
    assert lifecycle.instance(walk_instance["appInstanceId"]).host == "mec-a"
    await lab.http.delete(f"/dev_app/v1/app_contexts/{again['contextId']}")
    assert not lifecycle.instances()


async def test_location_availability_ranks_the_terminals_own_host_first(
    lab: Deploy, tmp_path: Path
) -> None:
    app_d_id = await lab.onboard(write_package(tmp_path, "hello"))
    port = lab.app.state.services["dev_app"].lifecycle
    assert port.locations_for("ue-b", app_d_id) == ["mec-b"]  # mec-a is beyond the 20 ms bound
    assert port.locations_for("ue-walk", app_d_id)[0] == "mec-a"
    body = {
        "associateDevAppId": "ue-b",
        "appInfo": {"appName": "hello", "appProvider": "meclab", "appDVersion": "1.0"},
    }
    response = await lab.http.post("/dev_app/v1/obtain_app_loc_availability", json=body)
    assert response.status_code == 200, response.text
    assert len(response.json()["appInfo"]["availableLocations"]) == 1
    assert not lab.lifecycle.instances()  # asking where creates nothing
