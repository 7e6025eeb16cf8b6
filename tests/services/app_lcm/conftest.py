"""Fixtures of the app_lcm/v1 and granting/v1 tests: the lab world's platforms with both APIs
mounted over :class:`lcm_fake.FakeLifecycle` (packages ``edge-d`` by ACME, ``ml-d`` by
Other Co, and ``off-d``, disabled)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from helpers import BASE_URL
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


@pytest.fixture
async def lab(runtime: Runtime) -> AsyncIterator[Lab]:
    """meclab's app on the lab world, with app_lcm/v1 and granting/v1 over the fake."""
    app = create_app(runtime, tick=False, base_url=BASE_URL)
    platforms = app.state.platforms
    fake = FakeLifecycle(hosts=["mec-a"], packages=PACKAGES)
    AppLcm(platforms, fake).mount(app)
    Granting(platforms, fake).mount(app)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
    ):
        fake.hosts = list(platforms.hosts)
        yield Lab(app, client, fake)
