"""Process plumbing shared by the benchmarks: free ports, core pinning, waiting for a server."""

from __future__ import annotations

import os
import socket
import time


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(cpu: int) -> None:
    """Pin this process (and the threads it starts later) to one of the CPUs it may use."""
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[cpu % len(cpus)]})


def wait_port(port: int, timeout_s: float = 30.0) -> None:
    """Return once something listens on ``port`` on loopback; RuntimeError after the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")
