"""ProcessBackend: application instances as local subprocesses (the first :class:`RuntimeBackend`).

Each instance's process runs in a session of its own (:mod:`meclab.lifecycle.procgroup`): a
stop reaches its children, nothing of its group outlives it, and on Linux it dies with meclab
even if meclab is killed hard. Its stdout and stderr, merged, go straight to
``<log_dir>/output.log`` (appended: the log of every start and restart, across runs of meclab
too), and :meth:`logs` and each :class:`ExitInfo`'s tail read the end of that file. The output
does not pass through meclab: a chatty application costs meclab no CPU, loses nothing while
meclab is busy, and does not die of a broken pipe if meclab does; and a pipe would hold
``asyncio``'s ``Process.wait()`` (Python 3.11) until every child that inherited it had closed
it, so an exit would not be seen while a grandchild lived.

The environment is a clean base, not meclab's own: the variables of :data:`INHERITED_ENV` that
meclab has (so the developer's interpreter, virtualenv and packages are found as in their
shell), ``PYTHONUNBUFFERED=1`` (output reaches the log as it is written, and is not lost with
a killed process's buffer), then ``spec.env`` over them. An application on a MEC host does not
see the orchestrator's environment: it would leak meclab's own settings and the developer's
secrets into every instance, and make an instance behave differently depending on the shell
meclab was started from.

Restarts follow ``spec.restart``: after an exit ``stop`` did not ask for, ``on-failure``
restarts a non-zero (or signal) exit, ``always`` any exit, up to ``spec.max_restarts`` times
since ``start``, after a backoff of ``backoff_s`` doubling with each restart up to
``backoff_max_s``. A restart that cannot launch (the program was removed) ends the instance
with :data:`LAUNCH_FAILED` and the reason as the last line of its output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from meclab.lifecycle.backend import (
    ExitInfo,
    ExitListener,
    LaunchError,
    LaunchSpec,
    ProcessStatus,
    StopOutcome,
)
from meclab.lifecycle.procgroup import read_tail, session_options, signal_group, stop_process

log = logging.getLogger(__name__)

INHERITED_ENV: tuple[str, ...] = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
    "PYTHONPATH", "VIRTUAL_ENV", "SSL_CERT_FILE", "SSL_CERT_DIR",
)  # fmt: skip
"""What an instance's environment takes from meclab's (module docstring)."""

LOG_FILE = "output.log"
LOG_LINES = 1000
"""The most lines :meth:`ProcessBackend.logs` answers (all of them: ``output.log``)."""
EXIT_TAIL_LINES = 20
"""Output lines an :class:`ExitInfo` carries."""
LAUNCH_FAILED = 127
"""The exit status of a restart that could not launch (as a shell reports a missing command)."""


@dataclass(eq=False)
class _Run:
    """One ``start`` of an instance: its processes, one after another, until it stays down."""

    spec: LaunchSpec
    process: asyncio.subprocess.Process | None = None
    supervisor: asyncio.Task[None] | None = None
    stopper: asyncio.Task[StopOutcome] | None = None
    restarts: int = 0
    returncode: int | None = None
    started_at: float = 0.0
    stopping: bool = False
    telling: bool = False
    """Its listeners are being told of an exit (no process runs meanwhile)."""
    stop_timeout_s: float = 0.0
    killed: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by stop: no restart, end the backoff now."""
    launched: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once ``start`` has launched its first process (or failed to)."""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


class ProcessBackend:
    """Runs application instances as subprocesses of meclab (module docstring), on the event
    loop it is first used on.

    ``inherit``: the variable names taken from meclab's environment; ``backoff_s`` and
    ``backoff_max_s``: the delay before the first restart and its cap.
    """

    def __init__(
        self,
        *,
        inherit: Iterable[str] = INHERITED_ENV,
        backoff_s: float = 0.5,
        backoff_max_s: float = 8.0,
    ) -> None:
        self.inherit = tuple(inherit)
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self._runs: dict[str, _Run] = {}
        """The latest start of each instance."""
        self._listeners: list[ExitListener] = []
        self._closed = False

    # --- the RuntimeBackend protocol ----------------------------------------------------

    async def start(self, spec: LaunchSpec) -> ProcessStatus:
        """Launch ``spec``'s command (module docstring); LaunchError if the backend is closed,
        the instance is running, the working directory is missing, or the program cannot be
        executed."""
        if self._closed:
            raise LaunchError(spec.instance_id, "the runtime is closed (meclab is stopping)")
        previous = self._runs.get(spec.instance_id)
        if previous is not None and not _down(previous):
            raise LaunchError(spec.instance_id, "it is already running")
        if not spec.workdir.is_dir():
            raise LaunchError(spec.instance_id, f"working directory {spec.workdir} does not exist")
        run = self._runs[spec.instance_id] = _Run(spec)  # a start or stop meanwhile sees it
        try:
            await self._launch(run)
        except LaunchError:
            if previous is None:
                del self._runs[spec.instance_id]
            else:
                self._runs[spec.instance_id] = previous
            raise
        else:
            run.supervisor = asyncio.create_task(
                self._supervise(run), name=f"meclab-runtime-{spec.instance_id}"
            )
        finally:
            run.launched.set()
        return self._status(spec.instance_id, run)

    async def stop(self, instance_id: str, timeout_s: float | None = None) -> StopOutcome:
        """SIGTERM to its process group, SIGKILL after ``timeout_s`` (default: its spec's
        graceful timeout); no restart follows. Returns once its exit has been told to the
        listeners (a listener may stop the instance it is told about). Already down: its last
        status; unknown: ``returncode`` None."""
        run = self._runs.get(instance_id)
        if run is None:
            return StopOutcome(instance_id, None, killed=False)
        if run.stopper is None:
            timeout = run.spec.graceful_timeout_s if timeout_s is None else timeout_s
            # a listener stopping it must not wait for the supervisor, which awaits the listener
            waits = not run.telling
            run.stopper = asyncio.create_task(self._stop(run, timeout, wait_supervisor=waits))
        # shielded: a caller given up on must not leave a process half stopped
        return await asyncio.shield(run.stopper)

    def status(self, instance_id: str) -> ProcessStatus | None:
        """Its status now; None if never started here."""
        run = self._runs.get(instance_id)
        return None if run is None else self._status(instance_id, run)

    def logs(self, instance_id: str, tail: int | None = None) -> list[str]:
        """The last ``tail`` lines of its ``output.log`` (at most :data:`LOG_LINES`), after it
        stopped too; none for an instance not started here."""
        if tail is not None and tail < 0:
            raise ValueError(f"tail is {tail} (< 0)")
        run = self._runs.get(instance_id)
        if run is None:
            return []
        return read_tail(_log_path(run.spec), LOG_LINES if tail is None else min(tail, LOG_LINES))

    def on_exit(self, listener: ExitListener) -> None:
        """Have ``listener`` awaited with every exit, before any restart (its errors are logged
        and do not stop the others)."""
        self._listeners.append(listener)

    async def close(self) -> None:
        """Stop every instance at once, each with its graceful timeout; start refuses after."""
        self._closed = True
        await asyncio.gather(*(self.stop(instance_id) for instance_id in list(self._runs)))

    # --- processes ----------------------------------------------------------------------

    def environment(self, spec: LaunchSpec) -> dict[str, str]:
        """What ``spec``'s process is started with (module docstring)."""
        base = {name: os.environ[name] for name in self.inherit if name in os.environ}
        base.setdefault("PATH", os.defpath)
        return {**base, "PYTHONUNBUFFERED": "1", **spec.env}

    async def _launch(self, run: _Run) -> None:
        spec = run.spec
        program = spec.command[0]
        spec.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            with _log_path(spec).open("ab") as output:  # the child keeps its own descriptor
                process = await asyncio.create_subprocess_exec(
                    *spec.command,
                    cwd=spec.workdir,
                    env=self.environment(spec),
                    stdout=output,
                    stderr=asyncio.subprocess.STDOUT,
                    **session_options(),
                )
        except FileNotFoundError as exc:
            raise LaunchError(spec.instance_id, f"no program {program} ({exc.strerror})") from exc
        except PermissionError as exc:
            raise LaunchError(spec.instance_id, f"{program} is not executable") from exc
        except OSError as exc:
            raise LaunchError(spec.instance_id, f"{program}: {exc.strerror or exc}") from exc
        run.process = process
        run.started_at = time.time()

    async def _supervise(self, run: _Run) -> None:
        spec = run.spec
        while True:
            process = run.process
            assert process is not None
            returncode = await process.wait()
            signal_group(process.pid, signal.SIGKILL)  # nothing of its group outlives it
            run.returncode = returncode
            restarting = not run.stopping and self._restarts(spec, returncode, run.restarts)
            tail = read_tail(_log_path(spec), EXIT_TAIL_LINES)
            await self._tell(
                run,
                ExitInfo(
                    spec.instance_id, returncode, restarting, run.restarts, tail, run.stopping
                ),
            )
            if not restarting:
                return
            delay = min(self.backoff_s * 2**run.restarts, self.backoff_max_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.wake.wait(), delay)
            if run.stopping:
                return
            try:
                await self._launch(run)
            except LaunchError as exc:
                run.process = None
                run.returncode = LAUNCH_FAILED
                with _log_path(spec).open("a", encoding="utf-8") as output:
                    output.write(f"meclab: {exc}\n")  # where the app's logs are read
                tail = read_tail(_log_path(spec), EXIT_TAIL_LINES)
                await self._tell(
                    run, ExitInfo(spec.instance_id, LAUNCH_FAILED, False, run.restarts, tail)
                )
                return
            run.restarts += 1
            if run.stopping:  # stop came while this process was being launched
                _, run.killed = await stop_process(run.process, run.stop_timeout_s)

    @staticmethod
    def _restarts(spec: LaunchSpec, returncode: int, restarts: int) -> bool:
        if restarts >= spec.max_restarts or spec.restart == "never":
            return False
        return spec.restart == "always" or returncode != 0

    async def _tell(self, run: _Run, info: ExitInfo) -> None:
        run.telling = True
        try:
            for listener in self._listeners:
                try:
                    await listener(info)
                except Exception:
                    log.exception("exit listener %r failed on %s", listener, info.instance_id)
        finally:
            run.telling = False

    async def _stop(self, run: _Run, timeout_s: float, *, wait_supervisor: bool) -> StopOutcome:
        run.stopping = True
        run.stop_timeout_s = timeout_s
        run.wake.set()
        await run.launched.wait()
        returncode = run.returncode
        if run.running:
            assert run.process is not None
            returncode, killed = await stop_process(run.process, timeout_s)
            run.killed = run.killed or killed
        if wait_supervisor and run.supervisor is not None:
            await asyncio.shield(run.supervisor)
            returncode = run.returncode
        return StopOutcome(run.spec.instance_id, returncode, run.killed)

    def _status(self, instance_id: str, run: _Run) -> ProcessStatus:
        running = run.running
        pid = run.process.pid if running and run.process is not None else None
        return ProcessStatus(instance_id, pid, running, run.restarts, run.returncode,
                             run.started_at)  # fmt: skip


def _log_path(spec: LaunchSpec) -> Path:
    return spec.log_dir / LOG_FILE


def _down(run: _Run) -> bool:
    """It runs no process and will start none (stopped, or ended with no restart to come)."""
    return run.supervisor is not None and run.supervisor.done()
