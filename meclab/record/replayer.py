"""Replaying a recording: the recorded inputs, in their order, into a runtime.

The runtime is opened on the recording's scenario from t = 0 (on a store holding nothing
of it), then every entry is applied in the file's order: a tick steps the world to exactly
the recorded simulation time (``Runtime.tick(t)``), a command goes through the same runtime
method the control API calls, at the same point among the ticks. Nothing reads a clock, so
the world's engine events are the original's, line for line (:mod:`meclab.record.events`).
Before each command the replayer checks that the world stands at the time it was applied at;
a world that does not (another engine) raises :class:`ReplayDiverged` naming the line.

Who drives the steps chooses the pace: ``meclab up --replay`` sleeps between ticks as the
recorded run's speed says (or not at all with ``--fast``), a :class:`~meclab.testing.lab.Lab`
plays them as the test advances its time, :func:`replay_offline` as fast as it can.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from meclab.bus.base import EventRecord
from meclab.bus.memory import MemoryBus
from meclab.record.format import Command, Recording, Ticks
from meclab.runtime import Runtime
from meclab.store.sqlite import SqliteStore

Step = float | Command
"""A tick (its simulation time) or a command."""
Tick = Callable[[float], Awaitable[object]]
"""Steps the world to a simulation time (Runtime.tick, or a lab's tick that also settles)."""


class ReplayDiverged(RuntimeError):
    """The replayed world does not stand where the recorded one did when a command came."""


class Replayer:
    """The steps of a recording, played one by one into a runtime."""

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self._steps: list[tuple[Step, int]] = []
        """Each step with the 1-based index of the entry it came from (the header is line
        1, so entry n is line n + 1 of a file as meclab writes it), for messages."""
        for index, entry in enumerate(recording.entries, start=1):
            if isinstance(entry, Ticks):
                self._steps.extend((t, index) for t in entry.ticks)
            elif isinstance(entry, Command):
                self._steps.append((entry, index))
        self.position = 0
        """Steps played so far."""

    @property
    def done(self) -> bool:
        return self.position >= len(self._steps)

    def next_time(self) -> float | None:
        """Simulation time of the next step (None when all are played)."""
        if self.done:
            return None
        step = self._steps[self.position][0]
        return step.at if isinstance(step, Command) else step

    async def play_step(self, runtime: Runtime, tick: Tick) -> Step:
        """Play the next step: ``tick(t)`` for a tick, the runtime's command otherwise."""
        step, entry = self._steps[self.position]
        self.position += 1
        if isinstance(step, Command):
            if runtime.world.state.t != step.at:
                raise ReplayDiverged(
                    f"{self.recording.path}, line {entry + 1}: the {step.action} command "
                    f"was applied at t={step.at!r}, the replayed world is at "
                    f"t={runtime.world.state.t!r}"
                )
            await apply_command(runtime, step)
        else:
            await tick(step)
        return step

    async def play_all(self, runtime: Runtime, tick: Tick) -> None:
        """Play every step left."""
        while not self.done:
            await self.play_step(runtime, tick)


async def apply_command(runtime: Runtime, command: Command) -> None:
    """Apply a recorded command through the runtime method that made it."""
    params = dict(command.params)
    match command.action:
        case "move" if "poa" in params:
            await runtime.move_terminal_to_poa(params["ue"], params["poa"])
        case "move":
            await runtime.move_terminal(
                params["ue"], params["lon"], params["lat"], force=bool(params.get("force"))
            )
        case "release":
            await runtime.release_terminal(params["ue"])
        case "netchar":
            element = params.pop("element")
            await runtime.set_netchar(element, params)
        case "pause":
            await runtime.pause()
        case "resume":
            await runtime.resume()
        case "speed":
            await runtime.set_speed(params["speed"])  # as recorded: 50 stays 50, not 50.0
        case other:
            raise ValueError(f"a recording cannot replay command {other!r}")


async def replay_offline(recording: Recording) -> list[EventRecord]:
    """Replay ``recording`` as fast as possible into a runtime of its own (a store in a
    temporary directory, no API server, no platforms) and return every record published."""
    records: list[EventRecord] = []

    async def keep(batch: Sequence[EventRecord]) -> None:
        records.extend(batch)

    with tempfile.TemporaryDirectory(prefix="meclab-replay-") as directory:
        store = SqliteStore(Path(directory) / "meclab.sqlite")
        try:
            bus = MemoryBus()
            bus.subscribe(keep)
            runtime = Runtime(store, bus, tick_hz=recording.header.tick_hz)
            await runtime.open(recording.scenario, speed=recording.header.speed)
            await Replayer(recording).play_all(runtime, runtime.tick)
        finally:
            await store.close()
    return records
