"""``meclab scenario validate|schema|default`` through typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from helpers import BROKEN_YAML
from typer.testing import CliRunner

from meclab.cli.main import app
from meclab.scenario.model import Scenario

runner = CliRunner()


def broken_report(path: Path) -> list[str]:
    """What validate prints to stderr for :data:`helpers.BROKEN_YAML` saved at ``path``."""
    return [
        f"{path}: 4 errors",
        f"  {path}:12: domains[0].zones[0].poas[0].radius_m: "
        "Input should be greater than 0 (got -5)",
        f"  {path}:18: domains[0].zones[0].poas[1].colour: unknown field",
        f"  {path}:14: domains[0].zones[0].poas[1].name: "
        "name 'cell-x' is already used at domains[0].zones[0].poas[0].name",
        f"  {path}:14: domains[0].zones[0].poas[1].cell_id: a 4G cell needs a cell_id",
    ]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_good_file(tmp_path: Path, lab_doc: dict[str, Any]) -> None:
    path = write(tmp_path / "lab.yaml", yaml.safe_dump(lab_doc))
    result = runner.invoke(app, ["scenario", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: ok (lab: 3 points of access, 3 terminals)\n"
    assert result.stderr == ""


def test_validate_good_json_file(tmp_path: Path, lab_doc: dict[str, Any]) -> None:
    path = write(tmp_path / "lab.json", json.dumps(lab_doc))
    result = runner.invoke(app, ["scenario", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: ok (lab: 3 points of access, 3 terminals)\n"


def test_validate_lists_every_error_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.yaml", BROKEN_YAML)
    result = runner.invoke(app, ["scenario", "validate", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == broken_report(path)


def test_validate_several_files_reports_each(tmp_path: Path, lab_doc: dict[str, Any]) -> None:
    good = write(tmp_path / "lab.yaml", yaml.safe_dump(lab_doc))
    bad = write(tmp_path / "broken.yaml", BROKEN_YAML)
    missing = tmp_path / "missing.yaml"
    result = runner.invoke(app, ["scenario", "validate", str(bad), str(good), str(missing)])
    assert result.exit_code == 2
    assert result.stdout == f"{good}: ok (lab: 3 points of access, 3 terminals)\n"
    assert result.stderr.splitlines() == [
        *broken_report(bad),
        f"{missing}: 1 error",
        f"  {missing}: cannot read: No such file or directory",
    ]


def test_validate_needs_a_file() -> None:
    result = runner.invoke(app, ["scenario", "validate"])
    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_schema_is_json_schema_of_scenario() -> None:
    result = runner.invoke(app, ["scenario", "schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["title"] == "Scenario"
    assert schema["type"] == "object"
    assert schema["required"] == ["name", "domains"]
    assert {"name", "domains", "clouds", "netchar", "radio", "seed"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    assert {"Domain", "Zone", "PointOfAccess", "Terminal", "NetChar"} <= set(schema["$defs"])
    assert {"Compute", "EnergyModel", "RadioEnergy"} <= set(schema["$defs"])
    assert {"compute", "energy"} <= set(schema["$defs"]["Terminal"]["properties"])
    assert "compute" in schema["$defs"]["ComputeNode"]["properties"]


def test_default_scenario_validates() -> None:
    result = runner.invoke(app, ["scenario", "default"])
    assert result.exit_code == 0, result.output
    scenario = Scenario.model_validate(yaml.safe_load(result.stdout))
    assert scenario.name == "monaco"
    assert sum(len(d.terminals) for d in scenario.domains) == 23
    assert sum(len(z.poas) for d in scenario.domains for z in d.zones) == 13


def test_default_scenario_passes_validate(tmp_path: Path) -> None:
    text = runner.invoke(app, ["scenario", "default"]).stdout
    path = write(tmp_path / "monaco.yaml", text)
    result = runner.invoke(app, ["scenario", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: ok (monaco: 13 points of access, 23 terminals)\n"


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == "meclab 0.1.0\n"


def test_describe_outlines_the_scenario(tmp_path: Path, lab_doc: dict[str, Any]) -> None:
    path = write(tmp_path / "lab.yaml", yaml.safe_dump(lab_doc))
    result = runner.invoke(app, ["scenario", "describe", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    scenario = Scenario.model_validate(lab_doc)
    for domain in scenario.domains:
        assert f"operator {domain.name} (PLMN {domain.mcc}/{domain.mnc})" in result.stdout
        for zone in domain.zones:
            assert f"zone {zone.name}:" in result.stdout
            for host in zone.mec_hosts:
                assert f"MEC host {host.name} (" in result.stdout


def test_describe_shows_node_compute(tmp_path: Path, lab_doc: dict[str, Any]) -> None:
    lab_doc["clouds"][0]["compute"] = {"cores": 128, "speed_ghz": 2.75, "memory_gb": 512}
    path = write(tmp_path / "lab.yaml", yaml.safe_dump(lab_doc))
    result = runner.invoke(app, ["scenario", "describe", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "public cloud cloud-pub (cloud-app): 128 cores at 2.75 GHz, 512 GB\n" in result.stdout
    assert "MEC host mec-a (edge-app): 16 cores at 3.1 GHz, 64 GB (default)\n" in result.stdout


def test_describe_refuses_an_invalid_file(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.yaml", BROKEN_YAML)
    result = runner.invoke(app, ["scenario", "describe", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == broken_report(path)
