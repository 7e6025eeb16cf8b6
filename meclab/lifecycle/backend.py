"""The runtime interface: how the lifecycle runs an application instance's process.

The lifecycle manager knows *what* should run (an instance of a package, with its command,
environment and restart policy: a :class:`LaunchSpec`) and never *how*. A backend turns that
into something running and reports back through a few frozen records. The first backend is
:class:`meclab.lifecycle.process.ProcessBackend` (local subprocesses); a container or
Kubernetes backend implements the same :class:`RuntimeBackend` protocol and the manager does
not change. What a new backend must honour:

- ``start(spec)`` returns once the workload has been *launched* (not once it is ready: readiness
  is the application's MEC 011 ``confirm_ready``, which the manager waits for). Anything that
  makes the launch impossible (missing program, missing image, bad working directory) raises
  :class:`LaunchError` naming it; nothing is left behind.
- It applies ``spec.restart`` itself (``never``, ``on-failure``: after a non-zero exit,
  ``always``: after any exit not asked for by ``stop``), at most ``spec.max_restarts`` times.
- Every exit, restarted or not, asked for or not, is told to each ``on_exit`` listener as an
  :class:`ExitInfo` carrying the last lines of output.
- ``stop`` asks the workload to end (SIGTERM or its equivalent), waits up to the graceful
  timeout, then forces it (SIGKILL, container kill) and says so (``StopOutcome.killed``).
  Stopping something already stopped or never started is not an error.
- ``logs`` answers after the workload has stopped too, and the output also lands in
  ``spec.log_dir`` so that it outlives the backend.
- ``close`` stops everything (meclab stopping): workloads outlive nothing.

Instance ids are the MEC appInstanceIds; an id may be started again after it stopped (operate
start after stop), and its logs continue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, get_args

RestartPolicy = Literal["never", "on-failure", "always"]
RESTART_POLICIES: tuple[str, ...] = get_args(RestartPolicy)


@dataclass(frozen=True)
class LaunchSpec:
    """What to run for one application instance, and how to keep it running."""

    instance_id: str
    """The application instance (its appInstanceId); unique among running instances."""
    command: Sequence[str]
    """argv; a relative program path is looked up in ``workdir``, a bare name on ``PATH``."""
    workdir: Path
    """The working directory; it must exist."""
    env: Mapping[str, str]
    """Variables set for the process, over the backend's documented base environment."""
    log_dir: Path
    """Where the output goes (``output.log``); the backend creates it."""
    restart: RestartPolicy = "on-failure"
    """``never``; ``on-failure``: after a non-zero exit (or death by a signal); ``always``:
    after any exit that ``stop`` did not ask for."""
    max_restarts: int = 3
    """How many restarts in all, from this ``start``; then the instance stays down."""
    graceful_timeout_s: float = 10.0
    """How long ``stop`` waits after SIGTERM before SIGKILL (when not given a timeout)."""

    def __post_init__(self) -> None:
        if not self.command:
            raise ValueError(f"{self.instance_id}: command is empty")
        if self.restart not in RESTART_POLICIES:
            raise ValueError(
                f"{self.instance_id}: restart is {self.restart!r}, "
                f"not one of {', '.join(RESTART_POLICIES)}"
            )
        if self.max_restarts < 0:
            raise ValueError(f"{self.instance_id}: max_restarts is {self.max_restarts} (< 0)")
        if self.graceful_timeout_s < 0:
            raise ValueError(
                f"{self.instance_id}: graceful_timeout_s is {self.graceful_timeout_s} (< 0)"
            )


@dataclass(frozen=True)
class ExitInfo:
    """An instance's process ended."""

    instance_id: str
    returncode: int
    """Its exit status; negative: the signal that ended it."""
    restarting: bool
    """The backend will start it again (after a short backoff)."""
    restarts: int
    """How many times it had been restarted before this exit (since ``start``)."""
    tail: list[str]
    """The last lines of its output (stdout and stderr)."""
    stopped: bool = False
    """The exit was asked for by ``stop`` or ``close`` (not a crash or an end of its own)."""


@dataclass(frozen=True)
class StopOutcome:
    """How a ``stop`` ended."""

    instance_id: str
    returncode: int | None
    """Its exit status; None if it never ran (unknown instance)."""
    killed: bool
    """It outlived the graceful timeout after SIGTERM and was killed (SIGKILL)."""


@dataclass(frozen=True)
class ProcessStatus:
    """What an instance's process is doing now."""

    instance_id: str
    pid: int | None
    """Its process id while running (None between a crash and its restart, and once down)."""
    running: bool
    restarts: int
    """Restarts since ``start``."""
    returncode: int | None
    """The status of its last exit; None while its first process runs."""
    started_at: float
    """When its current (or last) process started, seconds since the epoch."""


class LaunchError(Exception):
    """The command could not be started at all: the program is missing or not executable, the
    working directory does not exist, the instance is already running. The message names it."""

    def __init__(self, instance_id: str, reason: str) -> None:
        super().__init__(f"cannot start {instance_id}: {reason}")
        self.instance_id = instance_id
        self.reason = reason


ExitListener = Callable[[ExitInfo], Awaitable[None]]


class RuntimeBackend(Protocol):
    """Runs application instances' workloads (module docstring: what an implementation owes)."""

    async def start(self, spec: LaunchSpec) -> ProcessStatus:
        """Launch ``spec``'s workload; LaunchError if it cannot be started."""
        ...

    async def stop(self, instance_id: str, timeout_s: float | None = None) -> StopOutcome:
        """End it: SIGTERM, then SIGKILL after ``timeout_s`` (default: the spec's graceful
        timeout). An instance already down answers its last status, an unknown one None."""
        ...

    def status(self, instance_id: str) -> ProcessStatus | None:
        """Its status; None if this backend never started it."""
        ...

    def logs(self, instance_id: str, tail: int | None = None) -> list[str]:
        """Its recent output lines, the last ``tail`` of them (all kept ones when None); after
        it stopped too. An unknown instance has none."""
        ...

    def on_exit(self, listener: ExitListener) -> None:
        """Have ``listener`` awaited with every exit of every instance."""
        ...

    async def close(self) -> None:
        """Stop every instance (meclab stopping); the backend starts nothing more."""
        ...
