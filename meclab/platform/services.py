"""The service registry (ETSI GS MEC 011 clause 8: service management), across all MEC hosts.

A service is registered on one MEC host, by an application instance or by the platform itself
(RNIS, Location ...), or, for an application meclab plays in a cloud, on that cloud
(:mod:`meclab.platform.platform`). Its locality is the set of hosts its ``scopeOfLocality``
spans (MEC 011 clause 8.1.6.2 LocalityType; absent means MEC_HOST): its own host for MEC_HOST,
NFVI_NODE and NFVI_POP, the hosts of its zone for ZONE, of its operator for ZONE_GROUP, every
host for MEC_SYSTEM (clause 8.1.2.2 note 6: on the same MEC system it is local). The MEC system
is the deployment: the scenario plays one MEC management for all of it, and an operator's hosts
are a ZONE_GROUP within it. ``isLocal`` is true on the hosts of that locality (clause 8.1.2.2:
"located in the same locality (as defined by scopeOfLocality) as the consuming MEC
application"). A service is visible on the hosts of its locality, and, when
``consumedLocalOnly`` is false (absent means true), on every other host as well, there with
``isLocal`` false.

Every change is reported to listeners (MEC 011 sends SerAvailabilityNotifications from them).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from meclab.platform.errors import NotFound
from meclab.platform.service_info import ChangeType, ServiceInfo, ServiceState
from meclab.types import LocalityType


@dataclass(slots=True)
class ServiceRecord:
    """A registered service and where it lives."""

    info: ServiceInfo
    """As registered, with serInstanceId set; ``isLocal`` and ``_links`` are per viewer."""
    host: str
    owner: str | None
    """appInstanceId of the producing app; None for the platform's own services."""
    last_heartbeat: float | None = None
    """Wall-clock time of the last heartbeat (or registration), for services with liveness."""
    emulated: bool = False
    """Produced by an instance meclab plays: meclab keeps it alive, no heartbeats needed."""
    seq: int = 0
    """Registration order: the store lists records by their (random) id, so a restart puts
    them back by this."""

    @property
    def id(self) -> str:
        assert self.info.serInstanceId is not None
        return self.info.serInstanceId

    def to_store(self) -> dict[str, Any]:
        return {
            "info": self.info.wire(),
            "host": self.host,
            "owner": self.owner,
            "last_heartbeat": self.last_heartbeat,
            "emulated": self.emulated,
            "seq": self.seq,
        }

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> ServiceRecord:
        return cls(
            ServiceInfo.model_validate(data["info"]),
            data["host"],
            data["owner"],
            data["last_heartbeat"],
            data.get("emulated", False),
            data.get("seq", 0),
        )


@dataclass(frozen=True, slots=True)
class ServiceChange:
    """One change to the registry, as listeners receive it."""

    record: ServiceRecord
    change: ChangeType


class HostView:
    """The services one host sees, in registration order, indexed by id, name and category."""

    def __init__(self, entries: list[tuple[ServiceRecord, bool]]) -> None:
        self.entries = entries
        """(service, isLocal on this host), in registration order."""
        self.position: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        self.by_category: dict[str, list[int]] = {}
        for i, (record, _) in enumerate(entries):
            self.position[record.id] = i
            self.by_name.setdefault(record.info.serName, []).append(i)
            if record.info.serCategory is not None:
                self.by_category.setdefault(record.info.serCategory.id, []).append(i)

    def pick(self, positions: Iterable[int]) -> list[tuple[ServiceRecord, bool]]:
        """The entries at ``positions``, in registration order, each once."""
        return [self.entries[i] for i in sorted(set(positions))]


ServiceListener = Callable[[ServiceChange], Awaitable[None]]
Locator = Callable[[str], tuple[str | None, str | None]]
"""A MEC host's (zone, domain)."""


@dataclass
class ServiceRegistry:
    """Every registered service of the MEC system, with visibility per host."""

    locate: Locator
    persist: Callable[[ServiceRecord | str], Awaitable[None]]
    """Store a record, or forget the one with this id."""
    records: dict[str, ServiceRecord] = field(default_factory=dict)
    listeners: list[ServiceListener] = field(default_factory=list)
    revision: int = 0
    """Grows with every change; views computed from the registry are cached against it."""
    _views: dict[str, tuple[int, HostView]] = field(default_factory=dict)

    def reset(self, records: Iterable[ServiceRecord] = ()) -> None:
        """Replace every record at once (a scenario loaded or resumed), without listeners."""
        self.records = {r.id: r for r in records}
        self.revision += 1

    def is_local(self, record: ServiceRecord, host: str) -> bool:
        """Whether ``host`` lies in the service's locality (see module docstring)."""
        if record.host == host:
            return True
        scope = record.info.scopeOfLocality or LocalityType.MEC_HOST
        if scope is LocalityType.MEC_SYSTEM:
            return True
        zone, domain = self.locate(record.host)
        there_zone, there_domain = self.locate(host)
        if scope is LocalityType.ZONE:
            return zone is not None and zone == there_zone
        if scope is LocalityType.ZONE_GROUP:
            return domain is not None and domain == there_domain
        return False

    def visible_on(self, record: ServiceRecord, host: str) -> bool:
        """Whether a host sees the service (see module docstring)."""
        # consumedLocalOnly absent means true (MEC 011 clause 8.1.2.2).
        return record.info.consumedLocalOnly is False or self.is_local(record, host)

    def view(self, host: str) -> list[tuple[ServiceRecord, bool]]:
        """Services visible on ``host`` with whether each is local there, by registration order."""
        return self.host_view(host).entries

    def host_view(self, host: str) -> HostView:
        """What ``host`` sees, with indexes; computed once per registry revision and host,
        since discovery reads it on every request."""
        cached = self._views.get(host)
        if cached is not None and cached[0] == self.revision:
            return cached[1]
        view = HostView(
            [(r, self.is_local(r, host)) for r in self.records.values() if self.visible_on(r, host)]
        )
        self._views[host] = (self.revision, view)
        return view

    def get(self, host: str, ser_instance_id: str) -> ServiceRecord:
        """A service visible on ``host``; NotFound otherwise."""
        record = self.records.get(ser_instance_id)
        if record is None or not self.visible_on(record, host):
            raise NotFound(f"no service {ser_instance_id!r} on {host}")
        return record

    def owned_by(self, app_instance_id: str) -> list[ServiceRecord]:
        return [r for r in self.records.values() if r.owner == app_instance_id]

    async def _changed(self, record: ServiceRecord, change: ChangeType) -> None:
        self.revision += 1
        await self.persist(record.id if change is ChangeType.REMOVED else record)
        for listener in list(self.listeners):
            await listener(ServiceChange(record, change))

    async def add(
        self,
        host: str,
        owner: str | None,
        info: ServiceInfo,
        now: float,
        *,
        emulated: bool = False,
        again: tuple[str, int] | None = None,
    ) -> ServiceRecord:
        """Register a service; the platform assigns its serInstanceId.

        ``again`` = (serInstanceId, seq) registers a withdrawn service anew under its old
        identity and at its old place in the listing.
        """
        ser_id, seq = again or (
            str(uuid.uuid4()),
            1 + max((r.seq for r in self.records.values()), default=0),
        )
        info = info.model_copy(update={"serInstanceId": ser_id, "isLocal": None, "links": None})
        record = ServiceRecord(
            info, host, owner, now if info.livenessInterval else None, emulated, seq
        )
        self.records[record.id] = record
        if again is not None:  # keep the listing in registration order
            self.records = dict(sorted(self.records.items(), key=lambda item: item[1].seq))
        await self._changed(record, ChangeType.ADDED)
        return record

    async def replace(self, record: ServiceRecord, info: ServiceInfo) -> ServiceRecord:
        """Replace a service's attributes (serInstanceId, host and owner stay)."""
        info = info.model_copy(update={"serInstanceId": record.id, "isLocal": None, "links": None})
        before = record.info
        if info == before:
            return record
        only_state = info.model_copy(update={"state": before.state}) == before
        record.info = info
        await self._changed(
            record, ChangeType.STATE_CHANGED if only_state else ChangeType.ATTRIBUTES_CHANGED
        )
        return record

    async def set_state(self, record: ServiceRecord, state: ServiceState) -> None:
        """Change only the state (liveness, heartbeats)."""
        if record.info.state is not state:
            record.info = record.info.model_copy(update={"state": state})
            await self._changed(record, ChangeType.STATE_CHANGED)

    async def remove(self, record: ServiceRecord) -> None:
        """Deregister a service."""
        if self.records.pop(record.id, None) is not None:
            await self._changed(record, ChangeType.REMOVED)

    async def heartbeat(self, record: ServiceRecord, now: float) -> None:
        """A producer's heartbeat: the service is alive (ACTIVE) as of ``now``."""
        record.last_heartbeat = now
        if record.info.state is not ServiceState.ACTIVE:
            await self.set_state(record, ServiceState.ACTIVE)
        else:
            await self.persist(record)

    async def check_liveness(self, now: float, grace: float = 1.5) -> list[ServiceRecord]:
        """Mark INACTIVE every ACTIVE service whose heartbeats stopped; returns them.

        A service with ``livenessInterval`` is late once ``grace`` intervals have passed since
        its last heartbeat (MEC 011 clause 8.2.10: the platform may then change its state).
        """
        lapsed = [
            r
            for r in self.records.values()
            if r.info.livenessInterval
            and not r.emulated
            and r.info.state is ServiceState.ACTIVE
            and r.last_heartbeat is not None
            and now - r.last_heartbeat > grace * r.info.livenessInterval
        ]
        for record in lapsed:
            await self.set_state(record, ServiceState.INACTIVE)
        return lapsed
