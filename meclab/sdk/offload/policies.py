"""meclab's rule-based policies: static, greedy, deadline- and cost-aware.

Each reads the estimates of :mod:`meclab.sdk.offload.estimate` for the placements available now;
ties go to the earlier placement in :data:`~meclab.sdk.offload.task.PLACEMENTS` (terminal, edge,
cloud), so every choice can be worked out by hand.
"""

from __future__ import annotations

from meclab.sdk.offload.context import Context
from meclab.sdk.offload.estimate import Estimate, estimates
from meclab.sdk.offload.policy import Policy
from meclab.sdk.offload.task import Placement, Task


class StaticPolicy(Policy):
    """Always the same placement, and the terminal when that one is not reachable."""

    def __init__(self, placement: Placement) -> None:
        self.placement = Placement(placement)

    def choose(self, task: Task, ctx: Context) -> Placement:
        if self.placement in ctx.available():
            return self.placement
        return Placement.TERMINAL

    def __repr__(self) -> str:
        return f"StaticPolicy({self.placement.value})"


def fastest(options: list[Estimate]) -> Estimate:
    """The estimate of least expected completion time (the first of equals)."""
    return min(options, key=lambda e: e.completion_s)


class GreedyPolicy(Policy):
    """The placement of least expected completion time."""

    def choose(self, task: Task, ctx: Context) -> Placement:
        return fastest(estimates(task, ctx)).placement


class DeadlineCostPolicy(Policy):
    """The cheapest placement expected to meet the deadline.

    Cheapest is least ``cost + task.energy_weight * energy_j`` (compute price plus the worth the
    task gives the terminal's energy), equal scores going to the faster. A task without a
    deadline takes the cheapest of all; when no placement is expected to meet the deadline, the
    fastest, to be as little late as possible.
    """

    def choose(self, task: Task, ctx: Context) -> Placement:
        options = estimates(task, ctx)
        deadline = task.deadline_s
        meeting = [e for e in options if deadline is None or e.completion_s <= deadline]
        if not meeting:
            return fastest(options).placement
        weight = task.energy_weight
        return min(meeting, key=lambda e: (e.cost + weight * e.energy_j, e.completion_s)).placement
