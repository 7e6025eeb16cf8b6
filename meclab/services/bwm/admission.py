"""Admission of bandwidth allocations: what a MEC host can honour, from the world.

Per direction (a symmetrical allocation counts in both), the sum of the ``fixedAllocation``
of a host's allocations that load one element must stay within :data:`ADMISSIBLE_FRACTION`
of that element's throughput in that direction:

* an application-level allocation (requestType 0) loads the host's own link: the MEC host's
  network characteristics in the scenario (``throughput_ul_mbps`` uplink,
  ``throughput_dl_mbps`` downlink);
* a session-specific allocation (requestType 1) loads the serving point of access of each
  terminal its filters name: ``sourceIp`` uplink (the terminal sends), ``dstAddress``
  downlink (the terminal receives). An address (with or without ``acr:``, or a CIDR range)
  names the terminals of the scenario whose address it is or covers; one that names none is
  a 400 naming the attribute (``sessionFilter[0].sourceIp``). A filter without that address
  loads nothing in that direction. An allocation counts once per point of access, however
  many of its terminals that serves.

The world is read as it stands at the request: a terminal out of coverage loads nothing, and
the others' allocations are counted at their terminals' current points of access. An element
without a throughput in a direction is unlimited there. A refusal is a 409 naming the
element, the direction, what is asked and what is left, and nothing is stored or changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import ip_address, ip_network

from meclab.engine.netchar import Direction
from meclab.engine.topology import Topology
from meclab.engine.world import World
from meclab.platform.errors import Conflict, InvalidField
from meclab.services.bwm.allocations import Allocation

ADMISSIBLE_FRACTION = 0.9
"""The share of an element's throughput that allocations may reserve: the rest is kept for
the traffic no allocation covers (signalling, other applications), so that a full book of
guarantees never starves it."""

FILTER_ADDRESS = {Direction.UP: "sourceIp", Direction.DOWN: "dstAddress"}
"""The filter attribute that names the terminal of each direction."""

WORDS = {Direction.UP: "uplink", Direction.DOWN: "downlink"}

Load = tuple[str, Direction]
"""An element (MEC host or point of access) and a direction an allocation reserves in."""


@dataclass(frozen=True, slots=True)
class _Addresses:
    top: Topology
    terminals: dict[str, str]
    """Terminal names by the IP address of their scenario address (``acr:`` stripped)."""


class Admission:
    """Decides whether a host can honour an allocation (module docstring)."""

    def __init__(self) -> None:
        self._addresses: _Addresses | None = None

    def check(self, world: World, candidate: Allocation, others: Iterable[Allocation]) -> None:
        """Conflict (409) when ``candidate`` does not fit beside the host's ``others`` (those
        of other hosts, and ``candidate``'s own former version, are not counted);
        InvalidField (400) when a filter's address names no terminal."""
        wanted = self.loads(world, candidate, strict=True)
        if not wanted:
            return
        kept = [a for a in others if a.host == candidate.host and a.id != candidate.id]
        for element, direction in sorted(wanted, key=lambda load: (load[0], load[1].value)):
            mbps = _throughput(world, element, direction)
            if mbps is None:
                continue
            limit = ADMISSIBLE_FRACTION * mbps * 1e6
            used = sum(a.bps for a in kept if (element, direction) in self.loads(world, a))
            if used + candidate.bps > limit:
                kind = "MEC host" if element == candidate.host else "point of access"
                raise Conflict(
                    f"{kind} {element} cannot honour {candidate.bps:.0f} bit/s {WORDS[direction]}:"
                    f" {max(0.0, limit - used):.0f} bit/s are left of the {limit:.0f} bit/s "
                    f"allocations may reserve there ({ADMISSIBLE_FRACTION:.0%} of "
                    f"{mbps:g} Mbit/s); nothing was changed"
                )

    def loads(self, world: World, allocation: Allocation, *, strict: bool = False) -> set[Load]:
        """The elements and directions ``allocation`` reserves in now. ``strict``: an address
        that names no terminal is a 400 (else it loads nothing)."""
        if allocation.application_level:
            return {(allocation.host, d) for d in allocation.directions}
        found: set[Load] = set()
        for i, session in enumerate(allocation.info.sessionFilter or []):
            for direction in allocation.directions:
                attribute = FILTER_ADDRESS[direction]
                value = getattr(session, attribute)
                if value is None:
                    continue
                names = self._terminals(world, value)
                if not names and strict:
                    raise InvalidField(
                        f"sessionFilter[{i}].{attribute}", f"{value} is no terminal's address"
                    )
                for name in names:
                    poa = world.serving_poa(name)
                    if poa is not None:
                        found.add((poa, direction))
        return found

    def _terminals(self, world: World, value: str) -> list[str]:
        """The terminals ``value`` (an address or range) names."""
        addresses = self._addresses
        if addresses is None or addresses.top is not world.top:  # once per world
            terminals = {t.address.removeprefix("acr:"): t.name for t in world.top.terminals}
            addresses = self._addresses = _Addresses(world.top, terminals)
        network = ip_network(value.removeprefix("acr:"), strict=False)
        if network.num_addresses == 1:
            name = addresses.terminals.get(str(network.network_address))
            return [] if name is None else [name]
        found = []
        for address, name in addresses.terminals.items():
            try:
                if ip_address(address) in network:
                    found.append(name)
            except ValueError:  # a terminal address that is no IP address
                continue
        return found


def _throughput(world: World, element: str, direction: Direction) -> float | None:
    """The element's throughput in ``direction``, Mbit/s; None when it has none."""
    found = world.top.elements.get(element)
    if found is None:
        return None
    netchar = found.netchar
    return netchar.throughput_ul_mbps if direction is Direction.UP else netchar.throughput_dl_mbps
