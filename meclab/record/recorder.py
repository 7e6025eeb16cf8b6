"""Recording a run: the runtime's inputs as they happen, into a recording file.

A run's engine events are a function of its inputs, and of nothing else: the engine is
seeded by the scenario and reads no clock. The inputs are

* the scenario document (with its seed), as validated;
* the simulation times the world was stepped to: real-time ticking keeps the schedule
  ``start + m / tick_hz`` but skips whole periods when a tick overran, and pauses and speed
  changes move what simulation time each real instant stands for, so these times are not
  derivable from the tick rate and must be recorded one by one;
* each operator command that acts on the world or its clock, and where it fell among the
  ticks (commands act at the time of the last tick, and their order with ticks matters).

The :class:`Recorder` is told of the last two under the runtime's lock
(:class:`~meclab.runtime.RunObserver`), so what it writes is the order the world saw. A run is
recorded from its start (t = 0): a resumed world's state came from a past this file would not
hold, so recording one is refused (:class:`RecordingRefused`). Loading another world ends the
recording. Commands that act on the platforms rather than the world (``terminate``) and app
traffic are not recorded: they do not change the engine's events.

Besides the inputs, the recorder keeps a digest of the engine events the run made
(:class:`~meclab.record.events.EventDigest`) and writes it in the file's last line, so that a
replay can be checked against the original with the file alone.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from meclab import __version__
from meclab.bus.base import EventRecord
from meclab.engine.world import World
from meclab.record.events import REPLAYED_ACTIONS, EventDigest
from meclab.record.format import (
    FORMAT_VERSION,
    TICKS_PER_LINE,
    Command,
    End,
    Header,
    Ticks,
    dump_line,
    open_for_writing,
    scenario_digest,
)
from meclab.runtime import Runtime

log = logging.getLogger("meclab.record")


class RecordingRefused(Exception):
    """This run cannot be recorded (a resumed world); the message says why and what to do."""


class Recorder:
    """Records the runtime it is attached to (:meth:`attach`, before the world is opened)
    into ``path`` until :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.digest = EventDigest()
        self._file: IO[bytes] | None = None
        self._ticks: list[float] = []
        self._t = 0.0
        """The last tick's simulation time."""
        self._runtime: Runtime | None = None
        self._unsubscribe: Any = None
        self.closed = False

    def attach(self, runtime: Runtime) -> None:
        """Record ``runtime`` from the world it opens next."""
        self._runtime = runtime
        runtime.on_load(self._loaded)

    async def _loaded(self, world: World, resumed: bool) -> None:
        runtime = self._runtime
        assert runtime is not None
        if self._file is not None:
            # Another world replaces the one recorded: its inputs belong to another run.
            self.close(f"another world was loaded: {world.scenario.name}")
            return
        if self.closed:
            return
        if resumed:
            # The world is stepped to its stored time after the listeners; the clock is there.
            raise RecordingRefused(
                f"world {world.scenario.name} was resumed at t={runtime.clock.now():.1f} s, "
                "and a "
                "recording starts a world at t=0: record with a fresh --data-dir, or remove "
                f"the stored world first (meclab reset {world.scenario.name})"
            )
        scenario = world.scenario
        header = Header(
            meclab_recording=FORMAT_VERSION,
            meclab=__version__,
            scenario=scenario.name,
            digest=scenario_digest(scenario),
            document=scenario.model_dump(mode="json"),
            tick_hz=runtime.tick_hz,
            speed=runtime.clock.speed,
            recorded_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        )
        self._file = open_for_writing(self.path)
        self._write(dump_line(header))
        runtime.observer = self
        self._unsubscribe = runtime.bus.subscribe(self._published)
        log.info("recording world %s into %s", scenario.name, self.path)

    async def _published(self, records: Sequence[EventRecord]) -> None:
        self.digest.add(records)

    # --- RunObserver ----------------------------------------------------------------------

    def ticked(self, t: float) -> None:
        self._t = t
        self._ticks.append(t)
        if len(self._ticks) >= TICKS_PER_LINE:
            self._flush_ticks()

    def commanded(self, action: str, params: dict[str, Any]) -> None:
        if action not in REPLAYED_ACTIONS:
            return
        self._flush_ticks()
        self._write(dump_line(Command(at=self._t, action=action, params=params)))

    # --- writing --------------------------------------------------------------------------

    def _flush_ticks(self) -> None:
        if self._ticks:
            self._write(dump_line(Ticks(ticks=self._ticks)))
            self._ticks = []

    def _write(self, line: bytes) -> None:
        assert self._file is not None
        self._file.write(line)
        self._file.flush()  # a crash loses at most the ticks not yet written

    def close(self, reason: str = "stopped") -> None:
        """Write what is pending and the end line, and stop recording (idempotent)."""
        if self.closed:
            return
        self.closed = True
        runtime = self._runtime
        if runtime is not None and runtime.observer is self:
            runtime.observer = None
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._file is None:
            return
        self._flush_ticks()
        end = End(end=reason, t=self._t, events=self.digest.count, sha256=self.digest.hexdigest())
        self._write(dump_line(end))
        self._file.close()
        self._file = None
        log.info("recording %s closed (%s): %d engine events", self.path, reason, end.events)
