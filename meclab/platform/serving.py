"""Which MEC host serves a UE now: the one whose DNS and traffic rules apply to it.

ETSI GS MEC 011 attaches DNS rules (clause 7.1.2.3) and traffic rules (clause 7.1.2.2) to an
application instance on one MEC host; the MEC platform of that host configures them in the DNS
server and the data plane it controls (ETSI GS MEC 003, the MEC platform's role). Those are the
data plane and DNS server a UE's traffic meets, that is, those of the MEC host serving the UE.
meclab decides which host that is from the world alone, at the moment of asking:

1. the UE's serving point of access (PoA) now; none when it is out of coverage (then no host
   serves it and no rule applies);
2. first, the fog nodes hanging at that PoA which run at least one application instance (a fog
   node with nothing on it is no reason to take the UE's traffic off its MEC host);
3. then the MEC hosts of the zone the PoA belongs to.

Within each group, scenario order. Callers give precedence to the first host of the list that
has something for the UE (see ``meclab.dataplane.dns``). A handover to a PoA of another zone
changes the answer at once, since nothing is cached but the static index of the topology.
"""

from __future__ import annotations

from dataclasses import dataclass

from meclab.engine.topology import ElementKind, Topology
from meclab.engine.world import UnknownElement, World
from meclab.platform.platform import Platforms


@dataclass(frozen=True, slots=True)
class HostIndex:
    """Compute nodes by where they hang: fog nodes per PoA, MEC hosts per zone.

    Built once per topology (elements never move; only serving PoAs change), so that a DNS
    query or a flow start costs two dictionary look-ups rather than a scan of every element.
    """

    fogs_at_poa: dict[str, tuple[str, ...]]
    mec_hosts_in_zone: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, top: Topology) -> HostIndex:
        fogs: dict[str, list[str]] = {}
        hosts: dict[str, list[str]] = {}
        for name, element in top.elements.items():
            if element.kind is ElementKind.FOG and element.parent is not None:
                fogs.setdefault(element.parent, []).append(name)
            elif element.kind is ElementKind.MEC_HOST and element.zone is not None:
                hosts.setdefault(element.zone, []).append(name)
        return cls(
            {poa: tuple(names) for poa, names in fogs.items()},
            {zone: tuple(names) for zone, names in hosts.items()},
        )


class _IndexCache:
    """The index of the topology last asked about.

    Keyed by identity and holding the topology itself, so that the key cannot be reused by a
    new object while the entry lives; a new scenario (a new topology) simply replaces it.
    """

    def __init__(self) -> None:
        self._top: Topology | None = None
        self._index: HostIndex | None = None

    def of(self, top: Topology) -> HostIndex:
        if self._top is not top or self._index is None:
            self._index = HostIndex.build(top)
            self._top = top
        return self._index


_indexes = _IndexCache()


def host_index(world: World) -> HostIndex:
    """The (cached) fog/MEC host index of ``world``'s topology."""
    return _indexes.of(world.top)


def serving_hosts(world: World, platforms: Platforms, ue: str) -> list[str]:
    """Names of the hosts serving UE ``ue`` now, most local first (see the module docstring).

    Empty when the UE is out of coverage or not a terminal of ``world``.
    """
    try:
        poa = world.serving_poa(ue)
    except UnknownElement:
        return []
    if poa is None:
        return []
    index = host_index(world)
    fogs = [f for f in index.fogs_at_poa.get(poa, ()) if _runs_apps(platforms, f)]
    zone = world.top.elements[poa].zone
    hosts = list(index.mec_hosts_in_zone.get(zone, ())) if zone is not None else []
    return fogs + hosts


def _runs_apps(platforms: Platforms, host: str) -> bool:
    # Any instance counts, READY or not: whether its rules act is decided by the rule lookup
    # (effective_*_rules), not by which host is in charge.
    return any(app.host == host for app in platforms.apps.values())
