"""MEC 011 benchmarks: service discovery throughput, and notification fan-out.

    python bench/mec011.py              # both
    python bench/mec011.py services     # GET /services vs a bare Starlette endpoint
    python bench/mec011.py fanout       # SerAvailability notifications to many subscribers

Both measure ``meclab up`` as users start it (its own process, pinned to one core, data plane
on), driven from the other core through keep-alive connections only (see ``_common.py``).

**services** (goal: >= 0.7 of the bare endpoint's throughput): ``GET
/mec_service_mgmt/v1/services`` with 1,000 services registered over HTTP, all of them and
filtered (``?ser_name=`` one service). The baseline is a bare Starlette app (``_bare.py``)
serving the very JSON meclab answered, as its own uvicorn process with meclab's server options
on the same core. wrk (Debian package ``wrk``) loads each with 32 keep-alive connections, the
servers in turns, best of three runs each, so that other processes' load meets both alike; the
ratios are of this run's figures. One aiohttp session then sends requests one after the other
on one connection, as an SDK does: its latency is what a keep-alive client sees per request
(it was ~42 ms while meclab's API socket lacked TCP_NODELAY).

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
import statistics
import time
from typing import Any

import aiohttp
from _common import (
    SERVER_CPU,
    WRK_CONNECTIONS,
    BareStarlette,
    MeclabUp,
    free_port,
    need_wrk,
    pct,
    pin,
    sequential_ms,
    wait_port,
    wrk,
)

SERVICES = 1000
WARM_UP = 9999
LATENCY_WAVES = 10
MEASURE_S = 9
ROUNDS = 3
"""wrk runs per server, in turns; the best counts."""
SEQUENTIAL = 300
"""Requests one after the other on one keep-alive connection."""
SERVICES_PATH = "/mec_service_mgmt/v1/services"


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


async def _app_ids(session: aiohttp.ClientSession, base: str) -> dict[str, str]:
    """appInstanceId of each scenario application, from the control API."""
    async with session.get(f"{base}/meclab/v1/apps") as response:
        apps = await response.json()
    return {app["name"]: app["app_instance_id"] for app in apps}


async def _register_services(base: str) -> dict[str, Any]:
    """Register SERVICES services on meclab over HTTP; the bodies it answers, by path."""
    async with aiohttp.ClientSession() as session:
        producer = (await _app_ids(session, base))["producer"]
        url = f"{base}/mec_service_mgmt/v1/applications/{producer}/services"
        for i in range(SERVICES):
            async with session.post(url, json=_service_body(i)) as response:
                if response.status != 201:
                    raise SystemExit(f"registration {i}: {response.status} {await response.text()}")
        bodies = {}
        for path in (SERVICES_PATH, f"{SERVICES_PATH}?ser_name=svc-0500"):
            async with session.get(base + path) as response:
                bodies[path] = await response.json()
    if len(bodies[SERVICES_PATH]) < SERVICES or len(bodies[path]) != 1:
        raise SystemExit("meclab did not list the services registered")
    return bodies


def _load(urls: dict[str, str]) -> dict[str, tuple[float, float, float, float]]:
    """wrk figures (the best of ROUNDS, taken in turns so that the load other processes put on
    the machine meets every server alike) and the sequential p50, for each named URL."""
    best: dict[str, tuple[float, float, float]] = {}
    for _ in range(ROUNDS):
        for name, url in urls.items():
            got = wrk(url, MEASURE_S / ROUNDS)
            if name not in best or got[0] > best[name][0]:
                best[name] = got
    out = {}
    for name, url in urls.items():
        one = asyncio.run(sequential_ms(url, SEQUENTIAL))
        out[name] = (*best[name], pct(one, 0.5))
    return out


def bench_services() -> None:
    need_wrk()
    with MeclabUp(_scenario_doc()) as meclab:
        bodies = asyncio.run(_register_services(meclab.base))
        all_path, filtered_path = list(bodies)
        paths = {"all": all_path, "filtered": filtered_path}
        # Both servers run on the same core; only the one wrk loads is busy (meclab's world,
        # one cell and no terminal, ticks meanwhile as it always does).
        with BareStarlette(bodies) as bare:
            urls = {f"meclab {k}": meclab.base + p for k, p in paths.items()}
            urls["meclab world"] = f"{meclab.base}/meclab/v1/world"
            urls.update({f"bare {k}": bare.base + p for k, p in paths.items()})
            urls.update({f"bare bytes {k}": f"{bare.base}/bytes{p}" for k, p in paths.items()})
            results = _load(urls)

    size = len(json.dumps(bodies[all_path]))
    print(
        f"GET {SERVICES_PATH}, {SERVICES} services (~{size / 1024:.0f} KiB of JSON): "
        f"meclab up and the bare app on one core, wrk -c{WRK_CONNECTIONS} from the other, "
        f"best of {ROUNDS} runs of {MEASURE_S / ROUNDS:.1f} s taken in turns; 'one conn' is "
        f"the p50 of {SEQUENTIAL} requests in sequence on one aiohttp session"
    )
    for name, (rate, p50, p99, one) in results.items():
        print(
            f"  {name:<20} {rate:9.1f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
            f"one conn p50 {one:6.2f} ms"
        )
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
    pin(SERVER_CPU + 1)
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


async def _fanout(base: str, subscribers: int, registrations: int, rport: int) -> dict[str, float]:
    """Subscribe, register, and time the notifications, all over HTTP to ``meclab up``."""
    rx_base = f"http://127.0.0.1:{rport}"
    names = [f"svc-{j:04d}" for j in (*range(LATENCY_WAVES + registrations), WARM_UP)]
    async with aiohttp.ClientSession() as api, aiohttp.ClientSession() as rx:
        ids = await _app_ids(api, base)
        producer, consumer = ids["producer"], ids["consumer"]
        subscribe = f"{base}/mec_service_mgmt/v1/applications/{consumer}/subscriptions"
        for i in range(subscribers):
            body = {
                "subscriptionType": "SerAvailabilityNotificationSubscription",
                "callbackReference": f"{rx_base}/n/{i}",
                "filteringCriteria": {"serNames": names},
            }
            async with api.post(subscribe, json=body) as response:
                if response.status != 201:
                    raise SystemExit(f"subscription {i}: {response.status}")
        url = f"{base}/mec_service_mgmt/v1/applications/{producer}/services"

        async def register(i: int) -> None:
            async with api.post(url, json=_service_body(i)) as response:
                if response.status != 201:
                    raise SystemExit(f"registration {i}: {response.status}")

        async def reset() -> None:
            async with rx.post(f"{rx_base}/reset"):
                pass

        # Warm-up: one registration every subscriber hears of opens the keep-alive
        # connections; then counting starts afresh.
        await register(WARM_UP)
        await _arrivals(rx, rport, subscribers)

        # Latency: registrations one at a time, each waited for until all have heard.
        latencies: list[float] = []
        waves: list[float] = []
        for i in range(LATENCY_WAVES):
            await reset()
            started = time.time()
            await register(i)
            arrivals = await _arrivals(rx, rport, subscribers)
            latencies.extend(a - started for a in arrivals)
            waves.append(max(arrivals) - started)
        latencies.sort()

        # Sustained rate: registrations back to back.
        await reset()
        started = time.time()
        for i in range(LATENCY_WAVES, LATENCY_WAVES + registrations):
            await register(i)
        expected = subscribers * registrations
        arrivals = await _arrivals(rx, rport, expected)
        return {
            "notifications": expected,
            "wave_ms": 1e3 * statistics.median(waves),
            "p50_ms": 1e3 * statistics.median(latencies),
            "p99_ms": 1e3 * latencies[max(0, round(0.99 * len(latencies)) - 1)],
            "rate": expected / (max(arrivals) - started),
        }


async def _arrivals(rx: aiohttp.ClientSession, rport: int, count: int) -> list[float]:
    """Arrival times at the receiver once ``count`` notifications are there (2 min at most)."""
    deadline = time.monotonic() + 120
    arrivals: list[float] = []
    while time.monotonic() < deadline:
        async with rx.get(f"http://127.0.0.1:{rport}/stats") as response:
            arrivals = await response.json()
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
    print("SerAvailability fan-out (meclab up on one core, receivers on the other)")
    try:
        for subscribers, registrations in ((100, 20), (1000, 20)):
            with MeclabUp(_scenario_doc()) as meclab:
                r = asyncio.run(_fanout(meclab.base, subscribers, registrations, rport))
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
    pin(SERVER_CPU + 1)  # this driver's aiohttp sessions beside wrk, off meclab's core
    if args.which in ("services", "all"):
        bench_services()
    if args.which in ("fanout", "all"):
        bench_fanout()


if __name__ == "__main__":
    main()
