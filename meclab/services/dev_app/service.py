"""The device application interface of the MEC system: contexts, notifications, routes."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI

from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.services.dev_app.contexts import Contexts
from meclab.services.dev_app.identity import Terminals
from meclab.services.dev_app.locations import admits, distinct_locations, host_location
from meclab.services.dev_app.models import LocationConstraints
from meclab.services.dev_app.port import DevAppPort


class DevApp:
    """ETSI GS MEC 016 ``dev_app/v1``, served once at the API root (see the package docstring).

    ``lifecycle`` is the MEC system's lifecycle as :class:`~.port.DevAppPort`; the service
    listens to its reference changes to keep contexts and their device applications informed.
    """

    def __init__(self, platforms: Platforms, lifecycle: DevAppPort) -> None:
        self.platforms = platforms
        self.lifecycle = lifecycle
        self.terminals = Terminals()
        self.contexts = Contexts(platforms, self.location_of)
        platforms.loaded_listeners.append(self._loaded)
        lifecycle.on_reference_change(self.contexts.changed)

    async def _loaded(self, world: World, resumed: bool) -> None:
        self.terminals.use_world(world)

    def context_users(self) -> dict[str, str]:
        """Every application context and the instance it uses (contextId -> appInstanceId):
        what the lifecycle counts as an instance's users, restored with the contexts after a
        restart."""
        return self.contexts.users()

    # --- where hosts are (over the current world) ---------------------------------------

    def location_of(self, host: str) -> LocationConstraints | None:
        world = self.platforms.world
        return None if world is None else host_location(world.top, host)

    def locations(self, hosts: Iterable[str]) -> list[LocationConstraints]:
        world = self.platforms.world
        return [] if world is None else distinct_locations(world.top, hosts)

    def admitted(self, hosts: Iterable[str], location: LocationConstraints) -> list[str]:
        world = self.platforms.world
        return [] if world is None else [h for h in hosts if admits(world.top, location, h)]

    def mount(self, app: FastAPI) -> None:
        """Serve the API once, at the API root: it belongs to the MEC system, not one host."""
        from meclab.services.dev_app.routes import build_router

        app.include_router(build_router(self), prefix=self.platforms.api_root)
