"""A small, faithful stand-in for the mobility manager behind the AMS (AmsPort).

It keeps the port's promises on the platforms it is given, in memory, without procedures:

* ``register``/``update``: NotFound when the registering instance is not on the host;
  Unprocessable when a registration lists a terminal twice, or when another registration by an
  instance of the same application lists the same terminal; ``update`` records each device whose
  contextTransferState became 1 in :attr:`confirmed`;
* ``deregister_task``: removes at once a registration without expiryTime (or one already run
  out); otherwise sets its ``deregister_at`` to its expiry, and :meth:`lapse` (the test's
  clock) removes it once that time has come;
* ``adjacent``: what the test put in :attr:`adjacent_of`;
* :meth:`emit`: tells every listener a notice, as the manager does at each procedure step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from meclab.mobility.notices import AdjacentChange, AdjacentInstance, ProcedureNotice
from meclab.mobility.registry import Device, Registration, Registrations, TransferState
from meclab.platform.errors import NotFound, Unprocessable
from meclab.platform.platform import Platforms
from meclab.services.ams.port import AmsPort, NoticeListener


class FakeMobility(AmsPort):
    def __init__(self, platforms: Platforms, wall: Callable[[], float]) -> None:
        self.platforms = platforms
        self.wall = wall
        self.by_id: dict[str, Registration] = {}
        self.adjacent_of: dict[str, list[AdjacentInstance]] = {}
        self.confirmed: list[tuple[str, str]] = []
        """(registration id, terminal) of every transfer reported complete."""
        self.listeners: list[NoticeListener] = []

    # --- the port -------------------------------------------------------------------------

    def registrations(self, host: str) -> list[Registration]:
        return [r for r in self.by_id.values() if r.host == host]

    def registration(self, host: str, registration_id: str) -> Registration:
        found = self.by_id.get(registration_id)
        if found is None or found.host != host:
            raise NotFound(f"no application mobility service {registration_id!r} on {host}")
        return found

    async def register(
        self,
        host: str,
        app_instance_id: str | None,
        mep_id: str | None,
        devices: list[Device],
        expiry_s: int | None,
    ) -> Registration:
        self._check(host, None, app_instance_id, devices)
        registration = Registration(
            id=Registrations.new_id(),
            host=host,
            app_instance_id=app_instance_id,
            mep_id=mep_id,
            devices=devices,
            expiry_s=expiry_s,
            registered_at=self.wall(),
        )
        self.by_id[registration.id] = registration
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
        old = self.registration(host, registration_id)
        self._check(host, registration_id, app_instance_id, devices)
        done = TransferState.USER_CONTEXT_TRANSFER_COMPLETED
        for device in devices:
            before = old.device(device.ue)
            if device.transfer is done and (before is None or before.transfer is not done):
                self.confirmed.append((registration_id, device.ue))
        new = replace(
            old, app_instance_id=app_instance_id, mep_id=mep_id, devices=devices, expiry_s=expiry_s
        )
        self.by_id[registration_id] = new
        return new

    async def deregister(self, host: str, registration_id: str) -> None:
        self.registration(host, registration_id)
        del self.by_id[registration_id]

    async def deregister_task(self, host: str, registration_id: str) -> None:
        found = self.registration(host, registration_id)
        ends = found.expires_at
        if ends is None or ends <= self.wall():
            del self.by_id[registration_id]
        else:
            found.deregister_at = ends

    def adjacent(self, host: str) -> list[AdjacentInstance]:
        return list(self.adjacent_of.get(host, []))

    def on_notice(self, listener: NoticeListener) -> None:
        self.listeners.append(listener)

    # --- what tests do --------------------------------------------------------------------

    async def emit(self, notice: ProcedureNotice | AdjacentChange) -> None:
        for listener in self.listeners:
            await listener(notice)

    def lapse(self, now: float) -> None:
        """Remove the registrations whose pending deregistration time has come."""
        for registration in list(self.by_id.values()):
            if registration.deregister_at is not None and registration.deregister_at <= now:
                del self.by_id[registration.id]

    def _check(
        self, host: str, own_id: str | None, app_instance_id: str | None, devices: list[Device]
    ) -> None:
        app = None
        if app_instance_id is not None:
            app = self.platforms.app(host, app_instance_id)  # NotFound when not on the host
        ues = [d.ue for d in devices]
        twice = {ue for ue in ues if ues.count(ue) > 1}
        if twice:
            raise Unprocessable(f"terminal(s) {sorted(twice)} listed twice")
        if app is None:
            return
        for other in self.by_id.values():
            if other.id == own_id or other.app_instance_id is None:
                continue
            other_app = self.platforms.apps.get(other.app_instance_id)
            if other_app is None or other_app.app_name != app.app_name:
                continue
            shared = {d.ue for d in other.devices} & set(ues)
            if shared:
                raise Unprocessable(
                    f"terminal(s) {sorted(shared)} already registered by {other.app_instance_id}"
                )
