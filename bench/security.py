"""Secure mode benchmarks (issue 12): what ``meclab up --secure`` costs, and a noisy neighbour.

    python bench/security.py              # both
    python bench/security.py overhead     # open vs --secure, side by side in one run
    python bench/security.py neighbour    # one app floods its host at 10x its limit

Both measure ``meclab up`` as users start it (its own process, pinned to one core), driven
from the other core through keep-alive clients only (see ``_common.py``). In secure mode the
bench is the operator and the apps, as a user would be: the operator's token from the secret
in the data dir, each app's credential over the control API, each app's token from its MEC
host's token endpoint, every call with its bearer token over HTTPS trusting meclab's CA.

**overhead** (goal: secure >= 0.8 of open): the same scenario served open and ``--secure``
at once (both on the server core, only one loaded at a time), its host's API limit raised
far out of the way so that the limit does not cap what is measured.
(a) ``GET /mec_service_mgmt/v1/services`` with SERVICES services registered, wrk
``-c32`` keep-alive connections (TLS and a bearer token on the secure one), best of ROUNDS
runs taken in turns; ratio of requests/s. (b) Notification latency: ``consumer`` subscribes
to service availability with a callback to a receiver in this process; ``producer``
registers a service (or deletes the one it registered), one at a time and each waited for,
open and secure in turns; time from the request to the callback's arrival; ratio open p50 /
secure p50 (and p99).

**neighbour** (goals: Q's p99 under flood < 2x its p99 without, none of Q's requests
refused): one secure MEC host with a known API limit (LIMIT_PER_S, burst LIMIT_BURST per
app instance) runs ``flooder`` (F), ``quiet`` (Q) and ``producer``. Q makes discovery GETs
open-loop at QUIET_PER_S (latency from when each was due, so a stalled answer also delays
the count of the next) and hears of ``producer``'s registrations and removals, one every
CAUSE_EVERY_S. This runs FLOOD_S without and then FLOOD_S with F sending discovery GETs at
FLOOD_FACTOR x its limit on FLOOD_CONNECTIONS keep-alive connections (wrk with a per-request
delay, on the client core). F's 429s are wrk's non-2xx count, checked against meclab's own
``meclab_requests_refused_total``.

The machine is shared (2 cores): throughput moves with whatever else runs, so the overhead
also prints the server's CPU time per request (``/proc``), which does not.
Tokens live 300 s; each phase takes fresh ones, and the defaults finish in about 70 s.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from _common import (
    SERVER_CPU,
    WRK_CONNECTIONS,
    MeclabUp,
    cpu,
    cpu_seconds,
    free_port,
    need_wrk,
    pct,
    pin,
    wrk,
)
from aiohttp import web
from mec011 import SERVICES_PATH, _scenario_doc, _service_body

SERVICES = 40
"""A few dozen services registered: what a discovery GET lists."""
MEASURE_S = 9.0
ROUNDS = 3
NOTIFICATIONS = 200
"""Causes per mode in the overhead's latency part (half registrations, half removals)."""

UNLIMITED = {"rate_per_s": 1_000_000, "burst": 10_000_000}
"""The scenario's most: far above what one core serves, so that no request meets the limit."""
LIMIT_PER_S = 50.0
LIMIT_BURST = 50.0
FLOOD_FACTOR = 10.0
FLOOD_S = 20.0
FLOOD_CONNECTIONS = 25
"""Each waits 50 ms after an answer at 500 requests/s: a 2 ms answer costs 4% of the rate."""
QUIET_PER_S = 10.0
CAUSE_EVERY_S = 0.5
ARRIVAL_TIMEOUT_S = 10.0

OPERATOR_TOKEN = "/meclab/v1/oauth2/token"
METRICS = "/metrics"
GOAL_RATIO = 0.8
GOAL_P99_FACTOR = 2.0


def _scenario(apps: list[str], api: dict[str, float]) -> dict[str, Any]:
    """mec011's one-host scenario with these apps on its host and these API limits."""
    doc = _scenario_doc()
    host = doc["domains"][0]["zones"][0]["mec_hosts"][0]
    host["apps"] = [{"name": name} for name in apps]
    host["api"] = api
    return doc


def _goal(value: float, bound: float, *, below: bool = False) -> str:
    """How ``value`` meets a goal of at least ``bound`` (or under it, ``below``), in words."""
    met = value < bound if below else value >= bound
    return f"goal {'<' if below else '>='} {bound:g} {'met' if met else 'MISSED'}"


# --- talking to meclab as the operator and as its apps ----------------------------------------


class Platform:
    """One ``meclab up`` as the bench's clients see it: a keep-alive session trusting its CA
    (secure mode), the operator's token, its apps' instance ids."""

    def __init__(self, up: MeclabUp) -> None:
        self.up = up
        self.base = up.base
        self.operator: dict[str, str] = {}
        """The operator's Authorization header (empty in open mode)."""
        self.ids: dict[str, str] = {}
        """App name -> appInstanceId."""

    async def __aenter__(self) -> Platform:
        ssl = self.up.trust() if self.up.tls else True
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl))
        if self.up.secure:
            secret = self.up.operator_secret_file.read_text().strip()
            self.operator = await self._token(self.base + OPERATOR_TOKEN, "operator", secret)
        async with self.session.get(f"{self.base}/meclab/v1/apps", headers=self.operator) as r:
            apps = await _json(r, 200)
        self.ids = {app["name"]: app["app_instance_id"] for app in apps}
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()

    async def _token(self, url: str, client_id: str, secret: str) -> dict[str, str]:
        """The Authorization header of a client credentials grant's token (RFC 6749 4.4)."""
        async with self.session.post(
            url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": aiohttp.encode_basic_auth(client_id, secret)},
        ) as response:
            token = await _json(response, 200)
        return {"Authorization": f"Bearer {token['access_token']}"}

    async def app_headers(self, name: str) -> dict[str, str]:
        """App ``name``'s Authorization header: a fresh credential from the control API, a
        token from its host's endpoint (empty in open mode)."""
        if not self.up.secure:
            return {}
        url = f"{self.base}/meclab/v1/apps/{name}/credentials"
        async with self.session.post(url, headers=self.operator) as response:
            issued = await _json(response, 200)
        return await self._token(issued["token_url"], issued["client_id"], issued["client_secret"])

    async def metric(self, name: str, **labels: str) -> float:
        """The sum of a counter's samples over those with these labels, from ``/metrics``."""
        async with self.session.get(self.base + METRICS, headers=self.operator) as response:
            text = await response.text()
        total = 0.0
        for line in text.splitlines():
            sample = re.match(rf"{name}(?:{{(.*)}})? ([\d.e+]+)$", line)
            if sample is None:
                continue
            have = dict(re.findall(r'(\w+)="([^"]*)"', sample.group(1) or ""))
            if all(have.get(k) == v for k, v in labels.items()):
                total += float(sample.group(2))
        return total


async def _json(response: aiohttp.ClientResponse, status: int) -> Any:
    if response.status != status:
        raise SystemExit(
            f"{response.method} {response.url}: {response.status} {await response.text()}"
        )
    return await response.json()


class App:
    """One app instance's MEC 011 calls, with its token (if any)."""

    def __init__(self, platform: Platform, name: str, headers: dict[str, str]) -> None:
        self.platform = platform
        self.id = platform.ids[name]
        self.headers = headers
        self.mgmt = f"{platform.base}/mec_service_mgmt/v1/applications/{self.id}"

    async def register(self, name: str) -> str:
        """Register service ``name``; its serInstanceId."""
        body = _service_body(0) | {"serName": name}
        async with self.platform.session.post(
            f"{self.mgmt}/services", json=body, headers=self.headers
        ) as response:
            return str((await _json(response, 201))["serInstanceId"])

    async def deregister(self, instance: str) -> None:
        async with self.platform.session.delete(
            f"{self.mgmt}/services/{instance}", headers=self.headers
        ) as response:
            if response.status != 204:
                raise SystemExit(f"deregistration: {response.status} {await response.text()}")

    async def subscribe(self, callback: str, prefix: str) -> None:
        """Hear of every service whose name starts with ``prefix`` coming and going (MEC 011
        SerAvailabilityNotificationSubscription; names listed, as the filter takes no
        pattern)."""
        body = {
            "subscriptionType": "SerAvailabilityNotificationSubscription",
            "callbackReference": callback,
            "filteringCriteria": {"serNames": [f"{prefix}{i}" for i in range(_CAUSE_NAMES)]},
        }
        async with self.platform.session.post(
            f"{self.mgmt}/subscriptions", json=body, headers=self.headers
        ) as response:
            await _json(response, 201)


_CAUSE_NAMES = 1000
"""Distinct service names a run's causes cycle through (one subscription filter lists them)."""


class Receiver:
    """An aiohttp server in this process taking notifications: each arrival resolves the
    future of its (path, serName, changeType), stamped with ``time.perf_counter()``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._waiting: dict[tuple[str, str, str], asyncio.Future[float]] = {}
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/n/{who}", self._notify)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _notify(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        body = await request.json()
        for ref in body.get("serviceReferences", []):
            key = (request.match_info["who"], ref["serName"], ref["changeType"])
            future = self._waiting.pop(key, None)
            if future is not None and not future.done():
                future.set_result(arrived)
        return web.Response(status=204)

    def expect(self, who: str, name: str, change: str) -> asyncio.Future[float]:
        """The arrival time of the next notification to ``/n/<who>`` of this change."""
        future = asyncio.get_running_loop().create_future()
        self._waiting[(who, name, change)] = future
        return future


@dataclass
class Causes:
    """A producer's registrations and removals of one service name after another, each
    timed from its request to the arrival of its notification at ``who``'s callback."""

    producer: App
    receiver: Receiver
    who: str
    prefix: str
    latencies_ms: list[float] = field(default_factory=list)
    _count: int = 0
    _registered: tuple[str, str] | None = None
    """The service registered last and not yet removed: its name and serInstanceId."""

    async def one(self) -> None:
        """The next cause, waited for until it is heard of."""
        if self._registered is None:
            self._count += 1
            name = f"{self.prefix}{self._count % _CAUSE_NAMES}"
            arrival = self.receiver.expect(self.who, name, "ADDED")
            started = time.perf_counter()
            self._registered = (name, await self.producer.register(name))
        else:
            name, instance = self._registered
            arrival = self.receiver.expect(self.who, name, "REMOVED")
            started = time.perf_counter()
            await self.producer.deregister(instance)
            self._registered = None
        arrived = await asyncio.wait_for(arrival, ARRIVAL_TIMEOUT_S)
        self.latencies_ms.append((arrived - started) * 1e3)


async def _register_services(producer: App, count: int) -> None:
    for i in range(count):
        await producer.register(f"svc-{i:04d}")


def _figures(values_ms: list[float]) -> str:
    values = sorted(values_ms)
    return f"p50 {pct(values, 0.5):6.2f} ms  p99 {pct(values, 0.99):6.2f} ms  (n={len(values)})"


# --- overhead -------------------------------------------------------------------------------


async def _overhead(
    ups: dict[str, MeclabUp], measure_s: float, rounds: int, notifications: int
) -> tuple[dict[str, tuple[float, float, float]], dict[str, list[float]]]:
    """wrk's best figures (requests/s, p50 ms, p99 ms, server CPU us a request) and the
    notification latencies (ms) of each mode."""
    async with AsyncExitStack() as stack:
        receiver = await stack.enter_async_context(Receiver())
        causes: dict[str, Causes] = {}
        reader: dict[str, tuple[str, ...]] = {}
        for mode, up in ups.items():
            platform = await stack.enter_async_context(Platform(up))
            producer = App(platform, "producer", await platform.app_headers("producer"))
            consumer = App(platform, "consumer", await platform.app_headers("consumer"))
            await _register_services(producer, SERVICES)
            await consumer.subscribe(f"{receiver.base}/n/{mode}", "cause-")
            causes[mode] = Causes(producer, receiver, mode, "cause-")
            reader[mode] = tuple(f"{k}: {v}" for k, v in consumer.headers.items())

        best: dict[str, tuple[float, float, float, float]] = {}
        for _ in range(rounds):
            for mode, up in ups.items():
                url = up.base + SERVICES_PATH
                seconds = measure_s / rounds
                used = cpu_seconds(up.pid)
                rate, p50, p99 = await asyncio.to_thread(wrk, url, seconds, headers=reader[mode])
                cpu_us = 1e6 * (cpu_seconds(up.pid) - used) / (rate * seconds)
                if mode not in best or rate > best[mode][0]:
                    best[mode] = (rate, p50, p99, cpu_us)

        for c in causes.values():  # warm-up: opens the deliveries' keep-alive connections
            await c.one()
            await c.one()
            c.latencies_ms.clear()
        for _ in range(notifications):
            for c in causes.values():  # in turns, so that drift meets both alike
                await c.one()
        return best, {mode: c.latencies_ms for mode, c in causes.items()}


def bench_overhead(measure_s: float, rounds: int, notifications: int) -> None:
    need_wrk()
    doc = _scenario(["producer", "consumer"], UNLIMITED)
    with (
        MeclabUp(doc, dataplane=False) as open_up,
        MeclabUp(doc, dataplane=False, secure=True) as secure_up,
        MeclabUp(doc, dataplane=False, secure=True, tls=False) as plain_up,
    ):
        # "no-tls" is --secure --no-tls: what the tokens, scopes and limits cost without TLS,
        # to tell the two apart; the goal is judged on --secure.
        ups = {"open": open_up, "secure": secure_up, "no-tls": plain_up}
        best, latencies = asyncio.run(_overhead(ups, measure_s, rounds, notifications))

    print(
        f"Overhead of --secure: GET {SERVICES_PATH} ({SERVICES} services), open and secure "
        f"meclab up side by side on one core, wrk -c{WRK_CONNECTIONS} from the other, best of "
        f"{rounds} runs of {measure_s / rounds:.1f} s in turns (secure: TLS and a bearer token)"
    )
    for mode, (rate, p50, p99, cpu_us) in best.items():
        print(
            f"  {mode:<7} {rate:9.1f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
            f"server CPU {cpu_us:5.0f} us a request"
        )
    ratio = best["secure"][0] / best["open"][0]
    print(f"  secure/open throughput {ratio:.2f}: {_goal(ratio, GOAL_RATIO)}")
    plain = best["no-tls"][0] / best["open"][0]
    print(f"  (--secure --no-tls)/open throughput {plain:.2f}: the tokens, scopes and limits alone")
    # CPU a request does not depend on what else the machine runs, throughput does.
    cost = best["open"][3] / best["secure"][3]
    print(f"  open/secure server CPU a request {cost:.2f} (the same ratio, free of other load)")
    print(
        f"Notification latency, a registration or removal to its SerAvailability callback "
        f"(an http receiver on the client core), {notifications} per mode, one at a time, in turns"
    )
    for mode, values in latencies.items():
        print(f"  {mode:<7} {_figures(values)}")
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        ratio = pct(sorted(latencies["open"]), q) / pct(sorted(latencies["secure"]), q)
        print(f"  open/secure {label} {ratio:.2f}: {_goal(ratio, GOAL_RATIO)}")


# --- noisy neighbour -----------------------------------------------------------------------

FLOOD_SCRIPT = """-- each connection waits this many ms after an answer: {rate:g} requests/s in all
function delay() return {delay_ms} end
"""


@dataclass(frozen=True)
class Flood:
    """What wrk's flood sent and what came back."""

    requests: int
    refused: int
    """Answers other than 2xx/3xx (429s: F has no other reason to be refused)."""
    seconds: float

    @classmethod
    def parse(cls, out: str) -> Flood:
        """Read wrk's summary (``N requests in Xs``, ``Non-2xx or 3xx responses: M``)."""
        total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
        if total is None:
            raise ValueError(f"no request count in wrk's output:\n{out}")
        seconds = float(total.group(2)) * {"ms": 1e-3, "s": 1.0, "m": 60.0}[total.group(3)]
        refused = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        return cls(int(total.group(1)), int(refused.group(1)) if refused else 0, seconds)

    @property
    def through(self) -> int:
        return self.requests - self.refused


def _start_flood(
    workdir: Path, url: str, headers: dict[str, str], rate: float, seconds: float
) -> subprocess.Popen[str]:
    """wrk flooding ``url`` at about ``rate`` requests/s on FLOOD_CONNECTIONS connections, on
    the client core; a keep-alive connection waits between answers, so this is open-loop as
    long as answers are quick (a 429 is)."""
    script = workdir / "flood.lua"
    script.write_text(
        FLOOD_SCRIPT.format(rate=rate, delay_ms=round(1e3 * FLOOD_CONNECTIONS / rate))
    )
    cmd = ["taskset", "-c", str(cpu(SERVER_CPU + 1)), "wrk", "-t1", f"-c{FLOOD_CONNECTIONS}"]
    cmd += [f"-d{seconds:g}s", "-s", str(script)]
    cmd += [a for k, v in headers.items() for a in ("-H", f"{k}: {v}")]
    return subprocess.Popen([*cmd, url], stdout=subprocess.PIPE, text=True)


@dataclass
class Quiet:
    """Q's phase: discovery GETs due every 1/rate s, each timed from when it was due."""

    app: App
    latencies_ms: list[float] = field(default_factory=list)
    refused: int = 0

    async def run(self, rate: float, seconds: float) -> None:
        url = f"{self.app.platform.base}{SERVICES_PATH}"
        session = self.app.platform.session
        start = time.perf_counter()

        async def one(due: float) -> None:
            async with session.get(url, headers=self.app.headers) as response:
                await response.read()
            self.latencies_ms.append((time.perf_counter() - due) * 1e3)
            if response.status != 200:
                self.refused += 1

        requests = []
        for i in range(int(rate * seconds)):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            requests.append(asyncio.create_task(one(due)))
        await asyncio.gather(*requests)


async def _causes_during(causes: Causes, seconds: float) -> None:
    """One cause every CAUSE_EVERY_S (or as soon as the last one is heard of) for ``seconds``."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        due = time.perf_counter() + CAUSE_EVERY_S
        await causes.one()
        await asyncio.sleep(max(0.0, due - time.perf_counter()))


@dataclass
class Phase:
    """One phase's figures for Q."""

    quiet: Quiet
    heard: Causes
    flood: Flood | None = None


async def _neighbour(up: MeclabUp, rate: float, seconds: float) -> tuple[Phase, Phase, float]:
    """Q's phases without and with F's flood; meclab's count of rate refusals."""
    async with Platform(up) as platform, Receiver() as receiver:
        producer = App(platform, "producer", await platform.app_headers("producer"))
        await _register_services(producer, SERVICES)  # within the producer's burst
        phases = []
        for flooding in (False, True):
            label = "flood" if flooding else "calm"  # each phase's own callback and names
            quiet = App(platform, "quiet", await platform.app_headers("quiet"))
            flooder = await platform.app_headers("flooder")
            await quiet.subscribe(f"{receiver.base}/n/{label}", f"{label}-")
            # Q's phase starts with a full bucket, whatever the subscription took.
            await asyncio.sleep(LIMIT_BURST / LIMIT_PER_S)
            phase = Phase(Quiet(quiet), Causes(producer, receiver, label, f"{label}-"))
            flood = None
            if flooding:
                flood = _start_flood(
                    up.workdir, f"{up.base}{SERVICES_PATH}", flooder, rate, seconds
                )
            await asyncio.gather(
                phase.quiet.run(QUIET_PER_S, seconds), _causes_during(phase.heard, seconds)
            )
            if flood is not None:
                out, _ = await asyncio.to_thread(flood.communicate)
                phase.flood = Flood.parse(out)
            phases.append(phase)
        refused = await platform.metric("meclab_requests_refused_total", reason="rate", kind="app")
    return phases[0], phases[1], refused


def bench_neighbour(seconds: float) -> None:
    need_wrk()
    rate = FLOOD_FACTOR * LIMIT_PER_S
    doc = _scenario(
        ["producer", "quiet", "flooder"], {"rate_per_s": LIMIT_PER_S, "burst": LIMIT_BURST}
    )
    with MeclabUp(doc, dataplane=False, secure=True) as up:
        calm, flooded, refused = asyncio.run(_neighbour(up, rate, seconds))
    flood = flooded.flood
    assert flood is not None
    print(
        f"Noisy neighbour (--secure): apps F and Q on one MEC host limited to "
        f"{LIMIT_PER_S:g} requests/s (burst {LIMIT_BURST:g}) each; Q sends {QUIET_PER_S:g} "
        f"discovery GETs/s (timed from when each was due) and hears of a registration or "
        f"removal every {CAUSE_EVERY_S:g} s; {seconds:g} s without F, then {seconds:g} s with "
        f"F flooding on {FLOOD_CONNECTIONS} connections"
    )
    sent = flood.requests / flood.seconds
    print(
        f"  F sent {flood.requests} requests in {flood.seconds:.1f} s ({sent:.0f}/s, "
        f"{sent / LIMIT_PER_S:.1f}x its limit): {flood.refused} refused with 429, "
        f"{flood.through} ({flood.through / flood.requests:.1%}) got through, "
        f"{flood.through / flood.seconds:.1f}/s; meclab counted {refused:.0f} rate refusals "
        f"of apps in all (wrk counts only the answers it had when it stopped)"
    )
    for label, phase in (("without flood", calm), ("with flood   ", flooded)):
        print(
            f"  Q {label}: requests {_figures(phase.quiet.latencies_ms)}, "
            f"{phase.quiet.refused} refused; notifications {_figures(phase.heard.latencies_ms)}"
        )
    for what, calm_ms, flooded_ms in (
        ("request", calm.quiet.latencies_ms, flooded.quiet.latencies_ms),
        ("notification", calm.heard.latencies_ms, flooded.heard.latencies_ms),
    ):
        ratio = pct(sorted(flooded_ms), 0.99) / pct(sorted(calm_ms), 0.99)
        print(
            f"  Q's {what} p99 with/without the flood {ratio:.2f}: "
            f"{_goal(ratio, GOAL_P99_FACTOR, below=True)}"
        )
    refused_q = calm.quiet.refused + flooded.quiet.refused
    print(f"  Q's requests refused {refused_q}: goal 0 {'met' if refused_q == 0 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", nargs="?", choices=("overhead", "neighbour", "all"), default="all")
    parser.add_argument("--measure-s", type=float, default=MEASURE_S, help="wrk seconds in all")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--notifications", type=int, default=NOTIFICATIONS)
    parser.add_argument("--flood-s", type=float, default=FLOOD_S, help="each neighbour phase")
    args = parser.parse_args()
    pin(SERVER_CPU + 1)  # this driver (clients, receiver) beside wrk, off meclab's core
    if args.which in ("overhead", "all"):
        bench_overhead(args.measure_s, args.rounds, args.notifications)
    if args.which in ("neighbour", "all"):
        bench_neighbour(args.flood_s)


if __name__ == "__main__":
    main()
