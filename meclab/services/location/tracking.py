"""The state machines behind tick-driven location subscriptions, free of I/O and of clocks.

Each takes the simulation time ``t`` and a :class:`~.southbound.Snapshot` as arguments and
answers what changed; the caller decides what to notify. They live inside a subscription's
criteria, so they start afresh when a subscription is created, replaced (PUT) or restored.

**Time.** Report pacing (periodic intervals, ``minimumInterval``, ``maximumFrequency``, v2
``frequency``) counts *simulation* seconds: a report every 10 s samples the world at the same
points of a terminal's path whatever the speed-up, and stepped tests are exact. Lifetimes
(``expiryDeadline``, v2 ``duration``) are wall-clock, as every MEC TimeStamp is.

**Edge triggering with tolerance.** An area or distance event fires exactly when its condition
becomes true, and re-arms only once the condition is false by more than the subscription's
``trackingAccuracy`` ("number of meters of acceptable error", MEC 013 clause 6.3.8 and 6.3.9):
a terminal walking along a border does not produce a stream of events, and every report is
within the accepted error of the true crossing.

**Deferral.** A change the reporting controls do not let out yet is not recorded as reported:
it is reported at the first tick that allows it, if it still holds then; a change and its
reversal within the blocked interval cancel out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from meclab.services.location.southbound import Snapshot

EPSILON_S = 1e-9
"""Tolerance on time comparisons (tick times are sums of floats)."""


@dataclass(slots=True)
class Pacer:
    """Reporting controls of one subscription: at most ``max_count`` notifications (0: no
    limit), at least ``min_gap_s`` simulation seconds apart (MEC 013 clause 6.5.6)."""

    max_count: int = 0
    min_gap_s: float = 0.0
    count: int = 0
    last_t: float | None = None

    def ready(self, t: float) -> bool:
        """Whether a notification may go out at time ``t``."""
        if self.exhausted:
            return False
        return self.last_t is None or t - self.last_t >= self.min_gap_s - EPSILON_S

    def record(self, t: float) -> bool:
        """Count a notification sent at ``t``; True when it was the last one allowed."""
        self.count += 1
        self.last_t = t
        return self.exhausted

    @property
    def exhausted(self) -> bool:
        return 0 < self.max_count <= self.count


@dataclass(frozen=True, slots=True)
class Circle:
    """A circle on the ground: centre [lon, lat] and radius in metres."""

    lon: float
    lat: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class Polygon:
    """A polygon on the ground: its corners as [lon, lat]."""

    corners: tuple[tuple[float, float], ...]


Area = Circle | Polygon


@dataclass(slots=True)
class AreaWatch:
    """Which terminals are inside an area, with a tolerance band just outside its border.

    A terminal is inside once it is within the area; it stays inside until it is more than
    ``tolerance_m`` outside. ``state`` holds what was last *recorded* per terminal index.
    """

    area: Area
    tolerance_m: float
    state: dict[int, bool] = field(default_factory=dict)
    _xy: tuple[object, list[tuple[float, float]]] | None = None

    def _corners(self, snap: Snapshot) -> list[tuple[float, float]]:
        # Project the area once per world (its projection never changes during a run).
        if self._xy is None or self._xy[0] is not snap.world:
            if isinstance(self.area, Circle):
                points = [snap.to_xy(self.area.lon, self.area.lat)]
            else:
                points = [snap.to_xy(lon, lat) for lon, lat in self.area.corners]
            self._xy = (snap.world, points)
        return self._xy[1]

    def inside(self, snap: Snapshot, i: int) -> bool | None:
        """Whether terminal ``i`` counts as inside now (None: it cannot be located)."""
        if not snap.located(i):
            return None
        was = self.state.get(i, False)
        corners = self._corners(snap)
        if isinstance(self.area, Circle):
            d = snap.distance_to(i, corners[0])
            return d <= self.area.radius_m + (self.tolerance_m if was else 0.0)
        point = snap.position(i)
        if point_in_polygon(point, corners):
            return True
        return was and distance_to_polygon(point, corners) <= self.tolerance_m

    def changes(self, snap: Snapshot, indices: list[int]) -> list[tuple[int, bool]]:
        """Terminals whose in/out differs from what was recorded; the first observation of a
        terminal is recorded silently (a baseline, not a crossing)."""
        out = []
        state = self.state
        if isinstance(self.area, Circle):
            # inside() for a circle, unrolled: this runs for every watched terminal at every
            # tick (issue 4's benchmark: 4,000 terminals a tick, a third of the tick's time).
            centre = self._corners(snap)[0]
            radius = self.area.radius_m
            band = radius + self.tolerance_m
            for i in indices:
                if not snap.located(i):
                    continue
                was = state.get(i)
                now = snap.distance_to(i, centre) <= (band if was else radius)
                if was is None:
                    state[i] = now
                elif now != was:
                    out.append((i, now))
            return out
        for i in indices:
            now = self.inside(snap, i)
            if now is None:
                continue
            if i not in state:
                state[i] = now
            elif now != state[i]:
                out.append((i, now))
        return out


def point_in_polygon(p: tuple[float, float], corners: list[tuple[float, float]]) -> bool:
    """Even-odd ray casting; a point on an edge may fall either side."""
    x, y = p
    inside = False
    n = len(corners)
    for k in range(n):
        (x0, y0), (x1, y1) = corners[k], corners[(k + 1) % n]
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def distance_to_polygon(p: tuple[float, float], corners: list[tuple[float, float]]) -> float:
    """Metres from ``p`` to the nearest edge of the polygon."""
    best = math.inf
    n = len(corners)
    for k in range(n):
        (x0, y0), (x1, y1) = corners[k], corners[(k + 1) % n]
        dx, dy = x1 - x0, y1 - y0
        span = dx * dx + dy * dy
        u = 0.0 if span == 0 else max(0.0, min(1.0, ((p[0] - x0) * dx + (p[1] - y0) * dy) / span))
        best = min(best, math.hypot(p[0] - (x0 + u * dx), p[1] - (y0 + u * dy)))
    return best


@dataclass(slots=True)
class DistanceWatch:
    """Whether pairs of terminals are within (or beyond) a distance, all of them or any.

    A pair satisfies *within* from the moment it is at most ``distance_m`` apart until it is
    more than ``distance_m + tolerance_m`` apart; *beyond* from the moment it is more than
    ``distance_m`` apart until it is at most ``distance_m - tolerance_m`` apart. ``met`` is the
    condition as last recorded (None before the first observation).
    """

    distance_m: float
    tolerance_m: float
    within: bool
    every: bool
    pairs: dict[tuple[int, int], bool] = field(default_factory=dict)
    met: bool | None = None

    def observe(self, snap: Snapshot, pairs: list[tuple[int, int]]) -> bool | None:
        """The condition now (pair states are updated); None while no pair can be measured.

        A pair with a terminal that cannot be located keeps its last state.
        """
        for pair in pairs:
            a, b = pair
            if not (snap.located(a) and snap.located(b)):
                continue
            d = snap.distance(a, b)
            was = self.pairs.get(pair, False)
            if self.within:
                self.pairs[pair] = d <= self.distance_m + (self.tolerance_m if was else 0.0)
            else:
                self.pairs[pair] = d > self.distance_m - (self.tolerance_m if was else 0.0)
        known = [self.pairs[p] for p in pairs if p in self.pairs]
        if not known:
            return None
        return all(known) and len(known) == len(pairs) if self.every else any(known)

    def satisfying(self, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return [p for p in pairs if self.pairs.get(p)]


@dataclass(slots=True)
class PeriodicClock:
    """Report times ``start + k x interval_s`` (k = 1, 2 ...) on simulation time, without drift.

    When ticks are further apart than the interval, one report goes out per tick and the missed
    times are skipped rather than sent in a burst.
    """

    interval_s: float
    start: float | None = None
    done: int = 0
    """Report times passed so far."""

    def prime(self, t: float) -> None:
        """Count intervals from ``t`` (the subscription's creation)."""
        if self.start is None:
            self.start = t

    def due(self, t: float) -> bool:
        """Whether a report is due at ``t``; if so, it is counted as sent."""
        if self.start is None:
            self.start = t
            return False
        passed = math.floor((t - self.start) / self.interval_s + EPSILON_S)
        if passed <= self.done:
            return False
        self.done = passed
        return True


@dataclass(slots=True)
class CountWatch:
    """Counts of users, per zone or access point, as last recorded, for threshold crossings.

    A count crosses an upper threshold upward when it goes from below it to at least it, and a
    lower threshold downward when it goes from above it to at most it (MEC 013 clause 6.3.7:
    "if crossed upward / downward"; reaching the threshold counts as crossing it).
    """

    last: dict[str, int] = field(default_factory=dict)

    def crossing(self, key: str, count: int, upper: int | None, lower: int | None) -> int:
        """+1 upward over ``upper``, -1 downward under ``lower``, 0 none, since the recorded
        count (a first observation is recorded silently)."""
        before = self.last.get(key)
        if before is None:
            self.last[key] = count
            return 0
        if upper is not None and before < upper <= count:
            return 1
        if lower is not None and before > lower >= count:
            return -1
        self.last[key] = count  # nothing to report: follow the count
        return 0

    def record(self, key: str, count: int) -> None:
        self.last[key] = count
