"""Deploying applications on ``meclab up``: how long an instantiation takes, and how many fit.

    python bench/lifecycle.py                       # 20 timed instantiations, then 200 on 20 hosts
    python bench/lifecycle.py --runs 10 --instances 100 --hosts 10

``meclab up`` runs as users start it (its own process, pinned to one core) on a generated world
with one MEC host per zone. The package is ``bench/lifecycle_app``: the smallest application a
MEC host can run (the standard library only), which prints when its code began and when it
asked for confirm_ready. It is built and onboarded with ``meclab app package`` and
``meclab app onboard``, as a user does; instances are created and instantiated through the
control API (``POST /meclab/v1/deployments``, the request ``meclab app instantiate`` makes) and
followed on the operation occurrence, on one keep-alive session.

Part 1, one instantiation at a time (``--runs``), on hosts in turn. For each, from the client's
request to the occurrence's COMPLETED (meclab's own time stamp of it):

* ``to spawn``: request → the process started (meclab: grant, placement, address, working
  directory, MEC 011 instance, fork/exec), from the occurrence's record;
* ``interpreter``: spawn → the app's first line of code (Python's own start-up);
* ``app``: first line → the app's confirm_ready request (its imports, its server);
* ``to COMPLETED``: confirm_ready sent → COMPLETED (meclab: MEC 011 handling, the lifecycle
  hearing of READY, the records);
* meclab's share is ``to spawn`` + ``to COMPLETED``; ``total`` is all of it.

Part 2, ``--instances`` instances spread over ``--hosts`` hosts, instantiated 20 at a time: the
time it took, the memory (RSS) of one instance's process, meclab's own RSS, and meclab's CPU at
idle (10 s, world ticking) with all of them running, against the same figure measured before any
was deployed, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp
import httpx
from _common import DEPLOYMENTS, MeclabUp, cpu_seconds, deploy, onboard, pin

APP = Path(__file__).with_name("lifecycle_app")
SPAWNED = re.compile(r"^\s*([\d.]+) s\s+process \d+ started")
IDLE_S = 10.0
BATCH = 20


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid``, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def app_stamps(session: aiohttp.ClientSession, base: str, instance: str) -> dict[str, float]:
    """The app's own time stamps, from its output."""
    for _ in range(200):
        async with session.get(f"{base}{DEPLOYMENTS}/{instance}/logs") as response:
            lines = (await response.json())["lines"]
        for line in lines:
            if line.startswith("{"):
                return json.loads(line)
        await asyncio.sleep(0.01)
    raise RuntimeError(f"instance {instance} printed no stamps")


async def terminate(session: aiohttp.ClientSession, base: str, instance: str) -> None:
    path = f"{base}{DEPLOYMENTS}/{instance}/operate"
    async with session.post(path, json={"action": "terminate", "graceful_timeout_s": 0}) as r:
        started = await r.json()
    while True:
        async with session.get(base + started["operation_url"]) as response:
            if (await response.json())["state"] in ("COMPLETED", "FAILED", "FAILED_TEMP"):
                return
        await asyncio.sleep(0.01)


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {median(ordered) * 1e3:7.1f} ms  max {ordered[-1] * 1e3:7.1f} ms"


async def timed_runs(base: str, app_d_id: str, hosts: list[str], runs: int) -> None:
    parts: dict[str, list[float]] = {
        k: [] for k in ("to spawn", "interpreter", "app", "to COMPLETED", "meclab", "total")
    }
    async with aiohttp.ClientSession() as session:
        for index in range(runs + 1):  # the first one warms up (imports, first fork)
            done = await deploy(session, base, app_d_id, hosts[index % len(hosts)])
            op, instance = done["op"], done["deployment"]["id"]
            stamps = await app_stamps(session, base, instance)
            spawn_offset = next(
                float(m.group(1)) for line in op["record"] if (m := SPAWNED.match(line))
            )
            spawned = op["start_time"] + spawn_offset
            finished = op["state_entered_time"]
            if index:
                parts["to spawn"].append(spawned - done["requested"])
                parts["interpreter"].append(stamps["began"] - spawned)
                parts["app"].append(stamps["confirming"] - stamps["began"])
                parts["to COMPLETED"].append(finished - stamps["confirming"])
                parts["meclab"].append(
                    (spawned - done["requested"]) + (finished - stamps["confirming"])
                )
                parts["total"].append(finished - done["requested"])
            await terminate(session, base, instance)
    print(f"\none instantiation at a time ({runs} runs, the minimal app):")
    for name, values in parts.items():
        print(f"  {name:14} {ms(values)}")


async def scale(up: MeclabUp, app_d_id: str, hosts: list[str], count: int) -> None:
    base = up.base
    idle_before = await idle_cpu(up.pid)
    rss_before = rss_mb(up.pid)
    started = time.monotonic()
    deployed: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as session:
        for first in range(0, count, BATCH):
            batch = range(first, min(count, first + BATCH))
            deployed += await asyncio.gather(
                *(deploy(session, base, app_d_id, hosts[i % len(hosts)]) for i in batch)
            )
        took = time.monotonic() - started
        async with session.get(base + DEPLOYMENTS) as response:
            listing = await response.json()
    pids = [d["process"]["pid"] for d in listing if d["process"] and d["process"]["running"]]
    if len(pids) != count:
        raise RuntimeError(f"{len(pids)} processes run, {count} expected")
    per_instance = [rss_mb(pid) for pid in pids]
    idle_after = await idle_cpu(up.pid)
    rss_after = rss_mb(up.pid)
    print(f"\n{count} instances on {len(hosts)} hosts, {BATCH} at a time:")
    print(f"  instantiated in         {took:7.1f} s  ({count / took:.1f} per second)")
    print(
        f"  memory per instance     {median(per_instance):7.1f} MB RSS (p50; max "
        f"{max(per_instance):.1f} MB), {sum(per_instance):.0f} MB in all"
    )
    print(
        f"  meclab's memory         {rss_after:7.1f} MB RSS ({rss_before:.1f} MB before: "
        f"+{(rss_after - rss_before) / count * 1024:.0f} kB per instance)"
    )
    print(
        f"  meclab's CPU at idle    {idle_after * 100:7.1f} % of a core with them, "
        f"{idle_before * 100:.1f} % without (ratio {idle_after / max(idle_before, 1e-9):.2f})"
    )


async def idle_cpu(pid: int) -> float:
    """Share of a core ``pid`` used over :data:`IDLE_S` seconds of doing nothing asked of it."""
    before = cpu_seconds(pid)
    await asyncio.sleep(IDLE_S)
    return (cpu_seconds(pid) - before) / IDLE_S


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed instantiations (20)")
    parser.add_argument("--instances", type=int, default=200, help="instances at once (200)")
    parser.add_argument("--hosts", type=int, default=20, help="MEC hosts, one per zone (20)")
    args = parser.parse_args()
    pin(1)
    world = f"generate:ues=100,cells={max(200, args.hosts * 12)},zones={args.hosts},seed=1"
    with MeclabUp(world) as up:
        nodes = httpx.get(up.base + "/meclab/v1/nodes", timeout=30).json()
        hosts = sorted(n["name"] for n in nodes if n["kind"] == "mec_host")
        print(f"meclab up on {world}: {len(hosts)} MEC hosts")
        app_d_id = onboard(up.base, up.workdir, APP)
        asyncio.run(timed_runs(up.base, app_d_id, hosts, args.runs))
        asyncio.run(scale(up, app_d_id, hosts, args.instances))


if __name__ == "__main__":
    main()
