"""The world of the BWM tests, meclab served with the API, and a bandwidth port that records.

The shared lab world (tests/conftest.py) plus a second MEC host ``mec-b`` in zone-b running
``b-app``, an instance of yours (``emulated: false``); mec-b has no throughput of its own::

    mec-a (default host, 2000/2000 Mbit/s)  zone-a: cell-a1 (ul 50, dl 300), wifi-a2   edge-app
    mec-b (unlimited)                       zone-b: cell-b1 (ul 20, dl 100)            b-app

At t = 0 ue-walk (10.0.0.1) and ue-car (10.0.0.2) are served by cell-a1, ue-far (10.0.0.3)
by nothing.
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

BWM = "/bwm/v1"
ALLOCATIONS = f"{BWM}/bw_allocations"
JSON = {"Content-Type": "application/json"}


def app_id(name: str) -> str:
    """The appInstanceId meclab derives from an app's name."""
    return str(uuid.uuid5(APP_INSTANCE_NAMESPACE, name))


EDGE_APP, B_APP = app_id("edge-app"), app_id("b-app")


def bwm_document(lab: dict[str, Any]) -> dict[str, Any]:
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


def app_body(app: str = EDGE_APP, **changes: Any) -> dict[str, Any]:
    """An application-level downlink allocation of 1 Mbit/s for ``app``."""
    body: dict[str, Any] = {
        "appInsId": app,
        "requestType": 0,
        "fixedAllocation": "1000000",
        "allocationDirection": "00",
    }
    return {**body, **changes}


def session_body(app: str = EDGE_APP, *filters: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A session-specific allocation of ``app`` (by default: UDP from ue-walk, uplink)."""
    chosen = list(filters) or [{"sourceIp": "10.0.0.1", "dstPort": ["5000"], "protocol": "17"}]
    session = {"requestType": 1, "sessionFilter": chosen, "allocationDirection": "01"}
    return app_body(app, **{**session, **changes})


@asynccontextmanager
async def serving(
    store_path: Path, scenario: Scenario | None, port: RecordingPort | None = None
) -> AsyncIterator[Served]:
    """meclab over a SQLite file, started (None resumes the file), with ``port`` attached to
    the BWM service before its platforms load."""
    async with lab_serving(store_path, scenario, "bwm", port) as served:
        yield served
