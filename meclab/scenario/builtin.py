"""The built-in default scenario, shipped with the package."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from meclab.scenario.loader import load_text
from meclab.scenario.model import Scenario

DEFAULT_SCENARIO_FILE = "default.yaml"


def default_scenario_text() -> str:
    """The default scenario's YAML source."""
    return files("meclab.scenario").joinpath(DEFAULT_SCENARIO_FILE).read_text(encoding="utf-8")


@cache
def _parsed() -> Scenario:
    return load_text(default_scenario_text(), DEFAULT_SCENARIO_FILE)


def default_scenario() -> Scenario:
    """Monaco: one operator, three zones, 13 PoAs, 23 terminals (see default.yaml)."""
    return _parsed().model_copy(deep=True)
