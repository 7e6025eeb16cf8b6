"""Fixtures of the MEC 011 tests: a world of four MEC hosts and its app (the notification
receiver is the shared fixture of tests/conftest.py).

::

    op (001/01)
    ├── zone-a: mec-a   edge-app (emulated, produces edge-svc)
    │                   dev-app  (yours: DNS rule dns-1, traffic rule tr-1)
    │                   peer-app (yours)
    │           mec-a2  a2-app   (yours)
    └── zone-b: mec-b   b-app    (yours)
    op2 (001/02)
    └── zone-c: mec-c   c-app    (yours)

``mec-a`` is the default host (its APIs are also at the root). "Yours" are ``emulated: false``:
they start INSTANTIATED and must confirm ready, as a real application does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from mec011_helpers import World, open_world

from meclab.scenario.model import Scenario


def _app(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "emulated": False, **extra}


def _host(name: str, lon: float, apps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "position": [lon, 0.0005], "apps": apps}


def mec011_document(lab: dict[str, Any]) -> dict[str, Any]:
    """The lab scenario with the hosts and applications of the module docstring."""
    zone_a, zone_b = lab["domains"][0]["zones"]
    mec_a = zone_a["mec_hosts"][0]
    mec_a["apps"] += [
        _app(
            "dev-app",
            dns_rules=[{"id": "dns-1", "domain_name": "dev.example", "ip_address": "10.0.0.10"}],
            traffic_rules=[
                {
                    "id": "tr-1",
                    "priority": 1,
                    "filters": [{"dst_address": ["10.0.0.10/32"], "dst_port": ["8080"]}],
                    "action": "FORWARD_DECAPSULATED",
                }
            ],
        ),
        _app("peer-app"),
    ]
    zone_a["mec_hosts"].append(_host("mec-a2", 0.001, [_app("a2-app")]))
    zone_b["mec_hosts"] = [_host("mec-b", 0.004, [_app("b-app")])]
    lab["domains"].append(
        {
            "name": "op2",
            "mcc": "001",
            "mnc": "02",
            "zones": [{"name": "zone-c", "mec_hosts": [_host("mec-c", 0.008, [_app("c-app")])]}],
        }
    )
    return lab


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """Overrides the shared fixture: the four-host world of this package."""
    return Scenario.model_validate(mec011_document(lab_doc))


@pytest.fixture
async def world(scenario: Scenario, store_path: Path) -> AsyncIterator[World]:
    """The app on a fresh store, started (lifespan), with short notification retries."""
    async with open_world(store_path, scenario) as opened:
        yield opened


@pytest.fixture
def api(world: World) -> httpx.AsyncClient:
    return world.client


@pytest.fixture
def app(world: World) -> FastAPI:
    return world.app
