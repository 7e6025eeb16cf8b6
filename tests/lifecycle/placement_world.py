"""A crafted world for capacity and placement tests, with latencies worked out by hand.

::

    op (core 10 ms)
    ├── za (metro 2 ms) ── mec-a (1 ms) [, mec-a2 (1 ms)], cell-a (radio 5 ms) [── fog-a (0.5 ms)]
    ├── zb (metro 2 ms) ── mec-b (3 ms), cell-b (radio 5 ms)
    ├── zc (metro 2 ms) ── mec-c (1 ms), cell-c (radio 5 ms)
    └── cloud (20 ms)
    terminals: ue-a and ue-a2 at cell-a, ue-b at cell-b, ue-c at cell-c, ue-out beyond every cell

One-way latency from a terminal to a host (radio, metro, [core, metro,] host)::

              mec-a  mec-b  mec-c  fog-a  cloud
    ue-a        8     22     20     5.5    37
    ue-b       20     10     20    19.5    37
    ue-c       20     22      8    19.5    37
"""

from __future__ import annotations

from typing import Any

from meclab.engine.world import World
from meclab.scenario.model import Scenario

LAT = 43.70
CELL_LON = {"a": 7.40, "b": 7.45, "c": 7.50}
"""The cells are some 4 km apart, each 500 m in radius."""
OUT_LON = 7.80


def _zone(z: str, host_ms: float, *, fog: bool, twin: bool, compute: dict[str, Any]) -> dict:
    hosts = [f"mec-{z}"] + ([f"mec-{z}2"] if twin else [])
    cell: dict[str, Any] = {
        "name": f"cell-{z}",
        "type": "4G",
        "position": [CELL_LON[z], LAT],
        "radius_m": 500.0,
        "cell_id": f"0x{ord(z):x}",
        "netchar": {"latency_ms": 5.0},
    }
    if fog:
        cell["fog_nodes"] = [{"name": f"fog-{z}", "netchar": {"latency_ms": 0.5}}]
    return {
        "name": f"z{z}",
        "netchar": {"latency_ms": 2.0},
        "mec_hosts": [
            {
                "name": name,
                "position": [CELL_LON[z], LAT],
                "netchar": {"latency_ms": host_ms},
                **({"compute": compute[name]} if name in compute else {}),
            }
            for name in hosts
        ],
        "poas": [cell],
    }


def _ue(name: str, lon: float) -> dict[str, Any]:
    return {"name": name, "address": f"acr:{name}", "path": [[lon, LAT]]}


def placement_doc(
    *,
    fog: bool = False,
    twin: bool = False,
    compute: dict[str, dict[str, Any]] | None = None,
    apps: bool = False,
) -> dict[str, Any]:
    """The scenario above. ``fog``: fog-a at cell-a; ``twin``: mec-a2 beside mec-a; ``compute``:
    compute by node name (the rest keep their kind's default); ``apps``: an app on mec-a."""
    compute = compute or {}
    zones = [
        _zone("a", 1.0, fog=fog, twin=twin, compute=compute),
        _zone("b", 3.0, fog=False, twin=False, compute=compute),
        _zone("c", 1.0, fog=False, twin=False, compute=compute),
    ]
    if apps:
        zones[0]["mec_hosts"][0]["apps"] = [{"name": "scenario-app"}]
    return {
        "name": "placement",
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "netchar": {"latency_ms": 10.0},
                "zones": zones,
                "clouds": [{"name": "cloud", "netchar": {"latency_ms": 20.0}}],
                "terminals": [
                    _ue("ue-a", CELL_LON["a"]),
                    _ue("ue-a2", CELL_LON["a"]),
                    _ue("ue-b", CELL_LON["b"]),
                    _ue("ue-c", CELL_LON["c"]),
                    _ue("ue-out", OUT_LON),
                ],
            }
        ],
    }


def placement_world(**options: Any) -> World:
    """The world of :func:`placement_doc` (same options), its terminals attached at t = 0."""
    world = World(Scenario.model_validate(placement_doc(**options)))
    world.step(0.0)
    return world
