"""Bandwidth benchmark: shared cell capacity and BWM allocations in the relay, in one run.

    python bench/bandwidth.py            # about two minutes
    python bench/bandwidth.py --quick    # shorter windows

``meclab up`` runs as users start it (its own process, pinned to one core); the clients and a
download server run in a worker subprocess (``--worker``) on the other core. Every flow is a
download through the relay's SOCKS5 entry, each as its own terminal, from the server (the
scenario's application ``source``), so each cell's downlink is what the flows share. Figures:

1. share accuracy: 8 backlogged flows in one 40 Mbit/s cell get 5 Mbit/s each; with a BWM
   allocation of 15 Mbit/s for one of them (session-level, downlink), that one gets 15 and the
   others share the remaining 25 (goal: every flow within ±5 % of its share);
2. reaction: from the allocation request (the POST sent) to the open flow's new rate, measured
   at the client as the first 50 ms in which it received at least 90 % of its new rate (goal:
   within one tick, 100 ms at meclab up's 10 Hz);
3. the relay's CPU per Gbit/s delivered with 1,000 flows, 100 in each of 10 cells, each flow
   getting 0.25 Mbit/s: by sharing (each cell's capacity divided among its flows) vs the
   independent shaping meclab did before (``meclab up --no-shared-capacity``: each flow shaped
   alone by its path, whose bottleneck is the terminal's own 0.25 Mbit/s), the same total,
   in the same run, once the flows' total has settled within 5 % of it (how long that took,
   and the highest total on the way, are reported) (goal: sharing costs at most 1.3 x).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from _common import SERVER_CPU, MeclabUp, StreamSource, cpu_seconds, pin, socks_flow

TICK_S = 0.1
"""meclab up's tick (10 Hz): the goal for the reaction."""
SHARE_CELL_MBPS = 40.0
SHARE_FLOWS = 8
GUARANTEE_MBPS = 15.0
MANY_CELLS = 10
MANY_PER_CELL = 100
PER_FLOW_MBPS = 0.25
WINDOW_S = 0.05
SETTLE_LIMIT_S = 30.0
"""Part 3 measures once the 1,000 flows' total is within 5 % of its target (1 s windows), or
after this long."""
"""The reaction's resolution: the client's bytes are read per window of this length."""

# --- the worker: a download server, and flows through SOCKS5 ---------------------------------


class _Flow(asyncio.Protocol):
    """A download's client side: counts what arrives, with its arrival times when traced."""

    def __init__(self) -> None:
        self.received = 0
        self.trace: list[tuple[float, int]] | None = None

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        if self.trace is not None:
            self.trace.append((time.monotonic(), self.received))


class Worker:
    """Flows kept open between commands, on an event loop of their own."""

    def __init__(self) -> None:
        self.flows: list[tuple[asyncio.Transport, _Flow]] = []

    async def open(self, socks: list[Any], app: str, port: int, ues: list[str]) -> int:
        async def one(ue: str) -> tuple[asyncio.Transport, _Flow]:
            flow = _Flow()
            return await socks_flow(socks, ue, app, port, lambda: flow), flow

        for start in range(0, len(ues), 100):  # the listener's backlog takes 100 comfortably
            batch = ues[start : start + 100]
            self.flows += await asyncio.gather(*(one(ue) for ue in batch))
        return len(self.flows)

    async def rates(self, seconds: float) -> dict[str, Any]:
        """Each flow's throughput (bit/s) over the next ``seconds``, and the worker's CPU."""
        before = [f.received for _, f in self.flows]
        started, cpu = time.monotonic(), time.process_time()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        rates = [
            (f.received - b) * 8 / elapsed for (_, f), b in zip(self.flows, before, strict=True)
        ]
        return {"bps": rates, "worker_cpu": (time.process_time() - cpu) / elapsed}

    async def trace(self, index: int, seconds: float) -> list[tuple[float, int]]:
        """Flow ``index``'s arrivals over the next ``seconds``: (monotonic time, bytes so far)."""
        flow = self.flows[index][1]
        flow.trace = [(time.monotonic(), flow.received)]
        await asyncio.sleep(seconds)
        trace, flow.trace = flow.trace, None
        return trace

    async def close(self) -> int:
        for transport, _ in self.flows:
            transport.abort()
        self.flows.clear()
        return 0


def worker() -> None:
    """Serve downloads and run flows on commands read from stdin, one JSON per line."""
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    async def serve() -> int:
        server = await loop.create_server(StreamSource, "127.0.0.1", 0, backlog=4096)
        return int(server.sockets[0].getsockname()[1])

    print(json.dumps({"source": asyncio.run_coroutine_threadsafe(serve(), loop).result()}))
    sys.stdout.flush()
    flows = Worker()
    for line in sys.stdin:
        cmd = json.loads(line)
        kind = cmd.pop("cmd")
        call = {"open": flows.open, "rates": flows.rates, "trace": flows.trace}.get(kind)
        coroutine = call(**cmd) if call is not None else flows.close()
        print(json.dumps(asyncio.run_coroutine_threadsafe(coroutine, loop).result()), flush=True)


# --- scenarios ---------------------------------------------------------------------------------


def world(
    source_port: int, cells: int, per_cell: int, cell_mbps: float | None, ue_mbps: float | None
) -> dict[str, Any]:
    """``cells`` cells of one zone, 2 km apart, each with ``per_cell`` terminals beside it; the
    download server as application ``source`` on the zone's MEC host."""
    poas, terminals = [], []
    for c in range(cells):
        lon = c * 0.02
        netchar = {} if cell_mbps is None else {"throughput_dl_mbps": cell_mbps}
        poas.append(
            {
                "name": f"cell-{c}",
                "type": "4G",
                "cell_id": hex(c + 1),
                "position": [lon, 0.0],
                "radius_m": 500.0,
                "netchar": {"latency_ms": 2.0, **netchar},
            }
        )
        for u in range(per_cell):
            n = c * per_cell + u
            own = {} if ue_mbps is None else {"netchar": {"throughput_dl_mbps": ue_mbps}}
            terminals.append(
                {
                    "name": f"ue-{n}",
                    "address": f"acr:10.{n // 65536}.{n // 256 % 256}.{n % 256 + 1}",
                    "path": [[lon, 0.0001]],
                    **own,
                }
            )
    source = {"name": "source", "address": "10.200.0.1", "endpoint": f"127.0.0.1:{source_port}"}
    host = {"name": "mec", "position": [0.0, 0.0005], "apps": [source]}
    zone = {"name": "zone", "mec_hosts": [host], "poas": poas}
    domain = {"name": "op", "mcc": "001", "mnc": "01", "zones": [zone], "terminals": terminals}
    return {"meclab": 1, "name": "bandwidth-bench", "seed": 1, "domains": [domain]}


# --- the measurements --------------------------------------------------------------------------


def line(label: str, value: str, goal: str, ok: bool | None) -> None:
    mark = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"  {label:<46} {value:<34} goal {goal}{mark}", flush=True)


Ask = Callable[..., Awaitable[Any]]


async def socks_of(meclab: MeclabUp, control: aiohttp.ClientSession) -> list[Any]:
    async with control.get(f"{meclab.base}/meclab/v1/dataplane") as response:
        host, _, port = (await response.json())["socks5"].rpartition(":")
    return [host, int(port)]


async def instance_id(meclab: MeclabUp, control: aiohttp.ClientSession, app: str) -> str:
    """The appInstanceId of scenario application ``app``, from the control API."""
    async with control.get(f"{meclab.base}/meclab/v1/apps") as response:
        for candidate in await response.json():
            if candidate["name"] == app and candidate["app_instance_id"]:
                return str(candidate["app_instance_id"])
    raise SystemExit(f"no application instance {app!r} in GET /meclab/v1/apps")


async def shares(quick: bool, ask: Ask, source_port: int) -> None:
    scenario = world(source_port, 1, SHARE_FLOWS, SHARE_CELL_MBPS, None)
    window = 1.5 if quick else 3.0
    with MeclabUp(scenario) as meclab:
        async with aiohttp.ClientSession() as control:
            socks = await socks_of(meclab, control)
            ues = [f"ue-{n}" for n in range(SHARE_FLOWS)]
            await ask(cmd="open", socks=socks, app="source", port=source_port, ues=ues)
            await asyncio.sleep(1.0)  # past the queues' start
            fair = SHARE_CELL_MBPS / SHARE_FLOWS
            got = [r / 1e6 for r in (await ask(cmd="rates", seconds=window))["bps"]]
            worst = max(abs(r / fair - 1) for r in got)
            print(f"1. share accuracy: {SHARE_FLOWS} flows in one {SHARE_CELL_MBPS:g} Mbit/s cell")
            line(
                f"fair share {fair:g} Mbit/s: per flow",
                f"{min(got):.2f} to {max(got):.2f} Mbit/s (worst {worst:+.1%})",
                "±5 %",
                worst <= 0.05,
            )

            body = {
                "appInsId": await instance_id(meclab, control, "source"),
                "requestType": 1,
                # the downlink of the session ue-0 opened to the source: to the terminal
                "sessionFilter": [{"sourceIp": "10.200.0.1", "dstAddress": "10.0.0.1"}],
                "fixedAllocation": str(int(GUARANTEE_MBPS * 1e6)),
                "allocationDirection": "00",
            }
            tracing = asyncio.create_task(ask(cmd="trace", index=0, seconds=1.0))
            await asyncio.sleep(0.2)  # the trace has started
            asked = time.monotonic()
            async with control.post(f"{meclab.base}/bwm/v1/bw_allocations", json=body) as answer:
                if answer.status != 201:
                    raise SystemExit(f"allocation refused: {answer.status} {await answer.text()}")
            trace = await tracing
            reaction = reaction_s(trace, asked, GUARANTEE_MBPS * 1e6)
            got = [r / 1e6 for r in (await ask(cmd="rates", seconds=window))["bps"]]
            rest = (SHARE_CELL_MBPS - GUARANTEE_MBPS) / (SHARE_FLOWS - 1)
            wanted = [GUARANTEE_MBPS] + [rest] * (SHARE_FLOWS - 1)
            errors = [r / w - 1 for r, w in zip(got, wanted, strict=True)]
            line(
                f"allocated flow ({GUARANTEE_MBPS:g} Mbit/s)",
                f"{got[0]:.2f} Mbit/s ({errors[0]:+.1%})",
                "±5 %",
                abs(errors[0]) <= 0.05,
            )
            worst = max(abs(e) for e in errors[1:])
            line(
                f"the others ({rest:.2f} Mbit/s each)",
                f"{min(got[1:]):.2f} to {max(got[1:]):.2f} (worst {worst:+.1%})",
                "±5 %",
                worst <= 0.05,
            )
            print("\n2. reaction: allocation request to the flow's new rate")
            line(
                "request sent to 90 % of the new rate",
                "never (in 0.8 s)" if reaction is None else f"{reaction * 1000:.0f} ms",
                f"<= one tick ({TICK_S * 1000:.0f} ms)",
                reaction is not None and reaction <= TICK_S,
            )
            await ask(cmd="close")


def reaction_s(trace: list[tuple[float, int]], asked: float, bps: float) -> float | None:
    """Seconds from ``asked`` to the start of the first :data:`WINDOW_S` window (starting at an
    arrival) in which the flow received at least 90 % of ``bps``."""
    need = 0.9 * bps * WINDOW_S / 8
    j = 0
    for i, (t, received) in enumerate(trace):
        if t < asked:
            continue
        j = max(j, i)
        while j < len(trace) and trace[j][0] < t + WINDOW_S:
            j += 1
        if j == len(trace):
            return None  # the trace ends before the window does
        if trace[j - 1][1] - received >= need:
            return t - asked
    return None


async def cpu_per_gbps(
    ask: Ask, source_port: int, seconds: float, shared: bool
) -> dict[str, float]:
    cell = PER_FLOW_MBPS * MANY_PER_CELL if shared else None
    ue = None if shared else PER_FLOW_MBPS
    scenario = world(source_port, MANY_CELLS, MANY_PER_CELL, cell, ue)
    with MeclabUp(scenario, *(() if shared else ("--no-shared-capacity",))) as meclab:
        async with aiohttp.ClientSession() as control:
            socks = await socks_of(meclab, control)
            ues = [f"ue-{n}" for n in range(MANY_CELLS * MANY_PER_CELL)]
            await ask(cmd="open", socks=socks, app="source", port=source_port, ues=ues)
            opened = time.monotonic()
            target = len(ues) * PER_FLOW_MBPS * 1e6
            peak = 0.0
            while time.monotonic() - opened < SETTLE_LIMIT_S:  # until the rates have settled
                total = sum((await ask(cmd="rates", seconds=1.0))["bps"])
                peak = max(peak, total)
                if abs(total / target - 1) <= 0.05:
                    break
            settled = time.monotonic() - opened
            cpu0, wall0 = cpu_seconds(meclab.pid), time.monotonic()
            got = await ask(cmd="rates", seconds=seconds)
            cpu = (cpu_seconds(meclab.pid) - cpu0) / (time.monotonic() - wall0)
            await ask(cmd="close")
    gbps = sum(got["bps"]) / 1e9
    per_flow = [r / 1e6 for r in got["bps"]]
    return {
        "cpu": cpu,
        "gbps": gbps,
        "min": min(per_flow),
        "max": max(per_flow),
        "settled_s": settled,
        "peak_ratio": peak / target,
    }


async def main(quick: bool) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=64 * 1024 * 1024,
    )
    assert proc.stdout is not None and proc.stdin is not None
    source_port = json.loads(await proc.stdout.readline())["source"]

    async def ask(**cmd: Any) -> Any:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(cmd).encode() + b"\n")
        await proc.stdin.drain()
        return json.loads(await proc.stdout.readline())

    print(f"meclab bandwidth benchmark ({os.cpu_count()} cores)\n", flush=True)
    try:
        await shares(quick, ask, source_port)
        seconds = 3.0 if quick else 6.0
        flows = MANY_CELLS * MANY_PER_CELL
        print(
            f"\n3. relay CPU with {flows} flows of {PER_FLOW_MBPS:g} Mbit/s "
            f"({MANY_CELLS} cells of {MANY_PER_CELL})"
        )
        alone = await cpu_per_gbps(ask, source_port, seconds, shared=False)
        shared = await cpu_per_gbps(ask, source_port, seconds, shared=True)
        runs = (("independent (--no-shared-capacity)", alone), ("shared cells", shared))
        for label, run in runs:
            line(
                label,
                f"{run['cpu'] / run['gbps']:.2f} core/Gbit/s ({run['gbps'] * 1000:.0f} Mbit/s,"
                f" {run['min']:.2f}-{run['max']:.2f} per flow)",
                "",
                None,
            )
        for label, run in (
            ("independent: settled after", alone),
            ("shared cells: settled after", shared),
        ):
            line(
                label,
                f"{run['settled_s']:.1f} s (peak {run['peak_ratio']:.2f} x the target total)",
                "report",
                None,
            )
        ratio = (shared["cpu"] / shared["gbps"]) / (alone["cpu"] / alone["gbps"])
        line("sharing / independent, CPU per Gbit/s", f"{ratio:.2f} x", "<= 1.3 x", ratio <= 1.3)
    finally:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.close()
        proc.kill()
        await proc.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="shorter windows")
    args = parser.parse_args()
    if args.worker:
        pin(SERVER_CPU + 1)
        worker()
    else:
        asyncio.run(main(args.quick))
