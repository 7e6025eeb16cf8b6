"""The bandwidth allocations of every MEC host, kept in the store.

An allocation belongs to its application instance (``appInsId``, an instance of the host it
was created on): only that instance and the operator see and change it in secure mode
(:mod:`meclab.platform.access`), and it is released with the instance. The registry is
restored when meclab resumes its stored world (dropping allocations whose instance is gone)
and emptied when a new scenario is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from meclab.engine.netchar import Direction
from meclab.platform.errors import NotFound
from meclab.services.bwm.models import AllocationDirection, BwInfo, RequestType, SessionFilter
from meclab.store.base import Store

COLLECTION = "bwm_allocations"

DIRECTIONS = {
    AllocationDirection.DOWNLINK: (Direction.DOWN,),
    AllocationDirection.UPLINK: (Direction.UP,),
    AllocationDirection.SYMMETRICAL: (Direction.UP, Direction.DOWN),
}
"""The directions an ``allocationDirection`` reserves in: symmetrical is both."""


@dataclass(frozen=True, slots=True)
class Allocation:
    """One allocation: where it was created, and its representation (allocationId, timeStamp
    and appName set)."""

    host: str
    info: BwInfo

    @property
    def id(self) -> str:
        assert self.info.allocationId is not None  # set by the service before it is kept
        return self.info.allocationId

    @property
    def owner(self) -> str:
        """The application instance the allocation belongs to."""
        return self.info.appInsId

    @property
    def bps(self) -> float:
        """The fixed allocation in bit/s (in each of :attr:`directions`)."""
        return float(int(self.info.fixedAllocation))

    @property
    def directions(self) -> tuple[Direction, ...]:
        """The directions reserved: UP for uplink, DOWN for downlink, both for symmetrical."""
        return DIRECTIONS[self.info.allocationDirection]

    @property
    def application_level(self) -> bool:
        """Whether it covers all the instance's traffic (rather than the sessions of its
        filters)."""
        return self.info.requestType is RequestType.APPLICATION_SPECIFIC_BW_ALLOCATION

    @property
    def session_filters(self) -> list[SessionFilter]:
        """The sessions it covers (none for an application-level allocation)."""
        return self.info.sessionFilter or []

    def body(self) -> dict[str, Any]:
        """The allocation as sent."""
        return self.info.wire()


class AllocationRegistry:
    """Every host's allocations by id, in creation order, mirrored in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._allocations: dict[str, Allocation] = {}
        self._seq: dict[str, int] = {}
        """Each allocation's creation number: the stored ones come back in creation order."""

    async def restore(self, live_apps: Iterable[str]) -> list[Allocation]:
        """Reload the stored allocations of instances that still exist (the others are
        deleted); returns those reloaded."""
        live = set(live_apps)
        self._allocations.clear()
        self._seq.clear()
        stored = await self.store.items(COLLECTION)
        for allocation_id, data in sorted(stored, key=lambda item: item[1]["seq"]):
            allocation = Allocation(data["host"], BwInfo.model_validate(data["info"]))
            if allocation.owner in live:
                self._allocations[allocation_id] = allocation
                self._seq[allocation_id] = data["seq"]
            else:
                await self.store.delete(COLLECTION, allocation_id)
        return list(self._allocations.values())

    async def clear(self) -> None:
        self._allocations.clear()
        self._seq.clear()
        await self.store.clear(COLLECTION)

    def on_host(self, host: str) -> list[Allocation]:
        """The allocations created on ``host``, oldest first."""
        return [a for a in self._allocations.values() if a.host == host]

    def of_instance(self, app_instance_id: str) -> list[Allocation]:
        return [a for a in self._allocations.values() if a.owner == app_instance_id]

    def get(self, host: str, allocation_id: str) -> Allocation:
        """An allocation of ``host``; NotFound for an unknown id or one of another host."""
        allocation = self._allocations.get(allocation_id)
        if allocation is None or allocation.host != host:
            raise NotFound(f"no bandwidth allocation {allocation_id!r} on {host}")
        return allocation

    async def put(self, allocation: Allocation) -> None:
        """Keep a new allocation, or replace one (it keeps its place in the order)."""
        seq = self._seq.setdefault(allocation.id, max(self._seq.values(), default=-1) + 1)
        self._allocations[allocation.id] = allocation
        data = {"host": allocation.host, "info": allocation.body(), "seq": seq}
        await self.store.put(COLLECTION, allocation.id, data)

    async def remove(self, allocation_id: str) -> None:
        self._seq.pop(allocation_id, None)
        if self._allocations.pop(allocation_id, None) is not None:
            await self.store.delete(COLLECTION, allocation_id)
