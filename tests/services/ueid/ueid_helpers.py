"""The world of the UE identity tests and meclab served with the API mounted.

The shared lab world (tests/conftest.py) plus a second MEC host ``mec-b`` in zone-b running
``b-app``, an instance of yours (``emulated: false``: it starts INSTANTIATED)::

    mec-a (default host)  edge-app  READY (emulated)
    mec-b                 b-app     INSTANTIATED

Terminals: ue-walk (acr:10.0.0.1, IMSI 001010000000001), ue-car (acr:10.0.0.2), ue-far
(acr:10.0.0.3).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from helpers import serve

from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.model import APP_INSTANCE_NAMESPACE, Scenario
from meclab.services.ueid.service import UeIdentity
from meclab.store.sqlite import SqliteStore

UI = "/ui/v1"
JSON = {"Content-Type": "application/json"}


def app_id(name: str) -> str:
    """The appInstanceId meclab derives from an app's name."""
    return str(uuid.uuid5(APP_INSTANCE_NAMESPACE, name))


EDGE_APP, B_APP = app_id("edge-app"), app_id("b-app")


def ueid_document(lab: dict[str, Any]) -> dict[str, Any]:
    zone_b = lab["domains"][0]["zones"][1]
    zone_b["mec_hosts"] = [
        {
            "name": "mec-b",
            "position": [0.004, 0.0005],
            "apps": [{"name": "b-app", "emulated": False}],
        }
    ]
    return lab


def tag_url(app: str, host: str = "") -> str:
    return f"{'/hosts/' + host if host else ''}{UI}/{app}/ue_identity_tag_info"


def tags(*pairs: tuple[str, int]) -> dict[str, Any]:
    return {"ueIdentityTags": [{"ueIdentityTag": t, "state": s} for t, s in pairs]}


@dataclass
class Served:
    app: FastAPI
    runtime: Runtime
    service: UeIdentity
    client: httpx.AsyncClient


@asynccontextmanager
async def serving(store_path: Path, scenario: Scenario | None) -> AsyncIterator[Served]:
    """meclab with the UE identity API over a SQLite file, started; None resumes the file."""
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(scenario)
    try:
        async with serve(runtime) as (app, http):
            yield Served(app, runtime, app.state.services["ueid"], http)
    finally:
        await store.close()
