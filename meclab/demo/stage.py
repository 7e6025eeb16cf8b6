"""Run a demo as a user would: ``meclab up`` on its scenario, each component a real process.

::

    with Stage(scenario, workdir=tmp, speed=10, say=print) as stage:
        cloud = stage.start(Component.module("video-cloud", "meclab.demo.video.cloud", port=p))
        edge = stage.start(Component.edge_app("video-edge-x", "pkg.mod:app", host="mec-x",
                                              app="video-edge-x", port=q))
        camera = stage.start(Component.module("camera-1", "meclab.demo.video.camera",
                                              ue="sensor-1"))
        stage.wait([camera], timeout_s=60)
    records = stage.results(camera)

Entering the stage writes the scenario to ``workdir``, starts ``meclab up`` on it with a data
dir of its own and every port free (``--port 0``, the data plane's too; the data dir's lock file
and ``GET /meclab/v1/dataplane`` then say where they are), and waits until it answers. Each
component started gets the platform's and the data plane's address in its environment
(below), its own results file (:mod:`meclab.demo.results`) and log file, and is ready once its
port accepts connections, for an edge application once its instance is READY on its platform,
and, when it asks so, once it has recorded a first result. Leaving the stage, however it is
left (an error, Ctrl-C), stops every component in reverse order of start and then meclab:
SIGTERM to its process group, then SIGKILL after ``stop_timeout_s``.

What a component finds in its environment, besides the caller's own variables:

=====================  =====================================================================
``MEC_PLATFORM_URL``   meclab's base URL (the first MEC host's APIs; ``meclab run`` sets the
                       host's own for an edge application)
``MECLAB_URL``         meclab's base URL, for its control API
``MECLAB_DATA_DIR``    the stage's data dir (``meclab run`` finds the running meclab there)
``MECLAB_SOCKS_URL``   the data plane's SOCKS5 entry, ``socks5://127.0.0.1:PORT``
``MECLAB_UE``          the terminal a terminal component plays (its data plane identity)
``MECLAB_DEMO_RESULTS`` the file the component records its results in, as JSON lines
=====================  =====================================================================
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from meclab.demo.results import ENV_RESULTS, read_results
from meclab.lifecycle.procgroup import read_tail, session_options, stop_popen
from meclab.lock import holder
from meclab.scenario.loader import dump_yaml
from meclab.scenario.model import Scenario

ENV_UE = "MECLAB_UE"
ENV_SOCKS_URL = "MECLAB_SOCKS_URL"
"""The name :mod:`meclab.sdk.dataplane` reads the SOCKS5 entry from."""

POLL_S = 0.05
LOG_TAIL_LINES = 15
"""How much of a failed component's log an error shows."""

Say = Callable[[str], None]


class StageError(RuntimeError):
    """Something the demo needs did not happen: meclab or a component did not start, exited
    with an error, or did not finish in time. The message names it and quotes its log."""


def meclab_argv(*args: str) -> list[str]:
    """The ``meclab`` command with this interpreter (the installed package, not a PATH lookup)."""
    return [sys.executable, "-m", "meclab", *args]


@dataclass(frozen=True, slots=True)
class Component:
    """A process of the demo: its command, its environment, and when it counts as ready."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    port: int | None = None
    """Ready once 127.0.0.1:port accepts a connection."""
    app: str | None = None
    """Ready once this scenario application's instance is READY on its platform."""
    recorded: bool = False
    """Ready once it has recorded a first result (a client that has had a first answer)."""

    @classmethod
    def module(
        cls,
        name: str,
        module: str,
        *,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        ue: str | None = None,
        recorded: bool = False,
    ) -> Component:
        """``python -m module``; ``ue``: the terminal it plays (``MECLAB_UE``)."""
        extra = dict(env or {})
        if ue is not None:
            extra[ENV_UE] = ue
        return cls(name, (sys.executable, "-m", module), extra, port, recorded=recorded)

    @classmethod
    def edge_app(
        cls,
        name: str,
        target: str,
        *,
        host: str,
        app: str,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
    ) -> Component:
        """``meclab run target --host host --app app``: an edge application instance on a MEC
        host's platform, ready when it has confirmed READY."""
        argv = meclab_argv("run", target, "--host", host, "--app", app)
        return cls(name, tuple(argv), dict(env or {}), port, app)


@dataclass(slots=True)
class Running:
    """A started component: its process and the files it writes."""

    component: Component
    process: subprocess.Popen[bytes]
    log_path: Path
    results_path: Path

    @property
    def name(self) -> str:
        return self.component.name

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The end of its output (stdout and stderr), indented for an error message."""
        tail = read_tail(self.log_path, lines)
        return "\n".join(f"    {line}" for line in tail) or "    (no output)"


def component_environment(
    url: str,
    socks_url: str | None,
    results_path: Path,
    *,
    data_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a component of a meclab at ``url`` (module docstring): the caller's
    own, the platform's and the data plane's addresses, its results file, then ``extra``.
    ``data_dir`` only for a meclab that holds one (``meclab run`` then finds it there)."""
    env = {**os.environ, "MEC_PLATFORM_URL": url, "MECLAB_URL": url, ENV_RESULTS: str(results_path)}
    if data_dir is not None:
        env["MECLAB_DATA_DIR"] = str(data_dir)
    if socks_url:
        env[ENV_SOCKS_URL] = socks_url
    return {**env, **(extra or {})}


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Stage:
    """meclab up on ``scenario`` and the demo's processes (a context manager; see the module
    docstring). ``say`` is told, in plain words, what happens."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        workdir: Path,
        speed: float = 1.0,
        paused: bool = False,
        say: Say = print,
        start_timeout_s: float = 60.0,
        stop_timeout_s: float = 10.0,
    ) -> None:
        self.scenario = scenario
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.speed = speed
        self.paused = paused
        """Whether meclab starts with simulation time stopped (the demo resumes it)."""
        self.say = say
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.url = ""
        """meclab's base URL, once it answers."""
        self.socks_url = ""
        """The data plane's SOCKS5 entry, ``socks5://host:port``."""
        self._meclab: Running | None = None
        self._started: list[Running] = []
        self._http = httpx.Client(timeout=5.0)

    # --- meclab -------------------------------------------------------------------------

    def __enter__(self) -> Self:
        try:
            self._start_meclab()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _start_meclab(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        scenario_file = self.workdir / f"{self.scenario.name}.yaml"
        scenario_file.write_text(dump_yaml(self.scenario), encoding="utf-8")
        self.say(f"starting meclab on {scenario_file.name} (speed x{self.speed:g})")
        argv = meclab_argv(
            "up", str(scenario_file), "--data-dir", str(self.data_dir), "--port", "0",
            "--socks-port", "0", "--dns-port", "0", "--toxiproxy-port", "0",
            "--speed", f"{self.speed:g}", *(["--paused"] if self.paused else []),
        )  # fmt: skip
        self._meclab = self._spawn(Component("meclab", tuple(argv)), {})
        deadline = time.monotonic() + self.start_timeout_s
        self.url = self._poll(deadline, self._meclab, "meclab to serve", self._meclab_url)
        self._poll(deadline, self._meclab, f"meclab to answer at {self.url}", self._answers)
        entries = self.control("/dataplane")
        if not entries.get("socks5"):
            raise StageError(f"meclab at {self.url} lists no SOCKS5 entry: {entries}")
        self.socks_url = f"socks5://{entries['socks5']}"
        self.say(f"meclab is up at {self.url}, data plane at {self.socks_url}")

    def _meclab_url(self) -> str | None:
        found = holder(self.data_dir)
        return found.url if found is not None else None

    def _answers(self) -> bool:
        try:
            return self._http.get(f"{self.url}/meclab/v1/world").status_code == 200
        except httpx.TransportError:
            return False

    def control(self, path: str) -> Any:
        """The JSON answer of meclab's control API at ``/meclab/v1{path}``; StageError if it
        does not answer 200."""
        url = f"{self.url}/meclab/v1{path}"
        try:
            response = self._http.get(url)
        except httpx.HTTPError as exc:
            raise StageError(f"GET {url}: {exc}") from exc
        if response.status_code != 200:
            raise StageError(f"GET {url}: {response.status_code} {response.text[:300]}")
        return response.json()

    # --- components ---------------------------------------------------------------------

    def environment(self, component: Component, results_path: Path) -> dict[str, str]:
        """What ``component`` is started with (module docstring)."""
        return component_environment(
            self.url, self.socks_url, results_path, data_dir=self.data_dir, extra=component.env
        )

    def _spawn(self, component: Component, env: Mapping[str, str]) -> Running:
        log_path = self.workdir / f"{component.name}.log"
        results_path = self.workdir / f"{component.name}.jsonl"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                list(component.argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env else None,
                # its own session: Ctrl-C in the user's terminal reaches the stage only, which
                # stops everything in order; a stop then reaches the component's children too
                **session_options(),
            )
        return Running(component, process, log_path, results_path)

    def start(self, component: Component) -> Running:
        """Start ``component`` and wait until it is ready (module docstring); StageError when
        it exits or is not ready within ``start_timeout_s``."""
        return self.start_all([component])[0]

    def start_all(self, components: Sequence[Component]) -> list[Running]:
        """Start every one of ``components`` at once, then wait until each is ready (their
        start-ups overlap: several edge instances start in the time of one)."""
        if not self.url:
            raise StageError("the stage is not entered: meclab is not running")
        runnings = []
        for component in components:
            results_path = self.workdir / f"{component.name}.jsonl"
            running = self._spawn(component, self.environment(component, results_path))
            self._started.append(running)
            runnings.append(running)
        deadline = time.monotonic() + self.start_timeout_s
        for running in runnings:
            self._until_ready(running, deadline)
        return runnings

    def _until_ready(self, running: Running, deadline: float) -> None:
        component = running.component
        if component.port is not None:
            port = component.port
            self._poll(deadline, running, f"{component.name} to listen on port {port}",
                       lambda: _port_open(port))  # fmt: skip
        if component.app is not None:
            app = component.app
            self._poll(deadline, running, f"{app} to be READY on its platform",
                       lambda: self.app_state(app) == "READY")  # fmt: skip
        if component.recorded:
            self._poll(deadline, running, f"{component.name} to record a first result",
                       lambda: bool(self.results(running)))  # fmt: skip
        self.say(f"started {component.name}")

    def app_state(self, app: str) -> str | None:
        """The platform state of scenario application ``app`` (None for a cloud app)."""
        for info in self.control("/apps"):
            if info.get("name") == app:
                state = info.get("state")
                return state if isinstance(state, str) else None
        raise StageError(f"meclab at {self.url} has no application {app!r}")

    def _poll(self, deadline: float, running: Running, what: str, check: Callable[[], Any]) -> Any:
        while True:
            found = check()
            if found:
                return found
            if running.process.poll() is not None:
                raise StageError(
                    f"{running.name} exited with status {running.process.returncode} "
                    f"before {what}; its output ends:\n{running.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise StageError(
                    f"timed out after {self.start_timeout_s:g} s waiting for {what}; "
                    f"{running.name}'s output ends:\n{running.log_tail()}"
                )
            time.sleep(POLL_S)

    def wait(self, runnings: Iterable[Running], timeout_s: float) -> None:
        """Wait until every one of ``runnings`` has exited; StageError naming the first that
        exits with an error, or those still running after ``timeout_s``."""
        pending = list(runnings)
        deadline = time.monotonic() + timeout_s
        while pending:
            for running in list(pending):
                code = running.process.poll()
                if code is None:
                    continue
                pending.remove(running)
                if code != 0:
                    raise StageError(
                        f"{running.name} exited with status {code}; its output ends:\n"
                        f"{running.log_tail()}"
                    )
            if pending and time.monotonic() > deadline:
                names = ", ".join(r.name for r in pending)
                raise StageError(f"still running after {timeout_s:g} s: {names}")
            time.sleep(POLL_S)

    def stop(self, running: Running) -> int:
        """SIGTERM to its process group, then SIGKILL after ``stop_timeout_s``
        (:func:`meclab.lifecycle.procgroup.stop_popen`); its exit status (negative: the signal
        that ended it)."""
        returncode, killed = stop_popen(running.process, self.stop_timeout_s)
        if killed:
            self.say(f"{running.name} did not stop within {self.stop_timeout_s:g} s: killed")
        return returncode

    def stop_all(self, runnings: Sequence[Running]) -> None:
        """Stop ``runnings`` in reverse order."""
        for running in reversed(runnings):
            self.stop(running)

    def close(self) -> None:
        """Stop every component, then meclab (idempotent)."""
        started, self._started = self._started, []
        self.stop_all(started)
        if self._meclab is not None:
            meclab, self._meclab = self._meclab, None
            self.stop(meclab)
            self.say("meclab stopped")
        self._http.close()

    def results(self, running: Running) -> list[dict[str, Any]]:
        """What ``running`` recorded (:func:`meclab.demo.results.read_results`)."""
        return read_results(running.results_path)
