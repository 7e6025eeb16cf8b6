"""Documents too deep, recursive or alias-bombed are refused with an issue, never a crash."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from meclab.cli.main import app
from meclab.scenario.errors import ScenarioError
from meclab.scenario.loader import load_text
from meclab.scenario.shape import MAX_DEPTH, MAX_VALUES, check_shape

runner = CliRunner()


def nested_json(levels: int) -> str:
    return '{"meclab": 1, "name": "x", "domains": ' + "[" * levels + "]" * levels + "}"


def nested_yaml(levels: int) -> str:
    return "meclab: 1\nname: x\ndomains: " + "[" * levels + "]" * levels + "\n"


def alias_bomb(levels: int) -> str:
    lines = ["meclab: 1", "name: x", "a0: &a0 [" + ", ".join(["1"] * 10) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append(f"domains: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def issues(text: str, source: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, source)
    return [issue.render() for issue in caught.value.issues]


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 900, 5_000, 100_000])
def test_deep_json_is_refused(levels: int) -> None:
    found = issues(nested_json(levels), "deep.json")
    assert len(found) == 1
    assert "nest" in found[0] and str(MAX_DEPTH) in found[0]


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 900, 5_000])
def test_deep_yaml_is_refused(levels: int) -> None:
    found = issues(nested_yaml(levels), "deep.yaml")
    assert len(found) == 1
    assert "nest" in found[0]


def test_the_too_deep_branch_is_named() -> None:
    [issue] = issues(nested_yaml(MAX_DEPTH + 1), "deep.yaml")
    assert issue == (f"line 3: domains[0][0][0]: more than {MAX_DEPTH} levels of nesting from here")


def test_depth_at_the_limit_is_not_a_shape_problem() -> None:
    assert check_shape({"a": [[[]]]}) == []
    doc: list[object] = []
    for _ in range(MAX_DEPTH - 1):
        doc = [doc]
    assert check_shape(doc) == []
    assert check_shape([doc]) != []


def test_alias_bomb_is_refused_quickly() -> None:
    [issue] = issues(alias_bomb(10), "bomb.yaml")
    assert "once its aliases are expanded" in issue
    assert f"{MAX_VALUES:,}" in issue


def test_shared_aliases_within_limits_are_fine() -> None:
    doc = {"a": [1, 2], "b": None}
    doc["b"] = [doc["a"], doc["a"]]
    assert check_shape(doc) == []


def test_recursive_alias_is_refused() -> None:
    [issue] = issues("meclab: 1\nname: x\ndomains: &d [*d]\n", "loop.yaml")
    assert issue == "line 3: domains[0]: contains itself (a recursive alias)"


def test_validate_and_up_exit_2_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(nested_json(1_500), encoding="utf-8")
    for command in (["scenario", "validate"], ["up", "--data-dir", str(tmp_path / "data")]):
        result = runner.invoke(app, [*command, str(path)])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert f"{path}: 1 error" in result.stderr
        assert "nest" in result.stderr


@pytest.mark.parametrize(
    ("body", "media"),
    [(nested_json(1_500), "application/json"), (nested_yaml(5_000), "application/yaml")],
)
async def test_put_scenario_answers_400_and_keeps_the_world(
    client: httpx.AsyncClient, body: str, media: str
) -> None:
    before = (await client.get("/meclab/v1/world")).json()
    response = await client.put(
        "/meclab/v1/scenario", content=body, headers={"content-type": media}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "nest" in response.json()["detail"]
    after = (await client.get("/meclab/v1/world")).json()
    assert after["scenario"] == before["scenario"] == "lab"
