"""The Location service as a whole: registered in every host's MEC 011 registry while meclab
runs and withdrawn when it stops; its subscriptions survive a restart and keep notifying."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from helpers import lon_at, serve
from location_helpers import BASE_URL, LOC, RUN, circle, inner, location_document, user_area
from receiver import Receiver

from meclab.bus.memory import MemoryBus
from meclab.engine.clock import SimClock
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Stepper:
    """Simulation time is what the test says (as the shared fake clock does)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.now = runtime.world.state.t
        runtime.clock = SimClock(start=self.now, speed=1.0, source=lambda: self.now)

    async def tick_to(self, t: float) -> None:
        self.now = t
        await self.runtime.tick()


@asynccontextmanager
async def running(
    store_path: Path, scenario: Scenario | None
) -> AsyncIterator[tuple[Stepper, httpx.AsyncClient, Platforms]]:
    """meclab with the Location API on a store: ``scenario`` loads, None resumes the store's."""
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(scenario)
    stepper = Stepper(runtime)
    try:
        async with serve(runtime) as (app, api):
            yield stepper, api, app.state.platforms
    finally:
        await store.close()


async def test_registered_on_every_host(lab: object, api: httpx.AsyncClient) -> None:
    platforms: Platforms = lab.platforms  # type: ignore[attr-defined]
    records = [r for r in platforms.services.records.values() if r.info.serName == "location"]
    assert sorted(r.host for r in records) == ["mec-1", "mec-2", "mec-9"]
    for record in records:
        info = record.info
        assert record.owner is None
        assert info.version == "3.1.1"
        assert info.serCategory is not None
        assert (info.serCategory.id, info.serCategory.name) == ("location", "Location")
        assert info.transportInfo.endpoint.uris == [platforms.url(record.host, LOC)]
    r = await api.get("/mec_service_mgmt/v1/services", params={"ser_name": "location"})
    assert r.status_code == 200, r.text
    (listed,) = r.json()
    assert listed["serName"] == "location"
    assert listed["transportInfo"]["endpoint"]["uris"] == [f"{BASE_URL}{LOC}"]


async def test_withdrawn_at_stop_and_subscriptions_survive_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    path = tmp_path / "restart.sqlite"
    area = user_area(receiver.url(), circle(1200.0, 300), [RUN], reportingLocationReq=True)
    async with running(path, Scenario.model_validate(location_document())) as (steps, api, pf):
        r = await api.post(f"{LOC}/subscriptions/area", json=area)
        assert r.status_code == 201
        href, body = r.headers["Location"], r.json()
        for t in range(1, 6):
            await steps.tick_to(float(t))
        platforms = pf
    assert [r for r in platforms.services.records.values() if r.info.serName == "location"] == []
    async with running(path, None) as (steps, api, _):
        assert steps.runtime.opened == "resumed"
        r = await api.get(href)
        assert (r.status_code, r.json()) == (200, body)
        for t in range(6, 10):  # ue-run enters the circle at t = 9 (x = 950)
            await steps.tick_to(float(t))
        (note,) = await receiver.wait_for(1)
        assert inner(note)["userLocationEvent"] == "ENTERING_AREA_EVENT"
        assert inner(note)["locationInfo"]["longitude"][0] == pytest.approx(lon_at(950.0))
