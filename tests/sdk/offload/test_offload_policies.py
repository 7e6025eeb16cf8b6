"""Exact decisions on crafted contexts."""

from __future__ import annotations

import random

import pytest
from contexts import context, site

from meclab.sdk.offload import (
    DeadlineCostPolicy,
    GreedyPolicy,
    LearningPolicy,
    Placement,
    Policy,
    StaticPolicy,
    Task,
    default_registry,
)

EVERY_POLICY: list[Policy] = [
    StaticPolicy(Placement.TERMINAL),
    StaticPolicy(Placement.EDGE),
    StaticPolicy(Placement.CLOUD),
    GreedyPolicy(),
    DeadlineCostPolicy(),
    LearningPolicy(random.Random(1), epsilon=1.0),  # always exploring: still only what is there
]


def test_static_policies_keep_their_placement() -> None:
    ctx = context(edge=site(5.0), cloud=site(30.0))
    task = Task(cycles=1e9)
    assert [StaticPolicy(p).choose(task, ctx) for p in Placement] == list(Placement)


@pytest.mark.parametrize(
    "policy",
    EVERY_POLICY,
    ids=lambda p: repr(p) if isinstance(p, StaticPolicy) else type(p).__name__,
)
def test_out_of_coverage_every_policy_runs_on_the_terminal(policy: Policy) -> None:
    heavy = Task(cycles=50e9, deadline_s=1.0)  # 25 s here: only offloading could meet it
    assert policy.choose(heavy, context()) is Placement.TERMINAL


def test_static_edge_falls_back_to_the_terminal_not_the_cloud() -> None:
    ctx = context(cloud=site(30.0))
    assert StaticPolicy(Placement.EDGE).choose(Task(cycles=1e9), ctx) is Placement.TERMINAL


def test_greedy_goes_to_the_cloud_when_the_edge_is_overloaded() -> None:
    task = Task(cycles=3e9)
    idle = context(edge=site(5.0, cores=8, speed_ghz=3.0), cloud=site(30.0, speed_ghz=3.0))
    # terminal 1.5 s; edge 0.01 + 1.0 s; cloud 0.06 + 1.0 s
    assert GreedyPolicy().choose(task, idle) is Placement.EDGE
    busy = context(
        edge=site(5.0, cores=8, speed_ghz=3.0, active=64), cloud=site(30.0, speed_ghz=3.0)
    )
    # edge: 64 tasks on 8 cores, this one gets 8/65 of a core: 8.1 s
    assert GreedyPolicy().choose(task, busy) is Placement.CLOUD


def test_greedy_keeps_a_small_task_local_and_a_big_upload_off_a_slow_uplink() -> None:
    ctx = context(edge=site(15.0, up_mbps=2.0), cloud=site(40.0, up_mbps=2.0))
    tiny = Task(cycles=1e7)  # 5 ms here, 30 ms of round trip to the edge
    assert GreedyPolicy().choose(tiny, ctx) is Placement.TERMINAL
    photo = Task(cycles=5e8, input_bytes=2_000_000)  # 0.25 s here, 8 s to upload
    assert GreedyPolicy().choose(photo, ctx) is Placement.TERMINAL
    assert GreedyPolicy().choose(Task(cycles=4e9), ctx) is Placement.EDGE  # 2 s vs 1.03 s


def test_deadline_cost_takes_the_cheapest_placement_meeting_the_deadline() -> None:
    # terminal 0.5 s (free), edge 0.02 + 0.25 s (2 per Gcycle), cloud 0.1 + 0.25 s (1 per Gcycle)
    ctx = context(edge=site(10.0), cloud=site(50.0))
    policy = DeadlineCostPolicy()
    assert policy.choose(Task(cycles=1e9, deadline_s=1.0), ctx) is Placement.TERMINAL
    assert policy.choose(Task(cycles=1e9, deadline_s=0.4), ctx) is Placement.CLOUD
    assert policy.choose(Task(cycles=1e9, deadline_s=0.3), ctx) is Placement.EDGE
    assert policy.choose(Task(cycles=1e9), ctx) is Placement.TERMINAL  # no deadline: cheapest


def test_deadline_cost_when_nothing_meets_the_deadline_takes_the_fastest() -> None:
    ctx = context(edge=site(10.0), cloud=site(50.0))
    assert DeadlineCostPolicy().choose(Task(cycles=1e9, deadline_s=0.1), ctx) is Placement.EDGE


def test_deadline_cost_weighs_terminal_energy() -> None:
    # terminal: 1 J of CPU. cloud: cost 1 + idle 0.5 W * 0.35 s = 0.175 J.
    ctx = context(edge=site(10.0), cloud=site(50.0))
    cheap_energy = Task(cycles=1e9, deadline_s=1.0, energy_weight=0.5)  # 0.5 vs 1 + 0.09
    assert DeadlineCostPolicy().choose(cheap_energy, ctx) is Placement.TERMINAL
    dear_energy = Task(cycles=1e9, deadline_s=1.0, energy_weight=5.0)  # 5 vs 1 + 0.875
    assert DeadlineCostPolicy().choose(dear_energy, ctx) is Placement.CLOUD


def test_registry_makes_every_policy_by_name() -> None:
    registry = default_registry()
    assert registry.names() == [
        "always-terminal",
        "always-edge",
        "always-cloud",
        "greedy",
        "deadline-cost",
        "learning",
    ]
    ctx = context(edge=site(10.0), cloud=site(50.0))
    assert registry.create("always-cloud").choose(Task(cycles=1.0), ctx) is Placement.CLOUD
    assert isinstance(registry.create("learning", rng=random.Random(3)), LearningPolicy)
