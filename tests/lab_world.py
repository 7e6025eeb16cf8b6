"""The ``lab`` world of the tests: a small hand-written scenario (tests/conftest.py's fixtures
are made of it; a test module imports it from here, ``from lab_world import make_scenario``,
since which ``conftest`` module a bare ``import conftest`` finds depends on collection order).

The scenario ``lab`` is laid out on the equator so that expected positions follow from its
numbers alone: one degree of latitude (and, at latitude 0, of longitude) is
``EARTH_RADIUS_M * pi / 180`` metres. Its bounding box is symmetric about latitude 0, so the
engine's local projection is centred there too.

::

    lab (deployment, 20 ms)            cloud-pub (5 ms) ─► cloud-app (1 ms)
    └── op (001/01, 6 ms, 0.5 %)
        ├── zone-a (2 ms, 1 %)
        │   ├── mec-a (0.5 ms) ─► edge-app (1 ms)
        │   ├── cell-a1  5G   at (0, 0)       r 300 m   5 ms, 2 %
        │   └── wifi-a2  WIFI at (0, 0.002)   r 100 m   3 ms
        ├── zone-b (4 ms)
        │   └── cell-b1  4G   at (0.004, 0)   r 400 m   10 ms, 3 %
        └── terminals
            ├── ue-walk  north along lon 0 from lat -0.002 to 0.002, 10 m/s, stops (own 0.25 ms)
            ├── ue-car   east along the equator from lon 0 to 0.004, 20 m/s, loops
            └── ue-far   Wi-Fi only, fixed at (0.010, 0), out of every coverage
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from meclab.scenario.model import Scenario

LAB: dict[str, Any] = {
    "meclab": 1,
    "name": "lab",
    "description": "two zones, three cells, three terminals",
    "seed": 1,
    "netchar": {"latency_ms": 20.0},
    "clouds": [
        {
            "name": "cloud-pub",
            "netchar": {"latency_ms": 5.0},
            "apps": [{"name": "cloud-app", "netchar": {"latency_ms": 1.0}}],
        }
    ],
    "domains": [
        {
            "name": "op",
            "mcc": "001",
            "mnc": "01",
            "netchar": {
                "latency_ms": 6.0,
                "loss_pct": 0.5,
                "throughput_dl_mbps": 10_000.0,
                "throughput_ul_mbps": 5_000.0,
            },
            "zones": [
                {
                    "name": "zone-a",
                    "netchar": {
                        "latency_ms": 2.0,
                        "loss_pct": 1.0,
                        "throughput_dl_mbps": 1000.0,
                        "throughput_ul_mbps": 800.0,
                    },
                    "mec_hosts": [
                        {
                            "name": "mec-a",
                            "position": [0.0, 0.0005],
                            "netchar": {
                                "latency_ms": 0.5,
                                "throughput_dl_mbps": 2000.0,
                                "throughput_ul_mbps": 2000.0,
                            },
                            "apps": [
                                {
                                    "name": "edge-app",
                                    "services_produced": [{"name": "edge-svc"}],
                                    "netchar": {
                                        "latency_ms": 1.0,
                                        "throughput_dl_mbps": 200.0,
                                        "throughput_ul_mbps": 100.0,
                                    },
                                }
                            ],
                        }
                    ],
                    "poas": [
                        {
                            "name": "cell-a1",
                            "type": "5G",
                            "position": [0.0, 0.0],
                            "radius_m": 300.0,
                            "cell_id": "0x1",
                            "netchar": {
                                "latency_ms": 5.0,
                                "jitter_ms": 1.0,
                                "jitter_distribution": "uniform",
                                "loss_pct": 2.0,
                                "throughput_dl_mbps": 300.0,
                                "throughput_ul_mbps": 50.0,
                            },
                        },
                        {
                            "name": "wifi-a2",
                            "type": "WIFI",
                            "position": [0.0, 0.002],
                            "radius_m": 100.0,
                            "bssid": "02:00:00:00:00:a2",
                            "netchar": {
                                "latency_ms": 3.0,
                                "throughput_dl_mbps": 150.0,
                                "throughput_ul_mbps": 150.0,
                            },
                        },
                    ],
                },
                {
                    "name": "zone-b",
                    "netchar": {"latency_ms": 4.0},
                    "poas": [
                        {
                            "name": "cell-b1",
                            "type": "4G",
                            "position": [0.004, 0.0],
                            "radius_m": 400.0,
                            "cell_id": "0x2",
                            "netchar": {
                                "latency_ms": 10.0,
                                "jitter_ms": 2.0,
                                "loss_pct": 3.0,
                                "throughput_dl_mbps": 100.0,
                                "throughput_ul_mbps": 20.0,
                            },
                        }
                    ],
                },
            ],
            "terminals": [
                {
                    "name": "ue-walk",
                    "address": "acr:10.0.0.1",
                    "imsi": "001010000000001",
                    "path": [[0.0, -0.002], [0.0, 0.002]],
                    "velocity_mps": 10.0,
                    "end_of_path": "stop",
                    "netchar": {"latency_ms": 0.25},
                    "apps": [
                        {
                            "name": "ue-walk-app",
                            "connects_to": ["edge-app"],
                            "netchar": {"latency_ms": 0.5},
                        }
                    ],
                },
                {
                    "name": "ue-car",
                    "address": "acr:10.0.0.2",
                    "path": [[0.0, 0.0], [0.004, 0.0]],
                    "velocity_mps": 20.0,
                    "end_of_path": "loop",
                },
                {
                    "name": "ue-far",
                    "address": "acr:10.0.0.3",
                    "path": [[0.010, 0.0]],
                    "radio_priority": ["WIFI"],
                },
            ],
        }
    ],
}
"""The ``lab`` scenario document (see the module docstring). Copy it before changing it."""


def lab_document() -> dict[str, Any]:
    """A fresh copy of the lab scenario document."""
    return deepcopy(LAB)


def make_scenario(document: dict[str, Any] | None = None) -> Scenario:
    """The lab scenario (or ``document``), validated."""
    return Scenario.model_validate(lab_document() if document is None else document)
