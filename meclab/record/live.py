"""Replaying a recording into a served meclab (``meclab up --replay``), at a pace.

The ticks are played with real time between them: the simulation time between two ticks
divided by the speed the recorded run had then (its speed commands are replayed too), or by
``--speed`` when given; with ``fast``, without waiting at all. Time the recorded run spent
paused passes no simulation time, so it takes none here either. When the last step is played
(or a command finds the world elsewhere than the recorded one stood: logged) the world
stays where the replay left it, paused, and meclab keeps serving it: ``meclab
event resume`` lets it run on live from there, on the usual tick schedule.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from meclab.engine.clock import SimClock
from meclab.record.format import Command, Recording
from meclab.record.replayer import ReplayDiverged, Replayer
from meclab.runtime import Runtime

log = logging.getLogger("meclab.record")


@dataclass
class LiveReplay:
    """A recording to play into a runtime, as its ticker's driver (Runtime.start)."""

    recording: Recording
    speed: float | None = None
    """Simulation seconds per real second while replaying; None: the recorded run's."""
    fast: bool = False
    """Play without waiting between ticks."""

    async def __call__(self, runtime: Runtime) -> None:
        replayer = Replayer(self.recording)
        pace = self.recording.header.speed
        last = runtime.world.state.t
        loop = asyncio.get_running_loop()
        due = loop.time()

        async def tick(t: float) -> None:
            nonlocal last, due
            if not self.fast:
                # Due times add up, so that the time ticks take does not slow the pace.
                due += (t - last) / (self.speed or pace)
                await asyncio.sleep(max(0.0, due - loop.time()))
            last = t
            await runtime.tick(t)

        try:
            while not replayer.done:
                step = await replayer.play_step(runtime, tick)
                if isinstance(step, Command) and step.action == "speed":
                    pace = float(step.params["speed"])
        except ReplayDiverged as exc:
            # meclab goes on serving the world as it stands, for the user to look at.
            log.error("replay stopped: %s", exc)
        runtime.clock = SimClock(start=runtime.world.state.t, speed=pace, paused=True)
        log.info(
            "replay of %s done at t=%.1f s: the world is paused there "
            "(meclab event resume: it runs on live)",
            self.recording.path,
            runtime.world.state.t,
        )
