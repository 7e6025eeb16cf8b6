"""meclab served in process with a recording port on one service: for the tests of the
services whose effect the data plane carries out through a port (MTS steering, BWM
allocations). ``from port_lab import RecordingPort, Served, serving``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from fastapi import FastAPI
from helpers import BASE_URL

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore

WALL = 1_700_000_000.0


class _Record(Protocol):
    @property
    def id(self) -> str: ...


@dataclass
class RecordingPort:
    """A port (SteeringPort, BandwidthPort) that remembers what it was told."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)
    """(``apply`` or ``release``, host, record id), in order."""
    applied: dict[str, Any] = field(default_factory=dict)
    """What is in force, by id."""

    async def apply(self, host: str, record: _Record) -> None:
        self.calls.append(("apply", host, record.id))
        self.applied[record.id] = record

    async def release(self, host: str, record_id: str) -> None:
        self.calls.append(("release", host, record_id))
        self.applied.pop(record_id, None)


@dataclass
class Served:
    app: FastAPI
    runtime: Runtime
    service: Any
    """The service the port is attached to (``app.state.services[name]``)."""
    client: httpx.AsyncClient

    @property
    def platforms(self) -> Platforms:
        platforms: Platforms = self.app.state.platforms
        return platforms


@asynccontextmanager
async def serving(
    store_path: Path, scenario: Scenario | None, service: str, port: RecordingPort | None = None
) -> AsyncIterator[Served]:
    """meclab over a SQLite file, started (None resumes the file), with ``port`` attached to
    the service ``service`` (``"mts"``, ``"bwm"``) before its platforms load."""
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: WALL)
    await runtime.open(scenario)
    app = create_app(runtime, tick=False, base_url=BASE_URL)
    attached = app.state.services[service]
    attached.port = port
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http,
        ):
            yield Served(app, runtime, attached, http)
    finally:
        await runtime.stop()
        await store.close()
