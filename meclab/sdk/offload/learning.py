"""A policy that learns from observed completions: a contextual bandit over placements.

The arms are the placements available now. An arm's value is the estimate's completion time
(:mod:`meclab.sdk.offload.estimate`) corrected by what the arm has shown so far in this coarse
context, the task's ``kind`` and the UE's radio type: the policy keeps, per (kind, radio,
placement), an exponentially weighted mean of ``log(observed / estimated)``, and an arm's value
is ``estimate * exp(bias)``. It plays the least valued arm, except with probability ``epsilon``,
when it plays one of the available arms at random (epsilon-greedy), so that an arm the model
misjudges gets a chance to show it.

What it corrects is whatever the model does not see: load the context source cannot know (other
applications on a node, tasks arriving after the decision), a rough throughput (the RNIS-only
context source's), losses and handovers during a transfer. Randomness comes only from the
``random.Random`` handed in.
"""

from __future__ import annotations

import math
import random

from meclab.sdk.offload.context import Context
from meclab.sdk.offload.errors import OffloadError
from meclab.sdk.offload.estimate import estimates
from meclab.sdk.offload.policy import Policy
from meclab.sdk.offload.task import Observation, Placement, Task

Key = tuple[str, str | None, Placement]

MIN_SECONDS = 1e-6
"""Floor of the times in a ratio, so that a zero estimate or observation stays finite."""


class LearningPolicy(Policy):
    """Epsilon-greedy over placements, valued by the estimate times a learned correction."""

    def __init__(
        self, rng: random.Random | None = None, *, epsilon: float = 0.05, rate: float = 0.2
    ) -> None:
        """``rng``: the source of exploration (``random.Random(0)`` when not given);
        ``epsilon``: probability of exploring; ``rate``: weight of a new observation in the
        running mean of the log ratio."""
        if not 0.0 <= epsilon <= 1.0:
            raise OffloadError(f"epsilon must be within [0, 1], got {epsilon}")
        if not 0.0 < rate <= 1.0:
            raise OffloadError(f"rate must be within (0, 1], got {rate}")
        self.rng = rng if rng is not None else random.Random(0)
        self.epsilon = epsilon
        self.rate = rate
        self.bias: dict[Key, float] = {}
        """Learned ``log(observed / estimated)`` per (kind, radio, placement)."""

    def choose(self, task: Task, ctx: Context) -> Placement:
        options = estimates(task, ctx)
        if len(options) > 1 and self.epsilon > 0 and self.rng.random() < self.epsilon:
            return options[self.rng.randrange(len(options))].placement
        bias = self.bias
        best = min(
            options,
            key=lambda e: (
                e.completion_s * math.exp(bias.get((task.kind, ctx.radio, e.placement), 0.0))
            ),
        )
        return best.placement

    def observe(self, task: Task, ctx: Context, observation: Observation) -> None:
        key = (task.kind, ctx.radio, observation.placement)
        ratio = math.log(
            max(observation.completion_s, MIN_SECONDS) / max(observation.estimated_s, MIN_SECONDS)
        )
        old = self.bias.get(key)
        self.bias[key] = ratio if old is None else old + self.rate * (ratio - old)
