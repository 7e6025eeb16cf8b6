"""Positions: WGS84 longitude/latitude to local metres and back.

An equirectangular projection around the scenario's centre. At city scale (tens of km) its
distance error stays well under 0.1 %, far below what a path-loss model can tell apart.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG)."""


def _points(values: ArrayLike) -> NDArray[np.float64]:
    """Coordinate pairs as an array of shape (..., 2); an empty list is zero pairs, not a
    pair-less vector (a world may have no points of access, or no terminals)."""
    p = np.asarray(values, dtype=np.float64)
    return p.reshape(0, 2) if p.size == 0 else p


class LocalProjection:
    """Maps [lon, lat] degrees to [x, y] metres east and north of an origin, and back."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        self.lat0 = lat0
        self._kx = np.deg2rad(1.0) * EARTH_RADIUS_M * np.cos(np.deg2rad(lat0))
        self._ky = np.deg2rad(1.0) * EARTH_RADIUS_M

    @classmethod
    def around(cls, lonlat: ArrayLike) -> LocalProjection:
        """A projection centred on the middle of the bounding box of the given points."""
        points = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
        if len(points) == 0:
            return cls(0.0, 0.0)
        lo, hi = points.min(axis=0), points.max(axis=0)
        return cls(float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2))

    def to_xy(self, lonlat: ArrayLike) -> NDArray[np.float64]:
        """Metres east and north of the origin, shape (..., 2); no points give shape (0, 2)."""
        p = _points(lonlat)
        out = np.empty_like(p)
        out[..., 0] = (p[..., 0] - self.lon0) * self._kx
        out[..., 1] = (p[..., 1] - self.lat0) * self._ky
        return out

    def to_lonlat(self, xy: ArrayLike) -> NDArray[np.float64]:
        """Degrees [lon, lat], shape (..., 2); no points give shape (0, 2)."""
        p = _points(xy)
        out = np.empty_like(p)
        out[..., 0] = p[..., 0] / self._kx + self.lon0
        out[..., 1] = p[..., 1] / self._ky + self.lat0
        return out
