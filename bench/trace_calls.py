"""What tracing MEC API calls for the sequence diagram costs per request (issue 14).

    python bench/trace_calls.py                # all three
    python bench/trace_calls.py inproc         # the middleware alone, in this process
    python bench/trace_calls.py app            # meclab's whole app with and without it
    python bench/trace_calls.py live [URL]     # a running meclab, or one started here

**inproc**: a bare Starlette app with one route (``/rni/v2/queries/rab_info`` answering a
fixed body) driven by direct ASGI calls, ROUNDS rounds of CALLS requests each, alternately
bare and under :class:`~meclab.observe.calls.TraceCalls`; the best round of each; the
difference is the middleware's cost per request (µs). Also the cost of one ``Trace.add``.

**app**: meclab's whole ASGI app on the default world (not ticking), twice in this process,
one with its :class:`TraceCalls` layer taken out; the same direct ASGI calls of
``GET /rni/v2/queries/rab_info``, rounds alternating, best of each. No sockets, so the noise
of a shared machine stays out of the difference.

**live**: ``meclab up default --no-dataplane`` in its own process pinned to the server core
(or the meclab at URL), ``GET /rni/v2/queries/rab_info``: latencies of SEQUENTIAL requests one
after the other on one aiohttp keep-alive session, and wrk ``-c32`` throughput when wrk is
installed, with the server's CPU time per request (``/proc``). Run it on the branch and on a
checkout without the trace (``PYTHONPATH=/path/to/other/checkout python bench/trace_calls.py
live``) to compare: the server process imports whichever meclab ``python -m meclab`` finds.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from typing import Any

from _common import MeclabUp, cpu_seconds, pct, sequential_ms, wrk

ROUNDS = 7
CALLS = 20_000
SEQUENTIAL = 3000
WRK_S = 8.0
ROUTE = "/rni/v2/queries/rab_info"
LIGHT_ROUTE = "/mec_service_mgmt/v1/transports"
"""A route that does little, where the trace's share is largest (app mode measures both)."""


def _scope(path: str) -> dict[str, Any]:
    """An ASGI scope of ``GET path`` as uvicorn makes it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


async def _inproc() -> None:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from meclab.observe.calls import TraceCalls
    from meclab.observe.trace import Trace, TraceKind

    async def endpoint(_: Any) -> Response:
        return Response(b"[]", media_type="application/json")

    bare = Starlette(routes=[Route(ROUTE, endpoint)])
    trace = Trace()
    traced = TraceCalls(
        Starlette(routes=[Route(ROUTE, endpoint)]),
        trace=trace,
        apis=lambda: ["/rni/v2"],
        system_apis=(),
        default_host=lambda: "mec-1",
        app_name=lambda id_: id_,
    )
    scope = _scope(ROUTE)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_: Any) -> None:
        pass

    async def round_us(app: Any) -> float:
        started = time.perf_counter()
        for _ in range(CALLS):
            await app(dict(scope), receive, send)
        return (time.perf_counter() - started) / CALLS * 1e6

    best = {"bare": float("inf"), "traced": float("inf")}
    for _ in range(ROUNDS):
        best["bare"] = min(best["bare"], await round_us(bare))
        best["traced"] = min(best["traced"], await round_us(traced))
    assert trace.last_seq == ROUNDS * CALLS
    print(f"inproc: bare {best['bare']:.2f} µs/request, traced {best['traced']:.2f} µs/request")
    print(f"inproc: TraceCalls adds {best['traced'] - best['bare']:.2f} µs per request")
    started = time.perf_counter()
    for _ in range(CALLS):
        trace.add(TraceKind.API, "client", "mep:mec-1", "GET /x", "200", host="mec-1")
    print(f"inproc: Trace.add alone {(time.perf_counter() - started) / CALLS * 1e6:.2f} µs")


async def _app() -> None:
    import contextlib
    import tempfile
    from pathlib import Path

    from meclab.app import create_app
    from meclab.bus.memory import MemoryBus
    from meclab.observe.calls import TraceCalls
    from meclab.runtime import Runtime
    from meclab.scenario.builtin import default_scenario
    from meclab.store.sqlite import SqliteStore

    async def send(_: Any) -> None:
        pass

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def round_us(app: Any, calls: int, route: str) -> float:
        scope = _scope(route)
        started = time.perf_counter()
        for _ in range(calls):
            await app(dict(scope), receive, send)
        return (time.perf_counter() - started) / calls * 1e6

    with tempfile.TemporaryDirectory() as tmp:
        async with contextlib.AsyncExitStack() as stack:
            apps = {}
            for name in ("traced", "untraced"):
                store = SqliteStore(Path(tmp) / f"{name}.sqlite")
                stack.push_async_callback(store.close)
                runtime = Runtime(store, MemoryBus())
                await runtime.open(default_scenario())
                stack.push_async_callback(runtime.stop)
                app = create_app(runtime, tick=False)
                if name == "untraced":
                    app.user_middleware = [
                        m for m in app.user_middleware if m.cls is not TraceCalls
                    ]
                await stack.enter_async_context(app.router.lifespan_context(app))
                apps[name] = app
            for route in (ROUTE, LIGHT_ROUTE):
                best = {name: float("inf") for name in apps}
                for _ in range(ROUNDS):
                    for name, app in apps.items():
                        best[name] = min(best[name], await round_us(app, CALLS // 10, route))
                traced, untraced = best["traced"], best["untraced"]
                print(
                    f"app: GET {route}: untraced {untraced:.1f} µs/request, traced"
                    f" {traced:.1f} µs/request, the trace adds {traced - untraced:.1f} µs"
                    f" ({(traced / untraced - 1) * 100:.1f} %)"
                )


def _live(url: str | None) -> None:
    import meclab

    print(f"live: server meclab from {meclab.__file__}")
    if url is None:
        with MeclabUp("default", dataplane=False) as up:
            _drive(up.base, up.pid)
    else:
        _drive(url.rstrip("/"), None)


def _drive(base: str, pid: int | None) -> None:
    latencies = asyncio.run(sequential_ms(f"{base}{ROUTE}", SEQUENTIAL))
    print(
        f"live: {SEQUENTIAL} sequential GET {ROUTE}: p50 {pct(latencies, 0.5):.3f} ms,"
        f" p99 {pct(latencies, 0.99):.3f} ms"
    )
    if shutil.which("wrk") and shutil.which("taskset"):
        used = cpu_seconds(pid) if pid is not None else 0.0
        rate, p50, p99 = wrk(f"{base}{ROUTE}", WRK_S)
        print(f"live: wrk -c32 {WRK_S:g} s: {rate:.0f} req/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        if pid is not None:  # less noisy than the rate on a shared machine
            per_request = (cpu_seconds(pid) - used) / (rate * WRK_S) * 1e6
            print(f"live: server CPU {per_request:.0f} µs per request")
    else:
        print("live: wrk not installed, no throughput run (Debian: apt install wrk)")


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "both"
    if what in ("inproc", "both"):
        asyncio.run(_inproc())
    if what in ("app", "both"):
        asyncio.run(_app())
    if what in ("live", "both"):
        _live(sys.argv[2] if len(sys.argv) > 2 else None)


if __name__ == "__main__":
    main()
