"""Requests the app_lcm/v1 tests make again and again."""

from __future__ import annotations

from typing import Any

import httpx
from helpers import BASE_URL

LCM = "/app_lcm/v1"
HOST_PICK = {"selectedMECHostInfo": [{"hostId": "mec-a", "hostName": "MEC host A"}]}


def path_of(url: str) -> str:
    """The path of an absolute URL of the app under test."""
    assert url.startswith(BASE_URL), url
    return url.removeprefix(BASE_URL)


async def create(client: httpx.AsyncClient, app_d_id: str = "edge-d", **extra: Any) -> str:
    """A new instance of ``app_d_id``; its id."""
    response = await client.post(f"{LCM}/app_instances", json={"appDId": app_d_id, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def task(client: httpx.AsyncClient, inst: str, name: str, body: Any) -> httpx.Response:
    """POST a task (instantiate, terminate, operate ...) of an instance."""
    return await client.post(f"{LCM}/app_instances/{inst}/{name}", json=body)


async def run(client: httpx.AsyncClient, inst: str, name: str, body: Any) -> dict[str, Any]:
    """Run a task; the AppLcmOpOcc its 202's Location names."""
    response = await task(client, inst, name, body)
    assert response.status_code == 202, response.text
    occurrence = await client.get(path_of(response.headers["Location"]))
    assert occurrence.status_code == 200
    return dict(occurrence.json())


async def instantiated(client: httpx.AsyncClient, app_d_id: str = "edge-d") -> str:
    """A new instance, instantiated on mec-a."""
    inst = await create(client, app_d_id)
    await run(client, inst, "instantiate", HOST_PICK)
    return inst
