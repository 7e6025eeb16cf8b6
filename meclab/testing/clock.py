"""Simulation time that a test sets: a settable source for the runtime's clock.

:class:`FakeTime` replaces the monotonic source of :class:`~meclab.engine.clock.SimClock`, so
that simulation time is whatever the test (or :class:`~meclab.testing.lab.Lab`) says it is
and nothing waits for real time to pass.
"""

from __future__ import annotations

from meclab.engine.clock import SimClock
from meclab.runtime import Runtime


class FakeTime:
    """A settable monotonic source for SimClock: simulation time is what the test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def install_fake_clock(runtime: Runtime, fake: FakeTime) -> None:
    """Replace the runtime's real-time clock by one that reads ``fake``.

    Simulation time then equals ``fake.now`` (from the world's current time, at speed 1)
    until a test pauses or changes the speed.
    """
    fake.now = runtime.world.state.t
    runtime.clock = SimClock(start=fake.now, speed=1.0, source=fake)
