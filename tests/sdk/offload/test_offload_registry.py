"""The policy registry's errors and plugging a policy of one's own."""

from __future__ import annotations

import pytest
from contexts import context, site

from meclab.sdk.offload import (
    Context,
    OffloadError,
    Placement,
    Policy,
    Task,
    UnknownPolicy,
    default_registry,
)


class NearestPolicy(Policy):
    """Offload whenever the edge is nearer than a threshold."""

    def __init__(self, threshold_ms: float) -> None:
        self.threshold_ms = threshold_ms

    def choose(self, task: Task, ctx: Context) -> Placement:
        if ctx.edge is not None and ctx.edge.link.latency_ms < self.threshold_ms:
            return Placement.EDGE
        return Placement.TERMINAL


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownPolicy) as caught:
        default_registry().create("fastest")
    message = str(caught.value)
    assert "'fastest'" in message
    for name in ("always-edge", "greedy", "deadline-cost", "learning"):
        assert name in message
    assert caught.value.known == sorted(caught.value.known)


def test_an_app_plugs_its_own_policy_with_options() -> None:
    registry = default_registry()
    registry.register("nearest", NearestPolicy)
    policy = registry.create("nearest", threshold_ms=20.0)
    assert policy.choose(Task(cycles=1.0), context(edge=site(10.0))) is Placement.EDGE
    assert policy.choose(Task(cycles=1.0), context(edge=site(30.0))) is Placement.TERMINAL
    assert "nearest" not in default_registry().names()  # a fresh registry is untouched


def test_a_name_is_registered_once() -> None:
    registry = default_registry()
    with pytest.raises(OffloadError, match="already registered"):
        registry.register("greedy", NearestPolicy)
    with pytest.raises(OffloadError, match="empty"):
        registry.register("", NearestPolicy)
