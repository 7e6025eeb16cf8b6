"""The UE identity service on every MEC host: registry, MEC 011 registration, routes."""

from __future__ import annotations

from fastapi import FastAPI

from meclab.engine.world import World
from meclab.platform.apps import AppInstance
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.services.hosting import mount_per_host
from meclab.services.platform_service import PlatformService
from meclab.services.ueid.registry import TagRegistry

BASE_PATH = "/ui/v1"
SERVICE = PlatformService(
    name="ue-identity",
    category_id="ue-identity",
    category_name="UE Identity",
    version="3.1.1",
    path=BASE_PATH,
)


class UeIdentity:
    """ETSI GS MEC 014 UE identity on every MEC host (see the package docstring)."""

    def __init__(self, platforms: Platforms, runtime: Runtime) -> None:
        self.platforms = platforms
        self.runtime = runtime
        self.registry = TagRegistry(platforms.store)
        SERVICE.attach(platforms)
        platforms.loaded_listeners.append(self._loaded)
        platforms.reset_listeners.append(self.registry.clear)
        platforms.rules_listeners.append(self._instance_changed)

    async def _loaded(self, world: World, resumed: bool) -> None:
        self.registry.use_world(world)
        if resumed:
            await self.registry.restore(self.platforms.apps)

    async def _instance_changed(self, app: AppInstance) -> None:
        # The platform tells rules listeners when an instance is removed, too: then it is no
        # longer among the platform's instances, and its registrations go.
        if app.app_instance_id not in self.platforms.apps:
            await self.registry.forget(app.app_instance_id)

    def mount(self, app: FastAPI) -> None:
        """Serve the API on every host."""
        from meclab.services.ueid.routes import build_router

        mount_per_host(app, self.platforms, lambda: build_router(self))
