"""Emulated execution: processor sharing that really waits, faster than real time."""

from __future__ import annotations

import asyncio

import pytest
from contexts import context, site

from meclab.sdk.offload import (
    EmulatedExecutor,
    EmulatedNode,
    GreedyPolicy,
    Offloader,
    Placement,
    StaticContextSource,
    Task,
)

SPEED = 200.0
"""Simulated seconds per real second: a 1 s task takes 5 ms."""


async def test_concurrent_tasks_on_one_core_finish_in_sharing_order() -> None:
    node = EmulatedNode(cores=1, speed_ghz=1.0, speed=SPEED)
    done: list[tuple[str, float]] = []

    async def run(name: str, cycles: float) -> None:
        await node.compute(cycles)
        done.append((name, node.now()))

    start = node.now()
    await asyncio.gather(run("long", 2e9), run("short", 1e9))
    assert [name for name, _ in done] == ["short", "long"]
    # short: 1 Gcycle at half a core -> 2 s; long: then 1 Gcycle alone -> 3 s. Timers fire late,
    # never early.
    assert done[0][1] - start >= 2.0 - 1e-6
    assert done[1][1] - start >= 3.0 - 1e-6
    assert node.active == 0


async def test_an_emulated_offload_waits_transfers_and_compute() -> None:
    node = EmulatedNode(cores=4, speed_ghz=4.0, speed=SPEED)
    phone = EmulatedNode(cores=1, speed_ghz=2.0, speed=SPEED)
    executors = {
        Placement.TERMINAL: EmulatedExecutor(Placement.TERMINAL, phone),
        Placement.EDGE: EmulatedExecutor(Placement.EDGE, node, result=str.upper),
    }
    ctx = context(edge=site(20.0, up_mbps=10.0))
    offloader = Offloader(StaticContextSource(ctx), GreedyPolicy(), executors, clock=node.now)
    task = Task(cycles=2e9, input_bytes=125_000)  # edge: 0.02 + 0.1 + 0.5 + 0.02 = 0.64 s
    outcome = await offloader.run(task, "frame")
    assert outcome.result == "FRAME"
    assert outcome.placement is Placement.EDGE
    assert outcome.estimate.completion_s == pytest.approx(0.64)
    assert outcome.observation.completion_s >= 0.64 - 1e-6
