"""Fixtures of the WAI tests: the WLAN world (wai_helpers.py) served with WAI mounted.

The notification receiver is the shared fixture of tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from helpers import FAST_RETRIES, serve
from wai_helpers import wlan_scenario

from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.services.wai.service import Wai


@pytest.fixture
def scenario() -> Scenario:
    """Overrides the shared fixture: the WLAN world."""
    return wlan_scenario()


@pytest.fixture
async def served(runtime: Runtime) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """meclab's app with WAI mounted, started (lifespan) as a server starts it, not ticking,
    with short notification retries; and an HTTP client on it."""
    async with serve(runtime, retries=FAST_RETRIES) as app_and_client:
        yield app_and_client


@pytest.fixture
def app(served: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    return served[0]


@pytest.fixture
def client(served: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    """Overrides the shared fixture: the client on this app."""
    return served[1]


@pytest.fixture
def wai(app: FastAPI) -> Wai:
    wai: Wai = app.state.services["wai"]
    return wai
