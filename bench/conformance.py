"""How long ``meclab conformance`` takes against ``meclab up``: every API meclab serves.

    python bench/conformance.py            # 3 full runs
    python bench/conformance.py --runs 5

``meclab up`` on the built-in Monaco world runs in its own process, pinned to one core, as
users start it (see ``_common.py``); the suite runs here, as ``meclab conformance URL`` runs
it (the same runner, in process), with its callback receiver on loopback. Each run is timed
from the first probe to the last step; the figures are per run and per API (the sum of its
steps' request times), with the goal: a full run under 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import defaultdict

from _common import MeclabUp

from meclab.conformance.results import RunResult, Status
from meclab.conformance.runner import RunOptions, run
from meclab.conformance.settings import Settings
from meclab.conformance.suite import resolve

GOAL_S = 60.0
"""A full run against meclab, every API it serves, takes less than this."""


async def one_run(base: str) -> tuple[RunResult, float]:
    start = time.perf_counter()
    result = await run(RunOptions(base), resolve([]), Settings())
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Full runs to time.")
    args = parser.parse_args()
    with MeclabUp("default", dataplane=False) as up:
        walls: list[float] = []
        last: RunResult | None = None
        for index in range(args.runs):
            last, wall = asyncio.run(one_run(up.base))
            walls.append(wall)
            print(
                f"run {index + 1}: {wall:.2f} s, {last.count(Status.PASSED)} passed, "
                f"{last.count(Status.FAILED)} failed, {last.count(Status.SKIPPED)} skipped"
            )
        assert last is not None
        per_api: dict[str, list[float]] = defaultdict(list)
        for outcome in last.outcomes:
            per_api[outcome.api].append(outcome.duration_s)
        print("last run, per API (steps, time in requests and waits):")
        for api, times in per_api.items():
            print(f"  {api:<12} {len(times):>3} steps  {sum(times):6.3f} s")
        worst = max(walls)
        verdict = "met" if worst < GOAL_S and not last.failed else "missed"
        print(
            f"full run: median {statistics.median(walls):.2f} s, worst {worst:.2f} s over "
            f"{len(walls)} runs (goal < {GOAL_S:.0f} s, nothing failed): {verdict}"
        )


if __name__ == "__main__":
    main()
