"""Zone-change prediction agrees with what the engine then does, and changes nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from lab_world import make_scenario

from meclab.engine.prediction import predict_zone_change, predict_zone_changes
from meclab.engine.world import UnknownElement, World
from meclab.scenario.builtin import default_scenario

TICK_S = 0.1
RESOLUTION_S = 0.5


def first_changes(world: World, until_s: float) -> dict[str, tuple[float, str | None, str | None]]:
    """Step ``world`` at meclab's tick rate: each terminal's first change of zone."""
    zone = {u: world.zone_of(u) for u in world.ue_names}
    found: dict[str, tuple[float, str | None, str | None]] = {}
    for k in range(1, int(until_s / TICK_S) + 1):
        t = round(world.state.t + TICK_S, 6) if k > 1 else round(TICK_S, 6)
        world.step(t)
        for ue in world.ue_names:
            if ue not in found and world.zone_of(ue) != zone[ue]:
                found[ue] = (t, world.zone_of(ue), world.serving_poa(ue))
    return found


def test_predictions_of_the_default_scenario_come_true() -> None:
    world = World(default_scenario())
    world.step(0.0)
    predicted = predict_zone_changes(world, horizon_s=120.0, resolution_s=RESOLUTION_S)
    assert len(predicted) >= 5  # the cars, the bus, the boat ... cross zones in two minutes
    real = first_changes(world, 120.0)
    assert set(predicted) == set(real)
    for ue, (t, zone, poa) in real.items():
        guess = predicted[ue]
        assert guess.at - RESOLUTION_S - TICK_S <= t <= guess.at + 1e-9, (ue, t, guess)
        assert (guess.target_zone, guess.target_poa) == (zone, poa), ue
        assert guess.confidence == 1.0 and guess.in_s == pytest.approx(guess.at)


def test_looking_ahead_changes_nothing_in_the_world() -> None:
    world = World(default_scenario())
    world.step(3.0)
    before = (world.state.t, world.state.serving.copy(), world.state.xy.copy())
    predict_zone_changes(world)
    assert world.state.t == before[0]
    assert np.array_equal(world.state.serving, before[1])
    assert np.array_equal(world.state.xy, before[2])


def test_one_terminal_from_later_on_and_as_data() -> None:
    world = World(default_scenario())
    world.step(0.0)
    world.step(10.0)
    change = predict_zone_change(world, "car-coast")
    assert change is not None and change.now == 10.0
    assert change.source_zone == "zone-fontvieille" and change.target_zone == "zone-condamine"
    data = change.to_dict()
    assert data["in_s"] == pytest.approx(change.at - 10.0)
    assert set(data) == {
        "ue",
        "now",
        "at",
        "in_s",
        "source_poa",
        "source_zone",
        "target_poa",
        "target_zone",
        "confidence",
        "basis",
    }
    assert "car-coast is served by 4g-condamine" in change.basis


def test_nothing_for_a_terminal_that_stays_or_is_held() -> None:
    world = World(default_scenario())
    world.step(0.0)
    assert predict_zone_change(world, "sensor-air-port") is None  # fixed
    world.move_terminal_to_poa("car-coast", "4g-fontvieille")  # held where it was put
    assert predict_zone_change(world, "car-coast") is None
    with pytest.raises(UnknownElement):
        predict_zone_change(world, "nobody")


def test_a_brief_visit_is_less_certain(lab_doc: dict[str, Any]) -> None:
    # a terminal that reaches zone-b's cell at the far end of its path and turns back: the
    # engine (10 ticks/s) sees it in zone-b from 18.9 s to 22.9 s, shorter than SETTLE_S (5 s)
    lab_doc["domains"][0]["terminals"] = [
        {
            "name": "ue-dip",
            "address": "acr:10.0.0.9",
            "path": [[0.0, 0.0], [0.0034, 0.0]],
            "velocity_mps": 20.0,
            "end_of_path": "reverse",
        }
    ]
    world = World(make_scenario(lab_doc))
    world.step(0.0)
    change = predict_zone_change(world, "ue-dip", resolution_s=TICK_S)
    assert change is not None and change.target_zone == "zone-b"
    assert change.confidence == 0.5 and "only until" in change.basis
    real = first_changes(world, 30.0)
    assert real["ue-dip"][0] == pytest.approx(change.at, abs=TICK_S)
    # too coarse a look-ahead steps over the tip of the path
    again = World(make_scenario(lab_doc))
    again.step(0.0)
    coarse = predict_zone_change(again, "ue-dip", horizon_s=30.0, resolution_s=RESOLUTION_S)
    assert coarse is None
