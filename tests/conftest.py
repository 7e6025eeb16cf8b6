"""Shared fixtures: the ``lab`` world (tests/lab_world.py), a runtime on a fake clock, an HTTP
client, a notification receiver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import FakeTime, advance, install_fake_clock, serve
from lab_world import lab_document, make_scenario
from receiver import Receiver

from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore


@pytest.fixture
def lab_doc() -> dict[str, Any]:
    """A fresh copy of the lab scenario document, free to change."""
    return lab_document()


@pytest.fixture
def scenario() -> Scenario:
    return make_scenario()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "meclab.sqlite"


@pytest.fixture
async def store(store_path: Path) -> AsyncIterator[SqliteStore]:
    """A SQLite store on a fresh file, closed after the test."""
    s = SqliteStore(store_path)
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def runtime(
    scenario: Scenario, store: SqliteStore, fake_time: FakeTime
) -> AsyncIterator[Runtime]:
    """A runtime on ``store``, opened on the lab scenario at t = 0, not ticking, on a fake
    clock."""
    rt = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await rt.open(scenario)
    install_fake_clock(rt, fake_time)
    try:
        yield rt
    finally:
        await rt.stop()


@pytest.fixture
def tick_to(runtime: Runtime, fake_time: FakeTime) -> Callable[[float], Awaitable[None]]:
    """``await tick_to(t)``: advance the runtime to simulation time t."""

    async def go(t: float) -> None:
        await advance(runtime, fake_time, t)

    return go


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on every API of ``runtime`` (in process, no socket), with the app started
    as a server starts it (its lifespan: the MEC platforms are built, nothing ticks)."""
    async with serve(runtime) as (_, http):
        yield http


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A subscriber's HTTP endpoint on a free port, collecting every POST (tests/receiver.py)."""
    async with Receiver() as started:
        yield started
