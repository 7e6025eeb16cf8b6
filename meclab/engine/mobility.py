"""Terminals moving along paths, all at once.

Every terminal's position is a pure function of simulation time: it has travelled
``distance = offset + velocity x t`` metres along its path, folded by its end-of-path mode.
Nothing accumulates from tick to tick, so the position at time t is the same whatever the tick
rate and however a run was paused, sped up or restarted.

Paths live in flat arrays: every terminal's points one after the other, with cumulative
distances shifted so that they increase over the whole array. One ``searchsorted`` then finds the
current segment of every terminal together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from meclab.types import EndOfPath

MODE_CODES: tuple[EndOfPath, ...] = (EndOfPath.LOOP, EndOfPath.REVERSE, EndOfPath.STOP)


class Paths:
    """The paths of N terminals in local metres, and where each one is at a given time."""

    def __init__(
        self,
        paths: Sequence[NDArray[np.float64]],
        velocity_mps: Sequence[float] | NDArray[np.float64],
        modes: Sequence[EndOfPath],
    ) -> None:
        n = len(paths)
        closed = [
            np.vstack([p, p[:1]])
            if m is EndOfPath.LOOP and len(p) > 1 and not np.array_equal(p[0], p[-1])
            else p
            for p, m in zip(paths, modes, strict=True)
        ]
        counts = np.fromiter((len(p) for p in closed), dtype=np.int64, count=n)
        self.count = counts
        self.start = np.zeros(n, dtype=np.int64)
        if n:
            np.cumsum(counts[:-1], out=self.start[1:])
        self.points = np.concatenate(closed) if n else np.zeros((0, 2))
        seg = np.hypot(*np.diff(self.points, axis=0).T) if len(self.points) > 1 else np.zeros(0)
        # Segment lengths that cross from one terminal's path into the next are not real.
        local = np.zeros(len(self.points))
        if len(seg):
            local[1:] = seg
        local[self.start] = 0.0
        cum = np.cumsum(local)
        self.length = np.zeros(n)
        last = self.start + counts - 1
        self.length[:] = cum[last] - cum[self.start]
        # Keys increase over the whole array: each path gets its own interval [base, base+length].
        self.base = np.zeros(n)
        if n:
            np.cumsum(self.length[:-1] + 1.0, out=self.base[1:])
        shift = np.repeat(self.base - cum[self.start], counts)
        self.keys = cum + shift
        self.velocity = np.asarray(velocity_mps, dtype=np.float64).copy()
        self.mode = np.array([MODE_CODES.index(m) for m in modes], dtype=np.int8)
        self.offset = np.zeros(n)
        """Distance already travelled at t = 0 (changed when a terminal's motion is re-anchored)."""
        self.pinned = np.zeros(n, dtype=bool)
        self.pinned_xy = np.zeros((n, 2))

    def __len__(self) -> int:
        return len(self.count)

    def travelled(
        self, t: float, which: NDArray[np.intp] | slice = slice(None)
    ) -> NDArray[np.float64]:
        """Distance along its path each terminal (of ``which``) is at, at time t, folded by
        end-of-path mode."""
        s = self.offset[which] + self.velocity[which] * t
        length = self.length[which]
        mode = self.mode[which]
        out = np.minimum(s, length)  # STOP, and any path of length 0
        moving = length > 0
        loop = moving & (mode == 0)
        out[loop] = np.mod(s[loop], length[loop])
        rev = moving & (mode == 1)
        m = np.mod(s[rev], 2.0 * length[rev])
        out[rev] = np.where(m > length[rev], 2.0 * length[rev] - m, m)
        return out

    def positions(
        self, t: float, which: NDArray[np.intp] | slice = slice(None)
    ) -> NDArray[np.float64]:
        """Positions (N, 2) in metres at time t; of the terminals ``which`` picks (indices)
        only, in that order, when given (what a prediction for a few terminals needs)."""
        base = self.base[which]
        n = len(base)
        if n == 0:
            return np.zeros((0, 2))
        key = base + self.travelled(t, which)
        seg = np.searchsorted(self.keys, key, side="right") - 1
        first = self.start[which]
        last = first + self.count[which] - 1
        seg = np.clip(seg, first, np.maximum(first, last - 1))
        nxt = np.minimum(seg + 1, last)
        span = self.keys[nxt] - self.keys[seg]
        frac = np.divide(key - self.keys[seg], span, out=np.zeros(n), where=span > 0)
        p0, p1 = self.points[seg], self.points[nxt]
        xy = p0 + frac[:, None] * (p1 - p0)
        pinned = self.pinned[which]
        if pinned.any():
            xy[pinned] = self.pinned_xy[which][pinned]
        return xy

    def pin(self, index: int, xy: NDArray[np.float64]) -> None:
        """Hold terminal ``index`` at ``xy`` from now on, off its path."""
        self.pinned[index] = True
        self.pinned_xy[index] = xy

    def unpin(self, index: int) -> None:
        """Put terminal ``index`` back on its path, where its path puts it at any time."""
        self.pinned[index] = False
