"""The world of the MEC 016 tests, and meclab served with the API over the fake lifecycle.

The shared lab world (tests/conftest.py) with a second MEC host ``mec-b`` in zone-b and a
terminal ``ue-b`` standing in zone-b's cell::

    zone-a  mec-a  cells cell-a1, wifi-a2   ue-walk (acr:10.0.0.1, IMSI 001010000000001)
    zone-b  mec-b  cell cell-b1             ue-b (acr:10.0.0.9)

Applications offered (:data:`APPS`): ``game`` (on mec-a and mec-b, with characteristics and a
vendor) and ``tool`` (on mec-a only, nothing but its identity).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from devapp_fake import FakeLifecycle
from fastapi import FastAPI
from helpers import BASE_URL, mount_first

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.lifecycle.device_apps import AvailableApp
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.services.dev_app.service import DevApp
from meclab.store.sqlite import SqliteStore

DEV = "/dev_app/v1"
JSON = {"Content-Type": "application/json"}

GAME = AvailableApp(
    app_d_id="appd-game",
    app_name="game",
    app_provider="acme",
    app_soft_version="2.0",
    app_d_version="1",
    description="a multiplayer game server",
    memory_mb=512,
    storage_mb=1024,
    latency_ms=20,
    bandwidth_kbps=5000,
    service_continuity=True,
    vendor_id="acme-phones",
    hosts=("mec-a", "mec-b"),
)
TOOL = AvailableApp(
    app_d_id="appd-tool",
    app_name="tool",
    app_provider="tools-inc",
    app_soft_version="0.1",
    app_d_version="1",
    description="a tool",
    hosts=("mec-a",),
)
APPS = (GAME, TOOL)


def devapp_document(lab: dict[str, Any]) -> dict[str, Any]:
    domain = lab["domains"][0]
    domain["zones"][1]["mec_hosts"] = [{"name": "mec-b", "position": [0.004, 0.0005]}]
    domain["terminals"].append({"name": "ue-b", "address": "acr:10.0.0.9", "path": [[0.004, 0.0]]})
    return lab


def context_body(
    dev_app: str = "ue-walk",
    app: AvailableApp = GAME,
    *,
    with_id: bool = True,
    callback: str | None = None,
    location: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An AppContext create request of ``dev_app`` for ``app``."""
    entry: dict[str, Any] = {} if location is None else {"appLocation": location}
    info: dict[str, Any] = {
        "appName": app.app_name,
        "appProvider": app.app_provider,
        "appDVersion": app.app_d_version,
        "userAppInstanceInfo": [entry],
    }
    if with_id:
        info["appDId"] = app.app_d_id
    body: dict[str, Any] = {"associateDevAppId": dev_app, "appInfo": info}
    if callback is not None:
        body["callbackReference"] = callback
    return body


@dataclass
class Served:
    app: FastAPI
    runtime: Runtime
    service: DevApp
    lifecycle: FakeLifecycle
    client: httpx.AsyncClient


@asynccontextmanager
async def serving(
    store_path: Path,
    scenario: Scenario | None,
    apps: Sequence[AvailableApp] = APPS,
    *,
    api_root: str = "",
) -> AsyncIterator[Served]:
    """meclab with MEC 016 over a fake lifecycle, on a SQLite file; None resumes the file.
    ``api_root``: the path prefix of the ETSI APIs (``meclab up --api-root``)."""
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(scenario)
    try:
        app = create_app(runtime, tick=False, base_url=BASE_URL, api_root=api_root)
        lifecycle = FakeLifecycle(runtime.world, apps)
        service = DevApp(app.state.platforms, lifecycle)
        mount_first(app, service)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
        ):
            yield Served(app, runtime, service, lifecycle, client)
    finally:
        await store.close()
