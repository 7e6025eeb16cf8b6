"""The offloader against ``meclab up``: what a live placement decision costs an application.

    python bench/offloading_live.py                 # default scenario, 3 UEs, 2,000 decisions
    python bench/offloading_live.py --decisions 500 --ues 5

``meclab up`` on the default scenario runs as users start it (its own process, pinned to one
core, the world ticking for real). This driver, on the other core, is an application: one
:class:`~meclab.sdk.offload.offloader.Offloader` per UE with the greedy policy, its context
from :class:`~meclab.sdk.offload.live.LiveContextSource` over meclab's control API (one
keep-alive session: the terminal, the nodes, the path to the edge and to the cloud), and
executors that return at once, so that what is timed is the decision, not the work. The UEs
decide in turn, one decision at a time.

Printed: decisions per second and the latency of one decision (p50, p99) with the context read
afresh for every decision (``ttl 0``), and with the source's default TTL (a context reused for a
second, re-read on a cell change), and the share of placements. No baseline is named for this
figure: it says how often an application can afford to decide.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from _common import MeclabUp, pct, pin
from offloading import KINDS

from meclab.sdk.config import PlatformConfig
from meclab.sdk.control import ControlClient
from meclab.sdk.offload import AppExecutor, GreedyPolicy, Offloader, Placement, Task
from meclab.sdk.offload.live import LiveContextSource
from meclab.sdk.offload.sources import DEFAULT_TTL_S

FACE = next(kind for kind in KINDS if kind.name == "face")
TASK = Task(FACE.cycles, FACE.input_bytes, FACE.output_bytes, FACE.deadline_s, kind=FACE.name)
"""bench/offloading.py's face recognition: 1 s on one phone core."""


async def decide(base: str, ues: list[str], decisions: int, ttl_s: float) -> None:
    """``decisions`` placements over ``ues`` in turn; prints their rate and latency."""
    async with ControlClient(PlatformConfig(base, timeout_s=10.0)) as control:
        offloaders = [
            Offloader(
                LiveContextSource(control, ue, ttl_s=ttl_s),
                GreedyPolicy(),
                {p: AppExecutor(lambda payload, p=p: p) for p in Placement},
            )
            for ue in ues
        ]
        for offloader in offloaders:  # the connection opened, the first read made
            await offloader.run(TASK)
        placed: Counter[Placement] = Counter()
        latencies: list[float] = []
        started = time.perf_counter()
        for n in range(decisions):
            at = time.perf_counter()
            outcome = await offloaders[n % len(offloaders)].run(TASK)
            latencies.append((time.perf_counter() - at) * 1e3)
            placed[outcome.placement] += 1
        elapsed = time.perf_counter() - started
    latencies.sort()
    shares = "/".join(f"{placed[p] / decisions:.0%}" for p in Placement)
    print(
        f"  ttl {ttl_s:g} s: {decisions / elapsed:8.0f} decisions/s, one decision p50 "
        f"{pct(latencies, 0.5):.2f} ms, p99 {pct(latencies, 0.99):.2f} ms; "
        f"terminal/edge/cloud {shares}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--decisions", type=int, default=2_000, help="placements per run")
    parser.add_argument("--ues", type=int, default=3, help="UEs deciding in turn")
    args = parser.parse_args()
    pin(1)  # the driver on the other core than meclab's
    with MeclabUp("default", dataplane=False) as meclab:
        import httpx

        page = httpx.get(
            f"{meclab.base}/meclab/v1/terminals",
            params={"connected": "true", "limit": args.ues},
            timeout=10.0,
        ).json()
        names = [t["name"] for t in page["items"]]
        print(
            f"meclab up (default scenario) at {meclab.base}; {len(names)} UEs "
            f"({', '.join(names)}), {args.decisions:,} greedy decisions each run"
        )
        for ttl in (0.0, DEFAULT_TTL_S):
            asyncio.run(decide(meclab.base, names, args.decisions, ttl))


if __name__ == "__main__":
    main()
