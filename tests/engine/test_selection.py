"""Cell selection: priorities, signal, hysteresis, operators, coverage."""

from __future__ import annotations

import math

import pytest
from engine_scenarios import cell, terminal, two_cells, world_doc
from helpers import LAT0, lon_at

from meclab.engine.events import Connected, Disconnected, Handover, ZoneEntered, ZoneLeft
from meclab.engine.world import World
from meclab.scenario.model import Scenario


def _run(world: World, until_s: float, dt: float = 0.1) -> list:
    events = []
    for k in range(round(until_s / dt) + 1):
        events += world.step(k * dt)
    return events


def test_crossing_between_two_cells_hands_over_once_where_hysteresis_says() -> None:
    # Equal cells 1000 m apart, 30 dB/decade path loss, 3 dB margin: B takes over when
    # 30 log10(dA / dB) > 3, i.e. dA / dB > 10^0.1, at x = 1000 * 10^0.1 / (1 + 10^0.1).
    world = World(two_cells([terminal("u", 1, [-200.0, 1200.0], 10.0, end_of_path="stop")]))
    events = _run(world, 140.0)
    handovers = [e for e in events if isinstance(e, Handover)]
    assert len(handovers) == 1
    ho = handovers[0]
    assert (ho.source, ho.target, ho.source_zone, ho.target_zone) == ("A", "B", "za", "zb")
    x_switch = 1000.0 * 10**0.1 / (1 + 10**0.1)  # 557.3 m
    t_expected = (x_switch + 200.0) / 10.0
    assert t_expected <= ho.t < t_expected + 0.1 + 1e-9
    # Zone change goes with it, in order: handover, leave old zone, enter new zone.
    i = events.index(ho)
    assert events[i + 1] == ZoneLeft(ho.t, "u", "za", "A")
    assert events[i + 2] == ZoneEntered(ho.t, "u", "zb", "B")


def test_hysteresis_prevents_ping_pong_around_the_border() -> None:
    # A walker pacing 450 m <-> 550 m, across the midpoint, for ten minutes.
    pacing = terminal("u", 1, [450.0, 550.0], 1.5, end_of_path="reverse")
    with_margin = World(two_cells([pacing], hysteresis_db=3.0))
    assert [e for e in _run(with_margin, 600.0, 0.5) if isinstance(e, Handover)] == []
    without = World(two_cells([pacing], hysteresis_db=0.0))
    flips = [e for e in _run(without, 600.0, 0.5) if isinstance(e, Handover)]
    # 600 s at 1.5 m/s crosses the midpoint every 66.7 s after the first 33.3 s: 9 crossings.
    assert len(flips) == 9
    assert [f.target for f in flips[:3]] == ["B", "A", "B"]


def test_preferred_radio_type_takes_over_inside_its_radius_and_holds_past_it() -> None:
    doc = world_doc(
        {"z": [cell("macro", "4G", 0.0, 2000.0, 1), cell("small", "5G", 1000.0, 200.0, 2)]},
        [terminal("u", 1, [500.0, 1500.0], 10.0, end_of_path="stop", radio_priority=["5G", "4G"])],
    )
    events = _run(World(Scenario.model_validate(doc)), 100.0)
    handovers = [e for e in events if isinstance(e, Handover)]
    assert [(h.source, h.target) for h in handovers] == [("macro", "small"), ("small", "macro")]
    # In as soon as within 200 m (x >= 800, t >= 30 s) ...
    assert 30.0 <= handovers[0].t < 30.1 + 1e-9
    # ... out only once the 5G signal is 3 dB under its edge: d > 200 * 10^(3/30) = 251.8 m.
    t_out = (1000.0 + 200.0 * 10 ** (3 / 30) - 500.0) / 10.0
    assert t_out <= handovers[1].t < t_out + 0.1 + 1e-9


def test_terminal_only_uses_listed_radio_types() -> None:
    doc = world_doc(
        {"z": [cell("macro", "4G", 0.0, 2000.0, 1), cell("ap", "WIFI", 0.0, 100.0, 2)]},
        [
            terminal("u", 1, [0.0], 0.0, radio_priority=["4G"]),
            terminal("w", 2, [0.0], 0.0, radio_priority=["WIFI"]),
        ],
    )
    world = World(Scenario.model_validate(doc))
    world.step(0.0)
    assert world.serving_poa("u") == "macro"
    assert world.serving_poa("w") == "ap"


def test_out_of_coverage_disconnects_and_coming_back_reconnects() -> None:
    world = World(two_cells([terminal("u", 1, [1700.0, 1900.0], 10.0, end_of_path="reverse")]))
    events = _run(world, 40.0)
    kinds = [(type(e).__name__, getattr(e, "poa", None)) for e in events]
    # Starts at 1700 m (700 m from B): connects; beyond 1800 * 10^0.1... B's keep range is
    # 800 * 10^(3/30) = 1007.1 m from B, i.e. x = 2007 m: never reached, so it stays.
    assert kinds == [("Connected", "B"), ("ZoneEntered", "B")]
    far = World(two_cells([terminal("u", 1, [1700.0, 2100.0], 10.0, end_of_path="reverse")]))
    events = _run(far, 80.0)
    lost = [e for e in events if isinstance(e, Disconnected)]
    back = [e for e in events if isinstance(e, Connected)]
    assert len(lost) == 1 and len(back) == 2
    t_lost = (1000.0 + 800.0 * 10 ** (3 / 30) - 1700.0) / 10.0
    assert t_lost <= lost[0].t < t_lost + 0.1 + 1e-9
    # Back in range (within 800 m of B, x <= 1800) on the way back: 2100 -> 1800 after 40 + 30 s.
    assert 70.0 <= back[1].t < 70.1 + 1e-9
    assert far.serving_poa("u") == "B"


def test_terminals_attach_only_to_their_own_operator() -> None:
    doc = world_doc({"z": [cell("mine", "4G", 5000.0, 800.0, 1)]}, [terminal("u", 1, [0.0], 0.0)])
    doc["domains"].append(
        {
            "name": "other",
            "mcc": "002",
            "mnc": "02",
            "zones": [{"name": "oz", "poas": [cell("theirs", "4G", 0.0, 800.0, 9)]}],
        }
    )
    world = World(Scenario.model_validate(doc))
    assert world.step(0.0) == []
    assert world.serving_poa("u") is None


def test_stronger_transmitter_wins_at_equal_distance() -> None:
    doc = world_doc(
        {
            "z": [
                cell("weak", "4G", -100.0, 800.0, 1, tx_power_dbm=30.0),
                cell("strong", "4G", 100.0, 800.0, 2, tx_power_dbm=46.0),
            ]
        },
        [terminal("u", 1, [0.0], 0.0)],
    )
    world = World(Scenario.model_validate(doc))
    world.step(0.0)
    assert world.serving_poa("u") == "strong"


def test_move_to_poa_locks_the_terminal_there() -> None:
    doc = world_doc(
        {"z": [cell("macro", "4G", 0.0, 2000.0, 1), cell("small", "5G", 300.0, 200.0, 2)]},
        [terminal("u", 1, [0.0], 0.0, radio_priority=["5G", "4G"])],
    )
    world = World(Scenario.model_validate(doc))
    world.step(0.0)
    assert world.serving_poa("u") == "macro"
    events = world.move_terminal_to_poa("u", "macro")
    assert events == []  # already there
    events = world.move_terminal_to_poa("u", "small")
    assert [type(e) for e in events] == [Handover]
    # Held at the 5G cell; a cell lock keeps the 4G macro (which also covers it) away.
    world.move_terminal_to_poa("u", "macro")
    for k in range(1, 20):
        world.step(float(k))
    assert world.serving_poa("u") == "macro"
    assert world.terminal("u").lon == pytest.approx(lon_at(0.0))
    assert world.terminal("u").lat == pytest.approx(LAT0)


def test_move_to_a_position_reselects() -> None:
    world = World(two_cells([terminal("u", 1, [0.0], 0.0)]))
    world.step(0.0)
    events = world.move_terminal("u", lon_at(1000.0), LAT0)
    assert [type(e) for e in events] == [Handover, ZoneLeft, ZoneEntered]
    assert world.serving_poa("u") == "B"


def test_measurements_report_serving_and_neighbours_from_the_model() -> None:
    world = World(two_cells([terminal("u", 1, [400.0], 0.0)]))
    world.step(0.0)
    serving, neighbour = world.measurements("u")
    assert (serving.poa, serving.serving, neighbour.poa, neighbour.serving) == (
        "A",
        True,
        "B",
        False,
    )
    assert serving.distance_m == pytest.approx(400.0, rel=1e-6)
    assert neighbour.distance_m == pytest.approx(600.0, rel=1e-6)
    # RSRP = 43 dBm - 10 log10(1200) - (20 log10(1800) - 27.55) - 30 log10(d)
    expected = (
        43.0 - 10 * math.log10(1200) - (20 * math.log10(1800) - 27.55) - 30 * math.log10(400.0)
    )
    assert serving.signal_dbm == pytest.approx(expected)
    assert serving.signal_dbm - neighbour.signal_dbm == pytest.approx(30 * math.log10(600 / 400))
    assert serving.rsrq_db is not None and -19.5 < serving.rsrq_db <= -3.0
    assert serving.sinr_db > neighbour.sinr_db


def test_a_world_without_terminals_ticks() -> None:
    world = World(two_cells([]))
    assert world.step(0.0) == []
    assert world.step(1.0) == []
    assert world.state.served.tolist() == [0, 0]
