"""The learning policy on a crafted stationary world the estimates misjudge."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest
from contexts import context, site

from meclab.sdk.offload import (
    LearningPolicy,
    Observation,
    OffloadError,
    Placement,
    Task,
    estimate,
)

# The context shows an idle edge, but the edge host is five times slower than it says (load
# the context source cannot see); the cloud and the terminal are as the model says.
TRUTH = {Placement.TERMINAL: 1.0, Placement.EDGE: 5.0, Placement.CLOUD: 1.0}
CTX = context(edge=site(10.0), cloud=site(50.0), radio="5G")
TASK = Task(cycles=1e9, kind="frame")  # terminal 0.5 s, edge 0.27 s, cloud 0.35 s


def play(policy: LearningPolicy, rounds: int) -> list[Placement]:
    chosen = []
    for _ in range(rounds):
        placement = policy.choose(TASK, CTX)
        expected = estimate(TASK, CTX, placement).completion_s
        policy.observe(TASK, CTX, Observation(placement, expected * TRUTH[placement], expected, 0))
        chosen.append(placement)
    return chosen


def test_it_learns_the_edge_is_slower_than_it_looks() -> None:
    policy = LearningPolicy(random.Random(7), epsilon=0.1)
    chosen = play(policy, 300)
    assert chosen[0] is Placement.EDGE  # the model's choice, before any observation
    late = Counter(chosen[-100:])
    assert late[Placement.CLOUD] >= 85  # the truly fastest; the rest is exploration
    assert policy.bias[("frame", "5G", Placement.EDGE)] == pytest.approx(math.log(5.0))
    assert policy.bias[("frame", "5G", Placement.CLOUD)] == pytest.approx(0.0)


def test_the_same_seed_makes_the_same_choices() -> None:
    first = play(LearningPolicy(random.Random(11)), 200)
    again = play(LearningPolicy(random.Random(11)), 200)
    assert first == again


def test_what_it_learned_stays_in_its_coarse_context() -> None:
    policy = LearningPolicy(random.Random(7), epsilon=0.0)
    policy.observe(TASK, CTX, Observation(Placement.EDGE, 2.7, 0.27, 0.0))
    assert policy.choose(TASK, CTX) is Placement.CLOUD
    other_radio = context(edge=site(10.0), cloud=site(50.0), radio="4G")
    assert policy.choose(TASK, other_radio) is Placement.EDGE


@pytest.mark.parametrize("options", [{"epsilon": 1.5}, {"rate": 0.0}])
def test_bad_options_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(OffloadError):
        LearningPolicy(**options)
