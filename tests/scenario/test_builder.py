"""WorldBuilder: a world in a few calls, validated as any scenario file is."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from meclab.engine.world import World
from meclab.scenario.builder import METRES_PER_DEGREE, WorldBuilder, WorldBuilderError
from meclab.types import EndOfPath


def test_a_built_world_has_what_was_added_where_it_was_added() -> None:
    world = (
        WorldBuilder("built", origin=(7.42, 43.73), seed=7)
        .zone("west")
        .cell("w1", "4G", east_m=-300.0)
        .cell("w2", "WIFI", east_m=-250.0, radius_m=50.0)
        .mec_host("mec-west", east_m=-300.0)
        .edge_app("mine", emulated=False, endpoint="127.0.0.1:9000")
        .zone("east")
        .cell("e1", "5G", east_m=300.0)
        .cell("w3", "4G", east_m=-350.0, zone="west")
        .cloud("cloud", apps=["stats"])
        .terminal("walker", path_m=[(-300.0, 0.0), (300.0, 0.0)], velocity_mps=5.0)
        .terminal("phone", north_m=100.0, radio=["5G", "4G"])
        .build()
    )
    assert world.seed == 7
    [domain] = world.domains
    assert (domain.name, domain.mcc, domain.mnc) == ("op", "001", "01")
    west, east = domain.zones
    assert [p.name for p in west.poas] == ["w1", "w2", "w3"]
    assert [p.cell_id for p in west.poas] == ["0x1", None, "0x4"]
    assert west.poas[1].bssid == "02:00:00:00:00:02"
    assert [p.name for p in east.poas] == ["e1"]
    assert west.mec_hosts[0].apps[0].endpoint == "127.0.0.1:9000"
    assert [a.name for a in world.clouds[0].apps] == ["stats"]
    walker, phone = domain.terminals
    assert (walker.address, phone.address) == ("acr:10.0.0.1", "acr:10.0.0.2")
    assert walker.end_of_path is EndOfPath.STOP and walker.velocity_mps == 5.0
    assert phone.path[0][1] == pytest.approx(43.73 + 100.0 / METRES_PER_DEGREE)
    assert [r.value for r in phone.radio_priority] == ["5G", "4G"]
    engine = World(world)  # the engine takes it
    engine.step(0.0)
    assert engine.terminal("walker").zone == "west"


def test_metres_count_from_the_origin() -> None:
    builder = WorldBuilder("m", origin=(0.0, 60.0))
    lon, lat = builder.point(east_m=1000.0, north_m=-1000.0)
    assert lat == pytest.approx(60.0 - 1000.0 / METRES_PER_DEGREE)
    assert lon == pytest.approx(1000.0 / (METRES_PER_DEGREE * 0.5))  # cos 60° = 0.5


def test_elements_need_their_parents_and_name_what_exists() -> None:
    with pytest.raises(WorldBuilderError, match="add a zone before"):
        WorldBuilder("x").cell("c")
    with pytest.raises(WorldBuilderError, match=r"no zone 'north' \(zones: south\)"):
        WorldBuilder("x").zone("south").cell("c", zone="north")
    with pytest.raises(WorldBuilderError, match="add a MEC host before"):
        WorldBuilder("x").zone("z").edge_app("a")
    with pytest.raises(WorldBuilderError, match=r"no MEC host 'h2' \(hosts: h1\)"):
        WorldBuilder("x").zone("z").mec_host("h1").edge_app("a", host="h2")


def test_a_bad_value_fails_validation_naming_the_field() -> None:
    builder = WorldBuilder("bad").zone("z").cell("c", radius_m=-1.0)
    with pytest.raises(ValidationError, match="radius_m"):
        builder.build()
