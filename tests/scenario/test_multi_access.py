"""Terminal.multi_access: the radio types a terminal uses at the same time, validated."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from meclab.scenario.errors import ScenarioError
from meclab.scenario.loader import load_text
from meclab.scenario.model import Scenario
from meclab.types import RadioType

UE = "domains[0].terminals[0]"


def _with(doc: dict[str, Any], multi_access: Any, **terminal: Any) -> str:
    ue = doc["domains"][0]["terminals"][0]
    ue.update(terminal)
    ue["multi_access"] = multi_access
    return yaml.safe_dump(doc, sort_keys=False)


def _issues(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def test_by_default_a_terminal_uses_one_radio_at_a_time(lab_doc: dict[str, Any]) -> None:
    scenario = Scenario.model_validate(lab_doc)
    assert all(t.multi_access is None for t in scenario.domains[0].terminals)


def test_radio_types_used_at_once_are_kept_in_order(lab_doc: dict[str, Any]) -> None:
    ue = load_text(_with(lab_doc, ["WIFI", "5G"])).domains[0].terminals[0]
    assert ue.multi_access == [RadioType.WIFI, RadioType.NR]


def test_an_unknown_radio_type_is_refused(lab_doc: dict[str, Any]) -> None:
    [(path, message)] = _issues(_with(lab_doc, ["5G", "6G"]))
    assert path == f"{UE}.multi_access[1]"
    assert "'4G', '5G' or 'WIFI'" in message


def test_a_radio_type_listed_twice_is_refused(lab_doc: dict[str, Any]) -> None:
    [(path, message)] = _issues(_with(lab_doc, ["5G", "WIFI", "5G"]))
    assert path == UE
    assert "multi_access lists a radio type twice" in message


def test_a_single_radio_type_is_refused(lab_doc: dict[str, Any]) -> None:
    [(path, message)] = _issues(_with(lab_doc, ["5G"]))
    assert path == UE
    assert "one at a time is the default" in message


def test_a_radio_the_terminal_may_not_use_is_refused(lab_doc: dict[str, Any]) -> None:
    [(path, message)] = _issues(_with(lab_doc, ["4G", "WIFI"], radio_priority=["5G", "4G"]))
    assert path == UE
    assert "multi_access lists WIFI, which radio_priority does not list" in message
