"""Helpers of the MEC 011 tests: the app over a store, request bodies.

:func:`open_world` opens a runtime and the HTTP app on a SQLite file (a scenario loads it; None
resumes what the file holds) and runs the app's lifespan, as ``meclab up`` does. The
notification receiver is tests/receiver.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from helpers import FAST_RETRIES, problem, serve

from meclab.bus.memory import MemoryBus
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore

AS = "/mec_app_support/v1"
SM = "/mec_service_mgmt/v1"
JSON = {"Content-Type": "application/json"}


@dataclass
class World:
    """A running meclab: runtime, app, and an HTTP client on the app."""

    runtime: Runtime
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def platforms(self) -> Platforms:
        platforms: Platforms = self.app.state.platforms
        return platforms

    def app_id(self, name: str) -> str:
        """appInstanceId of a scenario application."""
        return self.platforms.app_named(name).app_instance_id


@asynccontextmanager
async def open_world(store_path: Path, scenario: Scenario | None) -> AsyncIterator[World]:
    """meclab on ``store_path``: loads ``scenario``, or resumes the stored one when None."""
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus())
    await runtime.open(scenario)
    try:
        async with serve(runtime, retries=FAST_RETRIES) as (app, client):
            yield World(runtime, app, client)
    finally:
        await store.close()


async def ready(client: httpx.AsyncClient, app_id: str, prefix: str = "") -> None:
    """Confirm an instance ready."""
    response = await client.post(
        f"{prefix}{AS}/applications/{app_id}/confirm_ready", json={"indication": "READY"}
    )
    assert response.status_code == 204, response.text


async def register_service(
    client: httpx.AsyncClient, app_id: str, body: dict[str, Any], prefix: str = ""
) -> dict[str, Any]:
    """POST a service; its 201 body."""
    response = await client.post(f"{prefix}{SM}/applications/{app_id}/services", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def subscribe_availability(
    client: httpx.AsyncClient,
    app_id: str,
    callback: str,
    criteria: dict[str, Any] | None = None,
    prefix: str = "",
) -> dict[str, Any]:
    """POST a SerAvailabilityNotificationSubscription; its 201 body."""
    body: dict[str, Any] = {
        "subscriptionType": "SerAvailabilityNotificationSubscription",
        "callbackReference": callback,
    }
    if criteria is not None:
        body["filteringCriteria"] = criteria
    response = await client.post(f"{prefix}{SM}/applications/{app_id}/subscriptions", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def bad_fields(response: httpx.Response) -> list[str]:
    """Names of the invalidParams of a 400 problem."""
    return [p["name"] for p in problem(response, 400).get("invalidParams", [])]
