"""The state machines behind tick-driven subscriptions, without a world: pacing, periodic
clocks, threshold crossings, areas and distances with their tolerance bands."""

from __future__ import annotations

import math
from typing import Any, cast

import pytest

from meclab.services.location.southbound import Snapshot
from meclab.services.location.tracking import (
    AreaWatch,
    Circle,
    CountWatch,
    DistanceWatch,
    Pacer,
    PeriodicClock,
    Polygon,
    distance_to_polygon,
    point_in_polygon,
)


class FakeSnap:
    """What the watches read of a snapshot: positions on a plane where lon/lat are metres."""

    world = object()

    def __init__(self, xy: list[tuple[float, float] | None]) -> None:
        self.positions = xy

    def located(self, i: int) -> bool:
        return self.positions[i] is not None

    def position(self, i: int) -> tuple[float, float]:
        return self.positions[i] or (math.nan, math.nan)

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return lon, lat

    def distance_to(self, i: int, point: tuple[float, float]) -> float:
        x, y = self.position(i)
        return math.hypot(point[0] - x, point[1] - y)

    def distance(self, i: int, j: int) -> float:
        return self.distance_to(i, self.position(j))


def snap(*xy: tuple[float, float] | None) -> Snapshot:
    return cast(Snapshot, FakeSnap(list(xy)))


def test_pacer_spaces_and_counts() -> None:
    pacer = Pacer(max_count=2, min_gap_s=5.0)
    assert pacer.ready(0.0)
    assert pacer.record(0.0) is False
    assert not pacer.ready(4.9)
    assert pacer.ready(5.0)
    assert pacer.record(5.0) is True  # the last one allowed
    assert pacer.exhausted
    assert not pacer.ready(100.0)
    unlimited = Pacer()
    for t in range(10):
        assert unlimited.ready(float(t))
        assert unlimited.record(float(t)) is False


def test_periodic_clock_counts_from_its_start_without_drift() -> None:
    clock = PeriodicClock(0.1)
    clock.prime(0.0)
    due = [t for t in range(1, 31) if clock.due(t * 0.1)]
    assert due == list(range(1, 31))  # 0.1 x 30 in floats still lands on every tick
    slow = PeriodicClock(2.0)
    slow.prime(1.0)
    assert [t for t in (2.0, 3.0, 4.0, 9.5, 10.0, 11.0) if slow.due(t)] == [3.0, 9.5, 11.0]


def test_periodic_clock_without_prime_starts_at_its_first_tick() -> None:
    clock = PeriodicClock(1.0)
    assert clock.due(7.0) is False
    assert clock.due(8.0) is True


@pytest.mark.parametrize(
    ("counts", "upper", "lower", "expected"),
    [
        ([3, 4, 5, 6, 5, 6, 4, 5], 5, None, [0, 0, 1, 0, 0, 0, 0, 1]),
        ([3, 6], 5, None, [0, 1]),  # jumping over counts
        ([5, 6], 5, None, [0, 0]),  # already at it when first seen
        ([4, 3, 2, 1, 2, 1], None, 2, [0, 0, -1, 0, 0, 0]),
        ([1, 3, 0], 3, 1, [0, 1, -1]),
    ],
)
def test_count_watch_crossings(
    counts: list[int], upper: int | None, lower: int | None, expected: list[int]
) -> None:
    watch = CountWatch()
    got = []
    for count in counts:
        direction = watch.crossing("z", count, upper, lower)
        if direction:
            watch.record("z", count)
        got.append(direction)
    assert got == expected


def test_count_watch_keeps_an_unrecorded_crossing() -> None:
    watch = CountWatch()
    watch.crossing("z", 0, 1, None)
    assert watch.crossing("z", 1, 1, None) == 1  # not recorded: held back by pacing
    assert watch.crossing("z", 2, 1, None) == 1  # still a crossing from 0
    watch.record("z", 2)
    assert watch.crossing("z", 2, 1, None) == 0


def test_polygon_geometry() -> None:
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    assert point_in_polygon((5.0, 5.0), square)
    assert not point_in_polygon((15.0, 5.0), square)
    assert not point_in_polygon((-0.1, 5.0), square)
    assert distance_to_polygon((15.0, 5.0), square) == pytest.approx(5.0)
    assert distance_to_polygon((13.0, 14.0), square) == pytest.approx(5.0)


def test_area_watch_circle_tolerance_band() -> None:
    watch = AreaWatch(Circle(0.0, 0.0, 100.0), tolerance_m=20.0)
    path = [150.0, 100.0, 110.0, 120.0, 121.0, 105.0, 99.0]
    events = []
    for x in path:
        changes = watch.changes(snap((x, 0.0)), [0])
        for i, inside in changes:
            watch.state[i] = inside
        events.append([inside for _, inside in changes])
    # outside (baseline), enters at 100, stays until more than 20 m out, enters again at 99
    assert events == [[], [True], [], [], [False], [], [True]]


def test_area_watch_polygon_and_unlocated_terminals() -> None:
    watch = AreaWatch(Polygon(((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))), 3.0)
    assert watch.changes(snap((5.0, 5.0), None), [0, 1]) == []  # baseline for 0 only
    assert watch.state == {0: True}
    assert watch.changes(snap((12.0, 5.0), (5.0, 5.0)), [0, 1]) == []  # within 3 m; 1 baseline
    assert watch.changes(snap((13.5, 5.0), None), [0, 1]) == [(0, False)]


def test_distance_watch_within_all_and_any() -> None:
    def run(every: bool, steps: list[tuple[Any, ...]]) -> list[bool | None]:
        watch = DistanceWatch(100.0, 10.0, within=True, every=every)
        pairs = [(0, 1), (0, 2)]
        return [watch.observe(snap(*positions), pairs) for positions in steps]

    steps: list[tuple[Any, ...]] = [
        ((0.0, 0.0), (50.0, 0.0), (150.0, 0.0)),  # one pair within
        ((0.0, 0.0), (50.0, 0.0), (100.0, 0.0)),  # both within
        ((0.0, 0.0), (50.0, 0.0), (109.0, 0.0)),  # still within: tolerance
        ((0.0, 0.0), (50.0, 0.0), (111.0, 0.0)),  # out
    ]
    assert run(True, steps) == [False, True, True, False]
    assert run(False, steps) == [True, True, True, True]


def test_distance_watch_beyond_tolerance_and_unknown_positions() -> None:
    watch = DistanceWatch(100.0, 10.0, within=False, every=True)
    pairs = [(0, 1)]
    assert watch.observe(snap((0.0, 0.0), None), pairs) is None  # nothing measured yet
    assert watch.observe(snap((0.0, 0.0), (101.0, 0.0)), pairs) is True
    assert watch.observe(snap((0.0, 0.0), (91.0, 0.0)), pairs) is True  # within tolerance
    assert watch.observe(snap((0.0, 0.0), None), pairs) is True  # keeps its last state
    assert watch.observe(snap((0.0, 0.0), (90.0, 0.0)), pairs) is False
