"""Application mobility service registrations (ETSI GS MEC 021 clause 7.2.2 RegistrationInfo).

An application instance (or a MEC platform) registers with the AMS of its host for the devices
it serves; each device may carry an appMobilityServiceLevel (a stateful application says how it
may be relocated) and a contextTransferState (the application reports that it has moved the
user's context). The mobility manager watches the registered devices; a registration is what
ties a terminal to the instance that serves it.

The records here are meclab's own (plain dataclasses, no wire form): the AMS service turns the
REST bodies into them and back. They are kept in the store (collection ``ams_registrations``)
so that a resumed world keeps them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from meclab.platform.errors import NotFound
from meclab.store.base import Store

COLLECTION = "ams_registrations"


class ServiceLevel(IntEnum):
    """appMobilityServiceLevel (MEC 021 clause 7.4.5)."""

    APP_MOBILITY_NOT_ALLOWED = 1
    """The serving instance keeps serving the device wherever it goes (traffic is steered back)."""
    APP_MOBILITY_WITH_CONFIRMATION = 2
    """The switch waits for the instance to report the context transferred (MEC-assisted)."""
    APP_MOBILITY_WITHOUT_CONFIRMATION = 3
    """The switch happens as soon as the target instance is ready."""


class TransferState(IntEnum):
    """contextTransferState (MEC 021 clause 7.2.2, DeviceInformation)."""

    NOT_TRANSFERRED = 0
    USER_CONTEXT_TRANSFER_COMPLETED = 1


@dataclass(slots=True)
class Device:
    """One device of a registration."""

    associate_id: dict[str, Any]
    """The AssociateId as the consumer gave it (MEC 012 ``{type, value}``), echoed back."""
    ue: str
    """The terminal it names (scenario name)."""
    level: ServiceLevel | None = None
    """None for a stateless application (no level given)."""
    transfer: TransferState = TransferState.NOT_TRANSFERRED

    def to_store(self) -> dict[str, Any]:
        return {
            "associate_id": self.associate_id,
            "ue": self.ue,
            "level": int(self.level) if self.level is not None else None,
            "transfer": int(self.transfer),
        }

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Device:
        level = data.get("level")
        return cls(
            associate_id=dict(data["associate_id"]),
            ue=data["ue"],
            level=ServiceLevel(level) if level is not None else None,
            transfer=TransferState(data.get("transfer", 0)),
        )


@dataclass(slots=True)
class Registration:
    """One Application Mobility Service resource on one MEC host."""

    id: str
    host: str
    app_instance_id: str | None
    """serviceConsumerId.appInstanceId: the registering application instance."""
    mep_id: str | None = None
    """serviceConsumerId.mepId: a MEC platform registering instead of an application."""
    devices: list[Device] = field(default_factory=list)
    expiry_s: int | None = None
    """expiryTime: seconds from registration; None or 0: no expiry."""
    registered_at: float = 0.0
    """Wall-clock time the registration was accepted (the expiry counts from it)."""
    deregister_at: float | None = None
    """Wall-clock time a deregister_task set for the deregistration, when one is pending."""

    @property
    def owner(self) -> str | None:
        """The application instance that owns the registration (issue 12): its consumer.
        Only that instance (or the operator) may make it, so a MEC platform's (``mepId``)
        has none and is the operator's alone."""
        return self.app_instance_id

    def device(self, ue: str) -> Device | None:
        """The entry for terminal ``ue``, if the registration lists it."""
        return next((d for d in self.devices if d.ue == ue), None)

    @property
    def expires_at(self) -> float | None:
        """When the registration lapses by its expiryTime (None: never)."""
        if not self.expiry_s:
            return None
        return self.registered_at + self.expiry_s

    def to_store(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "host": self.host,
            "app_instance_id": self.app_instance_id,
            "mep_id": self.mep_id,
            "devices": [d.to_store() for d in self.devices],
            "expiry_s": self.expiry_s,
            "registered_at": self.registered_at,
            "deregister_at": self.deregister_at,
        }

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Registration:
        return cls(
            id=data["id"],
            host=data["host"],
            app_instance_id=data.get("app_instance_id"),
            mep_id=data.get("mep_id"),
            devices=[Device.from_store(d) for d in data.get("devices", [])],
            expiry_s=data.get("expiry_s"),
            registered_at=float(data.get("registered_at", 0.0)),
            deregister_at=data.get("deregister_at"),
        )


class Registrations:
    """The registrations of every host, by id, kept in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_id: dict[str, Registration] = {}

    def __iter__(self) -> Iterable[Registration]:
        return iter(list(self._by_id.values()))

    def on(self, host: str) -> list[Registration]:
        """The registrations made on ``host``, oldest first."""
        return [r for r in self._by_id.values() if r.host == host]

    def get(self, host: str | None, registration_id: str) -> Registration:
        """The registration, on ``host`` when one is given; NotFound otherwise."""
        found = self._by_id.get(registration_id)
        if found is None or (host is not None and found.host != host):
            where = f" on {host}" if host is not None else ""
            raise NotFound(f"no application mobility service {registration_id!r}{where}")
        return found

    def find(self, registration_id: str) -> Registration | None:
        """The registration, wherever it was made; None when there is none."""
        return self._by_id.get(registration_id)

    def naming(self, ue: str) -> list[Registration]:
        """The registrations that list terminal ``ue`` among their devices."""
        return [r for r in self._by_id.values() if r.device(ue) is not None]

    def of_instance(self, app_instance_id: str) -> list[Registration]:
        """The registrations application instance ``app_instance_id`` made."""
        return [r for r in self._by_id.values() if r.app_instance_id == app_instance_id]

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    async def put(self, registration: Registration) -> None:
        """Add or replace ``registration`` (in memory and in the store)."""
        self._by_id[registration.id] = registration
        await self.store.put(COLLECTION, registration.id, registration.to_store())

    async def remove(self, registration_id: str) -> Registration | None:
        found = self._by_id.pop(registration_id, None)
        if found is not None:
            await self.store.delete(COLLECTION, registration_id)
        return found

    async def restore(self) -> None:
        """Read the registrations of a resumed world back from the store."""
        self._by_id = {
            key: Registration.from_store(value) for key, value in await self.store.items(COLLECTION)
        }

    async def clear(self) -> None:
        self._by_id.clear()
        await self.store.clear(COLLECTION)
