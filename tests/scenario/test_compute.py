"""Compute capacity and terminal energy in scenarios: validation, defaults, partial overrides."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from meclab.scenario.compute import (
    DEFAULT_COMPUTE,
    KAPPA,
    TERMINAL_CPU_NJ_PER_CYCLE,
    Compute,
    EnergyModel,
    RadioEnergy,
    compute_of,
    energy_of,
)
from meclab.scenario.errors import ScenarioError
from meclab.scenario.loader import dump_yaml, load_text
from meclab.scenario.model import Scenario
from meclab.types import ComputeKind, NodeKind, RadioType

HOST = "domains[0].zones[0].mec_hosts[0]"
FOG = "domains[0].zones[0].poas[0].fog_nodes[0]"
UE = "domains[0].terminals[0]"


def _doc() -> dict[str, Any]:
    """A small world with one node of each kind and one terminal, none with compute given."""
    return {
        "name": "compute",
        "clouds": [{"name": "cloud"}],
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "zones": [
                    {
                        "name": "zone",
                        "mec_hosts": [{"name": "mec", "position": [0.0, 0.0]}],
                        "poas": [
                            {
                                "name": "cell",
                                "type": "4G",
                                "position": [0.0, 0.0],
                                "radius_m": 500.0,
                                "cell_id": "0x1",
                                "fog_nodes": [{"name": "fog"}],
                            }
                        ],
                    }
                ],
                "terminals": [{"name": "ue", "address": "acr:10.0.0.1", "path": [[0.0, 0.0]]}],
            }
        ],
    }


def _load(doc: dict[str, Any]) -> Scenario:
    return load_text(yaml.safe_dump(doc), "compute.yaml")


def _issues(doc: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        _load(doc)
    return [(i.path, i.message) for i in caught.value.issues]


def _parts(scenario: Scenario) -> dict[ComputeKind, Any]:
    domain = scenario.domains[0]
    zone = domain.zones[0]
    return {
        ComputeKind.TERMINAL: domain.terminals[0],
        ComputeKind.FOG: zone.poas[0].fog_nodes[0],
        ComputeKind.MEC_HOST: zone.mec_hosts[0],
        ComputeKind.CLOUD: scenario.clouds[0],
    }


# --- defaults --------------------------------------------------------------------------------


def test_defaults_by_kind_are_the_documented_figures() -> None:
    parts = _parts(_load(_doc()))
    got = {kind: compute_of(item, kind) for kind, item in parts.items()}
    assert got == {
        ComputeKind.TERMINAL: Compute(cores=4, speed_ghz=2.0, memory_gb=4.0),
        ComputeKind.FOG: Compute(cores=4, speed_ghz=2.4, memory_gb=16.0),
        ComputeKind.MEC_HOST: Compute(cores=16, speed_ghz=3.1, memory_gb=64.0),
        ComputeKind.CLOUD: Compute(cores=96, speed_ghz=3.1, memory_gb=384.0),
    }


def test_a_phone_is_slower_than_an_edge_host_and_an_edge_host_smaller_than_a_cloud() -> None:
    phone, fog, edge, cloud = (
        DEFAULT_COMPUTE[k]
        for k in (ComputeKind.TERMINAL, ComputeKind.FOG, ComputeKind.MEC_HOST, ComputeKind.CLOUD)
    )
    assert phone.speed_ghz < edge.speed_ghz
    assert phone.cycles_per_s < fog.cycles_per_s < edge.cycles_per_s < cloud.cycles_per_s
    assert edge.cores < cloud.cores and edge.memory_gb < cloud.memory_gb
    assert phone.memory_gb < edge.memory_gb


def test_node_kinds_convert_to_compute_kinds() -> None:
    host = _parts(_load(_doc()))[ComputeKind.MEC_HOST]
    for node_kind in NodeKind:
        assert compute_of(host, node_kind) == DEFAULT_COMPUTE[ComputeKind(node_kind.value)]


def test_cpu_energy_is_kappa_f_squared_and_a_phone_core_draws_about_a_watt() -> None:
    hz = DEFAULT_COMPUTE[ComputeKind.TERMINAL].speed_ghz * 1e9
    assert KAPPA * hz**2 * 1e9 == pytest.approx(TERMINAL_CPU_NJ_PER_CYCLE)
    assert KAPPA * hz**3 == pytest.approx(1.0)


def test_default_energy_converts_huang_et_al_to_nj_per_bit() -> None:
    # MobiSys 2012 power model slopes in mW per Mbit/s: one mW per Mbit/s is one nJ per bit.
    mw_per_mbps = {"LTE": (438.39, 51.97), "WIFI": (283.17, 137.01)}
    joules_per_bit = {k: (tx * 1e-3 / 1e6, rx * 1e-3 / 1e6) for k, (tx, rx) in mw_per_mbps.items()}
    energy = energy_of(_parts(_load(_doc()))[ComputeKind.TERMINAL])
    lte, wifi = energy.radio[RadioType.LTE], energy.radio[RadioType.WIFI]
    assert (lte.tx_nj_per_bit * 1e-9, lte.rx_nj_per_bit * 1e-9) == pytest.approx(
        joules_per_bit["LTE"]
    )
    assert (wifi.tx_nj_per_bit * 1e-9, wifi.rx_nj_per_bit * 1e-9) == pytest.approx(
        joules_per_bit["WIFI"]
    )
    assert energy.radio[RadioType.NR] == lte  # meclab's stated assumption for 5G
    assert energy.cpu_nj_per_cycle == TERMINAL_CPU_NJ_PER_CYCLE
    assert 0.0 < energy.idle_w < KAPPA * (2e9) ** 3  # waiting costs less than a busy core


# --- given values and partial overrides --------------------------------------------------------


def test_given_compute_replaces_the_default() -> None:
    doc = _doc()
    doc["domains"][0]["zones"][0]["mec_hosts"][0]["compute"] = {
        "cores": 8,
        "speed_ghz": 2.5,
        "memory_gb": 32,
    }
    doc["domains"][0]["terminals"][0]["compute"] = {"cores": 1, "speed_ghz": 1.2, "memory_gb": 2}
    parts = _parts(_load(doc))
    assert compute_of(parts[ComputeKind.MEC_HOST], NodeKind.MEC_HOST) == Compute(
        cores=8, speed_ghz=2.5, memory_gb=32.0
    )
    assert compute_of(parts[ComputeKind.TERMINAL], ComputeKind.TERMINAL).cycles_per_s == 1.2e9
    assert compute_of(parts[ComputeKind.FOG], NodeKind.FOG) == DEFAULT_COMPUTE[ComputeKind.FOG]


def test_partial_energy_keeps_the_default_radio_figures() -> None:
    doc = _doc()
    doc["domains"][0]["terminals"][0]["energy"] = {"cpu_nj_per_cycle": 0.8}
    energy = energy_of(_parts(_load(doc))[ComputeKind.TERMINAL])
    default = energy_of(_parts(_load(_doc()))[ComputeKind.TERMINAL])
    assert energy.cpu_nj_per_cycle == 0.8
    assert energy.radio == default.radio
    assert energy.idle_w == default.idle_w


def test_one_radio_type_overridden_the_others_default() -> None:
    doc = _doc()
    ue = doc["domains"][0]["terminals"][0]
    ue["radio_priority"] = ["WIFI", "4G"]
    ue["energy"] = {"idle_w": 0.1, "radio": {"WIFI": {"tx_nj_per_bit": 10, "rx_nj_per_bit": 5}}}
    energy = energy_of(_parts(_load(doc))[ComputeKind.TERMINAL])
    assert list(energy.radio) == [RadioType.WIFI, RadioType.LTE]  # the terminal's, in its order
    assert energy.radio[RadioType.WIFI] == RadioEnergy(tx_nj_per_bit=10.0, rx_nj_per_bit=5.0)
    assert energy.radio[RadioType.LTE].tx_nj_per_bit == 438.39
    assert (energy.idle_w, energy.cpu_nj_per_cycle) == (0.1, TERMINAL_CPU_NJ_PER_CYCLE)


def test_every_usable_radio_type_has_figures_after_defaults() -> None:
    for priority in (["5G"], ["WIFI"], ["4G", "WIFI"], ["5G", "4G", "WIFI"]):
        doc = _doc()
        doc["domains"][0]["terminals"][0]["radio_priority"] = priority
        energy = energy_of(_parts(_load(doc))[ComputeKind.TERMINAL])
        assert [str(r) for r in energy.radio] == priority


def test_compute_and_energy_survive_a_dump_and_reload() -> None:
    doc = _doc()
    doc["clouds"][0]["compute"] = {"cores": 200, "speed_ghz": 3.0, "memory_gb": 1024}
    doc["domains"][0]["terminals"][0]["energy"] = {
        "radio": {"5G": {"tx_nj_per_bit": 100, "rx_nj_per_bit": 20}}
    }
    scenario = _load(doc)
    again = load_text(dump_yaml(scenario), "again.yaml")
    assert again == scenario
    assert again.clouds[0].compute == Compute(cores=200, speed_ghz=3.0, memory_gb=1024.0)


# --- bad values name their path ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cores", 0, "greater than or equal to 1"),
        ("cores", 2.5, "valid integer"),
        ("speed_ghz", 0, "greater than 0"),
        ("memory_gb", -1, "greater than 0"),
    ],
)
def test_bad_compute_names_the_field(field: str, value: object, message: str) -> None:
    doc = _doc()
    compute: dict[str, object] = {"cores": 4, "speed_ghz": 2.0, "memory_gb": 8.0}
    compute[field] = value
    doc["domains"][0]["zones"][0]["poas"][0]["fog_nodes"][0]["compute"] = compute
    [(path, text)] = _issues(doc)
    assert path == f"{FOG}.compute.{field}"
    assert message in text


def test_compute_is_given_whole_and_unknown_fields_are_refused() -> None:
    doc = _doc()
    doc["domains"][0]["zones"][0]["mec_hosts"][0]["compute"] = {"cores": 64, "gpus": 1}
    assert sorted(path for path, _ in _issues(doc)) == [
        f"{HOST}.compute.gpus",
        f"{HOST}.compute.memory_gb",
        f"{HOST}.compute.speed_ghz",
    ]


def test_bad_energy_names_the_field() -> None:
    doc = _doc()
    doc["domains"][0]["terminals"][0]["energy"] = {
        "cpu_nj_per_cycle": -0.1,
        "radio": {"4G": {"tx_nj_per_bit": 1.0}, "6G": {"tx_nj_per_bit": 1, "rx_nj_per_bit": 1}},
    }
    paths = sorted(path for path, _ in _issues(doc))
    assert paths == [
        f"{UE}.energy.cpu_nj_per_cycle",
        f"{UE}.energy.radio.4G.rx_nj_per_bit",
        f"{UE}.energy.radio.6G",
    ]


def test_energy_for_a_radio_the_terminal_does_not_use_is_an_error() -> None:
    doc = _doc()
    ue = doc["domains"][0]["terminals"][0]
    ue["radio_priority"] = ["4G"]
    ue["energy"] = {"radio": {"WIFI": {"tx_nj_per_bit": 1, "rx_nj_per_bit": 1}}}
    [(path, text)] = _issues(doc)
    assert path == UE
    assert "energy.radio gives figures for WIFI, which radio_priority does not list" in text


def test_schema_describes_compute_and_energy() -> None:
    schema = json.loads(json.dumps(Scenario.model_json_schema()))
    defs = schema["$defs"]
    assert {"Compute", "EnergyModel", "RadioEnergy"} <= set(defs)
    assert set(defs["Compute"]["required"]) == {"cores", "speed_ghz", "memory_gb"}
    assert "required" not in defs["EnergyModel"]
    assert defs["EnergyModel"]["properties"]["cpu_nj_per_cycle"]["default"] == 0.5
    for owner in ("ComputeNode", "MecHost", "Terminal"):
        assert "compute" in defs[owner]["properties"]
    assert "energy" in defs["Terminal"]["properties"]


def test_effective_models_are_frozen() -> None:
    with pytest.raises(ValueError, match="frozen"):
        DEFAULT_COMPUTE[ComputeKind.CLOUD].cores = 1  # type: ignore[misc]
    assert EnergyModel().radio == {}
