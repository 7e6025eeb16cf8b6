"""The MTS service on every MEC host: sessions, capability info, MEC 011 registration, routes."""

from __future__ import annotations

import uuid

from fastapi import FastAPI

from meclab.engine.world import World
from meclab.platform.apps import AppInstance
from meclab.platform.platform import Platforms
from meclab.platform.wire import TimeStamp
from meclab.runtime import Runtime
from meclab.services.hosting import mount_per_host
from meclab.services.mts.accesses import zone_accesses
from meclab.services.mts.models import MtsCapabilityInfo, MtsMode, MtsSessionInfo
from meclab.services.mts.port import SteeringPort
from meclab.services.mts.sessions import MtsSession, session_registry
from meclab.services.platform_service import PlatformService

BASE_PATH = "/mts/v1"
SERVICE = PlatformService(
    name="mts", category_id="mts", category_name="MTS", version="2.2.1", path=BASE_PATH
)


class Mts:
    """ETSI GS MEC 015 Multi-access Traffic Steering on every MEC host (see the package)."""

    def __init__(self, platforms: Platforms, runtime: Runtime) -> None:
        self.platforms = platforms
        self.runtime = runtime
        self.sessions = session_registry(platforms.store)
        self.port: SteeringPort | None = None
        """The data plane enforcing the sessions, once it does (:mod:`.port`)."""
        SERVICE.attach(platforms)
        platforms.loaded_listeners.append(self._loaded)
        platforms.reset_listeners.append(self.sessions.clear)
        platforms.removal_listeners.append(self._removed)

    async def _loaded(self, world: World, resumed: bool) -> None:
        if resumed:
            for session in await self.sessions.restore(self.platforms.apps):
                if self.port is not None:
                    await self.port.apply(session.host, session)

    async def _removed(self, app: AppInstance) -> None:
        for session in self.sessions.of_instance(app.app_instance_id):
            await self.end(session)

    def url(self, host: str, path: str) -> str:
        return self.platforms.url(host, f"{BASE_PATH}{path}")

    def capability(self, host: str) -> MtsCapabilityInfo:
        """What MTS offers on ``host``: its zone's accesses (:mod:`.accesses`), every mode."""
        world = self.platforms.world
        accesses = [] if world is None else zone_accesses(world, self.platforms.host(host).zone)
        return MtsCapabilityInfo(
            timeStamp=TimeStamp.of(self.runtime.wall()),
            mtsAccessInfo=accesses,
            mtsMode=list(MtsMode),
        )

    async def keep(self, host: str, info: MtsSessionInfo, app: AppInstance) -> MtsSession:
        """Create (``info.sessionId`` None) or replace a session of ``app`` on ``host``, with
        the platform's sessionId, timeStamp and appName, and hand it to the port."""
        session = MtsSession(
            host,
            info.model_copy(
                update={
                    "sessionId": info.sessionId or str(uuid.uuid4()),
                    "timeStamp": TimeStamp.of(self.runtime.wall()),
                    "appName": app.app_name,
                }
            ),
        )
        await self.sessions.put(session)
        if self.port is not None:
            await self.port.apply(host, session)
        return session

    async def end(self, session: MtsSession) -> None:
        """Delete a session; the port stops steering it."""
        await self.sessions.remove(session.id)
        if self.port is not None:
            await self.port.release(session.host, session.id)

    def mount(self, app: FastAPI) -> None:
        """Serve the API on every host."""
        from meclab.services.mts.routes import build_router

        mount_per_host(app, self.platforms, lambda: build_router(self))
