"""Validation of scenario documents: every problem, with its exact path and YAML line, at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from meclab.scenario.errors import Issue, ScenarioError
from meclab.scenario.loader import dump_json, dump_yaml, load_file, load_text
from meclab.scenario.model import Scenario

ZONE = "domains[0].zones[0]"
POAS = f"{ZONE}.poas"
UE = "domains[0].terminals"
EDGE_APP = f"{ZONE}.mec_hosts[0].apps[0]"


def _minimal() -> dict[str, Any]:
    """A small valid document; each test breaks one part of a fresh copy."""
    return {
        "name": "tiny",
        "domains": [
            {
                "name": "operator",
                "mcc": "001",
                "mnc": "01",
                "zones": [
                    {
                        "name": "zone-a",
                        "mec_hosts": [
                            {
                                "name": "mec-a",
                                "position": [7.42, 43.73],
                                "apps": [
                                    {
                                        "name": "edge-app",
                                        "dns_rules": [
                                            {
                                                "id": "dns-1",
                                                "domain_name": "app.example.com",
                                                "ip_address": "10.128.0.10",
                                            }
                                        ],
                                    }
                                ],
                            }
                        ],
                        "poas": [
                            {
                                "name": "cell-a",
                                "type": "4G",
                                "position": [7.42, 43.73],
                                "radius_m": 500.0,
                                "cell_id": "0000101",
                            },
                            {
                                "name": "cell-b",
                                "type": "5G",
                                "position": [7.421, 43.731],
                                "radius_m": 150.0,
                                "cell_id": "000001001",
                            },
                            {
                                "name": "ap-a",
                                "type": "WIFI",
                                "position": [7.422, 43.732],
                                "radius_m": 50.0,
                                "bssid": "02:00:00:00:00:01",
                            },
                        ],
                    }
                ],
                "clouds": [{"name": "cloud", "apps": [{"name": "cloud-app"}]}],
                "terminals": [
                    {
                        "name": "ue-1",
                        "address": "acr:10.0.0.1",
                        "imsi": "001010000000001",
                        "path": [[7.42, 43.73], [7.43, 43.74]],
                        "velocity_mps": 1.5,
                        "apps": [{"name": "ue-1-app", "connects_to": ["edge-app"]}],
                    },
                    {
                        "name": "ue-2",
                        "address": "acr:10.0.0.2",
                        "imsi": "001010000000002",
                        "path": [[7.425, 43.735]],
                    },
                ],
            }
        ],
    }


def _domain(doc: dict[str, Any]) -> dict[str, Any]:
    domain: dict[str, Any] = doc["domains"][0]
    return domain


def _poa(doc: dict[str, Any], index: int) -> dict[str, Any]:
    poa: dict[str, Any] = _domain(doc)["zones"][0]["poas"][index]
    return poa


def _ue(doc: dict[str, Any], index: int) -> dict[str, Any]:
    ue: dict[str, Any] = _domain(doc)["terminals"][index]
    return ue


def _edge_app(doc: dict[str, Any]) -> dict[str, Any]:
    app: dict[str, Any] = _domain(doc)["zones"][0]["mec_hosts"][0]["apps"][0]
    return app


def _yaml(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False)


def _line_of(text: str, needle: str, occurrence: int = 0) -> int:
    """1-based line of the ``occurrence``-th line ending with ``needle`` (found independently of
    the loader, by reading the text)."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if line.endswith(needle)]
    assert len(hits) > occurrence, f"{needle!r} is not in the document {occurrence + 1} times"
    return hits[occurrence]


def _issues(text: str) -> list[Issue]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text)
    return caught.value.issues


def test_minimal_document_is_valid() -> None:
    scenario = load_text(_yaml(_minimal()))
    assert [p.name for p in scenario.domains[0].zones[0].poas] == ["cell-a", "cell-b", "ap-a"]


# --- structure (pydantic) ----------------------------------------------------------------


def test_unknown_field() -> None:
    doc = _minimal()
    _poa(doc, 1)["colour"] = "red"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(f"{POAS}[1].colour", "unknown field", _line_of(text, "colour: red"))
    ]


def test_wrong_type() -> None:
    doc = _minimal()
    _ue(doc, 0)["velocity_mps"] = "fast"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{UE}[0].velocity_mps",
            "Input should be a valid number, unable to parse string as a number (got 'fast')",
            _line_of(text, "velocity_mps: fast"),
        )
    ]


def test_wrong_type_inside_a_position() -> None:
    doc = _minimal()
    _ue(doc, 0)["path"][1] = [7.43, "north"]
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{UE}[0].path[1][1]",
            "Input should be a valid number, unable to parse string as a number (got 'north')",
            _line_of(text, "- north"),
        )
    ]


def test_out_of_range_number() -> None:
    doc = _minimal()
    _poa(doc, 1)["radius_m"] = -5.0
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{POAS}[1].radius_m",
            "Input should be greater than 0 (got -5.0)",
            _line_of(text, "radius_m: -5.0"),
        )
    ]


def test_out_of_range_latitude() -> None:
    doc = _minimal()
    _poa(doc, 2)["position"] = [7.422, 91.5]
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{POAS}[2].position[1]",
            "Input should be less than or equal to 90 (got 91.5)",
            _line_of(text, "- 91.5"),
        )
    ]


def test_missing_field_points_at_its_element() -> None:
    doc = _minimal()
    del _ue(doc, 1)["address"]
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(f"{UE}[1].address", "Field required", _line_of(text, "name: ue-2"))
    ]


def test_wrong_enum_value() -> None:
    doc = _minimal()
    _poa(doc, 0)["type"] = "3G"
    del _poa(doc, 0)["cell_id"]  # a 3G cell has no identity rule to break
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{POAS}[0].type",
            "Input should be '4G', '5G' or 'WIFI' (got '3G')",
            _line_of(text, "type: 3G"),
        )
    ]


# --- rules across elements (references) -------------------------------------------------


def test_duplicate_name_reports_the_second_and_names_the_first() -> None:
    doc = _minimal()
    _poa(doc, 1)["name"] = "cell-a"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{POAS}[1].name",
            f"name 'cell-a' is already used at {POAS}[0].name",
            _line_of(text, "name: cell-a", occurrence=1),
        )
    ]


def test_names_are_unique_across_kinds() -> None:
    doc = _minimal()
    _ue(doc, 1)["name"] = "zone-a"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{UE}[1].name",
            f"name 'zone-a' is already used at {ZONE}.name",
            _line_of(text, "name: zone-a", occurrence=1),
        )
    ]


def test_duplicate_cell_id_ignores_case_and_prefix() -> None:
    doc = _minimal()
    _domain(doc)["zones"][0]["poas"].append(
        {
            "name": "cell-c",
            "type": "4G",
            "position": [7.43, 43.74],
            "radius_m": 500.0,
            "cell_id": "0x101",
        }
    )
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{POAS}[3].cell_id",
            f"cell_id '0x101' is already used at {POAS}[0].cell_id",
            _line_of(text, "cell_id: '0x101'"),
        )
    ]


def test_same_cell_id_on_4g_and_5g_is_allowed() -> None:
    # ECGI and NCGI are different identity spaces (TS 36.413 / TS 38.413).
    doc = _minimal()
    _poa(doc, 1)["cell_id"] = "0000101"
    load_text(_yaml(doc))


def test_duplicate_bssid_ignores_case() -> None:
    doc = _minimal()
    _domain(doc)["zones"][0]["poas"].append(
        {
            "name": "ap-b",
            "type": "WIFI",
            "position": [7.423, 43.733],
            "radius_m": 50.0,
            "bssid": "02:00:00:00:00:0A",
        }
    )
    _poa(doc, 2)["bssid"] = "02:00:00:00:00:0a"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{POAS}[3].bssid",
            f"bssid '02:00:00:00:00:0A' is already used at {POAS}[2].bssid",
            _line_of(text, "bssid: 02:00:00:00:00:0A"),
        )
    ]


def test_duplicate_address() -> None:
    doc = _minimal()
    _ue(doc, 1)["address"] = "acr:10.0.0.1"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{UE}[1].address",
            f"address 'acr:10.0.0.1' is already used at {UE}[0].address",
            _line_of(text, "address: acr:10.0.0.1", occurrence=1),
        )
    ]


def test_duplicate_imsi() -> None:
    doc = _minimal()
    _ue(doc, 1)["imsi"] = "001010000000001"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{UE}[1].imsi",
            f"imsi '001010000000001' is already used at {UE}[0].imsi",
            _line_of(text, "imsi: '001010000000001'", occurrence=1),
        )
    ]


def test_duplicate_app_instance_id() -> None:
    doc = _minimal()
    _edge_app(doc)["app_instance_id"] = "instance-1"
    _domain(doc)["clouds"][0]["apps"][0]["app_instance_id"] = "instance-1"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            "domains[0].clouds[0].apps[0].app_instance_id",
            f"app_instance_id 'instance-1' is already used at {EDGE_APP}.app_instance_id",
            _line_of(text, "app_instance_id: instance-1", occurrence=1),
        )
    ]


def test_duplicate_dns_rule_id_within_an_app() -> None:
    doc = _minimal()
    rules = _edge_app(doc)["dns_rules"]
    rules.append({**rules[0], "domain_name": "other.example.com"})
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{EDGE_APP}.dns_rules[1].id",
            f"DNS rule id 'dns-1' is already used at {EDGE_APP}.dns_rules[0].id",
            _line_of(text, "id: dns-1", occurrence=1),
        )
    ]


def test_4g_cell_id_over_28_bits() -> None:
    doc = _minimal()
    _poa(doc, 0)["cell_id"] = "10000000"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{POAS}[0].cell_id",
            "'10000000' has 29 bits; a 4G cell identity has at most 28",
            _line_of(text, "cell_id: '10000000'"),
        )
    ]


def test_4g_cell_id_of_exactly_28_bits_is_valid() -> None:
    doc = _minimal()
    _poa(doc, 0)["cell_id"] = "FFFFFFF"
    load_text(_yaml(doc))


def test_wifi_without_bssid_points_at_the_access_point() -> None:
    doc = _minimal()
    del _poa(doc, 2)["bssid"]
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(f"{POAS}[2].bssid", "a Wi-Fi access point needs a bssid", _line_of(text, "ap-a"))
    ]


def test_imsi_not_matching_mcc_mnc() -> None:
    doc = _minimal()
    _ue(doc, 1)["imsi"] = "999990000000002"
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{UE}[1].imsi",
            "imsi 999990000000002 does not start with its operator's MCC+MNC 00101",
            _line_of(text, "imsi: '999990000000002'"),
        )
    ]


def test_dangling_connects_to() -> None:
    doc = _minimal()
    _ue(doc, 0)["apps"][0]["connects_to"] = ["edge-app", "nowhere"]
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{UE}[0].apps[0].connects_to[1]",
            "no application is named 'nowhere'",
            _line_of(text, "- nowhere"),
        )
    ]


def test_connects_to_must_name_an_application() -> None:
    doc = _minimal()
    _ue(doc, 0)["apps"][0]["connects_to"] = ["mec-a"]
    text = _yaml(doc)
    assert _issues(text) == [
        Issue(
            f"{UE}[0].apps[0].connects_to[0]",
            "'mec-a' is a mec_host, not an edge or cloud app",
            _line_of(text, "- mec-a"),
        )
    ]


# --- syntax ------------------------------------------------------------------------------


def test_duplicate_yaml_key_reports_its_line() -> None:
    text = "name: tiny\ndomains:\n- name: operator\n  mcc: '001'\n  mnc: '01'\n  mcc: '002'\n"
    assert _issues(text) == [Issue("", "duplicate key 'mcc'", 6)]


def test_duplicate_yaml_key_deep_in_a_valid_document() -> None:
    text = _yaml(_minimal()).replace(
        "radius_m: 150.0\n", "radius_m: 150.0\n      radius_m: 200.0\n"
    )
    assert _issues(text) == [Issue("", "duplicate key 'radius_m'", _line_of(text, "200.0"))]


def test_invalid_yaml_syntax_reports_its_line() -> None:
    text = "name: tiny\ndomains:\n- name: operator\n  mcc: '001': x\n"
    assert _issues(text) == [
        Issue("", "invalid YAML: mapping values are not allowed in this context", 4)
    ]


def test_unhashable_yaml_key_is_a_yaml_error() -> None:
    text = "name: tiny\ndomains:\n- {? [a, b] : 1}\n"
    assert _issues(text) == [Issue("", "invalid YAML: found unhashable key", 3)]


def test_invalid_json_reports_its_line() -> None:
    text = '{\n  "name": "tiny",\n  "domains": [,]\n}\n'
    assert _issues(text) == [Issue("", "invalid JSON: Expecting value", 3)]


def test_duplicate_json_key() -> None:
    text = '{"name": "tiny", "name": "again", "domains": []}'
    assert _issues(text) == [Issue("", "invalid JSON: duplicate key 'name'")]


def test_a_document_that_is_not_a_mapping() -> None:
    assert _issues("- just\n- a list\n") == [
        Issue(
            "",
            "Input should be a valid dictionary or instance of Scenario (got ['just', 'a list'])",
            1,
        )
    ]


# --- all at once -------------------------------------------------------------------------


def test_every_problem_is_reported_at_once() -> None:
    doc = _minimal()
    _poa(doc, 1)["radius_m"] = -5.0  # out of range
    _poa(doc, 2)["colour"] = "red"  # unknown field
    _ue(doc, 1)["name"] = "ue-1"  # duplicate name
    _ue(doc, 0)["apps"][0]["connects_to"] = ["nowhere"]  # dangling reference
    text = _yaml(doc)
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "city.yaml")
    expected = [
        Issue(
            f"{POAS}[1].radius_m",
            "Input should be greater than 0 (got -5.0)",
            _line_of(text, "radius_m: -5.0"),
        ),
        Issue(f"{POAS}[2].colour", "unknown field", _line_of(text, "colour: red")),
        Issue(
            f"{UE}[1].name",
            f"name 'ue-1' is already used at {UE}[0].name",
            _line_of(text, "name: ue-1", occurrence=1),
        ),
        Issue(
            f"{UE}[0].apps[0].connects_to[0]",
            "no application is named 'nowhere'",
            _line_of(text, "- nowhere"),
        ),
    ]
    assert caught.value.issues == expected
    rendered = str(caught.value).splitlines()
    assert rendered == [f"city.yaml:{i.line}: {i.path}: {i.message}" for i in expected]


# --- JSON, files and schema --------------------------------------------------------------


def test_json_input_gives_the_same_scenario_as_yaml() -> None:
    doc = _minimal()
    from_json = load_text(json.dumps(doc, indent=2))
    assert from_json == load_text(_yaml(doc))
    assert load_text(dump_json(from_json)) == from_json


def test_json_errors_carry_paths_but_no_line() -> None:
    doc = _minimal()
    _poa(doc, 1)["radius_m"] = 0
    assert _issues(json.dumps(doc, indent=2)) == [
        Issue(f"{POAS}[1].radius_m", "Input should be greater than 0 (got 0)")
    ]


def test_round_trip_through_yaml_keeps_derived_ids() -> None:
    scenario = load_text(_yaml(_minimal()))
    again = load_text(dump_yaml(scenario))
    assert again == scenario
    assert again.domains[0].zones[0].mec_hosts[0].apps[0].app_instance_id is not None


def test_load_file_names_the_file(tmp_path: Any) -> None:
    doc = _minimal()
    _poa(doc, 0)["radius_m"] = -1.0
    path = tmp_path / "world.yaml"
    path.write_text(_yaml(doc), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_file(path)
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}:")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_file(tmp_path / "missing.yaml")


def test_json_schema_accepts_a_valid_document_and_rejects_an_unknown_field() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = Scenario.model_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(_minimal())) == []
    bad = _minimal()
    _poa(bad, 0)["colour"] = "red"
    errors = list(validator.iter_errors(bad))
    assert len(errors) == 1
    assert list(errors[0].absolute_path) == ["domains", 0, "zones", 0, "poas", 0]
