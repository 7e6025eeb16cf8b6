"""A running meclab for the SDK's tests: the lab world with two instances of your own on
``mec-a``, served on a loopback socket (the SDK speaks aiohttp, so it needs a real one).

::

    mec-a   edge-app  (emulated, produces edge-svc)
            my-app    (yours, emulated: false, endpoint 127.0.0.1:<free port>,
                       DNS rule dns-1, traffic rule tr-1)
            peer-app  (yours, emulated: false)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from helpers import FAST_RETRIES, free_port, on_loopback

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.sdk import PlatformConfig
from meclab.store.sqlite import SqliteStore


def own_apps_document(lab: dict[str, Any], endpoint: str) -> dict[str, Any]:
    """The lab scenario with ``my-app`` (listening at ``endpoint``) and ``peer-app`` on mec-a."""
    mec_a = lab["domains"][0]["zones"][0]["mec_hosts"][0]
    mec_a["apps"] += [
        {
            "name": "my-app",
            "emulated": False,
            "endpoint": endpoint,
            "dns_rules": [{"id": "dns-1", "domain_name": "my.example", "ip_address": "10.0.0.10"}],
            "traffic_rules": [
                {
                    "id": "tr-1",
                    "priority": 1,
                    "filters": [{"dst_address": ["10.0.0.10/32"], "dst_port": ["8080"]}],
                    "action": "FORWARD_DECAPSULATED",
                }
            ],
        },
        {"name": "peer-app", "emulated": False},
    ]
    return lab


@dataclass
class Lab:
    """meclab serving on ``url``; ``endpoint`` is where my-app is to listen."""

    app: FastAPI
    url: str
    endpoint: str

    @property
    def platforms(self) -> Platforms:
        platforms: Platforms = self.app.state.platforms
        return platforms

    def app_id(self, name: str) -> str:
        """appInstanceId of a scenario application."""
        return self.platforms.app_named(name).app_instance_id

    def config(self) -> PlatformConfig:
        return PlatformConfig(self.url, timeout_s=5.0)


@asynccontextmanager
async def serve_lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    """meclab on a fresh store, with the world of the module docstring, on a free port."""
    endpoint = f"127.0.0.1:{free_port()}"
    scenario = Scenario.model_validate(own_apps_document(lab_doc, endpoint))
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus())
    await runtime.open(scenario)

    def make(base_url: str) -> FastAPI:
        app = create_app(runtime, tick=False, base_url=base_url)
        app.state.platforms.notifier.policy = FAST_RETRIES
        return app

    try:
        async with on_loopback(make) as (app, port):
            yield Lab(app, f"http://127.0.0.1:{port}", endpoint)
    finally:
        await store.close()
