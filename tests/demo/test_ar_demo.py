"""Example 2, AR that adapts to the radio: the levels' rule, the walk, and the demo end to end."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest

from meclab.demo.ar.demo import run
from meclab.demo.ar.levels import FULL_DBM, HYSTERESIS_DB, REDUCED_DBM, Level, plain, step
from meclab.demo.ar.walk import ar_world
from meclab.demo.derive import DeriveError
from meclab.engine.world import World
from meclab.scenario.builtin import default_scenario
from meclab.services.rnis.triggers import ReportConfig

SPEED = 24.0
TICK_HZ = 10.0
"""meclab up's default tick rate, which the stage keeps."""
SLACK_WALL_S = 0.5
"""Real time for a frame to cross the loopback and the data plane, at most."""
WORST_LAG_WALL_S = 4.0
"""Real time a report may take from the world to the edge (period and delivery) on a loaded CI
machine before the pipeline counts as broken."""


def test_levels_follow_the_thresholds_with_hysteresis() -> None:
    assert [plain(x) for x in (-44, FULL_DBM, FULL_DBM - 0.5, REDUCED_DBM, REDUCED_DBM - 0.5)] == [
        Level.FULL,
        Level.FULL,
        Level.REDUCED,
        Level.REDUCED,
        Level.OFF,
    ]
    assert step(Level.FULL, FULL_DBM - 1) is Level.REDUCED  # lowered at once
    assert step(Level.FULL, REDUCED_DBM - 1) is Level.OFF
    assert step(Level.OFF, REDUCED_DBM + HYSTERESIS_DB - 1) is Level.OFF  # not yet
    assert step(Level.OFF, REDUCED_DBM + HYSTERESIS_DB) is Level.REDUCED
    assert step(Level.REDUCED, FULL_DBM + 1) is Level.REDUCED
    assert step(Level.REDUCED, FULL_DBM + HYSTERESIS_DB) is Level.FULL
    assert step(Level.OFF, -60) is Level.FULL  # both thresholds cleared by far
    assert step(None, FULL_DBM) is Level.FULL  # a first report: no hysteresis


def test_the_walk_crosses_both_thresholds_and_comes_back() -> None:
    world = ar_world(default_scenario())
    engine = World(world.scenario)
    seen: list[tuple[str | None, float]] = []
    for t in range(0, int(world.duration_s) + 1, 4):
        engine.step(float(t))
        serving = engine.measurements(world.walker)[0]
        assert serving.serving
        seen.append((serving.poa, serving.signal_dbm))
    assert {poa for poa, _ in seen} == {world.cell}
    rsrps = [r for _, r in seen]
    assert min(rsrps) < REDUCED_DBM - HYSTERESIS_DB
    assert rsrps[0] > FULL_DBM + HYSTERESIS_DB and rsrps[-1] > FULL_DBM + HYSTERESIS_DB


def test_a_scenario_without_the_cell_is_named() -> None:
    with pytest.raises(DeriveError, match="no point of access '4g-nowhere'"):
        ar_world(default_scenario(), cell="4g-nowhere")


def test_the_demo_end_to_end(tmp_path: Path) -> None:
    said: list[str] = []
    report = run(None, tmp_path, speed=SPEED, progress=said.append)
    line = report.timeline

    assert report.png.is_file() and report.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(report.png) in str(report) and said[-1] == "meclab stopped"

    # The world took the walker below both thresholds and back (as sampled during the run).
    truth = [(t, r) for t, r, _ in line.truth if r is not None]
    assert min(r for _, r in truth) < REDUCED_DBM
    assert truth[-1][1] >= FULL_DBM + HYSTERESIS_DB

    answered = [(t, lv) for t, lv in line.frames if lv is not None]
    assert len(answered) == len(line.frames)  # the walk stays in coverage

    # As the edge learned it: after each report (once delivered), frames get its level.
    heard = sorted((t, rsrp) for t, _, rsrp in line.learned)
    slack = SLACK_WALL_S * SPEED
    for (t0, rsrp), (t1, _) in zip(heard, [*heard[1:], (float("inf"), 0.0)], strict=True):
        served = {lv for t, lv in answered if t0 + slack < t < t1}
        if rsrp < REDUCED_DBM:
            assert served <= {Level.OFF}, (t0, rsrp, served)
        elif rsrp < FULL_DBM:
            assert Level.FULL not in served, (t0, rsrp, served)
        if rsrp >= FULL_DBM + HYSTERESIS_DB:
            assert served <= {Level.FULL}, (t0, rsrp, served)
        elif rsrp >= REDUCED_DBM + HYSTERESIS_DB:
            assert Level.OFF not in served, (t0, rsrp, served)

    # Against the world: within one report lag of a crossing the level has followed. The lag is
    # what this run's reports took (the longest gap between two, the slowest delivery), plus two
    # ticks and a frame's own trip; it must stay far below the walk's pace.
    stamps = sorted(stamp for _, stamp, _ in line.learned)
    gap = max(b - a for a, b in itertools.pairwise(stamps))
    delivery = max(heard_at - stamp for heard_at, stamp, _ in line.learned)
    assert gap >= ReportConfig().report_interval_s * 0.99
    assert gap + delivery < WORST_LAG_WALL_S * SPEED, (gap, delivery)
    report_lag_s = gap + max(delivery, 0.0) + (2 / TICK_HZ + SLACK_WALL_S) * SPEED
    first = truth[0][0]
    checked: Counter[str] = Counter()
    for t, lv in answered:
        if t - report_lag_s < first:
            continue
        window = [r for s, r in truth if t - report_lag_s <= s <= t]
        if not window:
            continue
        if max(window) < FULL_DBM:
            assert lv is not Level.FULL, (t, window, lv)
            checked["lowered"] += 1
        if max(window) < REDUCED_DBM:
            assert lv is Level.OFF, (t, window, lv)
            checked["off"] += 1
        if min(window) >= FULL_DBM + HYSTERESIS_DB:
            assert lv is Level.FULL, (t, window, lv)
            checked["full"] += 1
    assert checked["lowered"] and checked["off"] and checked["full"]

    # Lowered on the way out, restored on the way back.
    order = [lv for i, (_, lv) in enumerate(answered) if i == 0 or lv != answered[i - 1][1]]
    off = order.index(Level.OFF)
    assert Level.FULL in order[:off] and order[-1] is Level.FULL

    # The cloud counted what the edge served, which is what the client was answered.
    client = Counter(lv.name for _, lv in answered)
    assert line.cloud["frames"] == len(answered) and line.cloud["by_level"] == dict(client)
    assert line.edge_usage == client
