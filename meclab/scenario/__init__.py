"""Scenarios: a world described as data, validated, with every error naming its path."""

from meclab.scenario.builtin import default_scenario
from meclab.scenario.errors import Issue, ScenarioError
from meclab.scenario.loader import dump_json, dump_yaml, load_file, load_text
from meclab.scenario.model import Scenario

__all__ = [
    "Issue",
    "Scenario",
    "ScenarioError",
    "default_scenario",
    "dump_json",
    "dump_yaml",
    "load_file",
    "load_text",
]
