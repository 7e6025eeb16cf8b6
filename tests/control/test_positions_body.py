"""The positions body the dashboard polls: encoded once per world state and shared by every
request until the world changes; exact to its rounding (:mod:`meclab.control.positions`)."""

from __future__ import annotations

import orjson
import pytest

from meclab.control.positions import POSITION_DECIMALS, PositionsCache, encode_positions
from meclab.engine.world import World
from meclab.scenario.model import Scenario

HALF_STEP = 0.5 * 10.0**-POSITION_DECIMALS  # the most rounding moves a degree


def _world(scenario: Scenario) -> World:
    world = World(scenario)
    world.step(0.0)
    return world


def test_the_body_is_the_world_within_rounding(scenario: Scenario) -> None:
    world = _world(scenario)
    world.step(7.0)
    body = orjson.loads(encode_positions(world))
    assert body["t"] == 7.0
    terminals = world.terminals()
    assert body["names"] == [t.name for t in terminals]
    assert body["poa"] == [t.poa for t in terminals]
    assert None in body["poa"]  # the lab's ue-far is out of every cell's reach
    for i, t in enumerate(terminals):
        assert body["lon"][i] == pytest.approx(t.lon, abs=HALF_STEP + 1e-12)
        assert body["lat"][i] == pytest.approx(t.lat, abs=HALF_STEP + 1e-12)
        # rounded: no more digits than the step needs
        assert round(body["lon"][i], POSITION_DECIMALS) == body["lon"][i]
        assert round(body["lat"][i], POSITION_DECIMALS) == body["lat"][i]


def test_one_encoding_serves_every_request_until_the_state_changes(scenario: Scenario) -> None:
    world = _world(scenario)
    cache = PositionsCache()
    first = cache.body(world)
    assert cache.body(world) is first  # the same bytes, not encoded again
    assert cache.encoded == 1

    world.step(30.0)  # a tick: terminals moved
    moved = cache.body(world)
    assert cache.encoded == 2
    assert moved == encode_positions(world)
    assert orjson.loads(moved)["t"] == 30.0
    assert orjson.loads(moved)["lon"] != orjson.loads(first)["lon"]
    assert cache.body(world) is moved


def test_a_command_or_another_world_is_encoded_afresh(scenario: Scenario) -> None:
    world = _world(scenario)
    cache = PositionsCache()
    before = orjson.loads(cache.body(world))
    i = before["names"].index("ue-car")
    # a command replaces the state at the same simulation time
    world.move_terminal_to_poa("ue-car", "cell-b1")
    after = orjson.loads(cache.body(world))
    assert after["t"] == before["t"]
    assert after["poa"][i] == "cell-b1" != before["poa"][i]

    other = _world(scenario)  # a scenario loaded again: another world, though equal
    assert cache.body(other) == encode_positions(other)
    assert cache.encoded == 3
