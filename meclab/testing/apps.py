"""An application's components in a lab: SDK apps in-process, anything else as a process.

:class:`AppRun` is an :class:`~meclab.sdk.app.EdgeApp` serving on the lab's event loop (its
own aiohttp server on a loopback port, talking to the lab's platform over HTTP, exactly as it
would beside ``meclab up``). It counts as started once the app is READY on its platform, has
offered its services and run its ``on_start`` hooks.

:class:`LabProcess` is any command started with the environment a demo's components get
(:func:`meclab.demo.stage.component_environment`: ``MEC_PLATFORM_URL``, ``MECLAB_URL``,
``MECLAB_SOCKS_URL`` when the lab has a data plane, ``MECLAB_DEMO_RESULTS``), plus, for a
terminal component, ``MECLAB_UE``, and for an edge application, what ``meclab run`` would
give it (its host's API root, its appInstanceId, its endpoint). Its output goes to
``<name>.log`` in the lab's directory, its results to ``<name>.jsonl``. Processes are
stopped as the demos stop theirs (:func:`meclab.lifecycle.procgroup.stop_popen`: SIGTERM to
the group, SIGKILL after a grace).
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meclab.demo.results import read_results
from meclab.demo.stage import ENV_UE, component_environment
from meclab.lifecycle.procgroup import read_tail, session_options, stop_popen
from meclab.sdk.app import EdgeApp
from meclab.testing.core import LabCore, LabError
from meclab.testing.records import Notification
from meclab.testing.waiting import until

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
LOG_TAIL_LINES = 15


@dataclass(slots=True)
class AppRun:
    """An EdgeApp serving in the lab (module docstring)."""

    app: EdgeApp
    core: LabCore
    task: asyncio.Task[None] | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        """The base URL of the app's own server."""
        if self.app.url is None:
            raise LabError("the app is not serving")
        return self.app.url

    @property
    def received(self) -> list[Notification]:
        """The notifications delivered to the app's server, in order."""
        base = self.url + "/"
        return [n for n in self.core.notifications if (n.callback or "").startswith(base)]

    async def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        async def ready(_: EdgeApp) -> None:
            self.started.set()

        self.app.on_start(ready)  # the last hook: the app's own have run
        self.task = asyncio.get_running_loop().create_task(self.app.serve(), name="lab-app")
        waiting = asyncio.ensure_future(self.started.wait())
        done, _ = await asyncio.wait({self.task, waiting}, timeout=timeout_s,
                                     return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        if waiting not in done:
            waiting.cancel()
            if self.task in done:
                self.task.result()  # the app's own error
                raise LabError("the app stopped before it had started")
            await self.stop()
            raise LabError(f"the app did not start within {timeout_s:g} s")
        await self.core.settle()

    async def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Deregister and stop serving (EdgeApp.stop); the app's own error, if it failed."""
        if self.task is None:
            return
        self.app.stop()
        task, self.task = self.task, None
        try:
            await asyncio.wait_for(task, timeout_s)
        finally:
            await self.core.settle()


@dataclass(slots=True)
class LabProcess:
    """A process started by the lab (module docstring)."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    results_path: Path

    @property
    def returncode(self) -> int | None:
        """Its exit status once it has ended (negative: the signal that ended it)."""
        return self.process.poll()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The end of its output (stdout and stderr)."""
        return "\n".join(read_tail(self.log_path, lines))

    def results(self) -> list[dict[str, Any]]:
        """What it recorded in ``MECLAB_DEMO_RESULTS`` (:mod:`meclab.demo.results`)."""
        return read_results(self.results_path)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM to its group, SIGKILL after ``timeout_s``; its exit status."""
        return stop_popen(self.process, timeout_s)[0]


async def start_process(
    core: LabCore,
    workdir: Path,
    name: str,
    argv: Sequence[str],
    *,
    ue: str | None = None,
    app: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> LabProcess:
    """Start ``argv`` as component ``name``, its files in ``workdir`` (module docstring);
    with ``app``, wait until its instance is READY on its platform (LabError quoting its log
    otherwise)."""
    extra: dict[str, str] = {}
    if app is not None:
        extra |= core.app_environment(app)
    if ue is not None:
        extra[ENV_UE] = ue
    extra |= dict(env or {})
    results = workdir / f"{name}.jsonl"
    log_path = workdir / f"{name}.log"
    environ = component_environment(core.url, core.socks_url, results, extra=extra)
    with log_path.open("wb") as log:
        # On the lab's own thread, not a worker's: the child dies with the thread that
        # started it (meclab.lifecycle.procgroup), and this one lives as long as the lab.
        process = subprocess.Popen(  # noqa: ASYNC220
            list(argv), stdout=log, stderr=subprocess.STDOUT, env=environ, **session_options()
        )
    running = LabProcess(name, process, log_path, results)
    if app is not None:
        instance = core.platforms.app_named(app)
        try:
            await until(
                lambda: instance.ready or process.poll() is not None,
                f"{app} to be READY on its platform",
                timeout_s,
            )
        except AssertionError as exc:
            await asyncio.to_thread(running.stop)
            raise LabError(f"{exc}; {name}'s output ends:\n{running.log_tail()}") from None
        if not instance.ready:
            raise LabError(
                f"{name} exited with status {process.returncode} before {app} was READY; "
                f"its output ends:\n{running.log_tail()}"
            )
        await core.settle()
    return running
