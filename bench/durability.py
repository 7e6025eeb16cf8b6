"""What surviving a crash costs: the runtime's tick with its history, and notification delivery
with its durable outbox.

    python bench/durability.py ticks [--ues 100000 --cells 1000 --ticks 50]
    python bench/durability.py delivery [--notifications 20000 --subscribers 100]

**ticks**: a generated city on a SQLite file, ticked as ``meclab up --speed 10`` ticks it (one
simulation second per tick); prints the tick's cost (``Runtime.tick``: step, history and
publication), a checkpoint's cost and how long a restart takes to resume.

**delivery**: a Notifier sending to subscribers on a receiver process pinned to the other core,
once without a store (nothing survives a crash) and once with its outbox in SQLite; prints both
rates and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import free_port, pin, wait_port


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(p * len(ordered)) - 1)]


async def _ticks(ues: int, cells: int, ticks: int) -> None:
    from meclab.bus.memory import MemoryBus
    from meclab.runtime import Runtime
    from meclab.scenario.generator import generate
    from meclab.store.sqlite import SqliteStore

    scenario = generate(ues=ues, cells=cells, seed=0)
    with tempfile.TemporaryDirectory() as data:
        path = Path(data) / "world.sqlite"
        store = SqliteStore(path)
        runtime = Runtime(store, MemoryBus())
        await runtime.open(scenario)
        # The history's share of a tick, timed apart: the rest is the engine's.
        writes: list[float] = []
        append_events = store.append_events

        async def timed_append(records: Any, **options: Any) -> None:
            started = time.perf_counter()
            await append_events(records, **options)
            writes.append(time.perf_counter() - started)

        store.append_events = timed_append  # type: ignore[method-assign]
        costs, events = [], 0
        for i in range(1, ticks + 1):
            started = time.perf_counter()
            events += len(await runtime.tick(at=float(i)))
            costs.append(time.perf_counter() - started)
        history = writes[:]
        started = time.perf_counter()
        await runtime.checkpoint()
        checkpoint_s = time.perf_counter() - started
        for i in range(ticks + 1, 2 * ticks + 1):  # history after the checkpoint, to replay
            events += len(await runtime.tick(at=float(i)))
        started = time.perf_counter()
        resumed = Runtime(SqliteStore(path), MemoryBus())
        await resumed.open()
        resume_s = time.perf_counter() - started
    print(f"{ues:,} terminals, {cells:,} cells, {ticks} ticks of 1 simulation second")
    print(
        f"  tick: mean {1e3 * statistics.fmean(costs):.1f} ms, p50 "
        f"{1e3 * statistics.median(costs):.1f} ms, p99 {1e3 * _percentile(costs, 0.99):.1f} ms"
        f" ({events / (2 * ticks):.0f} events per tick)"
    )
    print(
        f"  of which the history's write: mean {1e3 * statistics.fmean(history):.2f} ms, "
        f"p50 {1e3 * statistics.median(history):.2f} ms"
    )
    print(f"  checkpoint: {1e3 * checkpoint_s:.1f} ms; restart (open, replay): {resume_s:.2f} s")


def _receive(port: int, ready: Any) -> None:
    """Receiver process: answers every POST with 204 and counts them."""
    from aiohttp import web

    pin(1)
    count = 0

    async def notify(request: web.Request) -> web.Response:
        nonlocal count
        await request.read()
        count += 1
        return web.Response(status=204)

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(count)

    app = web.Application()
    app.router.add_post("/n/{i}", notify)
    app.router.add_get("/stats", stats)
    ready.set()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def _delivery(
    notifications: int, subscribers: int, rport: int, durable: bool
) -> tuple[float, float]:
    """Notifications per second, and CPU seconds (this process) per notification."""
    import httpx

    from meclab.platform.delivery import Notifier
    from meclab.platform.subscription import Subscription
    from meclab.store.sqlite import SqliteStore

    with tempfile.TemporaryDirectory() as data:
        store = SqliteStore(Path(data) / "outbox.sqlite") if durable else None
        notifier = Notifier(store=store)
        await notifier.restore(lambda _: None, missing="unused")
        await notifier.start()
        subs = [
            Subscription(
                id=f"s{i}",
                host="mec",
                api="bench",
                type="BenchSubscription",
                body={},
                href="",
                callback=f"http://127.0.0.1:{rport}/n/{i}",
            )
            for i in range(subscribers)
        ]
        async with httpx.AsyncClient() as rx:
            base = int((await rx.get(f"http://127.0.0.1:{rport}/stats")).json())
            started, cpu = time.perf_counter(), time.process_time()
            # As events come: a batch reaching every subscriber at a time.
            for n in range(notifications // subscribers):
                for sub in subs:
                    notifier.send(sub, {"notificationType": "Bench", "n": n})
                await asyncio.sleep(0)
            deadline = time.monotonic() + 120
            while notifier.pending_total():
                if time.monotonic() > deadline:
                    raise SystemExit(f"{notifier.pending_total()} notifications still pending")
                await asyncio.sleep(0.005)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            arrived = int((await rx.get(f"http://127.0.0.1:{rport}/stats")).json()) - base
        await notifier.close()
        if store is not None:
            await store.close()
    if arrived < notifications // subscribers * subscribers:
        raise SystemExit(f"only {arrived} of {notifications} notifications arrived")
    return arrived / elapsed, cpu / arrived


def bench_delivery(notifications: int, subscribers: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    rport = free_port()
    ready = ctx.Event()
    receiver = ctx.Process(target=_receive, args=(rport, ready), daemon=True)
    receiver.start()
    ready.wait(30)
    wait_port(rport)
    pin(0)
    print(f"{notifications:,} notifications to {subscribers} subscribers (receiver: other core)")
    try:
        asyncio.run(_delivery(subscribers * 10, subscribers, rport, False))  # warm-up
        rates = {
            durable: asyncio.run(_delivery(notifications, subscribers, rport, durable))
            for durable in (False, True)
        }
    finally:
        receiver.terminate()
        receiver.join()
    # CPU per notification is the steadier number on a shared machine.
    for durable, label in ((False, "in memory only:  "), (True, "outbox in SQLite:")):
        rate, cpu = rates[durable]
        print(f"  {label} {rate:7.0f} notifications/s, {1e6 * cpu:5.0f} us CPU each")
    print(f"  throughput ratio durable/memory: {rates[True][0] / rates[False][0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="which", required=True)
    ticks = sub.add_parser("ticks")
    ticks.add_argument("--ues", type=int, default=100_000)
    ticks.add_argument("--cells", type=int, default=1000)
    ticks.add_argument("--ticks", type=int, default=50)
    delivery = sub.add_parser("delivery")
    delivery.add_argument("--notifications", type=int, default=20_000)
    delivery.add_argument("--subscribers", type=int, default=100)
    args = parser.parse_args()
    if args.which == "ticks":
        pin(0)
        asyncio.run(_ticks(args.ues, args.cells, args.ticks))
    else:
        bench_delivery(args.notifications, args.subscribers)


if __name__ == "__main__":
    main()
