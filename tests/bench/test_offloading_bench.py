"""The offloading benchmark's machinery on a tiny run: its figures are consistent."""

from __future__ import annotations

import numpy as np

from bench.offloading import STATIC, Issued, Timeline, evaluate
from meclab.scenario.builtin import default_scenario
from meclab.sdk.offload.estimate import estimate
from meclab.sdk.offload.task import Placement, Task


def test_oracle_bounds_every_policy_and_local_spends_no_radio_energy() -> None:
    results, tasks, outcomes = evaluate(default_scenario(), 5, 1.0, 1.0, seed=3)
    assert len(tasks) == len({i.ue for i in tasks}) * 5
    oracle = results["oracle"].mean_s
    for name, f in results.items():
        assert oracle <= f.mean_s + 1e-12, name
        # per task too: the oracle takes the fastest realized placement
        for best, other in zip(outcomes["oracle"], outcomes[name], strict=True):
            assert best.completion_s <= other.completion_s + 1e-12
    local = outcomes["always-terminal"]
    assert all(o.placement is Placement.TERMINAL and o.radio_j == 0.0 for o in local)
    offloaded = [
        o for name in STATIC[1:] for o in outcomes[name] if o.placement is not Placement.TERMINAL
    ]
    assert offloaded and all(o.radio_j > 0.0 for o in offloaded)


def test_outcome_is_the_estimate_without_hidden_load_noise_or_movement() -> None:
    timeline = Timeline(default_scenario(), 3.0, 1.0, seed=0)
    for name in timeline.background:
        timeline.background[name] = np.zeros_like(timeline.background[name])
    task = Task(cycles=1e8, input_bytes=10_000, output_bytes=1_000)
    checked = 0
    for ue, ctx in enumerate(timeline.contexts[0]):
        issued = Issued(ue, 0.0, task, (0.0, 0.0))
        for placement in ctx.available():
            outcome = timeline.outcome(issued, placement)
            expected = estimate(task, ctx, placement)
            if outcome.completion_s < timeline.dt:  # the result came back within the tick
                assert outcome.completion_s == expected.completion_s
                assert outcome.energy_j == expected.energy_j
                checked += 1
    assert checked > len(timeline.ues)


def test_a_loaded_context_shows_each_nodes_background_load_at_issue() -> None:
    timeline = Timeline(default_scenario(), 3.0, 1.0, seed=0)
    shown = 0
    for ue, plain in enumerate(timeline.contexts[1]):
        issued = Issued(ue, 1.0, Task(cycles=1e8), (0.0, 0.0))
        loaded = timeline.context(issued, load=True)
        assert loaded.terminal == plain.terminal
        for placement in (Placement.EDGE, Placement.CLOUD):
            site, plain_site = loaded.site(placement), plain.site(placement)
            assert (site is None) == (plain_site is None)
            if site is not None and plain_site is not None:
                name = timeline.remote_node(issued, placement)
                assert plain_site.node.active_tasks == 0
                assert site.node.active_tasks == timeline.background[name][1]
                shown += site.node.active_tasks
    assert shown > 0
