"""The relocation demo's scenario: the AR walker crosses from one MEC host's zone into another's.

From the scenario data: the source is a 4G cell of a zone with a MEC host (the one given, or
the first such cell in scenario order that has a target), the target the nearest 4G cell of
another zone of its operator that has a MEC host too. The walker (4G only, as in the AR demo)
starts at the source cell's site, walks straight to the target cell's site and back, then
stops. On the default scenario that is ``4g-fontvieille`` to ``4g-condamine``, 830 m north-
north-east: it hands over to zone-condamine a little past half way (meclab hands over once the
neighbour is ``radio.hysteresis_db`` stronger) and back to zone-fontvieille on the way back,
two relocations. The engine checks it (:func:`crossings`): a walk that never reaches the
target zone is a DeriveError, not a run that shows nothing.

The AR edge application (:data:`APP_NAME`) gets an ``emulated: false`` instance on each of the
two zones' first MEC host, with an emulated address of its own and a DNS rule mapping
:data:`DOMAIN` to it: the client asks for ``http://ar-edge.mec`` and meclab's MEC DNS and
steering answer with the instance serving the walker now. The cloud component is an
application of the scenario's first cloud. Pure functions on the scenario model, as
:mod:`meclab.demo.derive`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from meclab.demo.ar.walk import VELOCITY_MPS, WALKER, WALKER_ADDRESS
from meclab.demo.derive import (
    DeriveError,
    Placement,
    clouds,
    free_addresses,
    free_loopback_ports,
    named_edge_app,
    with_apps,
)
from meclab.engine.geo import LocalProjection
from meclab.engine.world import World
from meclab.scenario.model import (
    Application,
    Domain,
    PointOfAccess,
    Scenario,
    Terminal,
    Zone,
)
from meclab.types import EndOfPath, RadioType

APP_NAME = "ar-demo-edge"
"""The application both instances are of (MEC 021 relocates between instances of one app)."""
DOMAIN = "ar-edge.mec"
CLOUD_APP = "ar-demo-cloud"
NETWORK = "10.78.0.0/24"
"""Where the edge instances' emulated addresses are taken from."""
DNS_RULE_ID = "ar-edge-dns"
CHECK_STEP_S = 1.0
"""Simulation seconds between two looks at the walker when checking the walk."""


@dataclass(frozen=True, slots=True)
class Edge:
    """An instance of the AR edge application: scenario app, host, zone, address, port."""

    app: str
    """Its scenario name, also its appInstanceId."""
    host: str
    zone: str
    address: str
    port: int


@dataclass(frozen=True, slots=True)
class Crossing:
    """The walker served by a cell of another zone than before."""

    t: float
    """Simulation seconds from the start (within :data:`CHECK_STEP_S`)."""
    before: str | None
    """The zone before (None: out of coverage)."""
    after: str | None


@dataclass(frozen=True, slots=True)
class RelocationWorld:
    """The derived scenario and where the demo's parts are."""

    scenario: Scenario
    walker: str
    address: str
    """The walker's UE address (``acr:``): the user the edge keeps a context of."""
    source_cell: str
    target_cell: str
    source: Edge
    """The instance of the zone the walk starts in."""
    target: Edge
    cloud_app: str
    cloud_port: int
    distance_m: float
    """From one cell's site to the other's."""
    duration_s: float
    """Simulation seconds from the start to the walker's return."""
    crossings: tuple[Crossing, ...]
    """The zone changes of the walk, as the engine makes them."""


def _lte_cells(zone: Zone) -> list[PointOfAccess]:
    return [poa for poa in zone.poas if poa.type is RadioType.LTE]


def _distance_m(a: PointOfAccess, b: PointOfAccess) -> float:
    xy = LocalProjection.around([a.position, b.position]).to_xy([a.position, b.position])
    return float(math.dist(xy[0], xy[1]))


def _target(domain: Domain, zone: Zone, cell: PointOfAccess) -> tuple[Zone, PointOfAccess] | None:
    """The nearest 4G cell of another zone of ``domain`` with a MEC host, and its zone."""
    others = [
        (z, poa)
        for z in domain.zones
        if z.name != zone.name and z.mec_hosts
        for poa in _lte_cells(z)
    ]
    return min(others, key=lambda found: _distance_m(cell, found[1]), default=None)


def _route(
    scenario: Scenario, cell: str | None
) -> tuple[Domain, Zone, PointOfAccess, Zone, PointOfAccess]:
    """Source domain, zone and cell, target zone and cell; DeriveError naming what is missing."""
    starts = [
        (domain, zone, poa)
        for domain in scenario.domains
        for zone in domain.zones
        for poa in zone.poas
        if (poa.name == cell if cell is not None else poa.type is RadioType.LTE)
    ]
    if cell is not None:
        if not starts:
            raise DeriveError(f"scenario {scenario.name} has no point of access {cell!r}")
        domain, zone, poa = starts[0]
        if poa.type is not RadioType.LTE:
            raise DeriveError(f"{cell} is a {poa.type} cell; the walk starts from a 4G one")
        if not zone.mec_hosts:
            raise DeriveError(f"zone {zone.name} of {cell} has no MEC host for an edge instance")
    for domain, zone, poa in starts:
        found = _target(domain, zone, poa) if zone.mec_hosts else None
        if found is not None:
            return domain, zone, poa, *found
    if cell is not None:
        raise DeriveError(
            f"operator {starts[0][0].name} of {cell} has no other zone with a MEC host and a "
            "4G cell for the walker to cross into"
        )
    raise DeriveError(
        f"scenario {scenario.name} has no two zones of one operator with a MEC host and a 4G "
        "cell each: the walk needs one to leave and one to enter"
    )


def crossings(scenario: Scenario, walker: str, until_s: float) -> list[Crossing]:
    """The zone changes of ``walker`` in the engine, every :data:`CHECK_STEP_S` to ``until_s``."""
    engine = World(scenario)
    engine.step(0.0)
    found: list[Crossing] = []
    zone = engine.zone_of(walker)
    for i in range(1, math.ceil(until_s / CHECK_STEP_S) + 1):
        t = min(until_s, i * CHECK_STEP_S)
        engine.step(t)
        now = engine.zone_of(walker)
        if now != zone:
            found.append(Crossing(t, zone, now))
            zone = now
    return found


def relocation_world(
    scenario: Scenario, *, cell: str | None = None, velocity_mps: float = VELOCITY_MPS
) -> RelocationWorld:
    """The demo's scenario derived from ``scenario``; DeriveError naming what is missing."""
    domain, zone, source_cell, target_zone, target_cell = _route(scenario, cell)
    cloud_names = clouds(scenario)
    if not cloud_names:
        raise DeriveError(f"scenario {scenario.name} has no cloud for the statistics")
    addresses = free_addresses(scenario, NETWORK, 2)
    *ports, cloud_port = free_loopback_ports(3)
    edges = [
        Edge(f"{APP_NAME}-{z.mec_hosts[0].name}", z.mec_hosts[0].name, z.name, address, port)
        for z, address, port in zip((zone, target_zone), addresses, ports, strict=True)
    ]
    placements = [
        named_edge_app(
            edge.host,
            edge.app,
            app_name=APP_NAME,
            address=edge.address,
            port=edge.port,
            domain=DOMAIN,
            rule_id=DNS_RULE_ID,
            app_instance_id=edge.app,
        )
        for edge in edges
    ]
    placements.append(
        Placement(cloud_names[0], Application(name=CLOUD_APP, endpoint=f"127.0.0.1:{cloud_port}"))
    )
    derived = with_apps(scenario, placements, name=f"{scenario.name}-relocation")
    home, away = source_cell.position, target_cell.position
    walker = Terminal(
        name=WALKER,
        address=WALKER_ADDRESS,
        path=[(home[0], home[1]), (away[0], away[1]), (home[0], home[1])],
        velocity_mps=velocity_mps,
        end_of_path=EndOfPath.STOP,
        radio_priority=[RadioType.LTE],
    )
    next(d for d in derived.domains if d.name == domain.name).terminals.append(walker)
    checked = with_apps(derived, [], name=derived.name)
    distance = _distance_m(source_cell, target_cell)
    duration = 2 * distance / velocity_mps
    walk = crossings(checked, WALKER, duration)
    if not any(c.after == target_zone.name for c in walk):
        seen = ", ".join(sorted({c.after or "no coverage" for c in walk})) or "none"
        raise DeriveError(
            f"walking from {source_cell.name} to {target_cell.name} and back, {WALKER} is "
            f"never served by a cell of {target_zone.name} (zones entered: {seen})"
        )
    return RelocationWorld(
        scenario=checked,
        walker=WALKER,
        address=WALKER_ADDRESS,
        source_cell=source_cell.name,
        target_cell=target_cell.name,
        source=edges[0],
        target=edges[1],
        cloud_app=CLOUD_APP,
        cloud_port=cloud_port,
        distance_m=distance,
        duration_s=duration,
        crossings=tuple(walk),
    )
