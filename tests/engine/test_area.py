"""The scenario's area: a bounding box with a margin, and why a position lies outside it."""

from __future__ import annotations

import math

import pytest
from engine_scenarios import cell, terminal, two_cells, world_doc
from helpers import LAT0, LON0, M_PER_DEG, lat_at, lon_at

from meclab.engine.area import MARGIN_M, ScenarioArea
from meclab.engine.world import World
from meclab.scenario.builtin import default_scenario
from meclab.scenario.model import Scenario

LARVOTTO = (7.4355, 43.7450)
"""A beach of the built-in Monaco scenario, [lon, lat]."""


def cosine_law_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance by the spherical law of cosines (not the code's haversine)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return math.acos(max(-1.0, min(1.0, c))) * M_PER_DEG * 180.0 / math.pi


def test_the_area_spans_cells_paths_and_hosts_with_the_largest_radius_as_margin() -> None:
    doc = world_doc(
        {"za": [cell("A", "4G", 0.0, 800.0, 1), cell("B", "WIFI", 300.0, 50.0, 2, y_m=-200.0)]},
        [terminal("ue", 1, [-500.0, 2000.0], 1.0)],
    )
    doc["domains"][0]["zones"][0]["mec_hosts"] = [
        {"name": "mec", "position": [lon_at(100.0), lat_at(400.0)]}
    ]
    # a public cloud far away does not stretch the area
    doc["clouds"] = [{"name": "far-cloud", "position": [2.35, 48.85]}]
    area = World(Scenario.model_validate(doc)).area
    assert area is not None
    assert (area.west, area.east) == pytest.approx((lon_at(-500.0), lon_at(2000.0)))
    assert (area.south, area.north) == pytest.approx((lat_at(-200.0), lat_at(400.0)))
    assert area.margin_m == 800.0 + MARGIN_M


def test_positions_near_the_area_are_inside_and_far_ones_are_not() -> None:
    area = World(two_cells([terminal("ue", 1, [0.0], 0.0)])).area
    assert area is not None  # box: x 0..1000 m on LAT0; margin 800 m + MARGIN_M
    margin = 800.0 + MARGIN_M
    assert area.distance_m(lon_at(500.0), LAT0) == 0.0
    assert area.distance_m(lon_at(1000.0 + 2000.0), LAT0) == pytest.approx(2000.0, rel=1e-4)
    assert area.contains(lon_at(1000.0 + margin - 10.0), LAT0)  # out of coverage, still near
    assert area.refusal(lon_at(1000.0 + margin - 10.0), LAT0) is None
    assert not area.contains(lon_at(1000.0 + margin + 10.0), LAT0)
    assert area.contains(LON0, lat_at(margin - 10.0))
    assert not area.contains(LON0, lat_at(-margin - 10.0))


def test_a_world_with_nothing_placed_has_no_area() -> None:
    assert ScenarioArea.bounding([], 100.0) is None


def test_swapped_longitude_and_latitude_are_refused_with_a_hint() -> None:
    area = World(default_scenario()).area
    assert area is not None
    assert area.refusal(*LARVOTTO) is None
    swapped = (LARVOTTO[1], LARVOTTO[0])
    reason = area.refusal(*swapped)
    assert reason is not None
    expected_km = cosine_law_m(*swapped, *LARVOTTO) / 1000.0  # Monaco is ~3 km across
    reported_km = float(reason.split(" is ")[1].split(" km outside")[0].replace(",", ""))
    assert reported_km == pytest.approx(expected_km, abs=10.0)
    assert reason.startswith("lon 43.745, lat 7.4355 is ")
    assert "longitude and latitude look swapped: lon 7.4355, lat 43.745 is inside" in reason


def test_a_far_position_that_is_not_swapped_gets_no_hint() -> None:
    area = World(default_scenario()).area
    assert area is not None
    reason = area.refusal(2.35, 48.85)  # Paris
    assert reason is not None and "outside the scenario's area" in reason
    assert "swapped" not in reason
