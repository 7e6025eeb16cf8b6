"""The app_lcm/v1 and granting/v1 tests' lab: the lab world's platforms with both APIs
mounted over :class:`lcm_fake.FakeLifecycle` (packages ``edge-d`` by ACME, ``ml-d`` by
Other Co, and ``off-d``, disabled)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from helpers import BASE_URL, mount_first
from lcm_fake import FakeLifecycle, Package

from meclab.app import create_app
from meclab.runtime import Runtime
from meclab.services.app_lcm.service import AppLcm
from meclab.services.granting.service import Granting

PACKAGES = [
    Package("edge-d", "edge", "ACME", app_soft_version="1.2", app_d_version="3"),
    Package("ml-d", "ml", "Other Co"),
    Package("off-d", "off", "ACME", enabled=False),
]


@dataclass
class Lab:
    app: FastAPI
    client: httpx.AsyncClient
    fake: FakeLifecycle


@asynccontextmanager
async def open_lab(runtime: Runtime, api_root: str = "") -> AsyncIterator[Lab]:
    """meclab's app on ``runtime`` with app_lcm/v1 and granting/v1 over a new fake, started."""
    app = create_app(runtime, tick=False, base_url=BASE_URL, api_root=api_root)
    platforms = app.state.platforms
    fake = FakeLifecycle(hosts=["mec-a"], packages=PACKAGES)
    mount_first(app, AppLcm(platforms, fake))
    mount_first(app, Granting(platforms, fake))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
    ):
        fake.hosts = list(platforms.hosts)
        yield Lab(app, client, fake)
