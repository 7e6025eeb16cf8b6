"""Location's view of the world (southbound): users, zones and access points of a MEC host.

Everything here is read from the engine at call time; nothing is copied or kept between ticks
except caches keyed by the world state they were computed from.

**Scope of a host.** Each MEC host's Location API reports on its operator: the zones of the
host's domain, the points of access (4G/5G cells, Wi-Fi APs) of those zones and the terminals
of that domain. A terminal only ever attaches to a PoA of its own operator (engine rule), so a
host's users, zones and access points always agree with each other, in queries and in
notifications alike.

**The world in MEC 013 terms** (ETSI GS MEC 013 clause 5 and 6.2):

* a *user* is a terminal attached to a PoA, named by its address (``acr:10.0.0.1``); a terminal
  out of coverage has no access point, so the location service cannot locate it: it is not
  listed, and subscriptions keep their last state about it until it is located again;
* a *zone* is a meclab zone; an *access point* is a PoA, identified by its name;
* a user's zone and access point are those of its serving PoA, and the number of users of a
  zone or access point counts the terminals that PoA serves.

**Positions and distances.** A user's location is its engine position in WGS84, which the
engine knows exactly: it is reported as an ellipsoid point with an uncertainty circle of
:data:`LOCATION_ACCURACY_M` (TS 23.032 shape 5) and its velocity (speed and bearing from the
terminal's path). Distances are measured on the engine's local projection
(:mod:`meclab.engine.geo`), the same metres the radio model uses, so that a distance query and
a distance or area notification at the same instant agree exactly; the projection is accurate
to :data:`DISTANCE_ERROR_RATIO` at city scale, which the distance's ``accuracy`` reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.types import RadioType

LOCATION_ACCURACY_M = 1
"""Uncertainty radius of a reported position: the engine's positions are exact, and 1 m is the
smallest integer accuracy the LocationInfo type can carry."""

DISTANCE_ERROR_RATIO = 0.002
"""Relative error bound of a distance on the engine's equirectangular projection within tens
of kilometres of the scenario's centre (DESIGN.md: "distances on a local projection are fine
at city scale")."""

SHAPE_POINT = 2
"""TS 23.032 ellipsoid point: where an access point stands (surveyed, no uncertainty)."""
SHAPE_POINT_UNCERTAINTY_CIRCLE = 5
"""TS 23.032 ellipsoid point with uncertainty circle: a user's position."""

HEADING_STEP_S = 0.01
"""Time step used to read a terminal's direction of travel off its path."""

CONNECTION_TYPES: dict[RadioType, str] = {
    RadioType.LTE: "LTE",
    RadioType.NR: "5G NR",
    RadioType.WIFI: "Wifi",
}
"""MEC 013 v3 ConnectionType of each radio type."""

SERVICEABLE = "Serviceable"
"""Every PoA's operation status: the engine has no failure model for points of access."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What one MEC host's Location API reports on: its operator's zones, PoAs and terminals."""

    host: str
    domain: str
    zones: tuple[str, ...]
    """Zone names, in scenario order."""
    zone_poas: dict[str, tuple[int, ...]]
    """PoA indices of each zone."""
    poa_zone: dict[str, str]
    """Zone of each PoA in scope, by PoA name."""
    users: tuple[int, ...]
    """Indices of the terminals of the domain."""
    by_address: dict[str, int]
    """Terminal index by address, for the terminals of the domain."""

    def user(self, address: str) -> int | None:
        """Index of the terminal with this address in scope (see :func:`canonical`), or None."""
        return self.by_address.get(canonical(address))


def canonical(address: str) -> str:
    """A user address as meclab names terminals: ``10.0.0.1`` -> ``acr:10.0.0.1``.

    Every terminal's address has the ``acr:`` scheme (scenario rule); sandbox clients often
    send the bare IP address, which names the same user.
    """
    return address if address.startswith("acr:") else f"acr:{address}"


class Snapshot:
    """One world state, with what the location service derives from it computed on demand."""

    def __init__(self, world: World, by_address: dict[str, int]) -> None:
        self.world = world
        self.state = world.state
        self.t = world.state.t
        self.by_address = by_address
        """Terminal index by address, over the whole world."""

    def index(self, address: str) -> int | None:
        """Index of the terminal with this address (see :func:`canonical`), or None."""
        return self.by_address.get(canonical(address))

    # Reads go to the engine's arrays one element at a time: a tick touches a few hundred
    # terminals at most, and converting whole arrays would cost O(terminals) per tick.

    def position(self, i: int) -> tuple[float, float]:
        """Terminal ``i``'s position in local metres."""
        xy = self.state.xy
        # ndarray.item gives the Python float at once: a quarter of the cost of a row view
        # unpacked and converted (0.17 vs 0.77 us here), and the same value.
        return xy.item(i, 0), xy.item(i, 1)

    def located(self, i: int) -> bool:
        """Whether terminal ``i`` is attached, hence locatable."""
        return bool(self.state.serving.item(i) >= 0)

    def poa(self, i: int) -> str | None:
        c = int(self.state.serving[i])
        return self.world.poa_names[c] if c >= 0 else None

    def zone(self, i: int) -> str | None:
        c = int(self.state.serving[i])
        return self.world.top.zones[self.world.cell_zone[c]] if c >= 0 else None

    def served(self, c: int) -> int:
        """Number of terminals PoA ``c`` serves."""
        return int(self.state.served[c])

    def served_by(self, poas: NDArray[np.intp]) -> int:
        """Number of terminals the PoAs at these indices serve together."""
        return int(self.state.served[poas].sum())

    def address(self, i: int) -> str:
        return self.world.top.terminals[i].address

    def lonlat(self, i: int) -> tuple[float, float]:
        lon, lat = self.world.projection.to_lonlat(self.state.xy[i])
        return float(lon), float(lat)

    @cached_property
    def _ahead(self) -> NDArray[np.float64]:
        # Every terminal at once, at most once per tick, and only when a velocity is reported.
        return self.world.paths.positions(self.t + HEADING_STEP_S)

    def velocity(self, i: int) -> tuple[float, float]:
        """(speed in m/s, bearing in degrees clockwise from north) along the terminal's path."""
        if self.world.paths.pinned[i]:
            return 0.0, 0.0
        (x0, y0), (x1, y1) = self.position(i), self._ahead[i]
        dx, dy = float(x1) - x0, float(y1) - y0
        speed = math.hypot(dx, dy) / HEADING_STEP_S
        bearing = math.degrees(math.atan2(dx, dy)) % 360.0 if speed > 0 else 0.0
        return speed, bearing

    def distance(self, i: int, j: int) -> float:
        """Metres between terminals ``i`` and ``j``."""
        (x0, y0), (x1, y1) = self.position(i), self.position(j)
        return math.hypot(x1 - x0, y1 - y0)

    def distance_to(self, i: int, point: tuple[float, float]) -> float:
        """Metres from terminal ``i`` to a point given in local metres."""
        x, y = self.position(i)
        return math.hypot(point[0] - x, point[1] - y)

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.world.projection.to_xy(np.asarray([lon, lat])).tolist()
        return float(x), float(y)


class LocationView:
    """The southbound adapter: scopes and snapshots of the runtime's current world."""

    def __init__(self, runtime: Runtime, platforms: Platforms) -> None:
        self.runtime = runtime
        self.platforms = platforms
        self._scopes: dict[str, Scope] = {}
        self._scopes_of: World | None = None
        self._snapshot: Snapshot | None = None
        self._addresses: dict[str, int] = {}

    @property
    def world(self) -> World:
        return self.runtime.world

    def snapshot(self) -> Snapshot:
        """The current world state (one object per tick, shared by all who ask during it)."""
        world = self.world
        snap = self._snapshot
        if snap is None or snap.world is not world or snap.state is not world.state:
            if snap is None or snap.world is not world:
                self._addresses = {t.address: i for i, t in enumerate(world.top.terminals)}
            snap = self._snapshot = Snapshot(world, self._addresses)
        return snap

    def scope(self, host: str) -> Scope:
        """The part of the world ``host``'s Location API reports on."""
        world = self.world
        if self._scopes_of is not world:
            self._scopes = {}
            self._scopes_of = world
        scope = self._scopes.get(host)
        if scope is None:
            scope = self._scopes[host] = build_scope(world, host, self.platforms)
        return scope


def build_scope(world: World, host: str, platforms: Platforms) -> Scope:
    """The scope of ``host``: the zones, PoAs and terminals of its operator domain."""
    top = world.top
    domain = platforms.host(host).domain or ""
    zones = tuple(z for z in top.zones if top.elements[z].domain == domain)
    zone_poas: dict[str, list[int]] = {z: [] for z in zones}
    poa_zone: dict[str, str] = {}
    for c, name in enumerate(world.poa_names):
        zone = top.zones[world.cell_zone[c]]
        if zone in zone_poas:
            zone_poas[zone].append(c)
            poa_zone[name] = zone
    users = tuple(i for i, t in enumerate(top.terminals) if top.elements[t.name].domain == domain)
    by_address = {top.terminals[i].address: i for i in users}
    return Scope(
        host=host,
        domain=domain,
        zones=zones,
        zone_poas={z: tuple(p) for z, p in zone_poas.items()},
        poa_zone=poa_zone,
        users=users,
        by_address=by_address,
    )
