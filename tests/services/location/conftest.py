"""Fixtures of the Location tests: the world of :mod:`location_helpers` and the app with the
Location API mounted and started, stepped with the runtime's own tick under a fake clock.

Building the app (some 200 routes over every host) costs far more than a test, so each test
module shares one running app on its own event loop (tests mark themselves
``pytest.mark.asyncio(loop_scope="module")``), and every test starts from the scenario loaded
afresh: the world back at t = 0, no subscription, no pin, no pending notification (loading a
scenario resets the platforms, as ``meclab`` does). The platforms' wall clock is frozen at
:data:`location_helpers.WALL_S`, so every TimeStamp and expiry deadline is exact.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from helpers import FAST_RETRIES, serve
from location_helpers import WALL_S, location_document
from receiver import Receiver

from meclab.bus.memory import MemoryBus
from meclab.engine.clock import SimClock
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore


@pytest.fixture
def scenario() -> Scenario:
    """Overrides the shared fixture: the world of this package."""
    return Scenario.model_validate(location_document())


@dataclass
class Lab:
    """The app, its client and what tests reach into."""

    app: FastAPI
    client: httpx.AsyncClient
    runtime: Runtime
    platforms: Platforms
    now: float = 0.0
    """Simulation time, as the fake clock tells the runtime."""
    wall: list[float] = field(default_factory=lambda: [WALL_S])
    """The platforms' wall clock (a list, so that a test may move it)."""

    async def reset(self) -> None:
        """The scenario loaded afresh, with the fake clock at t = 0."""
        await self.runtime.load(Scenario.model_validate(location_document()))
        self.now = 0.0
        self.wall[0] = WALL_S
        self.runtime.clock = SimClock(start=0.0, speed=1.0, source=lambda: self.now)

    async def tick_to(self, t: float) -> None:
        """Set simulation time to ``t`` and tick once."""
        self.now = t
        await self.runtime.tick()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_lab(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Lab]:
    """One running app per test module (see the module docstring)."""
    path: Path = tmp_path_factory.mktemp("location") / "meclab.sqlite"
    store = SqliteStore(path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: WALL_S)
    await runtime.open(Scenario.model_validate(location_document()))
    try:
        async with serve(runtime, retries=FAST_RETRIES) as (app, client):
            platforms: Platforms = app.state.platforms
            lab = Lab(app, client, runtime, platforms)
            platforms.wall = platforms.subscriptions.wall = lambda: lab.wall[0]
            yield lab
    finally:
        await store.close()


@pytest_asyncio.fixture(loop_scope="module")
async def lab(shared_lab: Lab) -> Lab:
    """The module's app, with the scenario loaded afresh."""
    await shared_lab.reset()
    return shared_lab


@pytest.fixture
def api(lab: Lab) -> httpx.AsyncClient:
    return lab.client


@pytest.fixture
def runtime(lab: Lab) -> Runtime:
    """Overrides the shared fixture: the module's runtime, at t = 0."""
    return lab.runtime


@pytest.fixture
def tick_to(lab: Lab) -> Callable[[float], Awaitable[None]]:
    """Overrides the shared fixture: ``await tick_to(t)`` advances the module's runtime."""
    return lab.tick_to


@pytest_asyncio.fixture(loop_scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    """Overrides the shared fixture: the same receiver, started on the module's event loop
    (where the tests run and the app delivers)."""
    async with Receiver() as started:
        yield started
