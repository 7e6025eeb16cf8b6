"""World.accesses and World.path_via: the PoAs a multi-access terminal uses at once."""

from __future__ import annotations

from typing import Any

import pytest
from engine_scenarios import cell, terminal, world_doc

from meclab.engine.netchar import Unreachable
from meclab.engine.world import World
from meclab.scenario.model import Scenario


def _world(**phone: Any) -> World:
    """4G L1 at x=0 (5 ms) and L2 at 400 m (9 ms), Wi-Fi W1 at 50 m (1 ms, radius 100 m) and
    W2 at 120 m (2 ms, radius 100 m), 5G N far away; ``phone`` at x=60 m, ``plain`` beside it
    (one radio at a time), ``far`` out of every reach."""
    doc = world_doc(
        {
            "z": [
                cell("L1", "4G", 0.0, 800.0, 1, netchar={"latency_ms": 5.0}),
                cell("L2", "4G", 400.0, 800.0, 2, netchar={"latency_ms": 9.0}),
                cell("W1", "WIFI", 50.0, 100.0, 3, netchar={"latency_ms": 1.0}),
                cell("W2", "WIFI", 120.0, 100.0, 4, netchar={"latency_ms": 2.0}),
                cell("N", "5G", 5000.0, 300.0, 5),
            ]
        },
        [
            terminal("phone", 1, [60.0], 0.0, radio_priority=["4G", "WIFI", "5G"], **phone),
            terminal("plain", 2, [60.0], 0.0, radio_priority=["4G", "WIFI"]),
            terminal(
                "far",
                3,
                [20_000.0],
                0.0,
                radio_priority=["4G", "WIFI"],
                multi_access=["4G", "WIFI"],
            ),
        ],
    )
    world = World(Scenario.model_validate(doc))
    world.step(0.0)
    return world


def test_a_multi_access_terminal_uses_its_serving_poa_and_the_best_of_each_other_radio() -> None:
    world = _world(multi_access=["4G", "WIFI", "5G"])
    assert world.serving_poa("phone") == "L1"
    # W1 (10 m away) is heard better than W2 (60 m); no 5G cell is in reach
    assert world.accesses("phone") == ["L1", "W1"]


def test_a_terminal_without_multi_access_uses_its_serving_poa_only() -> None:
    world = _world()
    assert world.accesses("phone") == ["L1"]
    assert world.accesses("plain") == ["L1"]


def test_out_of_coverage_there_is_no_access() -> None:
    world = _world(multi_access=["4G", "WIFI"])
    assert world.serving_poa("far") is None
    assert world.accesses("far") == []


def test_path_via_attaches_the_terminal_end_to_the_poa_given() -> None:
    world = _world(multi_access=["4G", "WIFI"])
    served = world.path("phone", "L2")
    via_wifi = world.path_via("phone", "L2", "W1")
    assert served.hops == world.path_via("phone", "L2", "L1").hops
    assert "W1" in via_wifi.hops and "L1" not in via_wifi.hops
    assert via_wifi.latency_ms == pytest.approx(served.latency_ms - 5.0 + 1.0)
    back = world.path_via("L2", "phone", "W1")  # the terminal may be either end
    assert back.latency_ms == pytest.approx(via_wifi.latency_ms)


def test_path_via_refuses_a_poa_the_terminal_cannot_use_now() -> None:
    world = _world(multi_access=["4G", "WIFI"])
    for poa in ("W2", "N"):  # a second Wi-Fi; out of reach
        with pytest.raises(Unreachable):
            world.path_via("phone", "L2", poa)
    with pytest.raises(Unreachable):
        world.path_via("plain", "z", "W1")  # one radio at a time
    with pytest.raises(ValueError):
        world.path_via("L2", "N", "L1")
