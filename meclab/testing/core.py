"""A meclab world served in-process on a stepped clock: what a :class:`~meclab.testing.lab.Lab`
drives. Everything here runs on the lab's own event loop (:mod:`meclab.testing.loop`).

Opening: a runtime on a SQLite store in its directory and an in-process bus, the
scenario loaded at t = 0, the runtime's clock replaced by a :class:`~meclab.testing.clock.FakeTime`
so that nothing ticks by itself; meclab's app (every API, the control API) built with
``tick=False`` behind a :class:`~meclab.testing.records.RequestRecorder` and served by uvicorn
on a free loopback port, so that SDK apps and processes reach it over real HTTP; with
``dataplane`` the data plane too (SOCKS5 on a free port; no DNS or toxiproxy port).

Time moves only in :meth:`LabCore.advance`: it ticks the runtime at each ``step`` through the
interval (handovers and periodic reports happen on the way, at the times they would in a
running meclab) and, after each tick, lets the notifications it caused reach their subscribers
before the next (:meth:`LabCore.settle`), so an app has reacted to one tick before the world
moves on.

One core serves many labs in turn (:meth:`LabCore.load`): building meclab's app (some 700
routes) and starting its server costs 0.3-0.5 s, loading a small world a few milliseconds.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI

from meclab.app import create_app
from meclab.bus.base import EventRecord
from meclab.bus.memory import MemoryBus
from meclab.dataplane.plane import DataPlane
from meclab.demo.derive import compute_nodes
from meclab.engine.world import TerminalView
from meclab.platform.delivery import Delivery, Outcome, RetryPolicy
from meclab.platform.platform import Platforms
from meclab.record.replayer import Replayer
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore
from meclab.testing.clock import FakeTime, install_fake_clock
from meclab.testing.records import ApiRequest, Notification, RequestRecorder
from meclab.testing.serving import served
from meclab.testing.waiting import until

LAB_RETRIES = RetryPolicy(initial_s=0.01, factor=2.0, max_s=0.2, jitter=0.0)
"""A subscriber that failed is tried again within milliseconds, not the default half second:
a test's app that comes back is reached before the test looks."""
SETTLE_TIMEOUT_S = 5.0
"""Real seconds a tick's notifications and the requests they set off may take."""
TIME_EPSILON_S = 1e-9


class LabError(AssertionError):
    """What a test asked of the lab did not happen: no matching notification in time, nothing
    settled. An AssertionError, so that pytest shows it as the test's failure."""


Match = Callable[[Notification], bool]


class LabCore:
    """The served world (see the module docstring). Build it with :meth:`open`."""

    def __init__(self, workdir: Path, *, tick_hz: float, dataplane: bool) -> None:
        self.workdir = workdir
        self.tick_hz = tick_hz
        self.with_dataplane = dataplane
        self.time = FakeTime()
        self.events: list[EventRecord] = []
        self.notifications: list[Notification] = []
        self.recorder: RequestRecorder | None = None
        self.url = ""
        self.socks_url: str | None = None
        self.mark = 0
        """Where :meth:`wait_for` starts looking in ``notifications`` by default: the start
        of the last action on the world, or just after the notification it last returned."""
        self.origin: tuple[float, float] | None = None
        """[lon, lat] that metre offsets count from: a WorldBuilder world's origin."""
        self.replayer: Replayer | None = None
        """The recording being replayed into this world, if any (:meth:`advance_to`)."""
        self._stack = contextlib.AsyncExitStack()
        self._runtime: Runtime | None = None
        self._app: FastAPI | None = None
        self._plane: DataPlane | None = None

    # --- opening and closing ----------------------------------------------------------

    async def open(self, scenario: Scenario) -> None:
        """Load ``scenario`` and serve it (module docstring); what started is stopped again if
        a later step fails."""
        try:
            await self._open(scenario)
        except BaseException:
            await self.close()
            raise

    async def _open(self, scenario: Scenario) -> None:
        store = SqliteStore(self.workdir / "meclab.sqlite")
        self._stack.push_async_callback(store.close)
        runtime = Runtime(store, MemoryBus(), tick_hz=self.tick_hz)

        async def keep(records: Sequence[EventRecord]) -> None:
            self.events.extend(records)

        runtime.bus.subscribe(keep)
        await runtime.open(scenario)
        install_fake_clock(runtime, self.time)
        self._runtime = runtime
        if self.with_dataplane:
            self._plane = DataPlane(socks_port=0, dns_port=None, toxiproxy_port=None)

        def make(base_url: str) -> RequestRecorder:
            app = create_app(
                runtime,
                tick=False,
                base_url=base_url,
                dataplane=self._plane,
                data_dir=self.workdir / "data",
                settle=False,
            )
            platforms: Platforms = app.state.platforms
            platforms.notifier.policy = LAB_RETRIES
            platforms.notifier.observers.append(self._delivered)
            self._app = app
            self.recorder = RequestRecorder(app, lambda: runtime.world.state.t)
            return self.recorder

        _, port = await self._stack.enter_async_context(served(make))
        self.url = f"http://127.0.0.1:{port}"
        if self._plane is not None:
            socks = self._plane.entry_points().socks5
            self.socks_url = f"socks5://{socks}" if socks else None

    async def load(self, scenario: Scenario) -> None:
        """Replace the world served by ``scenario``, from t = 0, as meclab's control API
        switches scenarios (the platforms' apps, services, subscriptions and rules, the data
        plane's, start afresh), with nothing recorded yet: the next lab's world."""
        self.events.clear()
        self.notifications.clear()
        if self.recorder is not None:
            self.recorder.requests.clear()
        self.mark = 0
        self.replayer = None
        await self.runtime.load(scenario)
        install_fake_clock(self.runtime, self.time)
        await self.settle()

    async def close(self) -> None:
        """Stop serving (the app's lifespan stops the runtime and the data plane) and close
        the store."""
        await self._stack.aclose()

    # --- what it holds ----------------------------------------------------------------

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise LabError("the lab is not open")
        return self._runtime

    @property
    def app(self) -> FastAPI:
        if self._app is None:
            raise LabError("the lab is not serving")
        return self._app

    @property
    def platforms(self) -> Platforms:
        platforms: Platforms = self.app.state.platforms
        return platforms

    @property
    def now(self) -> float:
        """The world's simulation time (s)."""
        return self.runtime.world.state.t

    @property
    def requests(self) -> list[ApiRequest]:
        return self.recorder.requests if self.recorder is not None else []

    def _delivered(self, delivery: Delivery) -> None:
        if delivery.outcome is not Outcome.DELIVERED:
            return
        sub = delivery.subscription
        data = orjson.loads(delivery.body)
        self.notifications.append(
            Notification(
                self.now,
                sub.api,
                sub.host,
                sub.id,
                sub.callback,
                data if isinstance(data, dict) else {"body": data},
            )
        )

    def terminal(self, name: str) -> TerminalView:
        """Where a terminal is and what serves it now."""
        return self.runtime.world.terminal(name)

    # --- time -------------------------------------------------------------------------

    async def advance(self, seconds: float, step: float | None = None) -> list[EventRecord]:
        """Tick through the next ``seconds`` of simulation time every ``step`` (default: the
        tick period, 1 / ``tick_hz``), settling after each tick; the events on the way."""
        if seconds < 0:
            raise ValueError(f"time goes forward only: advance({seconds:g})")
        return await self.advance_to(self.now + seconds, step)

    async def advance_to(self, t: float, step: float | None = None) -> list[EventRecord]:
        """Tick up to simulation time ``t`` (see :meth:`advance`). While a recording is
        replayed, its own ticks and commands up to ``t`` are played instead (settling after
        each), and the world stands at the last of them; once it is all played, the world
        ticks on at ``step`` as usual."""
        period = 1.0 / self.tick_hz if step is None else step
        if period <= 0:
            raise ValueError(f"step must be positive, got {period:g}")
        first = len(self.events)
        self.mark = len(self.notifications)
        replayer = self.replayer
        if replayer is not None and not replayer.done:
            while (when := replayer.next_time()) is not None and when <= t:
                await replayer.play_step(self.runtime, self._tick)
                await self.settle()
            if not replayer.done or self.now >= t:
                return self.events[first:]
        start = self.now
        ticks = max(1, math.ceil((t - start) / period - TIME_EPSILON_S))
        for i in range(1, ticks + 1):
            await self._tick(min(t, start + i * period))
        return self.events[first:]

    async def _tick(self, t: float) -> None:
        self.time.now = t
        await self.runtime.tick(t)
        await self.settle()

    async def settle(self, timeout_s: float = SETTLE_TIMEOUT_S) -> None:
        """Wait until every notification queued is delivered (but for subscribers that failed
        and wait for a retry) and no API request is under way; LabError after ``timeout_s``."""
        notifier = self.platforms.notifier
        recorder = self.recorder

        def settled() -> bool:
            busy = recorder is not None and recorder.in_flight > 0
            return notifier.pending_untroubled() == 0 and not busy

        if settled():
            return
        try:
            await until(settled, "the lab to settle", timeout_s)
        except AssertionError:
            raise LabError(
                f"after {timeout_s:g} s, {notifier.pending_total()} notifications were still "
                f"queued and {recorder.in_flight if recorder else 0} API requests under way"
            ) from None

    async def wait_for(
        self, match: Match, *, within_s: float, step: float | None, what: str, since: int | None
    ) -> Notification:
        """The first notification from index ``since`` (default :attr:`mark`) on that
        ``match`` accepts, ticking
        the world step by step for at most ``within_s`` simulated seconds; LabError naming
        ``what`` and what was delivered meanwhile otherwise."""
        period = 1.0 / self.tick_hz if step is None else step
        start = self.now
        end = start + within_s
        since = self.mark if since is None else since
        checked = since
        while True:
            await self.settle()
            for index in range(checked, len(self.notifications)):
                note = self.notifications[index]
                if match(note):
                    self.mark = index + 1
                    return note
            checked = len(self.notifications)
            if self.now >= end - TIME_EPSILON_S:
                seen = [n.type or n.api for n in self.notifications[since:]]
                raise LabError(
                    f"no notification {what} within {within_s:g} s of simulated time "
                    f"(t = {start:g} to {self.now:g} s); delivered meanwhile: "
                    f"{', '.join(seen) if seen else 'nothing'}"
                )
            await self._tick(min(end, self.now + period))

    # --- the world --------------------------------------------------------------------

    async def move(
        self,
        terminal: str,
        *,
        to: Sequence[float] | None = None,
        poa: str | None = None,
        force: bool = False,
    ) -> list[EventRecord]:
        """Hold ``terminal`` at ``to`` ([lon, lat]) or attached to ``poa``; settles."""
        if (to is None) == (poa is None):
            raise ValueError("move a terminal to a position (to=[lon, lat]) or a PoA (poa=)")
        self.mark = len(self.notifications)
        if poa is not None:
            records = await self.runtime.move_terminal_to_poa(terminal, poa)
        else:
            assert to is not None
            records = await self.runtime.move_terminal(terminal, to[0], to[1], force=force)
        await self.settle()
        return records

    async def release(self, terminal: str) -> list[EventRecord]:
        """Put a terminal held by :meth:`move` back on its path; settles."""
        self.mark = len(self.notifications)
        records = await self.runtime.release_terminal(terminal)
        await self.settle()
        return records

    async def set_netchar(self, element: str, changes: dict[str, Any]) -> list[EventRecord]:
        """Change network characteristics of an element (``latency_ms`` ...); settles."""
        self.mark = len(self.notifications)
        records = await self.runtime.set_netchar(element, changes)
        await self.settle()
        return records

    # --- applications -----------------------------------------------------------------

    def app_environment(self, app: str) -> dict[str, str]:
        """What ``meclab run`` gives the process playing scenario application ``app``: the
        platform of its MEC host, its appInstanceId and, if the scenario names one, its
        endpoint (module docstring of :mod:`meclab.sdk.app`)."""
        instance = self.platforms.app_named(app)
        env = {
            "MEC_PLATFORM_URL": self.url,
            "MEC_API_ROOT": f"{self.platforms.api_root}/hosts/{instance.host}",
            "MEC_APP_INSTANCE_ID": instance.app_instance_id,
            "MECLAB_URL": self.url,
        }
        endpoint = next(
            (
                a.endpoint
                for _, node in compute_nodes(self.runtime.scenario)
                for a in node.apps
                if a.name == instance.name
            ),
            None,
        )
        if endpoint:
            env["MEC_APP_ENDPOINT"] = endpoint
        if self.socks_url is not None:
            env["MECLAB_SOCKS_URL"] = self.socks_url
        return env
