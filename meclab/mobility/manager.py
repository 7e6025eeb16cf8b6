"""The mobility manager: registrations, pins, and the relocation procedures, run on the world.

It implements :class:`meclab.services.ams.port.AmsPort` for the AMS of every host, and:

* **pins** (:mod:`meclab.platform.steering`) each registered terminal to the instance serving it:
  the newest registration listing the terminal with its context not transferred names the
  instance; while a procedure runs the source keeps the pin; at the switch the pin follows the
  target (or goes, the target's host serving the terminal anyway);
* **detects** moves: after each handover (and each registration change) a registered terminal
  whose serving hosts no longer include its instance's host starts a procedure towards the
  first of them (:mod:`.procedure` has the states), unless its service level is
  APP_MOBILITY_NOT_ALLOWED (the pin then keeps steering it back to its instance); with a
  predictive lead (:mod:`.policy`) a predicted zone change starts it ahead of the handover;
* **finds or starts the target**: a READY instance of the same application (appName and
  appProvider) on the target host, or, for an application the lifecycle deployed, a new
  instance of its package there (instance relocation);
* **tells** the source host's AMS each step (TRIGGERED with the target, then COMPLETED or
  FAILED) and the event stream every step (``relocation`` events), and keeps each procedure's
  steps with their times for the control API;
* **cleans up** (with :mod:`.instances`, which also starts targets): an instance the lifecycle
  deployed that has no terminal left after a relocation is terminated once the policy's
  keep-warm time has passed, if nothing pinned it again.

Procedures live in memory: a restart of meclab ends the open ones (their terminals keep their
source instance, which the restored registrations pin again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace

from meclab.bus.base import EventRecord
from meclab.engine.events import Connected, Handover, RelocationStep
from meclab.engine.prediction import predict_zone_changes
from meclab.engine.world import World
from meclab.lifecycle.manager import Lifecycle
from meclab.mobility.instances import Instances, StartFailed
from meclab.mobility.notices import (
    AdjacentChange,
    AdjacentInstance,
    InstanceAddress,
    MobilityStatus,
    ProcedureNotice,
)
from meclab.mobility.policy import MobilityPolicy
from meclab.mobility.procedure import Cue, IllegalCue, Procedure, State
from meclab.mobility.registry import (
    Device,
    Registration,
    Registrations,
    ServiceLevel,
    TransferState,
)
from meclab.platform.access import check_owner, visible
from meclab.platform.apps import AppInstance
from meclab.platform.errors import NotFound, Unprocessable
from meclab.platform.platform import Platforms
from meclab.platform.serving import host_index, serving_hosts
from meclab.platform.steering import AppKey, OpenFlows
from meclab.runtime import Runtime

log = logging.getLogger("meclab.mobility")

NoticeListener = Callable[[ProcedureNotice | AdjacentChange], Awaitable[None]]
AddressOf = Callable[[AppInstance], tuple[str | None, int | None]]
"""Where an instance is reached in the emulated network: (address, port)."""

HOUSEKEEPING_S = 0.25
"""Wall seconds between two rounds of timers (expiries, timeouts, keep-warm)."""
FORESEE_EVERY_S = 0.5
"""Simulation seconds between two look-aheads for predictive relocation."""


def own_address(app: AppInstance) -> tuple[str | None, int | None]:
    """An instance's own address and the port of its endpoint (deployed instances)."""
    port = int(app.endpoint.rpartition(":")[2]) if app.endpoint else None
    return app.address, port


def _copies(devices: Iterable[Device]) -> list[Device]:
    """The registry's own copies: the manager changes a device's transfer state in place."""
    return [replace(d, associate_id=dict(d.associate_id)) for d in devices]


class Mobility:
    """Application mobility for every host (see the module docstring)."""

    def __init__(
        self,
        platforms: Platforms,
        runtime: Runtime,
        lifecycle: Lifecycle | None = None,
        *,
        policy: MobilityPolicy | None = None,
        address_of: AddressOf = own_address,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.platforms = platforms
        self.runtime = runtime
        self.instances = Instances(lifecycle, self._serves_anyone, wall)
        self.policy = policy or MobilityPolicy()
        self.address_of = address_of
        self.wall = wall
        self.registry = Registrations(platforms.store)
        self.procedures: dict[str, Procedure] = {}
        self._active: dict[tuple[str, AppKey], Procedure] = {}
        self._deadlines: dict[str, float] = {}
        """Open procedure id -> wall time it times out."""
        self._handover_due: dict[str, float] = {}
        self._foreseen_at = float("-inf")
        """Predicted procedure id -> simulation time by which its handover must have come."""
        self._listeners: list[NoticeListener] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_round = 0.0
        self._housekeeper: asyncio.Task[None] | None = None
        self._adjacent: dict[AppKey, frozenset[str]] = {}
        platforms.loaded_listeners.append(self._loaded)
        platforms.reset_listeners.append(self._reset)
        platforms.rules_listeners.append(self._instance_changed)
        runtime.bus.subscribe(self._on_events)
        runtime.on_tick(self._on_tick)

    # --- AmsPort: registrations ---------------------------------------------------------------

    # A registration is its consumer's (Registration.owner): the port's lookups serve
    # requests, so they show the caller its own only, and every change goes through them.

    def registrations(self, host: str) -> list[Registration]:
        return [r for r in self.registry.on(host) if visible(r.owner)]

    def registration(self, host: str, registration_id: str) -> Registration:
        found = self.registry.get(host, registration_id)
        check_owner(found.owner, f"application mobility service {registration_id}")
        return found

    async def register(
        self,
        host: str,
        app_instance_id: str | None,
        mep_id: str | None,
        devices: list[Device],
        expiry_s: int | None,
    ) -> Registration:
        self._check_consumer(host, app_instance_id, devices)
        registration = Registration(
            id=self.registry.new_id(),
            host=host,
            app_instance_id=app_instance_id,
            mep_id=mep_id,
            devices=_copies(devices),
            expiry_s=expiry_s,
            registered_at=self.wall(),
        )
        await self.registry.put(registration)
        await self._devices_changed(registration.devices)
        return registration

    async def update(
        self,
        host: str,
        registration_id: str,
        app_instance_id: str | None,
        mep_id: str | None,
        devices: list[Device],
        expiry_s: int | None,
    ) -> Registration:
        current = self.registration(host, registration_id)
        self._check_consumer(host, app_instance_id, devices)
        confirmed = [
            d.ue
            for d in devices
            if d.transfer is TransferState.USER_CONTEXT_TRANSFER_COMPLETED
            and (old := current.device(d.ue)) is not None
            and old.transfer is TransferState.NOT_TRANSFERRED
        ]
        before = list(current.devices)
        current.app_instance_id = app_instance_id
        current.mep_id = mep_id
        current.devices = _copies(devices)
        current.expiry_s = expiry_s
        await self.registry.put(current)
        for ue in confirmed:
            await self._transfer_confirmed(current, ue)
        await self._devices_changed([*before, *devices])
        return current

    async def deregister(self, host: str, registration_id: str) -> None:
        registration = self.registration(host, registration_id)
        await self._remove(registration, "the registration was deleted")

    async def deregister_task(self, host: str, registration_id: str) -> None:
        registration = self.registration(host, registration_id)
        due = registration.expires_at
        if due is None or due <= self.wall():
            await self._remove(registration, "deregistered")
            return
        registration.deregister_at = due
        await self.registry.put(registration)

    def _check_consumer(
        self, host: str, app_instance_id: str | None, devices: Sequence[Device]
    ) -> None:
        if app_instance_id is not None:
            self.platforms.app(host, app_instance_id)  # NotFound: not an instance of this host
        # An instance registers itself only; a MEC platform's registration is the operator's.
        check_owner(
            app_instance_id,
            f"a registration of application instance {app_instance_id}"
            if app_instance_id is not None
            else "a registration of a MEC platform",
        )
        seen: set[str] = set()
        for i, device in enumerate(devices):
            if device.ue in seen:
                raise Unprocessable(
                    f"deviceInformation[{i}] names terminal {device.ue} a second time"
                )
            seen.add(device.ue)

    async def _remove(self, registration: Registration, why: str) -> None:
        await self.registry.remove(registration.id)
        for proc in list(self._active.values()):
            if proc.registration_id == registration.id:
                await self._cue(proc, Cue.WITHDRAWN, f"{why}: the source keeps the terminal")
        await self._devices_changed(registration.devices)

    # --- AmsPort: adjacent instances, notices ---------------------------------------------------

    def adjacent(self, host: str) -> list[AdjacentInstance]:
        local = [a for a in self.platforms.apps_on(host)]
        keys = {a.app_key for a in local}
        registered = {r.app_instance_id for r in self.registry.on(host) if r.app_instance_id}
        out: list[AdjacentInstance] = []
        for app in self.platforms.apps.values():
            if app.host == host or app.app_key not in keys or not app.ready:
                continue
            mine = next(
                (
                    a.app_instance_id
                    for a in local
                    if a.app_key == app.app_key and a.app_instance_id in registered
                ),
                None,
            )
            out.append(
                AdjacentInstance(
                    instance=self._address(app),
                    app_d_id=self.instances.app_d_id(app),
                    host_name=app.host,
                    registered_instance_id=mine,
                )
            )
        return out

    def on_notice(self, listener: NoticeListener) -> None:
        self._listeners.append(listener)

    async def _tell(self, notice: ProcedureNotice | AdjacentChange) -> None:
        for listener in list(self._listeners):
            try:
                await listener(notice)
            except Exception:  # one API's failure must not stop the procedure
                log.exception("a mobility notice listener failed")

    # --- control API ----------------------------------------------------------------------------

    def procedure(self, procedure_id: str) -> Procedure:
        found = self.procedures.get(procedure_id)
        if found is None:
            raise NotFound(f"no relocation {procedure_id!r}")
        return found

    def set_policy(self, policy: MobilityPolicy) -> None:
        self.policy = policy

    # --- pins -----------------------------------------------------------------------------------

    def _pinned_instance(self, ue: str, key: AppKey) -> str | None:
        """The instance that should serve ``ue`` for ``key`` (the module docstring's rule)."""
        proc = self._active.get((ue, key))
        if proc is not None:
            return proc.source_instance
        best: Registration | None = None
        for registration in self.registry.naming(ue):
            app = self._consumer(registration)
            device = registration.device(ue)
            if app is None or app.app_key != key or device is None:
                continue
            if device.transfer is not TransferState.NOT_TRANSFERRED:
                continue
            if best is None or registration.registered_at >= best.registered_at:
                best = registration
        return best.app_instance_id if best is not None else None

    async def _repin(self, ue: str, *, flows: OpenFlows = OpenFlows.KEEP) -> None:
        steering = self.platforms.steering
        keys = set(steering.pins(ue))
        for registration in self.registry.naming(ue):
            app = self._consumer(registration)
            if app is not None:
                keys.add(app.app_key)
        for key in keys:
            wanted = self._pinned_instance(ue, key)
            if wanted is None:
                await steering.unpin(ue, key, flows=flows)
            else:
                await steering.pin(ue, key, wanted, flows=flows)

    async def _devices_changed(self, devices: Iterable[Device]) -> None:
        for ue in {d.ue for d in devices}:
            await self._repin(ue)
            await self._check(ue)

    def _consumer(self, registration: Registration) -> AppInstance | None:
        if registration.app_instance_id is None:
            return None
        return self.platforms.apps.get(registration.app_instance_id)

    # --- detection ------------------------------------------------------------------------------

    async def _on_events(self, records: Sequence[EventRecord]) -> None:
        moved = {r.event.ue for r in records if isinstance(r.event, Handover | Connected)}
        for ue in moved:
            if self.registry.naming(ue):
                await self._check(ue)

    async def _check(self, ue: str) -> None:
        """Start, advance or end the procedures of ``ue`` after it moved (or its registrations
        changed)."""
        world = self.platforms.world
        if world is None:
            return
        serving = serving_hosts(world, self.platforms, ue)
        if not serving:
            return  # out of coverage: nothing serves it anywhere, nothing to relocate to
        for key, instance_id in self.platforms.steering.pins(ue).items():
            proc = self._active.get((ue, key))
            if proc is not None:
                await self._follow(proc, serving)
                continue
            source = self.platforms.apps.get(instance_id)
            if source is None or source.host in serving:
                continue
            registration = self._registration_of(ue, instance_id)
            if registration is None:
                continue
            device = registration.device(ue)
            assert device is not None
            if device.level is ServiceLevel.APP_MOBILITY_NOT_ALLOWED:
                continue  # the pin keeps steering the terminal to its instance
            # the most local serving host that runs the application, else the most local one
            target = next((h for h in serving if self._instance_on(key, h)), serving[0])
            await self._start(ue, key, registration, device, source, target, None)

    async def _follow(self, proc: Procedure, serving: Sequence[str]) -> None:
        if proc.target_host in serving:
            if not proc.arrived:  # a predicted move happening: in CONFIRMED, this switches
                await self._cue(proc, Cue.ARRIVED, f"{proc.ue} is served by {proc.target_host}")
        elif proc.source_host in serving:
            if proc.arrived:  # (a predicted move not made yet is still awaited)
                await self._cue(proc, Cue.WITHDRAWN, f"{proc.ue} came back to {proc.source_host}")
        else:
            await self._cue(
                proc, Cue.WITHDRAWN, f"{proc.ue} moved on to {serving[0]} before the switch"
            )
            await self._check(proc.ue)

    def _registration_of(self, ue: str, instance_id: str) -> Registration | None:
        for registration in self.registry.naming(ue):
            device = registration.device(ue)
            if (
                registration.app_instance_id == instance_id
                and device is not None
                and device.transfer is TransferState.NOT_TRANSFERRED
            ):
                return registration
        return None

    # --- the procedure --------------------------------------------------------------------------

    async def _start(
        self,
        ue: str,
        key: AppKey,
        registration: Registration,
        device: Device,
        source: AppInstance,
        target_host: str,
        prediction: dict[str, object] | None,
    ) -> None:
        proc = Procedure(
            id=str(uuid.uuid4()),
            ue=ue,
            app=key,
            registration_id=registration.id,
            level=device.level,
            source_instance=source.app_instance_id,
            source_host=source.host,
            target_host=target_host,
            started=self.wall(),
            arrived=prediction is None,
            prediction=prediction,
        )
        self.procedures[proc.id] = proc
        self._active[(ue, key)] = proc
        seen = "is predicted to move to" if prediction else "is served by"
        self._note(proc, f"{ue} {seen} {target_host}; {source.app_name} serves it on {source.host}")
        target = self._instance_on(key, target_host)
        if target is not None:
            proc.target_instance = target.app_instance_id
            await self._cue(proc, Cue.TARGET_FOUND, f"target instance {target.app_instance_id}")
            await self._triggered(proc)
            return
        why = self.instances.cannot_start(source, self.policy.instance_relocation)
        if why is not None:
            await self._cue(
                proc, Cue.TARGET_FAILED, f"no instance of {key[0]} on {target_host} and {why}"
            )
            return
        await self._cue(proc, Cue.TARGET_MISSING, f"starting {key[0]} on {target_host}")
        self._spawn(self._start_target(proc, self.instances.app_d_id(source)))

    async def _start_target(self, proc: Procedure, app_d_id: str) -> None:
        def created(instance_id: str) -> None:
            proc.target_instance = instance_id
            proc.started_target = True

        try:
            instance_id = await self.instances.start(
                app_d_id,
                proc.target_host,
                description=f"relocation {proc.id} of {proc.ue}",
                users=[proc.ue],
                timeout_s=self.policy.target_start_timeout_s,
                created=created,
            )
        except StartFailed as failed:
            await self._target_failed(proc, failed.reason)
            return
        if not proc.open:  # withdrawn while it started: it serves no one
            self.instances.release_later(instance_id, self.policy.keep_warm_s)
            return
        await self._cue(proc, Cue.TARGET_READY, f"target instance {instance_id} is READY")
        await self._triggered(proc)

    async def _target_failed(self, proc: Procedure, reason: str) -> None:
        if proc.open:
            await self._cue(proc, Cue.TARGET_FAILED, reason)

    async def _triggered(self, proc: Procedure) -> None:
        await self._notify(proc, MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED)
        if proc.level is ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION:
            timeout = self.policy.transfer_timeout_s
            self._deadlines[proc.id] = self.wall() + timeout
            self._note(proc, f"waiting up to {timeout:g} s for the user context")
            return
        await self._cue(proc, Cue.CONFIRMED, "no confirmation to wait for")
        await self._confirmed(proc)

    async def _transfer_confirmed(self, registration: Registration, ue: str) -> None:
        app = self._consumer(registration)
        proc = self._active.get((ue, app.app_key)) if app is not None else None
        if proc is None or proc.registration_id != registration.id:
            return
        if proc.state is State.TRIGGERED:
            self._deadlines.pop(proc.id, None)
            await self._cue(proc, Cue.CONFIRMED, "the application reported the context moved")
            await self._confirmed(proc)

    async def _confirmed(self, proc: Procedure) -> None:
        if proc.arrived:
            await self._cue(proc, Cue.ARRIVED, "switching")
        elif proc.prediction is not None:
            at = float(proc.prediction.get("at", 0.0))  # type: ignore[arg-type]
            self._note(proc, f"waiting for the handover (predicted at t={at:.1f} s)")

    async def _cue(self, proc: Procedure, cue: Cue, text: str) -> None:
        try:
            state = proc.cue(cue, text, self.wall(), self._t())
        except IllegalCue:
            log.debug("relocation %s: %s ignored in %s", proc.id, cue, proc.state)
            return
        log.info("relocation %s of %s: %s (%s)", proc.id[:8], proc.ue, state, text)
        self._announce(proc, text)
        if state is State.COMPLETED:
            await self._completed(proc)
        elif state is State.FAILED:
            await self._failed(proc)

    async def _completed(self, proc: Procedure) -> None:
        self._close(proc)
        registration = self.registry.find(proc.registration_id)
        device = registration.device(proc.ue) if registration is not None else None
        if registration is not None and device is not None:
            device.transfer = TransferState.USER_CONTEXT_TRANSFER_COMPLETED
            await self.registry.put(registration)
        await self._repin(proc.ue, flows=self.policy.flows)
        await self._notify(proc, MobilityStatus.INTERHOST_MOVEOUT_COMPLETED)
        self.instances.release_later(proc.source_instance, self.policy.keep_warm_s)

    async def _failed(self, proc: Procedure) -> None:
        self._close(proc)
        await self._repin(proc.ue)
        await self._notify(proc, MobilityStatus.INTERHOST_MOVEOUT_FAILED)
        if proc.started_target and proc.target_instance is not None:
            self.instances.release_later(proc.target_instance, self.policy.keep_warm_s)

    def _close(self, proc: Procedure) -> None:
        self._deadlines.pop(proc.id, None)
        if self._active.get((proc.ue, proc.app)) is proc:
            del self._active[(proc.ue, proc.app)]

    async def _notify(self, proc: Procedure, status: MobilityStatus) -> None:
        registration = self.registry.find(proc.registration_id)
        device = registration.device(proc.ue) if registration is not None else None
        target = self.platforms.apps.get(proc.target_instance or "")
        await self._tell(
            ProcedureNotice(
                status=status,
                host=proc.source_host,
                registration_id=proc.registration_id,
                app_instance_id=proc.source_instance,
                ue=proc.ue,
                associate_ids=(device.associate_id,) if device is not None else (),
                target=self._address(target) if target is not None else None,
                procedure=proc.id,
                prediction=proc.prediction,
                reason=proc.reason if status is MobilityStatus.INTERHOST_MOVEOUT_FAILED else None,
                wall=self.wall(),
            )
        )

    def _note(self, proc: Procedure, text: str) -> None:
        proc.note(text, self.wall(), self._t())
        log.info("relocation %s of %s: %s (%s)", proc.id[:8], proc.ue, proc.state, text)
        self._announce(proc, text)

    def _announce(self, proc: Procedure, text: str) -> None:
        event = RelocationStep(
            t=self._t() or 0.0,
            procedure=proc.id,
            ue=proc.ue,
            state=proc.state.value,
            source=proc.source_instance,
            target=proc.target_instance,
            text=text,
        )
        # Published from a task: steps happen inside the tick's event handlers, which hold
        # the runtime's lock; asyncio's lock is fair, so the steps keep their order.
        self._spawn(self.runtime.announce([event]))

    # --- instances ------------------------------------------------------------------------------

    def _instance_on(self, key: AppKey, host: str) -> AppInstance | None:
        return next((a for a in self.platforms.apps_on(host) if a.app_key == key and a.ready), None)

    def _address(self, app: AppInstance) -> InstanceAddress:
        address, port = self.address_of(app)
        return InstanceAddress(app.app_instance_id, app.host, address, port)

    def _serves_anyone(self, instance_id: str) -> bool:
        steering = self.platforms.steering
        if any(instance_id in steering.pins(ue).values() for ue in steering.terminals()):
            return True
        return any(
            instance_id in (p.source_instance, p.target_instance) for p in self._active.values()
        )

    async def _instance_changed(self, app: AppInstance) -> None:
        """An instance's readiness or rules changed: tell the AMS of hosts whose registered
        instances gained or lost an adjacent instance."""
        key = app.app_key
        ready = frozenset(
            a.app_instance_id for a in self.platforms.apps.values() if a.app_key == key and a.ready
        )
        if self._adjacent.get(key) == ready:
            return
        self._adjacent[key] = ready
        for registration in list(self.registry):
            consumer = self._consumer(registration)
            if consumer is None or consumer.app_key != key:
                continue
            adjacent = tuple(
                a
                for a in self.adjacent(registration.host)
                if a.registered_instance_id == consumer.app_instance_id
            )
            await self._tell(
                AdjacentChange(
                    host=registration.host,
                    app_instance_id=consumer.app_instance_id,
                    adjacent=adjacent,
                    wall=self.wall(),
                )
            )
        if app.app_instance_id not in self.platforms.apps:  # removed: its pins went with it
            for registration in self.registry.of_instance(app.app_instance_id):
                await self._devices_changed(registration.devices)

    # --- time -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the timers (expiries, timeouts, keep-warm) until :meth:`close`; they follow the
        wall clock, ticking world or not."""
        if self._housekeeper is None:
            self._housekeeper = asyncio.get_running_loop().create_task(self._keep_house())

    async def _keep_house(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_S)
            try:
                await self._timers()
            except Exception:  # a bad round must not end the timers for good
                log.exception("mobility housekeeping failed")

    async def _on_tick(self, world: World) -> None:
        await self._timers()
        if self.policy.predictive_lead_s > 0:
            await self._foresee(world)

    async def _foresee(self, world: World) -> None:
        """Start a procedure for each registered terminal whose zone change to another host's
        zone is predicted within the policy's lead (confident enough); its switch waits for
        the handover itself."""
        if world.state.t - self._foreseen_at < FORESEE_EVERY_S:
            return
        self._foreseen_at = world.state.t
        lead = self.policy.predictive_lead_s
        candidates: dict[str, list[tuple[AppKey, str]]] = {}
        for ue in {d.ue for r in self.registry for d in r.devices}:
            for key, instance_id in self.platforms.steering.pins(ue).items():
                if (ue, key) not in self._active:
                    candidates.setdefault(ue, []).append((key, instance_id))
        if not candidates:
            return
        # the tick's own resolution: a visit of one tick is not stepped over
        step = 1.0 / self.runtime.tick_hz
        changes = predict_zone_changes(world, list(candidates), horizon_s=lead, resolution_s=step)
        zones_hosts = host_index(world).mec_hosts_in_zone
        for ue, change in changes.items():
            if change.confidence < self.policy.min_confidence or change.target_zone is None:
                continue
            hosts = zones_hosts.get(change.target_zone, ())
            for key, instance_id in candidates[ue]:
                source = self.platforms.apps.get(instance_id)
                registration = self._registration_of(ue, instance_id)
                device = registration.device(ue) if registration is not None else None
                if source is None or registration is None or device is None or not hosts:
                    continue
                if source.host in hosts or device.level is ServiceLevel.APP_MOBILITY_NOT_ALLOWED:
                    continue
                target = next((h for h in hosts if self._instance_on(key, h)), hosts[0])
                await self._start(ue, key, registration, device, source, target, change.to_dict())
                proc = self._active[(ue, key)]
                self._handover_due[proc.id] = change.at + self.policy.predicted_grace_s

    async def _timers(self) -> None:
        now = self.wall()
        if now - self._last_round < HOUSEKEEPING_S / 2:
            return
        self._last_round = now
        for registration in list(self.registry):
            due = [t for t in (registration.expires_at, registration.deregister_at) if t]
            if due and min(due) <= now:
                await self._remove(registration, "the registration expired")
        for proc_id, deadline in list(self._deadlines.items()):
            proc = self.procedures[proc_id]
            if deadline <= now and proc.open:
                await self._cue(
                    proc,
                    Cue.TIMED_OUT,
                    f"no context transfer reported within {self.policy.transfer_timeout_s:g} s",
                )
        t = self._t()
        for proc_id, due in list(self._handover_due.items()):
            proc = self.procedures[proc_id]
            if not proc.open or proc.arrived:
                del self._handover_due[proc_id]
            elif t is not None and t > due:
                del self._handover_due[proc_id]
                await self._cue(proc, Cue.TIMED_OUT, "the predicted handover did not happen")
        self.instances.due(self._spawn)

    def _t(self) -> float | None:
        world = self.platforms.world
        return world.state.t if world is not None else None

    # --- world life -----------------------------------------------------------------------------

    async def _loaded(self, world: World, resumed: bool) -> None:
        self._end_all("a new world was loaded" if not resumed else "meclab restarted")
        if resumed:
            await self.registry.restore()
            for registration in list(self.registry):
                if registration.host not in self.platforms.hosts:
                    await self.registry.remove(registration.id)
        else:
            await self.registry.clear()
        self._adjacent = {}
        for ue in {d.ue for r in self.registry for d in r.devices}:
            await self._repin(ue)

    async def _reset(self) -> None:
        self._end_all("a new world was loaded")
        await self.registry.clear()

    def _end_all(self, why: str) -> None:
        for proc in list(self._active.values()):
            proc.cue(Cue.WITHDRAWN, why, self.wall(), None)
            self._close(proc)
        self.instances.clear()

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Stop the timers and the tasks under way (meclab is stopping)."""
        if self._housekeeper is not None:
            self._housekeeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeper
            self._housekeeper = None
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
