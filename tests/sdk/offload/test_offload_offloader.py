"""The offloader: context per decision, execution, observation, stats, failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from contexts import context, site

from meclab.sdk.errors import SdkError
from meclab.sdk.offload import (
    AppExecutor,
    Context,
    GreedyPolicy,
    MissingExecutor,
    Observation,
    Offloader,
    OffloadError,
    Placement,
    Policy,
    StaticContextSource,
    StaticPolicy,
    Task,
)


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def taking(clock: FakeTime, seconds: float, answer: str) -> AppExecutor:
    """An executor whose work takes ``seconds`` of the fake clock."""

    async def work(payload: Any) -> str:
        clock.now += seconds
        return f"{answer}:{payload}"

    return AppExecutor(work)


class Recorder(GreedyPolicy):
    def __init__(self) -> None:
        self.seen: list[tuple[Context, Observation]] = []

    def observe(self, task: Task, ctx: Context, observation: Observation) -> None:
        self.seen.append((ctx, observation))


NEAR = context(edge=site(10.0), cloud=site(50.0), radio="5G")
TASK = Task(cycles=1e9, deadline_s=0.3)  # terminal 0.5 s, edge 0.27 s, cloud 0.35 s


async def test_it_runs_where_the_policy_says_and_feeds_back_what_it_saw() -> None:
    clock, policy = FakeTime(), Recorder()
    executors = {
        Placement.TERMINAL: taking(clock, 0.5, "t"),
        Placement.EDGE: taking(clock, 0.4, "e"),
    }
    offloader = Offloader(StaticContextSource(NEAR), policy, executors, clock=clock)
    outcome = await offloader.run(TASK, "frame-1")
    assert outcome.result == "e:frame-1"
    assert outcome.placement is Placement.EDGE
    assert outcome.observation.completion_s == pytest.approx(0.4)
    assert outcome.observation.estimated_s == pytest.approx(0.27)
    assert outcome.estimate.completion_s == pytest.approx(0.27)
    assert outcome.observation.energy_j == pytest.approx(0.5 * 0.4)  # idle 0.5 W, no bytes
    assert [o for _, o in policy.seen] == [outcome.observation]
    edge = offloader.stats.by_placement[Placement.EDGE]
    assert (edge.tasks, edge.deadline_misses) == (1, 1)  # 0.4 s > 0.3 s
    assert offloader.stats.tasks == 1


async def test_a_handover_changes_the_next_decision_without_the_app() -> None:
    clock = FakeTime()
    source = StaticContextSource(NEAR)
    executors = {p: taking(clock, 0.1, p.value) for p in Placement}
    offloader = Offloader(source, GreedyPolicy(), executors, clock=clock)
    assert (await offloader.run(TASK)).placement is Placement.EDGE
    # on 4G in a zone whose edge is now far: the cloud is nearer
    source.set(context(edge=site(120.0), cloud=site(50.0), radio="4G"))
    assert (await offloader.run(TASK)).placement is Placement.CLOUD
    source.set(context())  # out of coverage
    assert (await offloader.run(TASK)).placement is Placement.TERMINAL


async def test_only_placements_with_an_executor_are_offered() -> None:
    clock = FakeTime()
    executors = {
        Placement.TERMINAL: taking(clock, 0.1, "t"),
        Placement.CLOUD: taking(clock, 0.1, "c"),
    }
    offloader = Offloader(StaticContextSource(NEAR), GreedyPolicy(), executors, clock=clock)
    assert (await offloader.context()).available() == (Placement.TERMINAL, Placement.CLOUD)
    assert (await offloader.run(TASK)).placement is Placement.CLOUD


async def test_its_own_running_tasks_count_as_load() -> None:
    gate = asyncio.Event()

    async def slow(payload: Any) -> None:
        await gate.wait()

    executors = {Placement.TERMINAL: AppExecutor(slow), Placement.EDGE: AppExecutor(slow)}
    offloader = Offloader(StaticContextSource(NEAR), StaticPolicy(Placement.EDGE), executors)
    running = [asyncio.create_task(offloader.run(TASK)) for _ in range(3)]
    await asyncio.sleep(0)
    ctx = await offloader.context()
    assert ctx.edge is not None and ctx.edge.node.active_tasks == 3
    assert ctx.terminal.active_tasks == 0
    gate.set()
    await asyncio.gather(*running)
    ctx = await offloader.context()
    assert ctx.edge is not None and ctx.edge.node.active_tasks == 0


class FlakySource(StaticContextSource):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.down = False
        self.invalidated = 0

    async def context(self) -> Context:
        if self.down:
            raise SdkError("platform http://127.0.0.1:1 unreachable")
        return self.ctx

    def invalidate(self) -> None:
        self.invalidated += 1


async def test_a_failing_source_places_on_the_terminal_and_counts_it() -> None:
    clock, source = FakeTime(), FlakySource(NEAR)
    executors = {p: taking(clock, 0.1, p.value) for p in Placement}
    offloader = Offloader(source, GreedyPolicy(), executors, clock=clock)
    with pytest.raises(SdkError):  # never read a context: nothing to fall back on
        source.down = True
        await offloader.run(TASK)
    source.down = False
    assert (await offloader.run(TASK)).placement is Placement.EDGE
    source.down = True
    assert (await offloader.run(TASK)).placement is Placement.TERMINAL
    assert offloader.stats.context_errors == 1
    offloader.invalidate()
    assert source.invalidated == 1


async def test_a_failing_task_is_counted_and_raised() -> None:
    def broken(payload: Any) -> None:
        raise RuntimeError("model file missing")

    offloader = Offloader(
        StaticContextSource(context()), GreedyPolicy(), {Placement.TERMINAL: AppExecutor(broken)}
    )
    with pytest.raises(RuntimeError, match="model file"):
        await offloader.run(TASK)
    assert offloader.stats.by_placement[Placement.TERMINAL].failures == 1
    assert offloader.stats.tasks == 0


async def test_a_plain_function_runs_in_a_thread() -> None:
    offloader = Offloader(
        StaticContextSource(context()), GreedyPolicy(), {Placement.TERMINAL: AppExecutor(len)}
    )
    assert (await offloader.run(TASK, "abcd")).result == 4


class Stubborn(Policy):
    def choose(self, task: Task, ctx: Context) -> Placement:
        return Placement.EDGE


async def test_a_policy_choosing_the_unavailable_is_an_error() -> None:
    offloader = Offloader(
        StaticContextSource(context()), Stubborn(), {Placement.TERMINAL: AppExecutor(len)}
    )
    with pytest.raises(OffloadError, match="chose edge, which is not available"):
        await offloader.run(TASK, "x")


def test_the_terminal_executor_is_required() -> None:
    with pytest.raises(MissingExecutor):
        Offloader(StaticContextSource(NEAR), GreedyPolicy(), {Placement.EDGE: AppExecutor(len)})
