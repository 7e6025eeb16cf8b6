"""The world of the MTS tests, meclab served with the API, and a steering port that records.

The shared lab world (tests/conftest.py) plus a second MEC host ``mec-b`` in zone-b running
``b-app``, an instance of yours (``emulated: false``)::

    mec-a (default host)  zone-a: cell-a1 5G (accessId 1), wifi-a2 Wi-Fi (2)   edge-app
    mec-b                 zone-b: cell-b1 4G (accessId 3)                      b-app
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from port_lab import RecordingPort, Served
from port_lab import serving as lab_serving

from meclab.scenario.model import APP_INSTANCE_NAMESPACE, Scenario

MTS = "/mts/v1"
SESSIONS = f"{MTS}/mts_sessions"
JSON = {"Content-Type": "application/json"}


def app_id(name: str) -> str:
    """The appInstanceId meclab derives from an app's name."""
    return str(uuid.uuid5(APP_INSTANCE_NAMESPACE, name))


EDGE_APP, B_APP = app_id("edge-app"), app_id("b-app")


def mts_document(lab: dict[str, Any]) -> dict[str, Any]:
    lab["domains"][0]["zones"][1]["mec_hosts"] = [
        {
            "name": "mec-b",
            "position": [0.004, 0.0005],
            "apps": [{"name": "b-app", "emulated": False}],
        }
    ]
    return lab


def on_host(path: str, host: str = "") -> str:
    return f"/hosts/{host}{path}" if host else path


def session_body(app: str = EDGE_APP, **changes: Any) -> dict[str, Any]:
    """An application-level, low-latency, symmetrical session of ``app``."""
    body: dict[str, Any] = {
        "appInsId": app,
        "requestType": 0,
        "flowFilter": [],
        "qosD": {},
        "mtsMode": 1,
        "trafficDirection": "10",
    }
    return {**body, **changes}


def flow_body(app: str = EDGE_APP, *flows: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A flow-specific session of ``app`` (by default: UDP to 10.0.0.10:5000)."""
    chosen = list(flows) or [{"dstIp": "10.0.0.10", "dstPort": 5000, "protocol": 17}]
    return session_body(app, requestType=1, flowFilter=chosen, **changes)


@asynccontextmanager
async def serving(
    store_path: Path, scenario: Scenario | None, port: RecordingPort | None = None
) -> AsyncIterator[Served]:
    """meclab over a SQLite file, started (None resumes the file), with ``port`` attached to
    the MTS service before its platforms load."""
    async with lab_serving(store_path, scenario, "mts", port) as served:
        yield served
