"""The synthetic city generator: determinism, counts, validity, identities and coverage."""

from __future__ import annotations

import math
from collections import Counter
from ipaddress import IPv4Address, ip_network
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from meclab.scenario.generator import generate
from meclab.scenario.loader import dump_yaml, load_text
from meclab.scenario.model import PointOfAccess, Scenario, Terminal
from meclab.scenario.references import check_references
from meclab.types import EndOfPath, RadioType

EARTH_RADIUS_M = 6_371_008.8


def _distances_m(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle distances (haversine) between every [lon, lat] of ``a`` and of ``b``.

    Deliberately not the generator's own projection, so coverage is checked independently.
    """
    lon1, lat1 = np.radians(a[:, None, 0]), np.radians(a[:, None, 1])
    lon2, lat2 = np.radians(b[None, :, 0]), np.radians(b[None, :, 1])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


def _poas(scenario: Scenario) -> list[PointOfAccess]:
    return [poa for d in scenario.domains for z in d.zones for poa in z.poas]


def _terminals(scenario: Scenario) -> list[Terminal]:
    return [t for d in scenario.domains for t in d.terminals]


def _positions(poas: list[PointOfAccess]) -> NDArray[np.float64]:
    return np.array([p.position for p in poas], dtype=np.float64).reshape(-1, 2)


def _path_points(terminals: list[Terminal]) -> NDArray[np.float64]:
    return np.array([pt for t in terminals for pt in t.path], dtype=np.float64).reshape(-1, 2)


@pytest.fixture(scope="module")
def city() -> Scenario:
    """A mid-sized world used by the structural tests."""
    return generate(ues=3000, cells=400, seed=7)


# --- determinism -------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_yaml() -> None:
    first = dump_yaml(generate(ues=500, cells=60, seed=42, zones=3))
    second = dump_yaml(generate(ues=500, cells=60, seed=42, zones=3))
    assert first == second


def test_different_seeds_give_different_worlds_of_the_same_shape() -> None:
    a = generate(ues=200, cells=40, seed=1)
    b = generate(ues=200, cells=40, seed=2)
    assert dump_yaml(a) != dump_yaml(b)
    # Same cells by name (Wi-Fi hotspots may fall in other zones), at other places.
    assert sorted(p.name for p in _poas(a)) == sorted(p.name for p in _poas(b))
    where_a = {p.name: p.position for p in _poas(a)}
    assert all(where_a[p.name] != p.position for p in _poas(b))
    assert _path_points(_terminals(a)).tolist() != _path_points(_terminals(b)).tolist()


def test_more_ues_do_not_move_the_cells() -> None:
    # UEs are drawn after every cell, so growing the population keeps the same network.
    small, large = generate(ues=10, cells=50, seed=3), generate(ues=1000, cells=50, seed=3)
    assert _positions(_poas(small)).tolist() == _positions(_poas(large)).tolist()


# --- counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (1, {"4G": 1}),
        (2, {"4G": 1, "5G": 1}),
        (3, {"4G": 2, "5G": 1}),
        (4, {"4G": 2, "5G": 1, "WIFI": 1}),
        (10, {"4G": 6, "5G": 3, "WIFI": 1}),
        (1000, {"4G": 600, "5G": 250, "WIFI": 150}),
    ],
)
def test_cell_counts_and_mix(cells: int, expected: dict[str, int]) -> None:
    scenario = generate(ues=0, cells=cells)
    assert Counter(str(p.type) for p in _poas(scenario)) == expected


@pytest.mark.parametrize(("ues", "cells"), [(0, 1), (1, 1), (37, 5), (1234, 77)])
def test_ue_count_is_exact(ues: int, cells: int) -> None:
    terminals = _terminals(generate(ues=ues, cells=cells))
    assert [t.name for t in terminals] == [f"ue-{i:06d}" for i in range(1, ues + 1)]


@pytest.mark.parametrize(
    ("cells", "zones"), [(1, 1), (4, 1), (17, 2), (100, 5), (1000, 16), (20_000, 64)]
)
def test_default_zone_count_is_half_sqrt_cells_clamped(cells: int, zones: int) -> None:
    assert len(generate(ues=0, cells=cells).domains[0].zones) == zones


@pytest.mark.parametrize(("cells", "zones"), [(10, 1), (10, 6), (60, 7), (100, 56), (1000, 600)])
def test_explicit_zone_count_gives_nonempty_zones(cells: int, zones: int) -> None:
    scenario = generate(ues=0, cells=cells, zones=zones)
    assert len(scenario.domains[0].zones) == zones
    assert all(any(p.type is RadioType.LTE for p in z.poas) for z in scenario.domains[0].zones)
    assert sum(len(z.poas) for z in scenario.domains[0].zones) == cells


# --- validity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ues": 0, "cells": 1},
        {"ues": 3, "cells": 2},
        {"ues": 40, "cells": 9, "zones": 3},
        {"ues": 300, "cells": 150, "seed": 99},
        {"ues": 50, "cells": 30, "center": (-58.3816, -34.6037)},  # southern and western
    ],
)
def test_every_world_validates_and_round_trips(kwargs: dict[str, Any]) -> None:
    scenario = generate(**kwargs)
    text = dump_yaml(scenario)
    assert load_text(text) == scenario
    assert check_references(scenario.model_dump(mode="json")) == []


def test_identities_are_unique_and_well_formed(city: Scenario) -> None:
    domain = city.domains[0]
    poas = _poas(city)
    terminals = _terminals(city)
    apps = [a for z in domain.zones for h in z.mec_hosts for a in h.apps] + [
        a for c in domain.clouds for a in c.apps
    ]
    names = (
        [domain.name]
        + [z.name for z in domain.zones]
        + [h.name for z in domain.zones for h in z.mec_hosts]
        + [c.name for c in domain.clouds]
        + [a.name for a in apps]
        + [p.name for p in poas]
        + [t.name for t in terminals]
    )
    assert len(names) == len(set(names))

    lte = [int(p.cell_id, 16) for p in poas if p.type is RadioType.LTE and p.cell_id]
    nr = [int(p.cell_id, 16) for p in poas if p.type is RadioType.NR and p.cell_id]
    bssids = [p.bssid.lower() for p in poas if p.type is RadioType.WIFI and p.bssid]
    assert len(lte) + len(nr) + len(bssids) == len(poas)
    assert len(set(lte)) == len(lte) and max(lte).bit_length() <= 28
    assert len(set(nr)) == len(nr) and max(nr).bit_length() <= 36
    assert len(set(bssids)) == len(bssids)

    assert len({t.address for t in terminals}) == len(terminals)
    assert len({t.imsi for t in terminals}) == len(terminals)
    assert all(t.imsi and t.imsi.startswith(domain.mcc + domain.mnc) for t in terminals)
    assert all(len(t.imsi or "") == 15 for t in terminals)
    instance_ids = [a.app_instance_id for a in apps]
    assert len(set(instance_ids)) == len(apps)


def test_addresses_stay_unique_beyond_65536_ues() -> None:
    terminals = _terminals(generate(ues=66_000, cells=1))
    addresses = [t.address for t in terminals]
    assert len(set(addresses)) == 66_000
    assert addresses[0] == "acr:10.0.0.1"
    # 254 hosts per /24: .0 and .255 are never handed out.
    assert addresses[253:255] == ["acr:10.0.0.254", "acr:10.0.1.1"]
    assert addresses[65_024] == "acr:10.1.0.1"
    hosts = [IPv4Address(a.removeprefix("acr:")) for a in addresses]
    assert all(ip in ip_network("10.0.0.0/9") for ip in hosts)
    assert {int(ip) & 0xFF for ip in hosts}.isdisjoint({0, 255})


# --- geometry ----------------------------------------------------------------------------


def test_every_path_point_is_inside_some_cell(city: Scenario) -> None:
    poas = _poas(city)
    centres = _positions(poas)
    radius = np.array([p.radius_m for p in poas])
    points = _path_points(_terminals(city))
    covered = (_distances_m(points, centres) <= radius[None, :]).any(axis=1)
    assert covered.all(), f"{int((~covered).sum())} path points are out of coverage"


def test_the_4g_layer_alone_covers_the_whole_city(city: Scenario) -> None:
    lte = [p for p in _poas(city) if p.type is RadioType.LTE]
    radius = np.array([p.radius_m for p in lte])
    points = _path_points(_terminals(city))
    # A dense lattice over the area UEs roam, not only the points they happened to draw.
    lon = np.linspace(points[:, 0].min(), points[:, 0].max(), 60)
    lat = np.linspace(points[:, 1].min(), points[:, 1].max(), 60)
    probes = np.stack(np.meshgrid(lon, lat), axis=-1).reshape(-1, 2)
    covered = (_distances_m(probes, _positions(lte)) <= radius[None, :]).any(axis=1)
    assert covered.all()


@pytest.mark.parametrize("radio", [RadioType.LTE, RadioType.NR, RadioType.WIFI])
def test_neighbouring_cells_of_a_type_overlap(city: Scenario, radio: RadioType) -> None:
    cells = [p for p in _poas(city) if p.type is radio]
    assert len(cells) >= 2
    radius = np.array([p.radius_m for p in cells])
    distance = _distances_m(_positions(cells), _positions(cells))
    np.fill_diagonal(distance, np.inf)
    nearest = distance.argmin(axis=1)
    gap = distance[np.arange(len(cells)), nearest] - (radius + radius[nearest])
    assert (gap < 0).all()


def test_small_cells_are_smaller_than_macro_cells(city: Scenario) -> None:
    radius = {str(p.type): p.radius_m for p in _poas(city)}
    assert radius["WIFI"] < radius["5G"] < radius["4G"]


def test_zones_are_disjoint_blocks_with_a_mec_host_inside(city: Scenario) -> None:
    zones = city.domains[0].zones
    for zone in zones:
        own = _positions([p for p in zone.poas if p.type is RadioType.LTE])
        low, high = own.min(axis=0), own.max(axis=0)
        others = _positions(
            [p for z in zones if z is not zone for p in z.poas if p.type is RadioType.LTE]
        )
        inside = ((others >= low) & (others <= high)).all(axis=1)
        assert not inside.any(), f"{zone.name}'s block holds another zone's macro cell"
        (host,) = zone.mec_hosts
        assert (np.array(host.position) >= low).all() and (np.array(host.position) <= high).all()


def test_center_accepts_any_pair() -> None:
    as_list = generate(ues=5, cells=5, center=[2.3522, 48.8566])  # type: ignore[arg-type]
    assert as_list == generate(ues=5, cells=5, center=(2.3522, 48.8566))
    assert as_list == generate(ues=5, cells=5, center=np.array([2.3522, 48.8566]))  # type: ignore[arg-type]


def test_center_places_the_city() -> None:
    lima = generate(ues=0, cells=50, center=(-77.0428, -12.0464))
    centre = _positions(_poas(lima)).mean(axis=0)
    assert _distances_m(centre[None, :], np.array([[-77.0428, -12.0464]]))[0, 0] < 2000


# --- applications and network characteristics ------------------------------------------


def test_each_zone_runs_one_edge_app_and_the_domain_one_cloud_app(city: Scenario) -> None:
    domain = city.domains[0]
    for zone in domain.zones:
        (host,) = zone.mec_hosts
        (app,) = host.apps
        assert app.app_name == "edge-app"
        assert len(app.services_produced) == 1
        assert len(app.dns_rules) == 1 and len(app.traffic_rules) == 1
        # The DNS rule resolves to this instance, and the traffic rule forwards there.
        ip = app.dns_rules[0].ip_address
        assert app.traffic_rules[0].dst_interface.dst_ip_address == ip
    edge_ips = [z.mec_hosts[0].apps[0].dns_rules[0].ip_address for z in domain.zones]
    assert len(set(edge_ips)) == len(edge_ips)
    (cloud,) = domain.clouds
    assert len(cloud.apps) == 1


def test_network_characteristics_on_every_level(city: Scenario) -> None:
    domain = city.domains[0]
    levels = [city.netchar, domain.netchar, *(c.netchar for c in domain.clouds)]
    levels += [z.netchar for z in domain.zones] + [
        h.netchar for z in domain.zones for h in z.mec_hosts
    ]
    levels += [p.netchar for p in _poas(city)]
    assert all(n.latency_ms > 0 for n in levels)
    radio_latency = {str(p.type): p.netchar.latency_ms for p in _poas(city)}
    assert radio_latency["5G"] < radio_latency["4G"]
    assert radio_latency["WIFI"] < radio_latency["4G"]
    assert city.netchar.latency_ms > domain.netchar.latency_ms > domain.zones[0].netchar.latency_ms


# --- terminals ---------------------------------------------------------------------------


def test_ue_mobility_mix(city: Scenario) -> None:
    terminals = _terminals(city)
    stationary = [t for t in terminals if t.velocity_mps == 0]
    walking = [t for t in terminals if 1.0 <= t.velocity_mps <= 2.0]
    driving = [t for t in terminals if 8.0 <= t.velocity_mps <= 20.0]
    assert len(stationary) + len(walking) + len(driving) == len(terminals)
    for group in (stationary, walking, driving):
        assert len(group) > len(terminals) // 10
    assert all(len(t.path) == 1 and t.end_of_path is EndOfPath.STOP for t in stationary)
    assert all(2 <= len(t.path) <= 6 for t in walking + driving)
    assert {len(t.path) for t in walking + driving} == {2, 3, 4, 5, 6}
    assert {t.end_of_path for t in walking + driving} == set(EndOfPath)


def test_ue_radio_priority_mix(city: Scenario) -> None:
    priorities = Counter(tuple(str(r) for r in t.radio_priority) for t in _terminals(city))
    (most_common, _), *_ = priorities.most_common()
    assert most_common == ("5G", "4G", "WIFI")
    assert {("4G",), ("WIFI", "4G")} <= set(priorities)
    # 4G is the only layer everywhere; a UE without it would be stranded.
    assert all("4G" in p for p in priorities)


# --- arguments ---------------------------------------------------------------------------


def test_zero_ues_and_a_single_cell() -> None:
    scenario = generate(ues=0, cells=1)
    (domain,) = scenario.domains
    assert domain.terminals == []
    (zone,) = domain.zones
    (poa,) = zone.poas
    assert poa.type is RadioType.LTE
    assert len(zone.mec_hosts) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ues": -1, "cells": 1}, r"^ues must be between 0 and"),
        ({"ues": 1.5, "cells": 1}, r"^ues must be an integer"),
        ({"ues": True, "cells": 1}, r"^ues must be an integer"),
        ({"ues": 1, "cells": 0}, r"^cells must be between 1 and"),
        ({"ues": 1, "cells": "10"}, r"^cells must be an integer"),
        ({"ues": 1, "cells": 1, "seed": -5}, r"^seed must be between 0 and"),
        ({"ues": 1, "cells": 10, "zones": 0}, r"^zones must be between 1 and 6 .*got 0$"),
        ({"ues": 1, "cells": 10, "zones": 7}, r"^zones must be between 1 and 6 for cells=10"),
        ({"ues": 0, "cells": 3000, "zones": 1025}, r"^zones must be between 1 and 1024, got 1025$"),
        ({"ues": 1, "cells": 10, "zones": None, "seed": 2**63}, r"^seed must be between"),
        ({"ues": 1, "cells": 1, "center": (181.0, 0.0)}, r"^center longitude"),
        ({"ues": 1, "cells": 1, "center": (0.0, 85.0)}, r"^center latitude"),
        ({"ues": 1, "cells": 1, "center": (0.0, math.nan)}, r"^center latitude"),
        ({"ues": 1, "cells": 1, "center": (1.0,)}, r"^center must be a \(longitude, latitude\)"),
        ({"ues": 1, "cells": 1, "center": ("x", "y")}, r"^center must hold two numbers"),
        ({"ues": 1, "cells": 1, "center": "ab"}, r"^center must be a \(longitude, latitude\)"),
        ({"ues": 0, "cells": 1000, "center": (179.99, 0.0)}, r"^center .* antimeridian"),
    ],
)
def test_invalid_arguments_name_the_argument(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        generate(**kwargs)


def test_generated_world_matches_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    scenario = generate(ues=30, cells=12, seed=5)
    validator = jsonschema.Draft202012Validator(Scenario.model_json_schema())
    assert list(validator.iter_errors(scenario.model_dump(mode="json"))) == []
