"""The Location tests' world, with round numbers, and small helpers.

Everything lies on the parallel LAT0, so that x metres east of LON0 are exactly ``lon_at(x)``
on the engine's local projection (centred on the same parallel). Radio hysteresis is 0 dB:
a terminal hands over exactly where the next cell's signal beats its own (half-way between two
cells of equal power) and loses a cell exactly at its radius.

::

    operator op (001/01)
    ├── zone z1   A1 4G at x=0 (r 700)    A2 4G at x=1000 (r 700)    mec-1 at x=500
    ├── zone z2   B1 4G at x=2000 (r 700)                            mec-2 at x=2000
    └── terminals
        ├── ue-run    acr:10.0.0.1  from x=50 east at 100 m/s to x=2550, then stops:
        │             x = 50 + 100 t; A1 until t=4, A2 from t=5 (x=550), B1 from t=15 (x=1550)
        ├── ue-still  acr:10.0.0.2  fixed at x=100 (A1, z1)
        ├── ue-b      acr:10.0.0.3  fixed at x=2100 (B1, z2)
        └── ue-out    acr:10.0.0.4  fixed at x=3500: out of every cell, never located
    operator op2 (001/02)
    └── zone z9   C1 4G at x=5000 (r 300)    mec-9 at x=5000;   ue-other acr:10.9.0.1 at C1
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from helpers import LAT0, lon_at

BASE_URL = "http://meclab.test"
LOC = "/location/v2"
JSON = {"Content-Type": "application/json"}

RUN = "acr:10.0.0.1"
STILL = "acr:10.0.0.2"
UE_B = "acr:10.0.0.3"
OUT = "acr:10.0.0.4"
OTHER = "acr:10.9.0.1"

TickTo = Callable[[float], Awaitable[None]]
"""The ``tick_to`` fixture: ``await tick_to(t)`` sets simulation time to t and ticks once."""


def run_x(t: float) -> float:
    """Where ue-run is at time t."""
    return min(50.0 + 100.0 * t, 2550.0)


def _cell(name: str, x_m: float, radius_m: float, n: int) -> dict[str, Any]:
    return {
        "name": name,
        "type": "4G",
        "position": [lon_at(x_m), LAT0],
        "radius_m": radius_m,
        "cell_id": f"{n:X}",
    }


def _host(name: str, x_m: float) -> dict[str, Any]:
    return {"name": name, "position": [lon_at(x_m), LAT0]}


def _ue(name: str, address: str, path_x: list[float], velocity: float = 0.0) -> dict[str, Any]:
    return {
        "name": name,
        "address": address,
        "path": [[lon_at(x), LAT0] for x in path_x],
        "velocity_mps": velocity,
        "end_of_path": "stop",
    }


def location_document() -> dict[str, Any]:
    """The scenario of the module docstring."""
    return {
        "meclab": 1,
        "name": "loc",
        "radio": {"hysteresis_db": 0.0},
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "zones": [
                    {
                        "name": "z1",
                        "mec_hosts": [_host("mec-1", 500.0)],
                        "poas": [_cell("A1", 0.0, 700.0, 1), _cell("A2", 1000.0, 700.0, 2)],
                    },
                    {
                        "name": "z2",
                        "mec_hosts": [_host("mec-2", 2000.0)],
                        "poas": [_cell("B1", 2000.0, 700.0, 3)],
                    },
                ],
                "terminals": [
                    _ue("ue-run", RUN, [50.0, 2550.0], 100.0),
                    _ue("ue-still", STILL, [100.0]),
                    _ue("ue-b", UE_B, [2100.0]),
                    _ue("ue-out", OUT, [3500.0]),
                ],
            },
            {
                "name": "op2",
                "mcc": "001",
                "mnc": "02",
                "zones": [
                    {
                        "name": "z9",
                        "mec_hosts": [_host("mec-9", 5000.0)],
                        "poas": [_cell("C1", 5000.0, 300.0, 9)],
                    }
                ],
                "terminals": [_ue("ue-other", OTHER, [5000.0])],
            },
        ],
    }


def inner(body: dict[str, Any]) -> Any:
    """The content of a body's one root element."""
    assert len(body) == 1, body
    return next(iter(body.values()))


# --- v3 subscription bodies ---------------------------------------------------------------------


def wrapped(type_name: str, callback: str | None, **fields: Any) -> dict[str, Any]:
    """A v3 subscription body in its root element."""
    body: dict[str, Any] = {"subscriptionType": type_name, **fields}
    if callback is not None:
        body["callbackReference"] = callback
    return {type_name[:1].lower() + type_name[1:]: body}


def user_event(callback: str | None, address: str = RUN, **fields: Any) -> dict[str, Any]:
    return wrapped("UserLocationEventSubscription", callback, address=address, **fields)


def user_periodic(
    callback: str | None, amount: float, interval: float, address: str = RUN, **fields: Any
) -> dict[str, Any]:
    info = {"reportingAmount": amount, "reportingInterval": interval}
    return wrapped(
        "UserLocationPeriodicSubscription",
        callback,
        address=address,
        periodicEventInfo=info,
        **fields,
    )


def zone_event(callback: str | None, zone: str, **fields: Any) -> dict[str, Any]:
    return wrapped("ZoneLocationEventSubscription", callback, zoneId=zone, **fields)


def zone_status(callback: str | None, zone: str, **fields: Any) -> dict[str, Any]:
    return wrapped("ZoneStatusSubscription", callback, zoneId=zone, **fields)


def circle(x_m: float, radius_m: int) -> dict[str, Any]:
    """A v3 AreaInfo circle centred x_m metres east of LON0 on LAT0."""
    return {
        "shape": 1,
        "points": [{"latitude": LAT0, "longitude": lon_at(x_m)}],
        "radius": radius_m,
    }


def user_area(
    callback: str | None,
    area: dict[str, Any],
    addresses: list[str],
    accuracy: float = 0.0,
    **fields: Any,
) -> dict[str, Any]:
    return wrapped(
        "UserAreaSubscription",
        callback,
        areaDefine=area,
        addressList=addresses,
        trackingAccuracy=accuracy,
        **fields,
    )


def user_distance(
    callback: str | None,
    monitored: list[str],
    distance: float,
    criteria: str,
    *,
    reference: list[str] | None = None,
    immediate: bool = False,
    accuracy: float = 0.0,
    **fields: Any,
) -> dict[str, Any]:
    if reference is not None:
        fields["referenceAddress"] = reference
    return wrapped(
        "UserDistanceSubscription",
        callback,
        monitoredAddress=monitored,
        distance=distance,
        trackingAccuracy=accuracy,
        criteria=criteria,
        checkImmediate=immediate,
        **fields,
    )


WALL_S = 1_700_000_000.0
"""The wall clock of runtime and platforms in these tests (frozen)."""
WALL = {"seconds": 1_700_000_000, "nanoSeconds": 0}
"""TimeStamp of every notification and query in these tests."""


async def subscribe(api: httpx.AsyncClient, path: str, body: Any) -> str:
    """POST a subscription to ``{LOC}/subscriptions/{path}``; its Location (asserts 201)."""
    r = await api.post(f"{LOC}/subscriptions/{path}", json=body)
    assert r.status_code == 201, r.text
    return str(r.headers["Location"])


async def run_until(tick_to: TickTo, last: int, first: int = 1) -> None:
    """Tick at every whole second from ``first`` to ``last``."""
    for t in range(first, last + 1):
        await tick_to(float(t))
