"""A running world: scenario, engine, clock, ticking, persistence and event publication.

The runtime is the one place that changes the world. Ticks and operator commands take the same
lock, so a command never lands in the middle of a tick; events from both are numbered, stored in
the history and published on the bus in one order.

What it persists (collection, key):

* ``runtime/scenario``: the active scenario document,
* ``runtime/clock``: a checkpoint of simulation time, speed, paused, each terminal's serving
  PoA and the last sequence number then recorded,
* ``overrides/<element>``: network characteristics changed by operators,
* ``pins/<terminal>``: terminals an operator moved, until released,
* with each tick's events, in the same transaction, the simulation time the tick reached and
  the notifications the events caused (meclab/platform/delivery.py).

Restarting with the same store resumes the same scenario where its last recorded tick stood,
even after a crash: the serving PoAs of the checkpoint are brought up to date from the events
recorded after it, so the history goes on without repeating or skipping anything. (Rewriting
every terminal's serving PoA each tick would cost too much at 100k terminals.) Given a
:class:`~meclab.worlds.WorldShelf`, the runtime keeps each scenario name's world in its own store
and :meth:`Runtime.load` decides between resuming and starting afresh.

Its :attr:`Runtime.observer` (a :class:`RunObserver`) is told of every tick's simulation time
and every world command, the inputs a run's engine events follow from (meclab/record records a
run so, and replays it by driving :meth:`Runtime.start` with a driver of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from meclab.bus.base import EventBus, EventRecord
from meclab.engine.area import OutsideArea
from meclab.engine.clock import SimClock
from meclab.engine.events import Event, ManualEvent
from meclab.engine.selection import NO_CELL
from meclab.engine.world import World
from meclab.scenario.builtin import default_scenario
from meclab.scenario.model import Scenario
from meclab.store.base import MAX_QUERY_LIMIT, EventQuery, Store
from meclab.worlds import WorldShelf

log = logging.getLogger("meclab.runtime")

CHECKPOINT_INTERVAL_S = 10.0
"""Real seconds between two saves of the clock and serving cells; a restart replays the
serving changes recorded since the last one."""
SERVING_EVENTS = ("handover", "connect", "disconnect")
"""The event types that change a terminal's serving PoA (see World.replay)."""

LoadListener = Callable[[World, bool], Awaitable[None]]
"""Told of a new world, and whether it was resumed (True) or freshly loaded (False)."""
TickListener = Callable[[World], Awaitable[None]]


class RunObserver(Protocol):
    """Told, under the runtime's lock, of every input that moves the world: what makes its
    engine events what they are (meclab/record records a run through this)."""

    def ticked(self, t: float) -> None:
        """The world was stepped to simulation time ``t``."""

    def commanded(self, action: str, params: dict[str, Any]) -> None:
        """An operator command was applied at the time of the last tick (the manual event's
        action and parameters, as the history shows them)."""


class Runtime:
    """Owns the world and everything that changes it."""

    def __init__(
        self,
        store: Store | WorldShelf,
        bus: EventBus,
        *,
        tick_hz: float = 10.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """``store`` holds one world at a time (loading another replaces it), or is a shelf
        of worlds, one store per scenario name (see :meth:`load`)."""
        if not 0.0 < tick_hz <= 1000.0:
            raise ValueError(f"tick_hz must be in (0, 1000], got {tick_hz}")
        self.shelf = store if isinstance(store, WorldShelf) else None
        self.store: Store = store.store if isinstance(store, WorldShelf) else store
        self.bus = bus
        self.tick_hz = tick_hz
        self.wall = wall
        self.lock = asyncio.Lock()
        self.clock = SimClock()
        self._world: World | None = None
        self._seq = 0
        self._task: asyncio.Task[None] | None = None
        self._last_checkpoint = 0.0
        self._load_listeners: list[LoadListener] = []
        self._tick_listeners: list[TickListener] = []
        self.observer: RunObserver | None = None
        """Told of each tick and command (None: nobody listens)."""
        self.tick_count = 0
        self.last_tick_s = 0.0
        self.opened: str | None = None
        """How the current world was opened; None before: "loaded" (without a shelf),
        "new", "replaced" (with one; see :meth:`load`), "resumed", or "default" (the
        built-in scenario, as nothing else was stored)."""

    @property
    def world(self) -> World:
        if self._world is None:
            raise RuntimeError("no scenario is loaded yet")
        return self._world

    @property
    def scenario(self) -> Scenario:
        return self.world.scenario

    def on_load(self, listener: LoadListener) -> None:
        """Be told (awaited) each time a world is loaded or resumed, before it ticks."""
        self._load_listeners.append(listener)

    def on_tick(self, listener: TickListener) -> None:
        """Be told (awaited) after every tick, once its events are published, even when there
        were none: for what follows time rather than events (periodic reports, thresholds)."""
        self._tick_listeners.append(listener)

    # --- opening --------------------------------------------------------------------------

    async def open(self, scenario: Scenario | None = None, *, speed: float | None = None) -> str:
        """Load ``scenario``, or resume the stored one, or load the built-in default.

        With a shelf, ``scenario`` opens its own world by the rule of :meth:`load`; without
        one, the world used last is resumed, and the default opened when there is none.
        Returns how the world was opened (see :attr:`opened`).
        """
        if self.shelf is not None:
            last = await self.shelf.last_used() if scenario is None else None
            if last is not None:
                async with self.lock:
                    await self.shelf.open(last)
                    self._seq = await self.store.last_seq()
                    stored = await self.store.get("runtime", "scenario")
                    if stored is not None:
                        await self._resume(World(Scenario.model_validate(stored)), speed)
                        self.opened = "resumed"
                        return self.opened
            await self.load(scenario or default_scenario(), speed=speed)
            if scenario is None:
                self.opened = "default"
            return self.opened or "new"  # load set it
        self._seq = await self.store.last_seq()
        stored = await self.store.get("runtime", "scenario") if scenario is None else None
        if scenario is not None:
            await self.load(scenario, speed=speed)
            self.opened = "loaded"
        elif stored is not None:
            async with self.lock:
                await self._resume(World(Scenario.model_validate(stored)), speed)
            self.opened = "resumed"
        else:
            await self.load(default_scenario(), speed=speed)
            self.opened = "default"
        return self.opened

    async def load(self, scenario: Scenario, *, speed: float | None = None) -> list[EventRecord]:
        """Replace the running world by one built from ``scenario``; the events published.

        Without a shelf it starts afresh at time 0. With one, the scenario's name picks its
        world: a stored world holding the same document (as validated, so comments, layout
        and spelled-out defaults do not count) is resumed where it stood; one holding another
        document is replaced by a fresh start, since its terminals, pins, subscriptions and
        registrations were made for a world that no longer exists; a name never seen starts
        a new world. The world left is saved first and stays on the shelf.
        """
        world = World(scenario)  # built before anything changes: a failure leaves all as it was
        if self.shelf is None:
            async with self.lock:
                self.opened = "loaded"
                return await self._start(world, speed)
        async with self.lock:
            if self._world is not None:
                await self._save_clock()
            await self.shelf.open(scenario.name)
            stored = await self.store.get("runtime", "scenario")
            # max: sequence numbers never go back while this process runs, whichever world.
            self._seq = max(self._seq, await self.store.last_seq())
            if stored == scenario.model_dump(mode="json"):
                self.opened = "resumed"
                return await self._resume(world, speed)
            if stored is not None:
                await self.shelf.open(scenario.name, fresh=True)
            self.opened = "new" if stored is None else "replaced"
            return await self._start(world, speed)

    async def _start(self, world: World, speed: float | None) -> list[EventRecord]:
        """Run ``world`` from time 0 with nothing of its store's past; the caller holds the
        lock."""
        scenario = world.scenario
        speed = self.clock.speed if speed is None else speed
        self.clock = SimClock(speed=speed)
        self._world = world
        await self.store.put("runtime", "scenario", scenario.model_dump(mode="json"))
        await self.store.clear("overrides")
        await self.store.clear("pins")
        await self._save_clock()  # the new world's starting point, for a crash from now on
        for listener in self._load_listeners:
            await listener(world, False)
        loaded = ManualEvent(0.0, "load_scenario", {"name": scenario.name})
        records = await self._publish([loaded, *world.step(0.0)])
        log.info(
            "scenario %s loaded: %d terminals, %d PoAs",
            scenario.name,
            len(world.ue_names),
            len(world.poa_names),
        )
        return records

    async def _resume(self, world: World, speed: float | None) -> list[EventRecord]:
        """Run ``world`` (built from the stored scenario) where its store says it stood; the
        caller holds the lock."""
        for element, override in await self.store.items("overrides"):
            if element in world.top.elements:
                world.set_netchar(element, override["netchar"])
        for name, pin in await self.store.items("pins"):
            if name in world.top.ue_index:
                if pin.get("poa") in world.top.poa_index:
                    world.move_terminal_to_poa(name, pin["poa"])
                else:
                    world.move_terminal(name, pin["lon"], pin["lat"])
        saved = await self.store.get("runtime", "clock") or {}
        serving = saved.get("serving")
        if isinstance(serving, list):
            world.restore_serving(serving)
        if "seq" in saved:
            await self._replay(world, int(saved["seq"]))
        # The last recorded tick, not the checkpoint: the history already holds what came
        # between, and going back there would tell it again.
        t = max(float(saved.get("t", 0.0)), await self.store.recorded_t() or 0.0)
        self.clock = SimClock(
            start=t,
            speed=speed if speed is not None else float(saved.get("speed", 1.0)),
            paused=bool(saved.get("paused", False)),
        )
        self._world = world
        for listener in self._load_listeners:
            await listener(world, True)
        # Whatever changed while meclab was down shows up as ordinary events now.
        records = await self._publish(world.step(t))
        log.info("scenario %s resumed at t=%.1f s", world.scenario.name, t)
        return records

    async def _replay(self, world: World, after_seq: int) -> None:
        """Bring ``world``'s serving PoAs from a checkpoint up to the last recorded event."""
        while True:
            page = await self.store.events(
                EventQuery(types=SERVING_EVENTS, after_seq=after_seq, limit=MAX_QUERY_LIMIT)
            )
            if not page:
                return
            world.replay(r.event for r in page)
            after_seq = page[-1].seq

    # --- ticking --------------------------------------------------------------------------

    async def tick(self, at: float | None = None) -> list[EventRecord]:
        """Advance the world to simulation time ``at`` (default: the clock's time now) and
        publish what happened. Time never goes back, whatever ``at`` says."""
        async with self.lock:
            world = self.world
            started = time.perf_counter()
            t = max(world.state.t, self.clock.now() if at is None else at)
            events = await asyncio.to_thread(world.step, t)
            if self.observer is not None:
                self.observer.ticked(t)
            self.last_tick_s = time.perf_counter() - started
            self.tick_count += 1
            records = await self._publish(events)
        for listener in list(self._tick_listeners):
            await listener(world)
        if time.monotonic() - self._last_checkpoint >= CHECKPOINT_INTERVAL_S:
            await self.checkpoint()
        return records

    async def _run(self) -> None:
        # Ticks keep a fixed schedule: tick m samples the world at exactly the simulation time
        # of start + m / tick_hz, whenever the loop gets round to it, so that what follows
        # simulation time (periodic reports) lands on the same tick every time; a tick that
        # overran skips whole periods rather than shifting the schedule. (time.monotonic is the
        # clock's source; the loop's own time may have another origin under uvloop.)
        interval = 1.0 / self.tick_hz
        scheduled = time.monotonic()
        while True:
            try:
                await self.tick(self.clock.at(scheduled))
            except Exception:  # a bad tick must not stop the world; it is logged and retried
                log.exception("tick failed")
            now = time.monotonic()
            scheduled += interval
            if scheduled < now:
                scheduled += math.ceil((now - scheduled) / interval) * interval
            await asyncio.sleep(scheduled - now)

    def start(self, driver: Callable[[Runtime], Awaitable[None]] | None = None) -> None:
        """Start ticking in the background; with ``driver``, it ticks the world first (a
        replay: meclab/record) and the fixed schedule takes over from the clock it leaves.
        :meth:`stop` stops either."""
        if self._task is None or self._task.done():
            self._last_checkpoint = time.monotonic()
            self._task = asyncio.get_running_loop().create_task(
                self._drive(driver), name="meclab-ticker"
            )

    async def _drive(self, driver: Callable[[Runtime], Awaitable[None]] | None) -> None:
        if driver is not None:
            await driver(self)
        await self._run()

    async def stop(self) -> None:
        """Stop ticking and save where the world stands."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._world is not None:
            await self.checkpoint()

    async def checkpoint(self) -> None:
        """Save simulation time, speed and serving cells, so a restart replays less history."""
        async with self.lock:  # not in the middle of a tick: its events are not recorded yet
            await self._save_clock()

    async def _save_clock(self) -> None:
        self._last_checkpoint = time.monotonic()
        world = self.world
        await self.store.put(
            "runtime",
            "clock",
            {
                "t": world.state.t,
                "speed": self.clock.speed,
                "paused": self.clock.paused,
                "serving": [int(c) if c >= 0 else NO_CELL for c in world.state.serving.tolist()],
                "seq": self._seq,
            },
        )

    # --- publication ----------------------------------------------------------------------

    async def _publish(self, events: Sequence[Event]) -> list[EventRecord]:
        wall = self.wall()
        records = []
        for event in events:
            self._seq += 1
            records.append(EventRecord(self._seq, wall, event))
        try:
            # Handlers first: the notifications they queue are then stored in the transaction
            # that records the events, and none goes out before it commits (Notifier). A crash
            # in between has the restart make these events again, and no subscriber heard them.
            await self.bus.publish(records)
        finally:
            # With the time reached, even without events: a restart resumes from there.
            await self.store.append_events(records, t=self.world.state.t)
        return records

    # --- operator commands ----------------------------------------------------------------

    async def _command(
        self, action: str, params: dict[str, Any], apply: Callable[[World], list[Event]]
    ) -> list[EventRecord]:
        async with self.lock:
            world = self.world
            events = apply(world)  # commands act at the time of the last tick
            if self.observer is not None:
                self.observer.commanded(action, params)
            return await self._publish([ManualEvent(world.state.t, action, params), *events])

    async def move_terminal(
        self, name: str, lon: float, lat: float, *, force: bool = False
    ) -> list[EventRecord]:
        """Hold a terminal at [lon, lat]; its cell is re-selected at once. A position far
        outside the scenario's area raises OutsideArea unless ``force`` (then the history says
        the move was forced)."""

        def move(world: World) -> list[Event]:
            # Checked under the lock: against the area of the world the move lands in.
            reason = None if world.area is None else world.area.refusal(lon, lat)
            if reason is not None and not force:
                raise OutsideArea(reason)
            return world.move_terminal(name, lon, lat)

        params: dict[str, Any] = {"ue": name, "lon": lon, "lat": lat}
        if force:
            params["force"] = True
        records = await self._command("move", params, move)
        await self.store.put("pins", name, {"lon": lon, "lat": lat, "poa": None})
        return records

    async def move_terminal_to_poa(self, name: str, poa: str) -> list[EventRecord]:
        """Hold a terminal at a PoA, attached to it (see World.move_terminal_to_poa)."""
        records = await self._command(
            "move", {"ue": name, "poa": poa}, lambda w: w.move_terminal_to_poa(name, poa)
        )
        await self.store.put("pins", name, {"poa": poa})
        return records

    async def release_terminal(self, name: str) -> list[EventRecord]:
        """Put a terminal held by a move back on its path (see World.release_terminal); the
        hold is forgotten, so a restart does not bring it back."""
        records = await self._command("release", {"ue": name}, lambda w: w.release_terminal(name))
        await self.store.delete("pins", name)
        return records

    async def set_netchar(self, element: str, changes: dict[str, Any]) -> list[EventRecord]:
        """Change some network characteristics of an element."""
        records = await self._command(
            "netchar", {"element": element, **changes}, lambda w: [w.set_netchar(element, changes)]
        )
        netchar = self.world.top.elements[element].netchar
        await self.store.put("overrides", element, {"netchar": netchar.model_dump(mode="json")})
        return records

    async def record(
        self, action: str, params: dict[str, Any], act: Callable[[], Awaitable[None]]
    ) -> list[EventRecord]:
        """Do an operator action on something other than the world (e.g. the platforms) and
        record it in the history; nothing is recorded when ``act`` raises."""
        async with self.lock:
            await act()
            return await self._publish([ManualEvent(self.world.state.t, action, params)])

    async def announce(self, events: Sequence[Event]) -> list[EventRecord]:
        """Publish what the MEC system did (relocation steps ...) in the world's history, at
        the time of the last tick. Not from a bus handler: those run under the lock."""
        async with self.lock:
            return await self._publish(events)

    async def pause(self) -> list[EventRecord]:
        """Stop simulation time."""
        return await self._clock_command("pause", {}, self.clock.pause)

    async def resume(self) -> list[EventRecord]:
        """Let simulation time run again."""
        return await self._clock_command("resume", {}, self.clock.resume)

    async def set_speed(self, speed: float) -> list[EventRecord]:
        """Change how many simulation seconds pass per real second."""
        return await self._clock_command(
            "speed", {"speed": speed}, lambda: self.clock.set_speed(speed)
        )

    async def _clock_command(
        self, action: str, params: dict[str, Any], apply: Callable[[], None]
    ) -> list[EventRecord]:
        def act(_: World) -> list[Event]:
            apply()
            return []

        records = await self._command(action, params, act)
        await self.checkpoint()
        return records
