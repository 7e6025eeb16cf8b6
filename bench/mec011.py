"""MEC 011 benchmarks: service discovery throughput, and notification fan-out.

    python bench/mec011.py              # both
    python bench/mec011.py services     # GET /services vs a bare Starlette endpoint
    python bench/mec011.py fanout       # SerAvailability notifications to many subscribers

**services** (goal: >= 0.7 of the bare endpoint's throughput): meclab serves
``GET /mec_service_mgmt/v1/services`` with 1,000 registered services, on one core (uvicorn, h11,
as ``meclab up`` runs it), and a bare Starlette app serves the very same JSON from the same
server settings on the same core; wrk (Debian package ``wrk``) loads both from the other core.
The same is done with a filter (``?ser_name=`` one service).

**fanout** (goal: >= 5,000 notifications/s, p99 per-notification latency < 20 ms at 100
subscribers): N SerAvailabilityNotificationSubscriptions with callbacks on a receiver process
(pinned to the other core); registering one service must notify all N. Latency is from the
registration request to each callback's arrival; the sustained rate comes from registering 20
services back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import free_port, pin, wait_port

SERVICES = 1000
WARM_UP = 9999
LATENCY_WAVES = 10
MEASURE_S = 8


def _scenario_doc() -> dict[str, Any]:
    return {
        "name": "bench",
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "zones": [
                    {
                        "name": "z",
                        "mec_hosts": [
                            {
                                "name": "mec",
                                "position": [7.42, 43.73],
                                "apps": [{"name": "producer"}, {"name": "consumer"}],
                            }
                        ],
                        "poas": [
                            {
                                "name": "cell",
                                "type": "4G",
                                "cell_id": "1",
                                "position": [7.42, 43.73],
                                "radius_m": 500,
                            }
                        ],
                    }
                ],
            }
        ],
    }


def _service_body(i: int) -> dict[str, Any]:
    return {
        "serName": f"svc-{i:04d}",
        "serCategory": {
            "href": "http://cat.example/c",
            "id": f"cat-{i % 10}",
            "name": "C",
            "version": "1",
        },
        "version": "1.0",
        "state": "ACTIVE",
        "transportInfo": {
            "id": f"t-{i}",
            "name": "REST",
            "type": "REST_HTTP",
            "protocol": "HTTP",
            "version": "1.1",
            "endpoint": {"uris": [f"http://svc-{i}.example/api"]},
            "security": {},
        },
        "serializer": "JSON",
        "scopeOfLocality": "MEC_HOST",
        "consumedLocalOnly": True,
    }


# --- services -------------------------------------------------------------------------------


def _serve_meclab(port: int, data: str, ready: Any) -> None:
    """Server process: meclab with SERVICES registered services on one core."""
    pin(0)
    import uvicorn

    from meclab.app import create_app
    from meclab.bus.memory import MemoryBus
    from meclab.http.headers import SERVER_OPTIONS
    from meclab.runtime import Runtime
    from meclab.scenario.model import Scenario
    from meclab.store.sqlite import SqliteStore

    async def main() -> None:
        import httpx

        runtime = Runtime(SqliteStore(Path(data) / "s.sqlite"), MemoryBus())
        await runtime.open(Scenario.model_validate(_scenario_doc()))
        base = f"http://127.0.0.1:{port}"
        app = create_app(runtime, tick=False, base_url=base)
        async with app.router.lifespan_context(app):
            platforms = app.state.platforms
            producer = platforms.app_named("producer").app_instance_id
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=base) as client:
                url = f"/mec_service_mgmt/v1/applications/{producer}/services"
                for i in range(SERVICES):
                    response = await client.post(url, json=_service_body(i))
                    assert response.status_code == 201, response.text
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            **SERVER_OPTIONS,
        )
        ready.set()
        await uvicorn.Server(config).serve()

    asyncio.run(main())


def _serve_bare(port: int, bodies: dict[str, Any], ready: Any) -> None:
    """Server process: a bare Starlette app answering the same JSON, same server settings."""
    pin(0)
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from meclab.http.headers import SERVER_OPTIONS

    async def services(request: Request) -> JSONResponse:
        key = "filtered" if request.query_params.get("ser_name") else "all"
        return JSONResponse(bodies[key])

    ready_made = {key: json.dumps(body).encode() for key, body in bodies.items()}

    async def services_bytes(request: Request) -> Response:
        key = "filtered" if request.query_params.get("ser_name") else "all"
        return Response(ready_made[key], media_type="application/json")

    app = Starlette(
        routes=[
            Route("/mec_service_mgmt/v1/services", services),
            Route("/bytes/mec_service_mgmt/v1/services", services_bytes),
        ]
    )
    ready.set()
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, **SERVER_OPTIONS
    )


def _wrk(url: str) -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms from one core."""
    cpus = sorted(os.sched_getaffinity(0))
    cmd = [
        "taskset",
        "-c",
        str(cpus[1 % len(cpus)]),
        "wrk",
        "-t1",
        "-c16",
        f"-d{MEASURE_S}s",
        "--latency",
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    return rate, pct("50"), pct("99")


def bench_services() -> None:
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("services bench needs wrk and taskset (Debian: apt install wrk util-linux)")
    import httpx

    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        ready = ctx.Event()
        server = ctx.Process(target=_serve_meclab, args=(port, data, ready), daemon=True)
        server.start()
        ready.wait(120)
        wait_port(port)
        base = f"http://127.0.0.1:{port}/mec_service_mgmt/v1/services"
        one = "svc-0500"
        bodies = {
            "all": httpx.get(base, timeout=30).json(),
            "filtered": httpx.get(base, params={"ser_name": one}, timeout=30).json(),
        }
        assert len(bodies["all"]) >= SERVICES and len(bodies["filtered"]) == 1
        size = len(json.dumps(bodies["all"]))
        results = {"meclab all": _wrk(base), "meclab filtered": _wrk(f"{base}?ser_name={one}")}
        server.terminate()
        server.join()

        bport = free_port()
        ready = ctx.Event()
        bare = ctx.Process(target=_serve_bare, args=(bport, bodies, ready), daemon=True)
        bare.start()
        ready.wait(60)
        wait_port(bport)
        bbase = f"http://127.0.0.1:{bport}/mec_service_mgmt/v1/services"
        results["bare all"] = _wrk(bbase)
        results["bare filtered"] = _wrk(f"{bbase}?ser_name={one}")
        ybase = f"http://127.0.0.1:{bport}/bytes/mec_service_mgmt/v1/services"
        results["bare bytes all"] = _wrk(ybase)
        results["bare bytes filtered"] = _wrk(f"{ybase}?ser_name={one}")
        bare.terminate()
        bare.join()

    print(
        f"GET /mec_service_mgmt/v1/services, {SERVICES} services ({size / 1024:.0f} KiB of "
        f"JSON), one server core, wrk -c16 {MEASURE_S} s"
    )
    for name, (rate, p50, p99) in results.items():
        print(f"  {name:<20} {rate:9.1f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
    for kind in ("all", "filtered"):
        ratio = results[f"meclab {kind}"][0] / results[f"bare {kind}"][0]
        ceiling = results[f"meclab {kind}"][0] / results[f"bare bytes {kind}"][0]
        print(
            f"  meclab/bare ({kind}): {ratio:.2f} of the bare endpoint's throughput "
            f"(goal >= 0.70); {ceiling:.2f} of a bare endpoint sending ready-made bytes"
        )


# --- fan-out --------------------------------------------------------------------------------


def _receive(port: int, ready: Any) -> None:
    """Receiver process: records the arrival time of every notification."""
    pin(1)
    from aiohttp import web

    arrivals: list[float] = []

    async def notify(request: web.Request) -> web.Response:
        await request.read()
        arrivals.append(time.time())
        return web.Response(status=204)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(arrivals)

    async def reset(request: web.Request) -> web.Response:
        arrivals.clear()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/n/{i}", notify)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    ready.set()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def _fanout(subscribers: int, registrations: int, rport: int) -> dict[str, float]:
    import httpx

    from meclab.app import create_app
    from meclab.bus.memory import MemoryBus
    from meclab.runtime import Runtime
    from meclab.scenario.model import Scenario
    from meclab.store.sqlite import SqliteStore

    with tempfile.TemporaryDirectory() as data:
        runtime = Runtime(SqliteStore(Path(data) / "s.sqlite"), MemoryBus())
        await runtime.open(Scenario.model_validate(_scenario_doc()))
        base = "http://127.0.0.1:1"
        app = create_app(runtime, tick=False, base_url=base)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as api,
            httpx.AsyncClient() as rx,
        ):
            platforms = app.state.platforms
            producer = platforms.app_named("producer").app_instance_id
            consumer = platforms.app_named("consumer").app_instance_id
            for i in range(subscribers):
                response = await api.post(
                    f"/mec_service_mgmt/v1/applications/{consumer}/subscriptions",
                    json={
                        "subscriptionType": "SerAvailabilityNotificationSubscription",
                        "callbackReference": f"http://127.0.0.1:{rport}/n/{i}",
                        "filteringCriteria": {
                            "serNames": [
                                f"svc-{j:04d}"
                                for j in (*range(LATENCY_WAVES + registrations), WARM_UP)
                            ]
                        },
                    },
                )
                assert response.status_code == 201, response.text
            url = f"/mec_service_mgmt/v1/applications/{producer}/services"
            expected = subscribers * registrations

            # Warm-up: one registration every subscriber hears of opens the keep-alive
            # connections; then counting starts afresh.
            await api.post(url, json=_service_body(WARM_UP))
            await _arrivals(rx, rport, subscribers)

            # Latency: registrations one at a time, each waited for until all have heard.
            latencies: list[float] = []
            waves: list[float] = []
            for i in range(LATENCY_WAVES):
                await rx.post(f"http://127.0.0.1:{rport}/reset")
                started = time.time()
                response = await api.post(url, json=_service_body(i))
                assert response.status_code == 201
                arrivals = await _arrivals(rx, rport, subscribers)
                latencies.extend(a - started for a in arrivals)
                waves.append(max(arrivals) - started)
            latencies.sort()

            # Sustained rate: registrations back to back.
            await rx.post(f"http://127.0.0.1:{rport}/reset")
            started = time.time()
            for i in range(LATENCY_WAVES, LATENCY_WAVES + registrations):
                response = await api.post(url, json=_service_body(i))
                assert response.status_code == 201
            expected = subscribers * registrations
            arrivals = await _arrivals(rx, rport, expected)
            return {
                "notifications": expected,
                "wave_ms": 1e3 * statistics.median(waves),
                "p50_ms": 1e3 * statistics.median(latencies),
                "p99_ms": 1e3 * latencies[max(0, round(0.99 * len(latencies)) - 1)],
                "rate": expected / (max(arrivals) - started),
            }


async def _arrivals(rx: Any, rport: int, count: int) -> list[float]:
    """Arrival times at the receiver once ``count`` notifications are there (2 min at most)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        arrivals: list[float] = (await rx.get(f"http://127.0.0.1:{rport}/stats")).json()
        if len(arrivals) >= count:
            return arrivals
        await asyncio.sleep(0.02)
    raise SystemExit(f"only {len(arrivals)} of {count} notifications arrived")


def bench_fanout() -> None:
    ctx = multiprocessing.get_context("spawn")
    rport = free_port()
    ready = ctx.Event()
    receiver = ctx.Process(target=_receive, args=(rport, ready), daemon=True)
    receiver.start()
    ready.wait(30)
    wait_port(rport)
    pin(0)
    print("SerAvailability fan-out (meclab on one core, receivers on the other)")
    try:
        for subscribers, registrations in ((100, 20), (1000, 20)):
            r = asyncio.run(_fanout(subscribers, registrations, rport))
            print(
                f"  {subscribers:>5} subscribers: a registration reaches all in "
                f"{r['wave_ms']:6.1f} ms (median of {LATENCY_WAVES}); per-notification latency "
                f"p50 {r['p50_ms']:5.1f} ms p99 {r['p99_ms']:5.1f} ms; sustained "
                f"{r['rate']:6.0f} notifications/s over {r['notifications']:,.0f}"
            )
    finally:
        receiver.terminate()
        receiver.join()
    print("  goals: >= 5,000 notifications/s; p99 < 20 ms at 100 subscribers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", nargs="?", choices=("services", "fanout", "all"), default="all")
    args = parser.parse_args()
    if args.which in ("services", "all"):
        bench_services()
    if args.which in ("fanout", "all"):
        bench_fanout()


if __name__ == "__main__":
    main()
