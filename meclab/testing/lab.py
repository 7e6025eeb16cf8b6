"""``Lab``: a meclab world in-process on a stepped clock, and the handle a test drives it with.

::

    with Lab(WorldBuilder("w").zone("z").cell("c", "4G").mec_host("mec")
             .edge_app("my-app", emulated=False).terminal("ue", east_m=50)) as lab:
        run = lab.run_app(my_edge_app(lab.edge_app("my-app")))
        lab.move("ue", east_m=400)              # held there until lab.release("ue")
        lab.advance(6)                          # 60 ticks, notifications delivered on the way
        note = lab.wait_for(type="MeasRepUeNotification", within_s=10)
        assert run.received and lab.requests(method="POST")

**Threads and event loops** (the choice, and why): the lab's world, its HTTP server, its
data plane and the SDK apps it runs all live on one event loop in a thread of the lab's own
(:mod:`meclab.testing.loop`). The test's thread only hands it work. So a plain synchronous
test uses the lab with no asyncio at all and no plugin for it (``lab.advance(5)`` blocks
until the world has moved and the app has taken its notifications), and an ``async def``
test (pytest-asyncio, any mode) awaits the very same methods on :attr:`Lab.aio`
(``await lab.aio.advance(5)``) while its own loop keeps running, so that code of its own
serving in that loop (a receiver, an app it started itself) can answer the lab meanwhile.
Calling a blocking method from inside a running event loop raises
:class:`~meclab.testing.loop.LabLoopError` instead of deadlocking. Apps given to
:meth:`Lab.run_app` run on the lab's loop whichever kind of test starts them; everything
reaches the platform over real loopback HTTP, as it would beside ``meclab up``.

**Time** moves only when the test says so: :meth:`Lab.advance` ticks the world at every step
of the tick period (1 / ``tick_hz``, 0.1 s by default) through the interval, and after each
tick waits until its notifications have been delivered and the API requests they set off are
answered (:meth:`~meclab.testing.core.LabCore.settle`). Nothing sleeps for simulated time, so
a minute of simulated walking costs what 600 ticks of a small world cost (about half a
millisecond each, plus a loopback round trip for each notification). Pausing or changing the
speed of the clock has no meaning here: between two calls, no time passes.

**What happened** is kept from the start: :meth:`Lab.events` (handovers, connects, moves, the
engine's and operator's events), :meth:`Lab.notifications` (every notification a subscriber
took), :meth:`Lab.requests` (every MEC API request served, with its body and status);
:attr:`~meclab.testing.apps.AppRun.received` narrows notifications to one app's server.

**Worlds** (:func:`scenario_of`): a scenario file (YAML or JSON), a
:class:`~meclab.scenario.model.Scenario`, a document (dict), a
:class:`~meclab.scenario.builder.WorldBuilder`, or None for the built-in default.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from meclab.bus.base import EventRecord
from meclab.engine.world import TerminalView
from meclab.platform.platform import Platforms
from meclab.scenario.builder import WorldBuilder
from meclab.scenario.builtin import default_scenario
from meclab.scenario.loader import load_file
from meclab.scenario.model import Scenario
from meclab.sdk.app import EdgeApp
from meclab.testing.apps import AppRun, LabProcess, start_process
from meclab.testing.core import LabCore, LabError, Match
from meclab.testing.loop import LabLoop
from meclab.testing.records import ApiRequest, Notification

WorldSource = str | Path | Scenario | Mapping[str, Any] | WorldBuilder | None
"""What a lab can be opened on (:func:`scenario_of`)."""

DEFAULT_WITHIN_S = 60.0
"""Simulated seconds :meth:`Lab.wait_for` ticks at most by default: longer than RNIS's
periodic report interval (5.12 s) many times over, short enough to fail quickly."""


def scenario_of(world: WorldSource) -> Scenario:
    """The scenario ``world`` stands for (module docstring); the loader's and the model's
    errors name the file and the bad field."""
    if world is None:
        return default_scenario()
    if isinstance(world, Scenario):
        return world
    if isinstance(world, WorldBuilder):
        return world.build()
    if isinstance(world, str | Path):
        return load_file(world)
    return Scenario.model_validate(dict(world))


def _matcher(match: Match | None, type: str | None, api: str | None) -> tuple[Match, str]:
    """A predicate over notifications from the criteria, and how to name it in an error."""
    said = [f"of type {type}" if type else "", f"of API {api}" if api else ""]
    what = " and ".join(s for s in said if s) or "at all"
    if match is not None:
        what = f"matching {getattr(match, '__name__', 'the predicate')}" + (
            f" ({what})" if what != "at all" else ""
        )

    def accepts(note: Notification) -> bool:
        if type is not None and note.type != type:
            return False
        if api is not None and note.api != api:
            return False
        return match is None or match(note)

    return accepts, what


class _Queries:
    """What a lab has seen: shared by the blocking and the awaitable handle (lists read from
    the test's thread are copies, taken while the lab's loop may be appending)."""

    _core: LabCore

    @property
    def url(self) -> str:
        """meclab's base URL (every API; the first MEC host's at the root)."""
        return self._core.url

    @property
    def socks_url(self) -> str | None:
        """The data plane's SOCKS5 entry (``socks5://127.0.0.1:PORT``), with ``dataplane``."""
        return self._core.socks_url

    @property
    def now(self) -> float:
        """Simulation time (s)."""
        return self._core.now

    @property
    def scenario(self) -> Scenario:
        return self._core.runtime.scenario

    @property
    def platforms(self) -> Platforms:
        """The MEC platforms (server side), for what the APIs do not show."""
        return self._core.platforms

    def terminal(self, name: str) -> TerminalView:
        """Where terminal ``name`` is, what serves it and its signal, now."""
        return self._core.terminal(name)

    def events(self, kind: str | None = None, **fields: Any) -> list[EventRecord]:
        """The events so far, of type ``kind`` (``handover``, ``connect``, ``manual`` ...)
        whose fields equal ``fields`` (``ue="walker"``, ``target="cell-b"``)."""
        found = []
        for record in list(self._core.events):
            if kind is not None and record.type != kind:
                continue
            data = record.event.to_dict()
            if all(data.get(k) == v for k, v in fields.items()):
                found.append(record)
        return found

    def notifications(self, type: str | None = None, api: str | None = None) -> list[Notification]:
        """The notifications delivered so far, of ``notificationType`` ``type`` and ``api``."""
        accepts, _ = _matcher(None, type, api)
        return [n for n in list(self._core.notifications) if accepts(n)]

    def requests(self, method: str | None = None, path: str | None = None) -> list[ApiRequest]:
        """The MEC API requests served so far, with ``method`` whose path contains ``path``."""
        return [
            r
            for r in list(self._core.requests)
            if (method is None or r.method == method.upper()) and (path is None or path in r.path)
        ]

    def app_environment(self, app: str) -> dict[str, str]:
        """The environment ``meclab run`` would give the process playing ``app`` (an
        ``emulated: false`` application of the scenario)."""
        return self._core.app_environment(app)

    def edge_app(self, app: str, **options: Any) -> EdgeApp:
        """An :class:`~meclab.sdk.app.EdgeApp` configured to play scenario application ``app``
        on this lab (``options`` go to EdgeApp: ``endpoint``, ``callback_url``)."""
        return EdgeApp(environ=self.app_environment(app), **options)

    def _position(
        self, to: Sequence[float] | None, east_m: float | None, north_m: float | None
    ) -> Sequence[float] | None:
        if east_m is None and north_m is None:
            return to
        if to is not None:
            raise ValueError("give a position (to=[lon, lat]) or metres (east_m, north_m)")
        origin = self._core.origin
        if origin is None:
            raise LabError(
                "east_m/north_m count from a WorldBuilder's origin, and this world was not "
                "built with one: give to=[lon, lat]"
            )
        return WorldBuilder("_", origin=origin).point(east_m or 0.0, north_m or 0.0)


class LabServer:
    """meclab served on a loop thread of its own, for one lab or for many in turn: each lab
    loads its world into it (:meth:`~meclab.testing.core.LabCore.load`), which spares it the
    0.3-0.5 s of building meclab's app and starting its server. The pytest plugin keeps one
    per test process (and tick rate and data plane choice). ``workdir`` keeps its store."""

    def __init__(self, workdir: Path, *, tick_hz: float = 10.0, dataplane: bool = False) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.core = LabCore(workdir, tick_hz=tick_hz, dataplane=dataplane)
        self._loop: LabLoop | None = None

    @property
    def loop(self) -> LabLoop:
        if self._loop is None:
            raise LabError("the lab server is not serving: serve() a scenario first")
        return self._loop

    def serve(self, scenario: Scenario) -> None:
        """Serve ``scenario``: the first time, start meclab on it; later, load it instead of
        the world served."""
        if self._loop is not None:
            self._loop.run(self.core.load(scenario))
            return
        loop = LabLoop()
        try:
            loop.run(self.core.open(scenario))
        except BaseException:
            loop.close()
            raise
        self._loop = loop

    def close(self) -> None:
        """Stop serving (idempotent)."""
        loop, self._loop = self._loop, None
        if loop is not None:
            try:
                loop.run(self.core.close())
            finally:
                loop.close()


class Lab(_Queries):
    """A meclab world for a test (module docstring): a context manager, or :meth:`start` and
    :meth:`close`. ``workdir``: where its store, logs and processes' files go (default: a
    temporary directory removed on close); ``tick_hz``: ticks per simulated second;
    ``dataplane``: run the data plane too (SOCKS5), for components that send through it.
    ``server``: a :class:`LabServer` to load the world into instead of serving one of its own
    (it is left serving on close; ``tick_hz`` and ``dataplane`` are then the server's)."""

    def __init__(
        self,
        world: WorldSource = None,
        *,
        workdir: Path | None = None,
        tick_hz: float = 10.0,
        dataplane: bool = False,
        server: LabServer | None = None,
    ) -> None:
        self._scenario = scenario_of(world)
        self._origin = world.origin if isinstance(world, WorldBuilder) else None
        self._owned_dir = workdir is None
        directory = Path(tempfile.mkdtemp(prefix="meclab-lab-")) if workdir is None else workdir
        directory.mkdir(parents=True, exist_ok=True)
        self.workdir = directory
        """Where the lab's processes write their logs and results."""
        self._owned_server = server is None
        self._server = server or LabServer(directory, tick_hz=tick_hz, dataplane=dataplane)
        self._core = self._server.core
        self._started = False
        self._apps: list[AppRun] = []
        self._processes: list[LabProcess] = []
        self.aio = AsyncLab(self)
        """The same handle for ``async def`` tests: every blocking method, awaitable."""

    # --- life -------------------------------------------------------------------------

    def start(self) -> Self:
        """Open the world and serve it (returns the lab)."""
        if not self._started:
            self._server.serve(self._scenario)
            self._core.origin = self._origin
            self._started = True
        return self

    def close(self) -> None:
        """Stop every process and app started here, then the world (idempotent)."""
        for process in reversed(self._processes):
            process.stop()
        self._processes = []
        if not self._started:
            return
        self._started = False
        try:
            apps, self._apps = self._apps, []
            for run in reversed(apps):
                self._server.loop.run(run.stop())
        finally:
            if self._owned_server:
                self._server.close()
            if self._owned_dir:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def loop(self) -> LabLoop:
        if not self._started:
            raise LabError("the lab is not started: use it as a context manager, or start()")
        return self._server.loop

    # --- time and the world (blocking) ------------------------------------------------

    def advance(self, seconds: float, *, step: float | None = None) -> list[EventRecord]:
        """Let ``seconds`` of simulation time pass, a tick every ``step`` (default the tick
        period), each tick's notifications delivered before the next; the events on the way."""
        return self.loop.run(self._core.advance(seconds, step))

    def advance_to(self, t: float, *, step: float | None = None) -> list[EventRecord]:
        """Let simulation time reach ``t`` (see :meth:`advance`)."""
        return self.loop.run(self._core.advance_to(t, step))

    def wait_for(
        self,
        match: Match | None = None,
        *,
        type: str | None = None,
        api: str | None = None,
        within_s: float = DEFAULT_WITHIN_S,
        step: float | None = None,
        since: int | None = None,
    ) -> Notification:
        """The first notification of ``type``, ``api`` and that ``match`` accepts, delivered
        since the start of the last call that changed the world (:meth:`advance`,
        :meth:`move` ...) or after the one the last ``wait_for`` returned, whichever is
        later (or from index ``since`` of :meth:`notifications`); if none came yet, the world
        ticks step by step for at most ``within_s`` simulated seconds. LabError naming what
        it waited for and what came instead."""
        accepts, what = _matcher(match, type, api)
        return self.loop.run(
            self._core.wait_for(accepts, within_s=within_s, step=step, what=what, since=since)
        )

    def move(
        self,
        terminal: str,
        to: Sequence[float] | None = None,
        *,
        poa: str | None = None,
        east_m: float | None = None,
        north_m: float | None = None,
        force: bool = False,
    ) -> list[EventRecord]:
        """Hold ``terminal`` at ``to`` ([lon, lat]), at ``east_m``/``north_m`` from the
        WorldBuilder's origin, or attached to ``poa``, until :meth:`release`; its cell is
        re-selected at once and the notifications that causes are delivered."""
        where = self._position(to, east_m, north_m)
        return self.loop.run(self._core.move(terminal, to=where, poa=poa, force=force))

    def release(self, terminal: str) -> list[EventRecord]:
        """Put a terminal that :meth:`move` held back on its path."""
        return self.loop.run(self._core.release(terminal))

    def set_netchar(self, element: str, **changes: Any) -> list[EventRecord]:
        """Change network characteristics of an element (``latency_ms=50``, ``loss_pct=5``,
        ``throughput_dl_mbps=...``); the others stay."""
        return self.loop.run(self._core.set_netchar(element, changes))

    # --- components -------------------------------------------------------------------

    def run_app(self, app: EdgeApp) -> AppRun:
        """Serve ``app`` on the lab's loop until :meth:`stop_app` or the lab closes; returns
        once it is READY, its services offered and its ``on_start`` hooks run."""
        run = AppRun(app, self._core)
        self.loop.run(run.start())
        self._apps.append(run)
        return run

    def stop_app(self, run: AppRun) -> None:
        """Stop an app :meth:`run_app` started (it deregisters, as on SIGTERM)."""
        if run in self._apps:
            self._apps.remove(run)
        self.loop.run(run.stop())

    def start_process(
        self,
        name: str,
        argv: Sequence[str],
        *,
        ue: str | None = None,
        app: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> LabProcess:
        """Start any command as a component (:mod:`meclab.testing.apps`): ``ue`` the
        terminal it plays through the data plane, ``app`` the ``emulated: false`` application
        it plays (then it counts as started once READY)."""
        process = self.loop.run(
            start_process(self._core, self.workdir, name, argv, ue=ue, app=app, env=env)
        )
        self._processes.append(process)
        return process


class AsyncLab(_Queries):
    """:class:`Lab`'s blocking methods as coroutines, for ``async def`` tests: each runs on
    the lab's loop while the test's own loop goes on (module docstring of :mod:`.lab`)."""

    def __init__(self, lab: Lab) -> None:
        self._lab = lab
        self._core = lab._core

    async def advance(self, seconds: float, *, step: float | None = None) -> list[EventRecord]:
        """:meth:`Lab.advance`, awaited."""
        return await self._lab.loop.arun(self._core.advance(seconds, step))

    async def advance_to(self, t: float, *, step: float | None = None) -> list[EventRecord]:
        """:meth:`Lab.advance_to`, awaited."""
        return await self._lab.loop.arun(self._core.advance_to(t, step))

    async def wait_for(
        self,
        match: Match | None = None,
        *,
        type: str | None = None,
        api: str | None = None,
        within_s: float = DEFAULT_WITHIN_S,
        step: float | None = None,
        since: int | None = None,
    ) -> Notification:
        """:meth:`Lab.wait_for`, awaited."""
        accepts, what = _matcher(match, type, api)
        return await self._lab.loop.arun(
            self._core.wait_for(accepts, within_s=within_s, step=step, what=what, since=since)
        )

    async def move(
        self,
        terminal: str,
        to: Sequence[float] | None = None,
        *,
        poa: str | None = None,
        east_m: float | None = None,
        north_m: float | None = None,
        force: bool = False,
    ) -> list[EventRecord]:
        """:meth:`Lab.move`, awaited."""
        where = self._position(to, east_m, north_m)
        return await self._lab.loop.arun(self._core.move(terminal, to=where, poa=poa, force=force))

    async def release(self, terminal: str) -> list[EventRecord]:
        """:meth:`Lab.release`, awaited."""
        return await self._lab.loop.arun(self._core.release(terminal))

    async def set_netchar(self, element: str, **changes: Any) -> list[EventRecord]:
        """:meth:`Lab.set_netchar`, awaited."""
        return await self._lab.loop.arun(self._core.set_netchar(element, changes))

    async def run_app(self, app: EdgeApp) -> AppRun:
        """:meth:`Lab.run_app`, awaited (the app still runs on the lab's loop)."""
        run = AppRun(app, self._core)
        await self._lab.loop.arun(run.start())
        self._lab._apps.append(run)
        return run

    async def stop_app(self, run: AppRun) -> None:
        """:meth:`Lab.stop_app`, awaited."""
        if run in self._lab._apps:
            self._lab._apps.remove(run)
        await self._lab.loop.arun(run.stop())

    async def start_process(
        self,
        name: str,
        argv: Sequence[str],
        *,
        ue: str | None = None,
        app: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> LabProcess:
        """:meth:`Lab.start_process`, awaited."""
        process = await self._lab.loop.arun(
            start_process(self._core, self._lab.workdir, name, argv, ue=ue, app=app, env=env)
        )
        self._lab._processes.append(process)
        return process
