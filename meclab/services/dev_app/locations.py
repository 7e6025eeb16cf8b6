"""Where MEC hosts are, as MEC 016 LocationConstraints, and which hosts a constraint admits.

A host's location is the area its users are in: the longitude/latitude box around the
coverage circles of the points of access of its zone (a fog node: of its own point of access),
and around the host itself. Two hosts of one zone thus share a location, as they serve the same
terminals. A host with nothing placed (no position, no point of access) has no location.

A requested constraint admits a host when its ``area`` is that host's location (a device
application sending back what ``app_list`` or ``obtain_app_loc_availability`` answered), or
contains the host's position. meclab's world has no countries or civic addresses: a constraint
given only by ``countryCode`` or ``civicAddressElement`` admits every host.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from meclab.engine.geo import EARTH_RADIUS_M
from meclab.engine.topology import ElementKind, Topology
from meclab.services.dev_app.models import LocationConstraints, Polygon
from meclab.services.location.tracking import point_in_polygon

DIGITS = 7
"""Decimals of the degrees answered (about 1 cm): the same box every time it is computed."""

Box = tuple[float, float, float, float]
"""(west, south, east, north) in degrees."""


def _circle_box(lon: float, lat: float, radius_m: float) -> Box:
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def _position(top: Topology, host: str) -> tuple[float, float] | None:
    """A host's position; a fog node without one is at its point of access."""
    node = top.nodes.get(host)
    if node is not None and node.position is not None:
        return node.position
    element = top.elements.get(host)
    if element is not None and element.parent in top.poa_index:
        return top.poas[top.poa_index[element.parent]].position
    return None


def host_area(top: Topology, host: str) -> Box | None:
    """The box of a host's users (module docstring), or None."""
    element = top.elements.get(host)
    if element is None:
        return None
    if element.kind is ElementKind.FOG:
        poas = [top.poas[top.poa_index[element.parent]]] if element.parent in top.poa_index else []
    elif element.zone is not None:
        poas = [p for p in top.poas if top.elements[p.name].zone == element.zone]
    else:
        poas = []
    boxes = [_circle_box(*p.position, p.radius_m) for p in poas]
    position = _position(top, host)
    if position is not None:
        boxes.append((position[0], position[1], position[0], position[1]))
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def host_location(top: Topology, host: str) -> LocationConstraints | None:
    """A host's location as MEC 016 states one: a polygon, its ring closed (RFC 7946)."""
    box = host_area(top, host)
    if box is None:
        return None
    w, s, e, n = (round(v, DIGITS) for v in box)
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return LocationConstraints(area=Polygon(coordinates=[ring]))


def admits(top: Topology, constraint: LocationConstraints, host: str) -> bool:
    """Whether a requested constraint admits a host (module docstring)."""
    if constraint.area is None:
        return True
    own = host_location(top, host)
    if own is not None and own.area == constraint.area:
        return True
    position = _position(top, host)
    if position is None:
        return False
    outline, *holes = constraint.area.coordinates
    corners = [(c[0], c[1]) for c in outline if len(c) >= 2]
    if not point_in_polygon(position, corners):
        return False
    return not any(point_in_polygon(position, [(c[0], c[1]) for c in h]) for h in holes)


def distinct_locations(top: Topology, hosts: Iterable[str]) -> list[LocationConstraints]:
    """The locations of some hosts, each once, in the hosts' order."""
    out: list[LocationConstraints] = []
    for host in hosts:
        location = host_location(top, host)
        if location is not None and location not in out:
            out.append(location)
    return out
