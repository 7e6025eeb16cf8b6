"""The BWM service on every MEC host: allocations, admission, MEC 011 registration, routes."""

from __future__ import annotations

import uuid

from fastapi import FastAPI

from meclab.engine.world import World
from meclab.platform.apps import AppInstance
from meclab.platform.platform import Platforms
from meclab.platform.wire import TimeStamp
from meclab.runtime import Runtime
from meclab.services.bwm.admission import Admission
from meclab.services.bwm.allocations import Allocation, allocation_registry
from meclab.services.bwm.models import BwInfo
from meclab.services.bwm.port import BandwidthPort
from meclab.services.hosting import mount_per_host
from meclab.services.platform_service import PlatformService

BASE_PATH = "/bwm/v1"
SERVICE = PlatformService(
    name="bwm", category_id="bwm", category_name="BWM", version="2.2.1", path=BASE_PATH
)


class Bwm:
    """ETSI GS MEC 015 Bandwidth Management on every MEC host (see the package)."""

    def __init__(self, platforms: Platforms, runtime: Runtime) -> None:
        self.platforms = platforms
        self.runtime = runtime
        self.allocations = allocation_registry(platforms.store)
        self.admission = Admission()
        self.port: BandwidthPort | None = None
        """The data plane honouring the allocations, once it does (:mod:`.port`)."""
        SERVICE.attach(platforms)
        platforms.loaded_listeners.append(self._loaded)
        platforms.reset_listeners.append(self.allocations.clear)
        platforms.removal_listeners.append(self._removed)

    async def _loaded(self, world: World, resumed: bool) -> None:
        if resumed:
            for allocation in await self.allocations.restore(self.platforms.apps):
                if self.port is not None:
                    await self.port.apply(allocation.host, allocation)

    async def _removed(self, app: AppInstance) -> None:
        for allocation in self.allocations.of_instance(app.app_instance_id):
            await self.end(allocation)

    def url(self, host: str, path: str) -> str:
        return self.platforms.url(host, f"{BASE_PATH}{path}")

    async def keep(self, host: str, info: BwInfo, app: AppInstance) -> Allocation:
        """Create (``info.allocationId`` None) or replace an allocation of ``app`` on
        ``host``, with the platform's allocationId, timeStamp and appName, once admitted
        (:mod:`.admission`: a 409 changes nothing), and hand it to the port."""
        allocation = Allocation(
            host,
            info.model_copy(
                update={
                    "allocationId": info.allocationId or str(uuid.uuid4()),
                    "timeStamp": TimeStamp.of(self.runtime.wall()),
                    "appName": app.app_name,
                }
            ),
        )
        world = self.platforms.world
        if world is not None:
            self.admission.check(world, allocation, self.allocations.on_host(host))
        await self.allocations.put(allocation)
        if self.port is not None:
            await self.port.apply(host, allocation)
        return allocation

    async def end(self, allocation: Allocation) -> None:
        """Delete an allocation; the port stops honouring it."""
        await self.allocations.remove(allocation.id)
        if self.port is not None:
            await self.port.release(allocation.host, allocation.id)

    def mount(self, app: FastAPI) -> None:
        """Serve the API on every host."""
        from meclab.services.bwm.routes import build_router

        mount_per_host(app, self.platforms, lambda: build_router(self))
