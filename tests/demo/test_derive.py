"""A demo's scenario: apps placed on the world's nodes, its terminals and addresses chosen."""

from __future__ import annotations

import pytest

from meclab.demo.derive import (
    SPARE_PORTS,
    DeriveError,
    Placement,
    clouds,
    ephemeral_ports,
    fixed_terminals,
    free_addresses,
    free_loopback_ports,
    mec_hosts,
    used_addresses,
    with_apps,
)
from meclab.scenario.builtin import default_scenario
from meclab.scenario.errors import ScenarioError
from meclab.scenario.model import Application, Scenario


def test_nodes_and_fixed_terminals_of_the_default_scenario() -> None:
    scenario = default_scenario()
    assert mec_hosts(scenario) == ["mec-fontvieille", "mec-condamine", "mec-monte-carlo"]
    assert clouds(scenario) == ["cloud-eu"]
    fixed = fixed_terminals(scenario, 3)
    by_name = {t.name: t for d in scenario.domains for t in d.terminals}
    assert len(fixed) == 3
    assert all(by_name[name].velocity_mps == 0 for name in fixed)
    assert fixed == fixed_terminals(scenario, 5)[:3]  # scenario order, first ones first


def test_too_few_fixed_terminals_is_an_error_naming_them() -> None:
    scenario = default_scenario()
    have = len([t for d in scenario.domains for t in d.terminals if t.velocity_mps == 0])
    with pytest.raises(DeriveError, match=rf"has {have} fixed terminals .*{have + 1} cameras"):
        fixed_terminals(scenario, have + 1, what="cameras")


def test_placing_apps_copies_the_scenario_and_validates_the_result() -> None:
    scenario = default_scenario()
    before = scenario.model_dump()
    app = Application(name="demo-edge", emulated=False, endpoint="127.0.0.1:9999")
    derived = with_apps(scenario, [Placement("mec-condamine", app)], name="monaco-demo")
    assert scenario.model_dump() == before
    assert isinstance(derived, Scenario) and derived.name == "monaco-demo"
    host = next(h for d in derived.domains for z in d.zones for h in z.mec_hosts
                if h.name == "mec-condamine")  # fmt: skip
    assert host.apps[-1].name == "demo-edge" and host.apps[-1].emulated is False


def test_an_unknown_node_names_the_nodes_there_are() -> None:
    app = Application(name="demo-edge")
    with pytest.raises(DeriveError, match=r"no compute node 'mec-nowhere'.*mec-condamine"):
        with_apps(default_scenario(), [Placement("mec-nowhere", app)], name="x")


def test_a_name_already_taken_is_the_scenarios_own_error() -> None:
    taken = Application(name="ar-guide-backend")
    with pytest.raises(ScenarioError, match="ar-guide-backend"):
        with_apps(default_scenario(), [Placement("mec-condamine", taken)], name="x")


def test_free_addresses_skip_those_the_scenario_uses() -> None:
    scenario = default_scenario()
    assert "10.100.2.10" in used_addresses(scenario)
    chosen = free_addresses(scenario, "10.100.2.8/29", 3)
    assert chosen == ["10.100.2.9", "10.100.2.11", "10.100.2.12"]
    with pytest.raises(DeriveError, match="fewer than 9"):
        free_addresses(scenario, "10.100.2.8/29", 9)


def test_free_loopback_ports_are_distinct() -> None:
    ports = free_loopback_ports(4)
    assert len(set(ports)) == 4
    # none the kernel could hand to another socket meanwhile
    assert all(
        p not in ephemeral_ports() and p >= ephemeral_ports().start - SPARE_PORTS for p in ports
    )
