"""The WLAN world of the WAI tests, and what its numbers imply.

Laid out on the equator in metres (x east, y north of the origin), so that distances, and
hence radio levels, follow from the numbers alone::

    op (001/01)
    ├── za: mec-a (default host)   ap1  WIFI  (0, 0)      r 100 m  02:00:00:00:00:01
    │                              ap2  WIFI  (120, 0)    r 100 m  02:00:00:00:00:02
    │                              macro 4G   (500, 0)    r 3 km
    └── zb: mec-b                  ap3  WIFI  (1000, 0)   r 100 m  02:00:00:00:00:03
    terminals (Wi-Fi first, then 4G, unless said otherwise)
    ├── sta-a     fixed at (30, 0): on ap1 (30 m), inside ap2's coverage (90 m)
    ├── sta-walk  north along x = -60 from y = -300 at 10 m/s, stops at y = +300: enters
    │             ap1's radius at y = -80 (t = 22 s), leaves its hysteresis margin at
    │             y = +110.7 (t = 41.07 s); on the macro cell otherwise
    ├── sta-b     fixed at (1000, 0): on ap3 (zone zb)
    └── lte-only  4G only, fixed at (0, 0): a terminal, not a Wi-Fi station
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from helpers import (
    M_PER_DEG,
    FakeTime,
    advance,
    install_fake_clock,
    serve,
)

from meclab.bus.memory import MemoryBus
from meclab.engine.radio import PROFILES, fspl_1m_db
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.services.wai.service import Wai
from meclab.store.sqlite import SqliteStore
from meclab.types import RadioType

WAI = "/wai/v2"
JSON = {"Content-Type": "application/json"}
WALL_S = 1_700_000_000
"""The runtime's wall clock in the shared fixtures."""

BSSID = {"ap1": "02:00:00:00:00:01", "ap2": "02:00:00:00:00:02", "ap3": "02:00:00:00:00:03"}


def at(x_m: float, y_m: float = 0.0) -> list[float]:
    return [x_m / M_PER_DEG, y_m / M_PER_DEG]


def wifi_rssi_dbm(distance_m: float) -> float:
    """The engine's Wi-Fi RSSI, from radio.py's documented model (an independent check)."""
    profile = PROFILES[RadioType.WIFI]
    return (
        profile.tx_power_dbm
        - fspl_1m_db(profile.frequency_mhz)
        - 30.0 * math.log10(max(distance_m, 1.0))
    )


def _ap(name: str, x_m: float) -> dict[str, Any]:
    return {
        "name": name,
        "type": "WIFI",
        "position": at(x_m),
        "radius_m": 100.0,
        "bssid": BSSID[name],
        "netchar": {"throughput_dl_mbps": 150.0, "throughput_ul_mbps": 120.0},
    }


def _sta(name: str, n: int, path: list[list[float]], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "address": f"acr:10.0.0.{n}",
        "path": path,
        "radio_priority": ["WIFI", "4G"],
        **extra,
    }


def wlan_document() -> dict[str, Any]:
    return {
        "name": "wlan",
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "netchar": {"throughput_dl_mbps": 10_000.0, "throughput_ul_mbps": 5_000.0},
                "zones": [
                    {
                        "name": "za",
                        "netchar": {"throughput_dl_mbps": 1000.0, "throughput_ul_mbps": 1000.0},
                        "mec_hosts": [{"name": "mec-a", "position": at(0.0, 10.0)}],
                        "poas": [
                            _ap("ap1", 0.0),
                            _ap("ap2", 120.0),
                            {
                                "name": "macro",
                                "type": "4G",
                                "position": at(500.0),
                                "radius_m": 3000.0,
                                "cell_id": "0x10",
                            },
                        ],
                    },
                    {
                        "name": "zb",
                        "netchar": {"throughput_dl_mbps": 800.0, "throughput_ul_mbps": 400.0},
                        "mec_hosts": [{"name": "mec-b", "position": at(1000.0, 10.0)}],
                        "poas": [_ap("ap3", 1000.0)],
                    },
                ],
                "terminals": [
                    _sta("sta-a", 1, [at(30.0)]),
                    _sta(
                        "sta-walk",
                        2,
                        [at(-60.0, -300.0), at(-60.0, 300.0)],
                        velocity_mps=10.0,
                        end_of_path="stop",
                    ),
                    _sta("sta-b", 3, [at(1000.0)]),
                    {
                        "name": "lte-only",
                        "address": "acr:10.0.0.4",
                        "path": [at(0.0)],
                        "radio_priority": ["4G"],
                    },
                ],
            }
        ],
    }


def wlan_scenario() -> Scenario:
    return Scenario.model_validate(wlan_document())


@asynccontextmanager
async def serving(store_path: Path, scenario: Scenario | None) -> AsyncIterator[Served]:
    """meclab with WAI over a SQLite file, started: ``scenario`` loads, None resumes the file.

    The runtime is on a fake clock (advance with ``served.tick_to``), as in tests/conftest.py.
    """
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: float(WALL_S))
    await runtime.open(scenario)
    fake = FakeTime()
    install_fake_clock(runtime, fake)

    async def tick_to(t: float) -> None:
        await advance(runtime, fake, t)

    try:
        async with serve(runtime) as (app, http):
            yield Served(app, runtime, app.state.services["wai"], http, tick_to)
    finally:
        await store.close()


@dataclass
class Served:
    app: FastAPI
    runtime: Runtime
    wai: Wai
    client: httpx.AsyncClient
    tick_to: Callable[[float], Awaitable[None]]
