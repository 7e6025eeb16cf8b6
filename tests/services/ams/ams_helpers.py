"""The world of the AMS tests, and meclab served with the AMS over the fake mobility manager.

The shared lab world (tests/conftest.py) with a second MEC host ``mec-b`` in zone-b running
``edge-b``::

    zone-a  mec-a  edge-app        ue-walk (acr:10.0.0.1, IMSI 001010000000001), ue-car (.2)
    zone-b  mec-b  edge-b
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fake_port import FakeMobility
from fastapi import FastAPI
from helpers import BASE_URL, FAST_RETRIES, mount_first

from meclab.app import create_app
from meclab.mobility.notices import InstanceAddress, MobilityStatus, ProcedureNotice
from meclab.runtime import Runtime
from meclab.services.ams.service import Ams

AMS = "/amsi/v1"
REGS = f"{AMS}/app_mobility_services"
SUBS = f"{AMS}/subscriptions"
JSON = {"Content-Type": "application/json"}
UE_WALK = {"type": 1, "value": "10.0.0.1"}
UE_CAR = {"type": 1, "value": "10.0.0.2"}


def ams_document(lab: dict[str, Any]) -> dict[str, Any]:
    zone_b = lab["domains"][0]["zones"][1]
    zone_b["mec_hosts"] = [
        {"name": "mec-b", "position": [0.004, 0.0005], "apps": [{"name": "edge-b"}]}
    ]
    return lab


@dataclass
class Served:
    app: FastAPI
    client: httpx.AsyncClient
    mobility: FakeMobility
    ams: Ams

    def instance(self, name: str) -> str:
        """The appInstanceId of a scenario application instance."""
        return str(self.app.state.platforms.app_named(name).app_instance_id)


@asynccontextmanager
async def serving(runtime: Runtime) -> AsyncIterator[Served]:
    """meclab's app with the AMS mounted over :class:`FakeMobility`, started, not ticking."""
    app = create_app(runtime, tick=False, base_url=BASE_URL)
    platforms = app.state.platforms
    platforms.notifier.policy = FAST_RETRIES
    mobility = FakeMobility(platforms, runtime.wall)
    ams = Ams(platforms, runtime, mobility)
    mount_first(app, ams)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
    ):
        yield Served(app, client, mobility, ams)


def registration(app_instance_id: str, *devices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A RegistrationInfo of an application instance for some devices."""
    return {
        "serviceConsumerId": {"appInstanceId": app_instance_id},
        "deviceInformation": list(devices),
        **extra,
    }


def device(associate: dict[str, Any], level: int | None = 2, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"associateId": associate, **extra}
    if level is not None:
        entry["appMobilityServiceLevel"] = level
    return entry


def notice(
    status: MobilityStatus,
    app_instance_id: str,
    *,
    host: str = "mec-a",
    associate: dict[str, Any] = UE_WALK,
    target: InstanceAddress | None = None,
    **extra: Any,
) -> ProcedureNotice:
    """A procedure step as the manager tells it."""
    return ProcedureNotice(
        status=status,
        host=host,
        registration_id="reg-1",
        app_instance_id=app_instance_id,
        ue="ue-walk",
        associate_ids=(associate,),
        target=target,
        procedure="proc-1",
        wall=1_700_000_123.5,
        **extra,
    )
