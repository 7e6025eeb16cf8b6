"""Fixtures of the WAI tests: the WLAN world (wai_helpers.py) served with WAI mounted."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from receiver import Receiver
from wai_helpers import BASE_URL, wlan_scenario

from meclab.app import create_app
from meclab.platform.delivery import RetryPolicy
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.services.wai import Wai

FAST = RetryPolicy(initial_s=0.05, factor=2.0, max_s=0.2, jitter=0.0)


@pytest.fixture
def scenario() -> Scenario:
    """Overrides the shared fixture: the WLAN world."""
    return wlan_scenario()


@pytest.fixture
async def app(runtime: Runtime) -> AsyncIterator[FastAPI]:
    """meclab's app with WAI mounted, started (lifespan) as a server starts it; not ticking."""
    app = create_app(runtime, tick=False, base_url=BASE_URL)
    app.state.wai = app.state.services["wai"]
    app.state.platforms.notifier.policy = FAST
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def wai(app: FastAPI) -> Wai:
    return app.state.wai


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as rx:
        yield rx
