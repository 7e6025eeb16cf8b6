"""The offloader: per task, read the context, ask the policy, run, observe.

    offloader = Offloader(source, default_registry().create("greedy"), {
        Placement.TERMINAL: AppExecutor(detect_locally),
        Placement.EDGE: AppExecutor(edge_client.detect),
    })
    outcome = await offloader.run(Task(cycles=2e9, input_bytes=60_000), frame)

Each :meth:`Offloader.run` reads the context source afresh (which re-reads the platform or its
cache, invalidated by a cell change), so a handover changes the next decision by itself. The
offloader adds the tasks it has running at each placement to that placement's load (a source
knows the platform's view, not this app's tasks in flight), offers the policy only placements
it has an executor for, records the observed completion and feeds it back to the policy.

When the source fails (a platform down, an API error), the task is placed on the terminal with
the last context the source gave, the failure logged and counted: offloading must not stop the
app's work. With no context ever read, the error propagates.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from meclab.sdk.errors import SdkError
from meclab.sdk.offload.context import Context
from meclab.sdk.offload.errors import MissingExecutor, OffloadError
from meclab.sdk.offload.estimate import Estimate, estimate, offload_energy_j
from meclab.sdk.offload.executors import Executor
from meclab.sdk.offload.policy import Policy
from meclab.sdk.offload.sources import ContextSource
from meclab.sdk.offload.task import PLACEMENTS, Observation, Placement, Task

log = logging.getLogger("meclab.sdk.offload")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One task done: its result, what was observed, what had been expected."""

    result: Any
    observation: Observation
    estimate: Estimate

    @property
    def placement(self) -> Placement:
        return self.observation.placement


@dataclass(slots=True)
class PlacementStats:
    """Totals of the tasks that ran at one placement."""

    tasks: int = 0
    completion_s: float = 0.0
    energy_j: float = 0.0
    deadline_misses: int = 0
    failures: int = 0

    @property
    def mean_completion_s(self) -> float | None:
        return self.completion_s / self.tasks if self.tasks else None


@dataclass(slots=True)
class OffloadStats:
    """What an offloader has done so far."""

    by_placement: dict[Placement, PlacementStats] = field(
        default_factory=lambda: {p: PlacementStats() for p in PLACEMENTS}
    )
    context_errors: int = 0
    """Decisions made on the terminal because the context source failed."""

    @property
    def tasks(self) -> int:
        return sum(s.tasks for s in self.by_placement.values())

    @property
    def deadline_misses(self) -> int:
        return sum(s.deadline_misses for s in self.by_placement.values())


class Offloader:
    """Places and runs an application's tasks for one UE."""

    def __init__(
        self,
        source: ContextSource,
        policy: Policy,
        executors: Mapping[Placement, Executor],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``executors``: one per placement the app can use, the terminal's required;
        ``clock``: seconds in the units of the estimates (an emulated node's ``now`` when
        execution is emulated faster than real time)."""
        if Placement.TERMINAL not in executors:
            raise MissingExecutor()
        self.source = source
        self.policy = policy
        self.executors = dict(executors)
        self.clock = clock
        self.stats = OffloadStats()
        self._running: Counter[Placement] = Counter()
        self._last: Context | None = None

    def invalidate(self) -> None:
        """Tell the source the UE's situation changed (wire a cell change callback here)."""
        self.source.invalidate()

    async def context(self) -> Context:
        """The context the next decision would see: the source's, with this offloader's
        running tasks added to the load and only placements it has executors for."""
        try:
            ctx = await self.source.context()
            self._last = ctx
        except SdkError as exc:
            if self._last is None:
                raise
            log.warning("offloading context unavailable, placing on the terminal: %s", exc)
            self.stats.context_errors += 1
            ctx = self._last.without(Placement.EDGE).without(Placement.CLOUD)
        for placement in (Placement.EDGE, Placement.CLOUD):
            if placement not in self.executors and ctx.site(placement) is not None:
                ctx = ctx.without(placement)
        for placement, running in self._running.items():
            ctx = ctx.with_load(placement, running)
        return ctx

    async def run(self, task: Task, payload: Any = None) -> Outcome:
        """Place ``task``, run it on ``payload`` and return what came of it."""
        ctx = await self.context()
        placement = self.policy.choose(task, ctx)
        if placement not in ctx.available():
            raise OffloadError(
                f"policy {self.policy!r} chose {placement.value}, which is not available"
                f" (available: {', '.join(p.value for p in ctx.available())})"
            )
        expected = estimate(task, ctx, placement)
        totals = self.stats.by_placement[placement]
        started = self.clock()
        self._running[placement] += 1
        try:
            result = await self.executors[placement].execute(task, ctx, payload)
        except BaseException:
            totals.failures += 1
            raise
        finally:
            self._running[placement] -= 1
        elapsed = self.clock() - started
        energy = (
            expected.energy_j
            if placement is Placement.TERMINAL
            else offload_energy_j(ctx, task, elapsed)
        )
        observation = Observation(placement, elapsed, expected.completion_s, energy)
        self.policy.observe(task, ctx, observation)
        totals.tasks += 1
        totals.completion_s += elapsed
        totals.energy_j += energy
        totals.deadline_misses += not observation.met(task)
        return Outcome(result, observation, expected)
