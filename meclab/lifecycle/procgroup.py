"""A child process in a session of its own, and how it is stopped: the one way meclab runs
processes, whether the runtime runs an application instance
(:mod:`meclab.lifecycle.process`, asyncio) or a demo runs its components
(:mod:`meclab.demo.stage`, blocking).

- :func:`session_options` are the ``Popen`` (and ``asyncio.create_subprocess_exec``) options:
  a new session, so the child leads a process group of its own (a signal to the group reaches
  its children; Ctrl-C in meclab's terminal does not reach it), no stdin, and on Linux death
  with meclab (below).
- :func:`stop_popen` / :func:`stop_process` stop it the same way: SIGTERM to the group, wait up
  to the graceful timeout, then SIGKILL to the group; once its leader has ended, whatever is
  left of the group is killed, so no child outlives it.
- :func:`read_tail` reads the last lines of a log file.

Death with meclab: on Linux the child asks the kernel (``prctl(PR_SET_PDEATHSIG, SIGKILL)``,
between fork and exec) to be killed when the thread that started it ends, so even a meclab
killed with SIGKILL leaves no process behind. Two limits: it is the *thread* that counts (start
processes from the event loop's or the main thread, not from a short-lived worker thread), and
it covers the child itself, not its own children (a well-behaved child takes them down as it
dies). Elsewhere nothing is set and a meclab killed hard may leave its children running. The
price: with a ``preexec_fn`` Python forks rather than using ``posix_spawn``, a little slower to
start a process from a large meclab.

The sweep of a group after its leader was reaped names the group by the leader's pid; Linux
gives that number to no new process while any member of the group lives, so the sweep either
reaches the leftovers or finds no group (barring, in the instant between, a new process that
took the freed number and made itself a group leader).
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
"""From <linux/prctl.h>."""
TAIL_BLOCK = 65536
"""How much of a log's end :func:`read_tail` reads at a time."""


@functools.cache
def _prctl() -> Any:
    # loaded before any fork: the child, between fork and exec, must not need the dynamic loader
    return ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent(parent: int) -> Callable[[], None]:
    prctl = _prctl()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return preexec


def session_options() -> dict[str, Any]:
    """Keyword arguments for ``subprocess.Popen`` or ``asyncio.create_subprocess_exec``
    (module docstring); the caller adds stdout, stderr, env and cwd."""
    options: dict[str, Any] = {"stdin": subprocess.DEVNULL, "start_new_session": True}
    if sys.platform.startswith("linux"):
        options["preexec_fn"] = _die_with_parent(os.getpid())
    return options


def signal_group(pid: int, sig: signal.Signals) -> bool:
    """Send ``sig`` to the process group led by ``pid``; False if it has no member left."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # the id now belongs to someone else's group: not ours any more
        return False
    return True


def stop_popen(process: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, bool]:
    """Stop ``process`` (module docstring), blocking; its exit status and whether it had to be
    killed."""
    killed = False
    if process.poll() is None:
        signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            killed = signal_group(process.pid, signal.SIGKILL)
    returncode = process.wait()
    signal_group(process.pid, signal.SIGKILL)  # what is left of its group
    return returncode, killed


async def stop_process(process: asyncio.subprocess.Process, timeout_s: float) -> tuple[int, bool]:
    """Stop ``process`` (module docstring); its exit status and whether it had to be killed."""
    killed = False
    if process.returncode is None:
        signal_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout_s)
        except TimeoutError:
            killed = signal_group(process.pid, signal.SIGKILL)
    returncode = await process.wait()
    signal_group(process.pid, signal.SIGKILL)  # what is left of its group
    return returncode, killed


def read_tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of the text file at ``path`` (none if it does not exist); reads
    only as much of its end as they take, for a long log."""
    if lines <= 0:
        return []
    try:
        file = path.open("rb")
    except FileNotFoundError:
        return []
    with file:
        end = file.seek(0, os.SEEK_END)
        data = b""
        while end > 0 and data.count(b"\n") <= lines:
            start = max(0, end - TAIL_BLOCK)
            file.seek(start)
            data = file.read(end - start) + data
            end = start
    text = data.decode("utf-8", errors="replace")
    return text.rstrip().splitlines()[-lines:]
