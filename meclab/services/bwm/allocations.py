"""The bandwidth allocations of every MEC host, kept in the store.

An allocation belongs to its application instance (``appInsId``, an instance of the host it
was created on), and is kept like every such record (:mod:`meclab.platform.records`): it is
released with the instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meclab.engine.netchar import Direction
from meclab.platform.records import HostRecords
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

    @property
    def app_name(self) -> str | None:
        return self.info.appName

    def body(self) -> dict[str, Any]:
        """The allocation as sent."""
        return self.info.wire()


def allocation_registry(store: Store) -> HostRecords[Allocation]:
    """Every host's bandwidth allocations, mirrored in ``store``."""

    def load(host: str, body: Any) -> Allocation:
        return Allocation(host, BwInfo.model_validate(body))

    return HostRecords(store, COLLECTION, load, "bandwidth allocation")
