"""A small, faithful stand-in for the lifecycle behind the MEC 016 port (DevAppPort).

It keeps the port's promises on the world it is given, without processes:

* ``available``: the applications it was given, in that order;
* ``locations_for``: an application's hosts, the host of the terminal's zone first;
* ``ensure_instance``: the best of the allowed hosts for the terminal now (its zone's host,
  else the first), reusing the application's instance there or making one; the context is
  counted among the instance's users, and leaves the instance it used before;
* ``release``: the context stops using the instance, which is terminated once nobody uses it;
* ``relocate``/``readdress``/``terminate``/``report``: what the real lifecycle reports, told to the
  listeners as :class:`ReferenceChange`.

Unknown applications are NotFound and a host list that excludes every host is a Conflict, as
the real manager answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from meclab.engine.world import World
from meclab.lifecycle.device_apps import AvailableApp, ContextPlacement, ReferenceChange
from meclab.platform.errors import Conflict, NotFound
from meclab.services.dev_app.port import DevAppPort, ReferenceListener


@dataclass
class Instance:
    id: str
    app_d_id: str
    host: str
    reference_uri: str
    users: set[str] = field(default_factory=set)


class FakeLifecycle(DevAppPort):
    def __init__(self, world: World, apps: Sequence[AvailableApp]) -> None:
        self.world = world
        self.apps = list(apps)
        self.instances: dict[str, Instance] = {}
        self.terminated: list[str] = []
        self._listeners: list[ReferenceListener] = []
        self._ids = itertools.count(1)

    # --- the port -------------------------------------------------------------------------

    def available(self) -> list[AvailableApp]:
        return list(self.apps)

    def locations_for(self, ue: str, app_d_id: str) -> list[str]:
        return self._ranked(ue, self._app(app_d_id).hosts)

    async def ensure_instance(
        self, ue: str, app_d_id: str, context_id: str, hosts: Sequence[str] | None = None
    ) -> ContextPlacement:
        app = self._app(app_d_id)
        allowed = [h for h in app.hosts if hosts is None or h in hosts]
        if not allowed:
            raise Conflict(f"no host can run {app_d_id} among {list(hosts or [])}")
        host = self._ranked(ue, allowed)[0]
        instance = next(
            (i for i in self.instances.values() if i.app_d_id == app_d_id and i.host == host),
            None,
        )
        if instance is None:
            n = next(self._ids)
            instance = Instance(f"inst-{n}", app_d_id, host, f"http://10.200.0.{n}:8080/")
            self.instances[instance.id] = instance
        for other in list(self.instances.values()):
            if other is not instance and context_id in other.users:
                await self.release(other.id, context_id)
        instance.users.add(context_id)
        return self._placement(instance)

    async def release(self, app_instance_id: str, context_id: str) -> None:
        instance = self.instances.get(app_instance_id)
        if instance is None:
            return
        instance.users.discard(context_id)
        if not instance.users:
            del self.instances[app_instance_id]
            self.terminated.append(app_instance_id)

    def on_reference_change(self, listener: ReferenceListener) -> None:
        self._listeners.append(listener)

    # --- what the real lifecycle would report -----------------------------------------------

    async def readdress(self, app_instance_id: str, reference_uri: str) -> None:
        """The instance is reached at another URI."""
        instance = self.instances[app_instance_id]
        instance.reference_uri = reference_uri
        await self._tell(ReferenceChange(app_instance_id, self._placement(instance)))

    async def relocate(self, app_instance_id: str, host: str) -> ContextPlacement:
        """The instance's users move to a new instance on ``host``."""
        old = self.instances.pop(app_instance_id)
        n = next(self._ids)
        new = Instance(f"inst-{n}", old.app_d_id, host, f"http://10.200.0.{n}:8080/", old.users)
        self.instances[new.id] = new
        self.terminated.append(old.id)
        placement = self._placement(new)
        await self._tell(ReferenceChange(app_instance_id, placement))
        return placement

    async def report(self, change: ReferenceChange) -> None:
        """Tell the listeners a change as it is (e.g. of an instance from before a restart)."""
        await self._tell(change)

    async def terminate(self, app_instance_id: str) -> None:
        """The instance is terminated (e.g. over app_lcm), nothing replaces it."""
        del self.instances[app_instance_id]
        self.terminated.append(app_instance_id)
        await self._tell(ReferenceChange(app_instance_id, None))

    # --- internals --------------------------------------------------------------------------

    def _app(self, app_d_id: str) -> AvailableApp:
        for app in self.apps:
            if app.app_d_id == app_d_id:
                return app
        raise NotFound(f"no application package {app_d_id!r}")

    def _ranked(self, ue: str, hosts: Sequence[str]) -> list[str]:
        zone = self.world.terminal(ue).zone
        top = self.world.top
        return sorted(hosts, key=lambda h: top.elements[h].zone != zone)

    @staticmethod
    def _placement(instance: Instance) -> ContextPlacement:
        return ContextPlacement(instance.id, instance.host, instance.reference_uri)

    async def _tell(self, change: ReferenceChange) -> None:
        for listener in self._listeners:
            await listener(change)
