"""BWM allocations enforced by the relay: a guaranteed rate for the flows an allocation names.

:class:`Allocations` is the data plane's bandwidth port (the BWM service's ``BandwidthPort``,
:mod:`meclab.services.bwm.port`): each allocation the service admits becomes a guarantee of its
``fixedAllocation`` in each direction it names (:meth:`Capacity.set_guarantee` with a matcher,
so it holds for the flows open now and those opened later), applied at once; a replaced
allocation's old guarantee goes before the new one comes; a released one is removed.

* **Which flows.** Flows of a terminal (they have a UE) with the allocation's application
  (``appInsId``'s scenario or deployed application, at either end). An application-level
  allocation takes all of them; a session-level one those that one of its ``sessionFilter``
  entries matches: every attribute given equals the flow's, seen from the terminal (source:
  the UE's address and port; destination: the application's emulated address and port) or the
  other way round (a filter written for the downlink); a port list matches any of its ports;
  ``protocol`` is the IANA number (6 TCP, 17 UDP).
* **What it guarantees.** Each matched flow's rate floor in its access's Share (see
  :mod:`.shaping.share`: a guarantee is a floor within the capacity, never a bonus above its
  demand). A flow on an access without a throughput in that direction shares nothing: it
  already has its path's whole rate.

The port reads the allocations through :class:`AllocationTerms`, a narrow protocol, so the
data plane does not depend on the service's modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from meclab.dataplane.flows import Flow
from meclab.dataplane.matching import address_in
from meclab.dataplane.switch import Switch
from meclab.engine.netchar import Direction

PROTOCOLS = {"TCP": 6, "UDP": 17}
"""IANA protocol numbers of what the relay carries."""


class SessionTerms(Protocol):
    """One ``sessionFilter`` entry (ETSI GS MEC 015 clause 7.2.2); None: any."""

    @property
    def sourceIp(self) -> str | None: ...
    @property
    def sourcePort(self) -> str | None: ...
    @property
    def dstAddress(self) -> str | None: ...
    @property
    def dstPort(self) -> str | None: ...
    @property
    def protocol(self) -> str | None: ...


class AllocationTerms(Protocol):
    """What the port reads of an allocation (``meclab.services.bwm.allocations.Allocation``)."""

    @property
    def id(self) -> str: ...
    @property
    def owner(self) -> str:
        """The application instance it belongs to."""

    @property
    def bps(self) -> float: ...
    @property
    def directions(self) -> tuple[Direction, ...]: ...
    @property
    def application_level(self) -> bool: ...
    @property
    def session_filters(self) -> Sequence[SessionTerms]: ...


def _ports(values: Sequence[str] | None) -> frozenset[int] | None:
    return None if not values else frozenset(int(v) for v in values)


@dataclass(frozen=True, slots=True)
class _Filter:
    source_ip: str | None
    source_ports: frozenset[int] | None
    dst_address: str | None
    dst_ports: frozenset[int] | None
    protocol: int | None

    @classmethod
    def of(cls, terms: SessionTerms) -> _Filter:
        protocol = None if terms.protocol is None else int(terms.protocol)
        source, dst = _ports(terms.sourcePort), _ports(terms.dstPort)
        return cls(terms.sourceIp, source, terms.dstAddress, dst, protocol)

    def matches(self, protocol: int | None, source: tuple[str, int], dst: tuple[str, int]) -> bool:
        return (
            address_in(source[0], self.source_ip)
            and (self.source_ports is None or source[1] in self.source_ports)
            and address_in(dst[0], self.dst_address)
            and (self.dst_ports is None or dst[1] in self.dst_ports)
            and (self.protocol is None or self.protocol == protocol)
        )


@dataclass(frozen=True, slots=True)
class _Matcher:
    """The flows of one allocation (hashable: it is also its guarantee's key)."""

    allocation_id: str
    app: str
    filters: tuple[_Filter, ...] | None
    """None: every flow of the application (an application-level allocation)."""
    switch: Switch

    def __call__(self, flow: Flow) -> bool:
        route = flow.route
        if route.ue is None or self.app not in (route.app, route.source):
            return False
        if self.filters is None:
            return True
        source = (self.switch.ue_ip(route.ue), flow.client[1])
        destination = (route.dst_ip, route.dst_port)
        protocol = PROTOCOLS.get(flow.protocol)
        return any(
            f.matches(protocol, source, destination) or f.matches(protocol, destination, source)
            for f in self.filters
        )

    def __hash__(self) -> int:
        return hash(self.allocation_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Matcher) and other.allocation_id == self.allocation_id


class Allocations:
    """The allocations in force and their guarantees (module docstring)."""

    def __init__(self) -> None:
        self.switch: Switch | None = None
        self._terms: dict[str, AllocationTerms] = {}
        self._matchers: dict[str, tuple[_Matcher, tuple[Direction, ...]]] = {}

    def attach(self, switch: Switch) -> None:
        """Guarantee on the flows of ``switch`` (the data plane started); the allocations
        already kept take effect now."""
        self.switch = switch
        for terms in list(self._terms.values()):
            self._set(terms)

    def reset(self) -> None:
        """A new scenario: no allocation is in force (the service dropped them, and the
        capacity forgot every guarantee)."""
        self._terms.clear()
        self._matchers.clear()

    # --- the BWM service's port -----------------------------------------------------------------

    async def apply(self, host: str, allocation: AllocationTerms) -> None:
        """Guarantee ``allocation`` from now on (a replaced one by its new terms)."""
        self._terms[allocation.id] = allocation
        self._set(allocation)

    async def release(self, host: str, allocation_id: str) -> None:
        """``allocation_id`` is gone: its flows share fairly again."""
        self._terms.pop(allocation_id, None)
        self._unset(allocation_id)

    # --- guarantees -----------------------------------------------------------------------------

    def _set(self, terms: AllocationTerms) -> None:
        switch = self.switch
        self._unset(terms.id)
        if switch is None or switch.apps is None:
            return  # attach() sets it
        entry = switch.apps.by_instance(terms.owner, switch.platforms)
        if entry is None:
            return
        filters = None if terms.application_level else tuple(map(_Filter.of, terms.session_filters))
        matcher = _Matcher(terms.id, entry.name, filters, switch)
        self._matchers[terms.id] = (matcher, terms.directions)
        for way in terms.directions:
            switch.capacity.set_guarantee(matcher, way, terms.bps)

    def _unset(self, allocation_id: str) -> None:
        held = self._matchers.pop(allocation_id, None)
        if held is None or self.switch is None:
            return
        matcher, ways = held
        for way in ways:
            self.switch.capacity.set_guarantee(matcher, way, 0)
