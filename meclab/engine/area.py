"""The scenario's area: where its world is, to tell a plausible position from a mistake.

The area (``World.area``) is the longitude/latitude bounding box of everything a terminal can
meet: points of access, terminals' paths, MEC hosts and fog nodes that have a position. Clouds
are left out: a public cloud placed in another country says where its data centre is, not where
terminals go.

A position counts as inside when it lies within :attr:`ScenarioArea.margin_m` of the box. The
margin is the largest PoA radius (the farthest a terminal can still be served) plus
:data:`MARGIN_M`, so that walking a terminal out of coverage stays an ordinary move, while a
longitude and latitude given the wrong way round (thousands of kilometres off at most places
on Earth) is caught.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from meclab.engine.geo import EARTH_RADIUS_M

MARGIN_M = 5_000.0
"""Room beyond the farthest reach of any cell, for moves out of coverage."""


def great_circle_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres between two WGS84 points on the mean-radius sphere (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class OutsideArea(ValueError):
    """A position far outside the scenario's area; the message says how far (see refusal)."""


@dataclass(frozen=True, slots=True)
class ScenarioArea:
    """A scenario's bounding box in degrees and the margin around it in metres."""

    west: float
    south: float
    east: float
    north: float
    margin_m: float

    @classmethod
    def bounding(cls, lonlat: ArrayLike, reach_m: float) -> ScenarioArea | None:
        """The box around [lon, lat] points, shape (N, 2), with a margin of ``reach_m`` (the
        largest PoA radius) plus :data:`MARGIN_M`; None when there are no points."""
        points = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
        if len(points) == 0:
            return None
        (west, south), (east, north) = points.min(axis=0), points.max(axis=0)
        return cls(float(west), float(south), float(east), float(north), reach_m + MARGIN_M)

    def distance_m(self, lon: float, lat: float) -> float:
        """How far [lon, lat] lies from the bounding box (0 inside it), in metres."""
        nearest_lon = min(max(lon, self.west), self.east)
        nearest_lat = min(max(lat, self.south), self.north)
        return great_circle_m(lon, lat, nearest_lon, nearest_lat)

    def contains(self, lon: float, lat: float) -> bool:
        """Whether [lon, lat] lies within the margin of the bounding box."""
        return self.distance_m(lon, lat) <= self.margin_m

    def refusal(self, lon: float, lat: float) -> str | None:
        """Why [lon, lat] is no place to move a terminal to, or None when it is inside.

        The reason says how far outside the position is and, when reading it as [lat, lon]
        would land inside, that longitude and latitude look swapped.
        """
        distance = self.distance_m(lon, lat)
        if distance <= self.margin_m:
            return None
        text = (
            f"lon {lon:g}, lat {lat:g} is {_km(distance)} outside the scenario's area "
            f"(lon {self.west:g} to {self.east:g}, lat {self.south:g} to {self.north:g}, "
            f"give or take {_km(self.margin_m)})"
        )
        if -90.0 <= lon <= 90.0 and self.contains(lat, lon):
            text += (
                f"; longitude and latitude look swapped: lon {lat:g}, lat {lon:g} is inside "
                "(positions are LON,LAT)"
            )
        return text


def _km(metres: float) -> str:
    return f"{metres / 1000.0:,.1f} km"
