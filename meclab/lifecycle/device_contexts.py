"""Instances for device applications' contexts (MEC 016 over the lifecycle).

A terminal's device application asks for an application context; the MEC system answers with
an instance near that terminal now:

* **which host**: the host of an instance of the app already running, when none could serve
  the terminal with a lower latency; else the host placement picks for that terminal
  (:func:`~meclab.lifecycle.placement.place`: its latency, the AppD's bound, free capacity),
  where the lifecycle instantiates a new instance and waits until it is READY;
* **its reference URI**: ``http://<the instance's emulated address>/``, which the device
  reaches through meclab's data plane (SOCKS5, as its terminal);
* **its users**: the contexts using it. An instance the lifecycle created for contexts is
  terminated once its last context is deleted; one an operator deployed is left as it is.

When an instance contexts use is terminated (by an operator, or its process given up), the
contexts are told that it ended (:class:`~meclab.lifecycle.device_apps.ReferenceChange`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from meclab.engine.netchar import Unreachable
from meclab.lifecycle.device_apps import AvailableApp, ContextPlacement, ReferenceChange
from meclab.lifecycle.manager import Lifecycle
from meclab.lifecycle.placement import NoPlacement, place
from meclab.lifecycle.records import (
    InstantiationState,
    LcmInstance,
    OperationalState,
    OperationState,
    OpOcc,
)
from meclab.lifecycle.requirements import latency_bound_of, requirements_of
from meclab.platform.errors import Conflict, NotFound

log = logging.getLogger("meclab.lifecycle")

OWNED = "lcm_device_instances"
"""Store collection: the instances the lifecycle created for device application contexts."""
INSTANTIATE_TIMEOUT_S = 120.0
MB_PER_GB = 1024

ReferenceListener = Callable[[ReferenceChange], Awaitable[None]]


class DeviceContexts:
    """The lifecycle as the device application interface sees it (MEC 016's port)."""

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self.platforms = lifecycle.platforms
        self._users: dict[str, set[str]] = {}
        """appInstanceId -> the contexts using it."""
        self._owned: set[str] = set()
        self._listeners: list[ReferenceListener] = []
        self.context_users: Callable[[], dict[str, str]] | None = None
        """Where the contexts restored after a restart say which instance each uses."""
        lifecycle.on_change(self._on_change)
        self.platforms.loaded_listeners.append(self._on_loaded)

    # --- what may be asked for ----------------------------------------------------------

    def available(self) -> list[AvailableApp]:
        """Every onboarded, enabled package, in onboarding order."""
        found = []
        for package in self.lifecycle.packages.all():
            if not (package.onboarded and package.operational_state == "ENABLED"):
                continue
            appd = package.appd
            needs = requirements_of(appd)
            bound = latency_bound_of(appd)
            capability = appd.userContextTransferCapability
            found.append(
                AvailableApp(
                    app_d_id=appd.appDId,
                    app_name=appd.appName,
                    app_provider=appd.appProvider,
                    app_soft_version=appd.appSoftVersion,
                    app_d_version=appd.appDVersion,
                    description=appd.appDescription,
                    memory_mb=round(needs.memory_mb) if needs.memory_mb else None,
                    storage_mb=round(needs.storage_gb * MB_PER_GB) if needs.storage_gb else None,
                    latency_ms=round(bound) if bound is not None else None,
                    service_continuity=capability.statefulApplication
                    if capability is not None
                    else None,
                    hosts=tuple(self._could_run(package.appd)),
                )
            )
        return found

    def _could_run(self, appd: object) -> list[str]:
        """Hosts whose capacity, empty, holds the app's requirements."""
        ledger = self.lifecycle.ledger
        if ledger is None:
            return []
        needs = requirements_of(appd)
        return [h for h in self.platforms.hosts if not needs.shortfalls(ledger.total(h))]

    def locations_for(self, ue: str, app_d_id: str) -> list[str]:
        """Hosts where the app could run for ``ue`` now, best first (placement's ranking)."""
        package = self.lifecycle.packages.get(app_d_id)
        try:
            placement = place(
                self.lifecycle.world(),
                requirements_of(package.appd),
                self.lifecycle.capacity(),
                max_latency_ms=latency_bound_of(package.appd),
                users=[ue],
            )
        except NoPlacement:
            return []
        return [c.host for c in placement.candidates if c.fits]

    # --- contexts ------------------------------------------------------------------------

    async def ensure_instance(
        self, ue: str, app_d_id: str, context_id: str, hosts: Sequence[str] | None = None
    ) -> ContextPlacement:
        """The instance context ``context_id`` of ``ue`` uses (module docstring)."""
        package = self.lifecycle.packages.get(app_d_id)  # NotFound
        previous = [i for i, users in self._users.items() if context_id in users]
        instance = self._running_nearest(ue, package.appd.appDId, hosts)
        placed = None
        try:
            placed = place(
                self.lifecycle.world(),
                requirements_of(package.appd),
                self.lifecycle.capacity(),
                max_latency_ms=latency_bound_of(package.appd),
                users=[ue],
                hosts=list(hosts) if hosts else None,
            )
        except NoPlacement:
            if instance is None:
                raise
        if instance is None or (
            placed is not None
            and placed.expected_latency_ms is not None
            and instance[1] is not None
            and placed.expected_latency_ms < instance[1]
        ):
            assert placed is not None
            chosen = await self._instantiate(app_d_id, placed.host, ue)
        else:
            chosen = self.lifecycle.instance(instance[0])
        self._users.setdefault(chosen.id, set()).add(context_id)
        for old in previous:
            if old != chosen.id:
                await self.release(old, context_id)
        return self._placement(chosen)

    def _running_nearest(
        self, ue: str, app_d_id: str, hosts: Sequence[str] | None
    ) -> tuple[str, float | None] | None:
        """The STARTED instance of the app with the lowest latency to ``ue``, and that latency."""
        world = self.lifecycle.world()
        best: tuple[str, float | None] | None = None
        for instance in self.lifecycle.instances():
            if (
                instance.app_d_id != app_d_id
                or instance.operational_state is not OperationalState.STARTED
                or instance.host is None
                or (hosts and instance.host not in hosts)
            ):
                continue
            try:
                latency: float | None = world.path(ue, instance.host).latency_ms
            except Unreachable:
                latency = None
            if best is None or (latency is not None and (best[1] is None or latency < best[1])):
                best = (instance.id, latency)
        return best

    async def _instantiate(self, app_d_id: str, host: str, ue: str) -> LcmInstance:
        instance = await self.lifecycle.create(
            app_d_id, description=f"for the device applications of {ue}", users=[ue]
        )
        self._owned.add(instance.id)
        await self.platforms.store.put(OWNED, instance.id, {"owned": True})
        op = await self.lifecycle.instantiate(
            instance.id, {"selectedMECHostInfo": [{"hostId": host}]}
        )
        ended = await self.lifecycle.settled(op, INSTANTIATE_TIMEOUT_S)
        if ended.state is not OperationState.COMPLETED:
            await self._forget(instance.id)
            detail = (ended.error or {}).get("detail", ended.state)
            raise Conflict(f"the application could not be instantiated on {host}: {detail}")
        return self.lifecycle.instance(instance.id)

    def _placement(self, instance: LcmInstance) -> ContextPlacement:
        assert instance.host is not None and instance.address is not None
        return ContextPlacement(
            app_instance_id=instance.id,
            host=instance.host,
            reference_uri=f"http://{instance.address}/",
        )

    async def release(self, app_instance_id: str, context_id: str) -> None:
        """``context_id`` no longer uses the instance; terminate it when it was created for
        contexts and none is left."""
        users = self._users.get(app_instance_id)
        if users is not None:
            users.discard(context_id)
            if users:
                return
            del self._users[app_instance_id]
        if app_instance_id not in self._owned:
            return
        try:
            instance = self.lifecycle.instance(app_instance_id)
        except NotFound:
            await self._forget(app_instance_id)
            return
        if instance.instantiation_state is InstantiationState.INSTANTIATED:
            op = await self.lifecycle.terminate(
                app_instance_id, {"terminationType": "GRACEFUL", "gracefulTerminationTimeout": 5}
            )
            await self.lifecycle.settled(op, INSTANTIATE_TIMEOUT_S)
        await self._forget(app_instance_id)

    async def _forget(self, app_instance_id: str) -> None:
        self._owned.discard(app_instance_id)
        await self.platforms.store.delete(OWNED, app_instance_id)
        # already gone, or instantiated again by someone since
        with contextlib.suppress(NotFound, Conflict):
            await self.lifecycle.delete(app_instance_id)

    def on_reference_change(self, listener: ReferenceListener) -> None:
        self._listeners.append(listener)

    # --- what the lifecycle tells ---------------------------------------------------------

    async def _on_change(self, kind: str, instance: LcmInstance, op: OpOcc | None) -> None:
        if kind != "instance_state" or instance.id not in self._users:
            return
        if instance.instantiation_state is InstantiationState.NOT_INSTANTIATED:
            self._users.pop(instance.id, None)
            for listener in list(self._listeners):
                await listener(ReferenceChange(instance.id, None))

    async def _on_loaded(self, world: object, resumed: bool) -> None:
        self._users.clear()
        self._owned = {key for key, _ in await self.platforms.store.items(OWNED)}
        if not resumed:
            await self.platforms.store.clear(OWNED)
            self._owned.clear()
            return
        for context_id, instance_id in (self.context_users() if self.context_users else {}).items():
            self._users.setdefault(instance_id, set()).add(context_id)
