"""The policy interface: one question, where should this task run.

:meth:`Policy.choose` answers it for one task in one context, among ``ctx.available()``: the
terminal is always there, so a policy that cannot place elsewhere (out of coverage, say) still
has an answer. Learners also hear
what came of each choice through :meth:`Policy.observe`.

Policies are made by name through a registry (:mod:`meclab.sdk.offload.registry`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from meclab.sdk.offload.context import Context
from meclab.sdk.offload.task import Observation, Placement, Task


class Policy(ABC):
    """Chooses a placement per task."""

    @abstractmethod
    def choose(self, task: Task, ctx: Context) -> Placement:
        """Where ``task`` should run; one of ``ctx.available()``."""

    def observe(self, task: Task, ctx: Context, observation: Observation) -> None:  # noqa: B027
        """What came of a task placed in ``ctx`` (the context it was chosen in). Learners
        override it; others need not."""
