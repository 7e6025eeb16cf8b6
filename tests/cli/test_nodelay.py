"""Every TCP listener of ``meclab up`` and ``meclab listen`` accepts with TCP_NODELAY set.

Without it a keep-alive client waits ~40 ms per request (Nagle's algorithm against the client's
delayed ACK). The option is read on the server's side of each connection, inside the real
process, through a duplicate of its descriptor (Linux ``pidfd_getfd``, as a debugger would).
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port
from test_up import ANY_DATAPLANE_PORTS, Meclab, get, meclab_command, processes

__all__ = ["processes"]  # the fixture, imported for the tests below

SYS_PIDFD_GETFD = 438
"""The same number on every Linux architecture (kernel 5.6 and later)."""

ACCEPT_TIMEOUT_S = 10.0

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads sockets through /proc")


def _sockets_of(pid: int) -> Iterator[socket.socket]:
    """Duplicates of the TCP sockets process ``pid`` holds (close each after use)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        for name in os.listdir(f"/proc/{pid}/fd"):
            try:
                if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"):
                    continue
            except FileNotFoundError:  # closed meanwhile
                continue
            fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(name), 0)
            if fd < 0:
                error = ctypes.get_errno()
                if error in (errno.EPERM, errno.ENOSYS):
                    pytest.skip(f"cannot read another process's sockets: {os.strerror(error)}")
                continue
            sock = socket.socket(fileno=fd)
            if sock.type == socket.SOCK_STREAM and sock.family in (socket.AF_INET, socket.AF_INET6):
                yield sock
            else:
                sock.close()
    finally:
        os.close(pidfd)


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """Every (host, port) process ``pid`` listens on over TCP."""
    found = set()
    for sock in _sockets_of(pid):
        with sock:
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                found.add(sock.getsockname()[:2])
    return found


def accepted_nodelay(pid: int, address: tuple[str, int]) -> int:
    """Connect to ``address``; TCP_NODELAY of the socket process ``pid`` accepted for it."""
    with socket.create_connection(address, timeout=5.0) as client:
        ours = client.getsockname()[:2]
        deadline = time.monotonic() + ACCEPT_TIMEOUT_S
        while time.monotonic() < deadline:
            for sock in _sockets_of(pid):
                with sock:
                    try:
                        peer = sock.getpeername()[:2]
                    except OSError:  # a listener or an unconnected socket
                        continue
                    if peer == ours:
                        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            time.sleep(0.02)
    raise AssertionError(f"{address} did not accept the connection")


def test_every_listener_of_meclab_up_accepts_with_nodelay(
    tmp_path: Path, processes: list[Meclab]
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["up", "--port", str(port), "--data-dir", str(tmp_path / "data"), *ANY_DATAPLANE_PORTS]
    meclab = Meclab(args, tmp_path, "up")
    processes.append(meclab)
    meclab.wait_ready(base)
    plane = get(base, "/dataplane")
    pid = meclab.process.pid

    listeners = listening_addresses(pid)
    ports = {p for _, p in listeners}
    entry_points = [plane["socks5"], plane["dns"], plane["toxiproxy"]]
    expected = {port} | {int(point.rpartition(":")[2]) for point in entry_points}
    assert expected <= ports, f"listeners {sorted(listeners)} lack one of {sorted(expected)}"

    nodelay = {address: accepted_nodelay(pid, address) for address in sorted(listeners)}
    assert [a for a, on in nodelay.items() if not on] == []


def test_meclab_listen_accepts_with_nodelay() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*meclab_command(), "listen", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while ("127.0.0.1", port) not in listening_addresses(proc.pid):
            assert proc.poll() is None, "meclab listen exited"
            assert time.monotonic() < deadline, "meclab listen did not start"
            time.sleep(0.05)
        assert accepted_nodelay(proc.pid, ("127.0.0.1", port)) == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
