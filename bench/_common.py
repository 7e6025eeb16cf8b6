"""Process plumbing shared by the benchmarks.

Every benchmark measures ``meclab up`` as users start it (:class:`MeclabUp`: the ``meclab``
command in its own process, pinned to one core), driven from outside through keep-alive
clients: wrk (:func:`wrk`) and aiohttp sessions. A baseline, where one is named, is its own
uvicorn process on the same core, driven the same way (:class:`BareStarlette`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import httpx
import yaml

from meclab.demo.derive import free_loopback_ports

SERVER_CPU = 0
"""The core the measured server runs on; clients (wrk, aiohttp) take the other one."""

START_TIMEOUT_S = 180.0
"""A 10,000-terminal world takes a while to build."""


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback, outside the kernel's ephemeral range
    (:func:`meclab.demo.derive.free_loopback_ports`): the data plane's own sockets, bound to
    port 0 meanwhile, never take it."""
    (port,) = free_loopback_ports(1)
    return port


def cpu(index: int) -> int:
    """The ``index``-th CPU this process may use (modulo their number)."""
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[index % len(cpus)]


def pin(index: int) -> None:
    """Pin this process (and the threads it starts later) to one of the CPUs it may use."""
    os.sched_setaffinity(0, {cpu(index)})


def wait_port(port: int, timeout_s: float = 30.0) -> None:
    """Return once something listens on ``port`` on loopback; RuntimeError after the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time process ``pid`` (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class StreamSource(asyncio.Protocol):
    """A server protocol that writes zeros as fast as its connection takes them, for many
    connections at once on one event loop (threads would not scale)."""

    block = b"\0" * 65536

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.paused = False
        self.pump()

    def pump(self) -> None:
        while not self.paused and not self.transport.is_closing():
            self.transport.write(self.block)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self.pump()

    def connection_lost(self, exc: Exception | None) -> None:
        self.paused = True


async def socks_flow(
    socks: tuple[str, int] | list[Any],
    ue: str,
    app: str,
    port: int,
    protocol: Callable[[], asyncio.Protocol],
) -> asyncio.Transport:
    """A TCP flow through meclab's SOCKS5 entry as terminal ``ue`` to ``app:port``, handed to
    ``protocol`` once connected: greeting, login and CONNECT sent at once (one round trip),
    so a thousand flows open quickly. OSError when the relay refuses."""
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection(*socks)
    user, name = ue.encode(), app.encode()
    writer.write(b"\x05\x01\x02\x01" + bytes([len(user)]) + user + b"\x00")
    writer.write(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack("!H", port))
    reply = await reader.readexactly(2 + 2 + 10)
    if reply[3] != 0 or reply[5] != 0:  # the login's status, the CONNECT's reply
        writer.transport.abort()
        raise OSError(f"SOCKS5 refused {ue} -> {app}:{port}: {reply!r}")
    sock = writer.transport.get_extra_info("socket").dup()
    writer.transport.abort()
    transport, _ = await loop.connect_accepted_socket(protocol, sock=sock)
    return transport  # type: ignore[return-value]


class _Process:
    """A server process started pinned to :data:`SERVER_CPU`, on a free port, with a working
    directory of its own; stopped with SIGINT on exit, its directory removed."""

    process: subprocess.Popen[bytes]

    def __init__(self, prefix: str) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix=prefix))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def _start(self, args: list[str], log: Path) -> None:
        core = cpu(SERVER_CPU)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                args,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=lambda: os.sched_setaffinity(0, {core}),
            )
        self.log = log

    def wait_ready(self, path: str, trust: Callable[[], ssl.SSLContext] | None = None) -> None:
        """Return once ``path`` answers 200; over TLS verified with ``trust()`` if given."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')}")
            try:
                verify = trust() if trust is not None else True
                if httpx.get(self.base + path, timeout=5.0, verify=verify).status_code == 200:
                    return
            except (httpx.TransportError, OSError):  # OSError: the server's CA is not made yet
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.base}{path} did not answer in {START_TIMEOUT_S} s")

    @property
    def pid(self) -> int:
        return self.process.pid

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


class MeclabUp(_Process):
    """``meclab up SCENARIO`` in its own process, as a user starts it, on free ports.

    ``scenario``: a document (written to a file) or what ``meclab up`` takes as argument
    (``generate:...``, ``default``). The data plane's entry points get free ports.
    ``secure``: ``meclab up --secure``, served over HTTPS from the local CA in its data dir
    (:attr:`ca`; :meth:`trust` verifies against it), its operator secret there too; with
    ``tls`` False, ``--secure --no-tls`` (plain HTTP, tokens and limits on).
    """

    def __init__(
        self,
        scenario: dict[str, Any] | str,
        *extra: str,
        dataplane: bool = True,
        secure: bool = False,
        tls: bool = True,
    ) -> None:
        super().__init__("meclab-bench-")
        self.secure = secure
        self.tls = secure and tls
        self.data_dir = self.workdir / "data"
        self.ca = self.data_dir / "security" / "ca" / "ca.pem"
        """The local CA's certificate (secure mode), made by meclab at its first start."""
        self.operator_secret_file = self.data_dir / "security" / "operator.secret"
        if secure:
            extra = ("--secure", *extra) if tls else ("--secure", "--no-tls", *extra)
        if self.tls:
            self.base = f"https://127.0.0.1:{self.port}"
        if isinstance(scenario, dict):
            path = self.workdir / "scenario.json"
            path.write_text(json.dumps(scenario))
            scenario = str(path)
        plane = (
            ["--socks-port", "0", "--dns-port", "0", "--toxiproxy-port", "0"]
            if dataplane
            else ["--no-dataplane"]
        )
        args = [sys.executable, "-m", "meclab", "up", scenario, "--port", str(self.port)]
        args += ["--data-dir", str(self.data_dir), *plane, *extra]
        self._start(args, self.workdir / "meclab.log")

    def trust(self) -> ssl.SSLContext:
        """A client TLS context trusting this server's CA (secure mode)."""
        return ssl.create_default_context(cafile=str(self.ca))

    def __enter__(self) -> MeclabUp:
        try:
            if self.secure:
                # The control API wants the operator's token; the API docs answer anyone.
                self.wait_ready("/openapi.json", self.trust if self.tls else None)
            else:
                self.wait_ready("/meclab/v1/world")
        except BaseException:
            # A with statement calls __exit__ only after __enter__ returned: stop it here.
            self.__exit__(None, None, None)
            raise
        return self


class BareStarlette(_Process):
    """``bench/_bare.py``: a bare Starlette app answering fixed JSON bodies by path, under
    uvicorn with meclab's server options, in its own process on the server core.

    ``bodies``: path (with query) -> JSON document, e.g. what meclab answered for it.
    """

    def __init__(self, bodies: dict[str, Any]) -> None:
        super().__init__("meclab-bare-")
        path = self.workdir / "bodies.json"
        path.write_text(json.dumps(bodies))
        bare = Path(__file__).with_name("_bare.py")
        args = [sys.executable, str(bare), str(self.port), str(path)]
        self._start(args, self.workdir / "bare.log")
        self.first = next(iter(bodies))

    def __enter__(self) -> BareStarlette:
        self.wait_ready(self.first)
        return self


WRK_CONNECTIONS = 32


def need_wrk() -> None:
    """Exit naming the Debian packages when wrk or taskset is missing."""
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("this benchmark needs wrk and taskset (Debian: apt install wrk util-linux)")


def wrk(
    url: str,
    seconds: float,
    connections: int = WRK_CONNECTIONS,
    headers: tuple[str, ...] = (),
) -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms of wrk's keep-alive connections, from the client core.

    ``headers``: ``"Name: value"`` header fields sent with every request (wrk ``-H``).
    """
    cmd = ["taskset", "-c", str(cpu(SERVER_CPU + 1)), "wrk", "-t1", f"-c{connections}"]
    cmd += [f"-d{seconds:g}s", "--latency", *(a for h in headers for a in ("-H", h)), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    if re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"wrk got errors from {url}:\n{out}")

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    return rate, pct("50"), pct("99")


async def sequential_ms(url: str, count: int) -> list[float]:
    """Latencies (ms, sorted) of ``count`` GETs one after the other on one aiohttp session,
    that is one keep-alive connection, as SDKs and ``requests.Session`` use it."""
    import aiohttp

    out: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(count + 1):
            started = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url}: {response.status}")
            out.append((time.perf_counter() - started) * 1e3)
    return sorted(out[1:])  # the first one opens the connection


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` sorted ascending."""
    return values[min(len(values) - 1, int(q * len(values)))]


DEPLOYMENTS = "/meclab/v1/deployments"
"""meclab's control API for deployed instances."""


def onboard(base: str, workdir: Path, package: Path) -> str:
    """Build and onboard the package in folder ``package`` with the CLI, as a user does; its
    appDId."""
    meclab = [sys.executable, "-m", "meclab", "app"]
    archive = workdir / f"{package.name}.zip"
    subprocess.run([*meclab, "package", str(package), "--out", str(archive)], check=True)
    out = subprocess.run(
        [*meclab, "onboard", str(archive), "--url", base],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(out.strip())
    return str(yaml.safe_load((package / "appd.yaml").read_text())["appDId"])


async def deploy(
    session: aiohttp.ClientSession, base: str, app_d_id: str, host: str
) -> dict[str, Any]:
    """One instantiation followed to its end: the deployment, its operation, the request time."""
    requested = time.time()
    async with session.post(
        base + DEPLOYMENTS, json={"app_d_id": app_d_id, "host": host}
    ) as response:
        started = await response.json()
        if response.status != 202:
            raise RuntimeError(f"deploy refused ({response.status}): {started}")
    url = base + started["operation_url"]
    while True:
        async with session.get(url) as response:
            op = await response.json()
        if op["state"] in ("COMPLETED", "FAILED", "FAILED_TEMP"):
            break
        await asyncio.sleep(0.005)
    if op["state"] != "COMPLETED":
        raise RuntimeError(f"instantiation {op['state']}: {op.get('error')}")
    return {"deployment": started["deployment"], "op": op, "requested": requested}
