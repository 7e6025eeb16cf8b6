"""Worlds and a running app for the RNIS tests: round numbers, exact expectations.

Cells and terminals sit on latitude ``LAT0``, at ``x`` metres east of ``LON0`` (both in
tests/helpers.py); a terminal moving at 10 m/s from ``x = 0`` is at ``x = 10 t`` (the engine's
projection is centred on that latitude, so distances along it are exact). :func:`corridor` is
the main world::

    zone za (host mec-a at 0, app "app-a")     zone zb (host mec-b at 1000)
    cell A  4G  x = 0     r = 800  id 000001A   cell B  4G  x = 1000  r = 800  id 000001B

:class:`Lab` runs the app with RNIS mounted, on a fake clock, with a stepped world
(``await lab.tick(t)``: events go through the bus and tick listeners run, as in production).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from helpers import (
    LAT0,
    FakeTime,
    advance,
    install_fake_clock,
    lon_at,
    nothing_pending,
    serve,
)

from meclab.bus.memory import MemoryBus
from meclab.engine.radio import PROFILES, fspl_1m_db, reference_offset_db
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore
from meclab.types import RadioType

WALL = 1_700_000_000.0
"""The runtime's wall clock in these tests: every notification's timeStamp."""
STAMP = {"seconds": 1_700_000_000, "nanoSeconds": 0}
PLMN = {"mcc": "001", "mnc": "01"}


def at(x_m: float) -> list[float]:
    return [lon_at(x_m), LAT0]


def cell(name: str, radio: str, x_m: float, radius_m: float, ident: str, **extra: Any) -> dict:
    key = "bssid" if radio == "WIFI" else "cell_id"
    return {
        "name": name,
        "type": radio,
        "position": at(x_m),
        "radius_m": radius_m,
        key: ident,
        **extra,
    }


def ue(name: str, n: int, path_x: list[float], velocity: float = 0.0, **extra: Any) -> dict:
    return {
        "name": name,
        "address": f"acr:10.0.0.{n}",
        "imsi": f"00101000000{n:04d}",
        "path": [at(x) for x in path_x],
        "velocity_mps": velocity,
        "end_of_path": "stop",
        **extra,
    }


def lte_ue(name: str, n: int, path_x: list[float], velocity: float = 0.0, **extra: Any) -> dict:
    """A terminal that only uses 4G."""
    return ue(name, n, path_x, velocity, radio_priority=["4G"], **extra)


def zone(name: str, host_x: float | None, poas: list[dict], apps: list[dict] | None = None) -> dict:
    hosts = (
        []
        if host_x is None
        else [{"name": f"mec-{name.removeprefix('z')}", "position": at(host_x), "apps": apps or []}]
    )
    return {"name": name, "mec_hosts": hosts, "poas": poas}


def world(zones: list[dict], terminals: list[dict], **extra: Any) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "rnis",
            "domains": [
                {"name": "op", "mcc": "001", "mnc": "01", "zones": zones, "terminals": terminals}
            ],
            **extra,
        }
    )


def corridor(terminals: list[dict]) -> Scenario:
    """Cells A (zone za, host mec-a) and B (zone zb, host mec-b); see the module docstring."""
    return world(
        [
            zone(
                "za",
                0.0,
                [cell("A", "4G", 0.0, 800.0, "1A")],
                apps=[{"name": "edge-a", "app_instance_id": "app-a"}],
            ),
            zone("zb", 1000.0, [cell("B", "4G", 1000.0, 800.0, "1B")]),
        ],
        terminals,
    )


def two_ues() -> Scenario:
    """The corridor with ``walker`` (10.0.0.1: x = 0 at t = 0, east at 10 m/s, on A until the
    engine hands it over to B at x = 557 m, t = 55.7 s) and ``idle`` (10.0.0.2, on A at x = -300),
    both 4G-only."""
    return corridor([lte_ue("walker", 1, [0.0, 1000.0], 10.0), lte_ue("idle", 2, [-300.0])])


def mixed() -> Scenario:
    """One zone (host mec-m): NR cells N1 (x = 0) and N2 (x = 300), radius 200; LTE cell L at
    x = 600, radius 800; a Wi-Fi AP at x = -1500. ``upgrader`` (10.0.0.1, 5G then 4G) walks west
    from x = 1000 at 10 m/s, on L until N2 covers it (x = 500, t = 50); ``nr-ue`` (10.0.0.2) stays
    on N1 at x = 120; ``wifi-ue`` (10.0.0.3) on the AP."""
    return world(
        [
            zone(
                "zm",
                0.0,
                [
                    cell("N1", "5G", 0.0, 200.0, "A01"),
                    cell("N2", "5G", 300.0, 200.0, "A02"),
                    cell("L", "4G", 600.0, 800.0, "B01"),
                    cell("W", "WIFI", -1500.0, 100.0, "02:00:00:00:00:01"),
                ],
            )
        ],
        [
            ue("upgrader", 1, [1000.0, 400.0], 10.0, radio_priority=["5G", "4G"]),
            ue("nr-ue", 2, [120.0], radio_priority=["5G", "4G"]),
            ue("wifi-ue", 3, [-1500.0], radio_priority=["WIFI", "4G"]),
        ],
    )


def ecgi(cell_id: str) -> dict[str, Any]:
    return {"plmn": PLMN, "cellId": cell_id}


def nrcgi(cell_id: str) -> dict[str, Any]:
    return {"plmn": PLMN, "nrCellId": cell_id}


def ipv4(n: int) -> dict[str, Any]:
    """The associateId of terminal ``acr:10.0.0.n``."""
    return {"type": 1, "value": f"10.0.0.{n}"}


def rsrp_dbm(radio: RadioType, distance_m: float) -> float:
    """The radio model's RSRP at a distance, from its documented formula (engine/radio.py)."""
    profile = PROFILES[radio]
    return (
        profile.tx_power_dbm
        - reference_offset_db(radio)
        - fspl_1m_db(profile.frequency_mhz)
        - 10 * profile.path_loss_exponent * math.log10(distance_m)
    )


@dataclass
class Lab:
    """A running meclab with RNIS, a client on it and a stepped clock."""

    runtime: Runtime
    platforms: Platforms
    client: httpx.AsyncClient
    fake: FakeTime

    async def tick(self, t: float) -> None:
        """Advance simulation time to ``t`` and run one tick."""
        await advance(self.runtime, self.fake, t)

    async def ticks(self, *times: float) -> None:
        for t in times:
            await self.tick(t)

    async def settle(self) -> None:
        """Wait until every queued notification has been delivered."""
        await nothing_pending(self.platforms.notifier)

    async def subscribe(self, body: dict[str, Any], host: str | None = None) -> dict[str, Any]:
        """POST a subscription (on ``host``, default the first); asserts 201."""
        prefix = f"/hosts/{host}" if host else ""
        response = await self.client.post(f"{prefix}/rni/v2/subscriptions", json=body)
        assert response.status_code == 201, response.text
        return response.json()


def open_runtime(store: SqliteStore) -> Runtime:
    return Runtime(store, MemoryBus(), wall=lambda: WALL)


@asynccontextmanager
async def open_lab(scenario: Scenario | None, store_path: Path) -> AsyncIterator[Lab]:
    """A lab on ``scenario`` at t = 0 (None: resume what ``store_path`` holds)."""
    store = SqliteStore(store_path)
    runtime = open_runtime(store)
    await runtime.open(scenario)
    fake = FakeTime()
    install_fake_clock(runtime, fake)
    try:
        async with serve(runtime) as (app, client):
            yield Lab(runtime, app.state.platforms, client, fake)
    finally:
        await runtime.stop()
        await store.close()
