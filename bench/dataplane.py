"""Data-plane benchmark: what the relay costs and how exactly it shapes, in one run.

    python bench/dataplane.py            # about a minute
    python bench/dataplane.py --quick    # fewer samples, shorter runs

The relay is ``meclab up`` as users start it (its own process, pinned to one core; its event
loop is uvloop where installed); clients and servers run in a worker subprocess
(``--worker``) on the other core, as real applications would beside it. Clients reach the
servers either directly or through the relay's SOCKS5 entry as UE ``ue-1``; the path's network
characteristics are set on its cell between measurements through the control API
(``POST /meclab/v1/events``), over one keep-alive aiohttp session. Figures:

1. unshaped single-flow throughput through the relay vs direct (goal >= 0.4 of direct);
2. added latency p50/p99 at zero configured delay (goal p50 < 100 µs);
3. delay accuracy at 5, 20 and 100 ms one way (goal p50 within ±1 ms, p99 within +3 ms):
   one-way delays, timestamped by the sender and read by the receiver on the same clock;
4. rate accuracy at 1, 10, 100 and 1000 Mbit/s (goal within ±5 %), downloads;
5. 1000 concurrent flows sharing one cell's capacity: aggregate throughput and the relay's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from _common import SERVER_CPU, MeclabUp, StreamSource, cpu_seconds, pin, socks_flow

CHUNK = 256 * 1024
RATES = ("throughput_dl_mbps", "throughput_ul_mbps")

# --- the worker: servers and clients ---------------------------------------------------------


def _serve(handler: Any) -> int:
    """A threaded TCP server on the loopback; returns its port."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=4096)

    def accept() -> None:
        while True:
            conn, _ = listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return int(listener.getsockname()[1])


def _sink(conn: socket.socket) -> None:
    """Read until EOF, then answer the byte count."""
    buf = bytearray(CHUNK)
    total = 0
    with conn:
        while n := conn.recv_into(buf):
            total += n
        conn.sendall(struct.pack("!Q", total))


def _echo(conn: socket.socket) -> None:
    with conn, contextlib.suppress(OSError):
        while data := conn.recv(65536):
            conn.sendall(data)


def _stamps(conn: socket.socket) -> None:
    """Read 16-byte messages (seq, send time) and answer each one-way delay in 8 bytes."""
    with conn, contextlib.suppress(OSError):
        pending = b""
        while data := conn.recv(65536):
            now = time.monotonic()
            pending += data
            while len(pending) >= 16:
                _, sent = struct.unpack("!Qd", pending[:16])
                pending = pending[16:]
                conn.sendall(struct.pack("!d", now - sent))


def _source(conn: socket.socket) -> None:
    block = b"\0" * CHUNK
    with conn, contextlib.suppress(OSError):
        while True:
            conn.sendall(block)


def _connect(via: dict[str, Any], port: int) -> socket.socket:
    """A connection to the worker's server on ``port``, directly or through SOCKS5."""
    if via["mode"] == "direct":
        sock = socket.create_connection(("127.0.0.1", port))
    else:
        sock = socket.create_connection(tuple(via["socks"]))
        user = via["ue"].encode()
        sock.sendall(b"\x05\x01\x02")
        assert sock.recv(2) == b"\x05\x02"
        sock.sendall(b"\x01" + bytes([len(user)]) + user + b"\x00")
        assert sock.recv(2) == b"\x01\x00"
        name = via["apps"][str(port)].encode()
        sock.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack("!H", port))
        reply = _recv_exactly(sock, 10)
        if reply[1] != 0:
            raise OSError(f"SOCKS5 reply {reply[1]}")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        more = sock.recv(n - len(out))
        if not more:
            raise ConnectionError("closed")
        out += more
    return out


def _throughput(via: dict[str, Any], port: int, total: int) -> dict[str, float]:
    block = b"\1" * CHUNK
    sock = _connect(via, port)
    started = time.perf_counter()
    sent = 0
    while sent < total:
        sock.sendall(block)
        sent += len(block)
    sock.shutdown(socket.SHUT_WR)
    (got,) = struct.unpack("!Q", _recv_exactly(sock, 8))
    elapsed = time.perf_counter() - started
    sock.close()
    return {"seconds": elapsed, "bytes": got}


def _rtts(via: dict[str, Any], port: int, count: int) -> list[float]:
    sock = _connect(via, port)
    out = []
    message = b"x" * 32
    for _ in range(count):
        started = time.perf_counter()
        sock.sendall(message)
        _recv_exactly(sock, 32)
        out.append(time.perf_counter() - started)
    sock.close()
    return out


def _one_way(via: dict[str, Any], port: int, count: int, gap_s: float) -> list[float]:
    sock = _connect(via, port)
    out = []
    for seq in range(count):
        sock.sendall(struct.pack("!Qd", seq, time.monotonic()))
        (delay,) = struct.unpack("!d", _recv_exactly(sock, 8))
        out.append(delay)
        time.sleep(gap_s)
    sock.close()
    return out


def _download(via: dict[str, Any], port: int, seconds: float) -> dict[str, float]:
    sock = _connect(via, port)
    buf = bytearray(CHUNK)
    sock.recv_into(buf, 1)
    started = time.perf_counter()
    total = 0
    while (elapsed := time.perf_counter() - started) < seconds:
        total += sock.recv_into(buf)
    sock.close()
    return {"seconds": elapsed, "bytes": total}


async def _many(via: dict[str, Any], port: int, flows: int, seconds: float) -> dict[str, float]:
    counts = [0] * flows

    class Reader(asyncio.Protocol):
        def __init__(self, i: int) -> None:
            self.i = i

        def data_received(self, data: bytes) -> None:
            counts[self.i] += len(data)

    socks = tuple(via["socks"])
    name, ue = via["apps"][str(port)], via["ue"]

    async def one(i: int) -> asyncio.Transport:
        return await socks_flow(socks, ue, name, port, lambda: Reader(i))

    transports = []
    for start in range(0, flows, 100):  # the backlog takes 100 at a time comfortably
        transports += await asyncio.gather(*(one(i) for i in range(start, min(flows, start + 100))))
    await asyncio.sleep(1.0)  # past slow start of the queues
    before = sum(counts)
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    total = sum(counts) - before
    elapsed = time.perf_counter() - started
    cpu = (time.process_time() - cpu) / elapsed
    for t in transports:
        t.abort()
    return {"seconds": elapsed, "bytes": total, "flows": flows, "worker_cpu": cpu}


def worker() -> None:
    """Serve and measure on commands read from stdin, one JSON per line."""
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    async def start_many() -> int:
        server = await loop.create_server(StreamSource, "127.0.0.1", 0, backlog=4096)
        return int(server.sockets[0].getsockname()[1])

    many_port = asyncio.run_coroutine_threadsafe(start_many(), loop).result()
    ports = {
        "sink": _serve(_sink),
        "echo": _serve(_echo),
        "stamps": _serve(_stamps),
        "source": _serve(_source),
        "many": many_port,
    }
    print(json.dumps(ports), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        via, port = cmd["via"], cmd["port"]
        kind = cmd["cmd"]
        if kind == "throughput":
            result: Any = _throughput(via, port, cmd["bytes"])
        elif kind == "rtt":
            result = _rtts(via, port, cmd["count"])
        elif kind == "oneway":
            result = _one_way(via, port, cmd["count"], cmd["gap_s"])
        elif kind == "download":
            result = _download(via, port, cmd["seconds"])
        else:
            future = asyncio.run_coroutine_threadsafe(
                _many(via, port, cmd["flows"], cmd["seconds"]), loop
            )
            result = future.result()
        print(json.dumps(result), flush=True)


# --- the relay side --------------------------------------------------------------------------


def scenario(ports: dict[str, int]) -> dict[str, Any]:
    apps = [
        {"name": name, "endpoint": f"127.0.0.1:{port}", "netchar": {}}
        for name, port in ports.items()
    ]
    return {
        "meclab": 1,
        "name": "bench",
        "seed": 1,
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "zones": [
                    {
                        "name": "zone",
                        "mec_hosts": [{"name": "mec", "position": [0.0, 0.0005], "apps": apps}],
                        "poas": [
                            {
                                "name": "cell",
                                "type": "5G",
                                "cell_id": "0x1",
                                "position": [0.0, 0.0],
                                "radius_m": 500.0,
                            }
                        ],
                    }
                ],
                "terminals": [{"name": "ue-1", "address": "acr:10.0.0.1", "path": [[0.0, 0.0]]}],
            }
        ],
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(label: str, value: str, goal: str, ok: bool | None) -> None:
    mark = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"  {label:<44} {value:<34} goal {goal}{mark}")


async def main(quick: bool) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=64 * 1024 * 1024,  # samples come back as one JSON line
    )
    assert proc.stdout is not None and proc.stdin is not None
    ports = json.loads(await proc.stdout.readline())

    async def ask(**cmd: Any) -> Any:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(cmd).encode() + b"\n")
        await proc.stdin.drain()
        return json.loads(await proc.stdout.readline())

    with MeclabUp(scenario(ports)) as meclab, contextlib.closing(proc.stdin):
        async with aiohttp.ClientSession() as control:
            await measure(quick, meclab, control, ports, ask)
    proc.kill()
    await proc.wait()


async def measure(
    quick: bool,
    meclab: MeclabUp,
    control: aiohttp.ClientSession,
    ports: dict[str, int],
    ask: Callable[..., Awaitable[Any]],
) -> None:
    async with control.get(f"{meclab.base}/meclab/v1/dataplane") as response:
        socks = (await response.json())["socks5"]
    host, _, sport = socks.rpartition(":")
    apps = {str(port): name for name, port in ports.items()}
    direct = {"mode": "direct"}
    relay = {"mode": "socks", "socks": [host, int(sport)], "ue": "ue-1", "apps": apps}

    async def netchar(**values: Any) -> None:
        change: dict[str, Any] = {"latency_ms": 0.0, "jitter_ms": 0.0, "loss_pct": 0.0, **values}
        change["unlimited"] = [k for k in RATES if k not in values]
        command = {"type": "netchar", "element": "cell", "netchar": change}
        async with control.post(f"{meclab.base}/meclab/v1/events", json=command) as response:
            if response.status >= 300:
                raise SystemExit(f"netchar {values}: {response.status} {await response.text()}")

    loop_name = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(
        f"meclab data plane benchmark (meclab up on a {loop_name} loop, {os.cpu_count()} cores)\n"
    )

    # 1. throughput
    volume = (512 if quick else 1024) * 1024 * 1024
    await netchar()
    d_gbps = r_gbps = 0.0
    for _ in range(3):  # alternate, keep the best of each: other processes share the cores
        d = await ask(cmd="throughput", via=direct, port=ports["sink"], bytes=volume)
        r = await ask(cmd="throughput", via=relay, port=ports["sink"], bytes=volume)
        d_gbps = max(d_gbps, d["bytes"] * 8 / d["seconds"] / 1e9)
        r_gbps = max(r_gbps, r["bytes"] * 8 / r["seconds"] / 1e9)
    print("1. unshaped single-flow throughput (best of 3 runs each)")
    line("direct", f"{d_gbps:.2f} Gbit/s", "", None)
    line(
        "through the relay",
        f"{r_gbps:.2f} Gbit/s ({r_gbps / d_gbps:.2f} of direct)",
        ">= 0.4",
        r_gbps / d_gbps >= 0.4,
    )

    # 2. added latency at zero delay
    n = 1000 if quick else 5000
    d_rtt = await ask(cmd="rtt", via=direct, port=ports["echo"], count=n)
    r_rtt = await ask(cmd="rtt", via=relay, port=ports["echo"], count=n)
    add50 = (pct(r_rtt, 0.5) - pct(d_rtt, 0.5)) * 1e6
    add99 = (pct(r_rtt, 0.99) - pct(d_rtt, 0.99)) * 1e6
    print("\n2. added latency at zero configured delay (echo round trip, relay minus direct)")
    line(
        "direct RTT p50 / p99",
        f"{pct(d_rtt, 0.5) * 1e6:.0f} / {pct(d_rtt, 0.99) * 1e6:.0f} µs",
        "",
        None,
    )
    line("added p50 / p99", f"{add50:.0f} / {add99:.0f} µs", "p50 < 100 µs", add50 < 100)

    # 3. delay accuracy
    print("\n3. delay accuracy (one-way, measured minus configured)")
    count = 200 if quick else 600
    for ms in (5, 20, 100):
        await netchar(latency_ms=float(ms))
        gap = 0.002 if ms < 100 else 0.0
        samples = await ask(
            cmd="oneway",
            via=relay,
            port=ports["stamps"],
            count=count if ms < 100 else count // 3,
            gap_s=gap,
        )
        errors = [(s - ms / 1000) * 1000 for s in samples]
        e50, e99 = pct(errors, 0.5), pct(errors, 0.99)
        line(
            f"{ms} ms configured: error p50 / p99",
            f"{e50:+.2f} / {e99:+.2f} ms",
            "p50 ±1 ms, p99 +3 ms",
            abs(e50) <= 1.0 and e99 <= 3.0,
        )

    # 4. rate accuracy
    print("\n4. rate accuracy (download, measured over the run)")
    seconds = 1.5 if quick else 3.0
    for mbps in (1, 10, 100, 1000):
        await netchar(throughput_dl_mbps=float(mbps), throughput_ul_mbps=float(mbps))
        got = await ask(cmd="download", via=relay, port=ports["source"], seconds=seconds)
        measured = got["bytes"] * 8 / got["seconds"] / 1e6
        error = measured / mbps - 1
        line(
            f"{mbps} Mbit/s configured",
            f"{measured:.2f} Mbit/s ({error:+.1%})",
            "±5 %",
            abs(error) <= 0.05,
        )

    # 5. many flows
    flows = 1000
    per_flow = 1.0
    # the cell's capacity is shared by its flows (meclab.dataplane.capacity): 1 Mbit/s each
    cell = flows * per_flow
    await netchar(latency_ms=10.0, throughput_dl_mbps=cell, throughput_ul_mbps=cell)
    cpu0, wall0 = cpu_seconds(meclab.pid), time.perf_counter()
    got = await ask(
        cmd="many", via=relay, port=ports["many"], flows=flows, seconds=5.0 if not quick else 3.0
    )
    cpu = (cpu_seconds(meclab.pid) - cpu0) / (time.perf_counter() - wall0)
    aggregate = got["bytes"] * 8 / got["seconds"] / 1e6
    print(
        f"\n5. {flows} concurrent flows sharing a {cell:g} Mbit/s cell ({per_flow:g} Mbit/s "
        "each) at 10 ms"
    )
    line(
        "aggregate throughput",
        f"{aggregate:.0f} Mbit/s ({aggregate / (flows * per_flow):.0%} of {flows * per_flow:.0f})",
        "report",
        None,
    )
    line("relay CPU (whole run, with 1000 SOCKS5 setups)", f"{cpu:.0%} of one core", "report", None)
    worker_cpu = got["worker_cpu"]
    line("client+server CPU (worker, steady state)", f"{worker_cpu:.0%} of one core", "", None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter runs")
    args = parser.parse_args()
    if args.worker:
        pin(SERVER_CPU + 1)
        worker()
    else:
        asyncio.run(main(args.quick))
