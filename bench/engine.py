"""Engine tick rate: move, select cells, measure, build events, for N terminals on one core.

    python bench/engine.py                       # 10k, 100k and 1M terminals, 1,000 cells
    python bench/engine.py --ues 100000 --ticks 50

For each size it times ``World.step`` (a whole tick) three ways in the same run:

* **indexed**: the engine as shipped: one cKDTree per radio type and per-terminal candidate
  lists refreshed only when a terminal has moved past its margin (about the skin distance);
* **tree, no lists**: the same trees with no skin, so every terminal that moved is queried
  again at every tick;
* **brute force**: the exhaustive search (``meclab.engine.exhaustive``), every terminal's
  distance to every cell of each type at every tick: what the index must always agree with.

and prints ticks/s and the ratios the index buys. Simulated time advances ``--dt`` seconds per
tick (default 1 s: speed 10 at 10 ticks/s), so terminals move and cross cells as in a run.
Goals (issue 2): 100k terminals at >= 10 ticks/s, 1M at >= 1 tick/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from meclab.engine.exhaustive import ExhaustiveSearch
from meclab.engine.selection import CandidateLists, CellSearch
from meclab.engine.world import World
from meclab.scenario.generator import generate


def tree_every_tick(world: World) -> CellSearch:
    """The spatial index without a skin: lists rebuilt whenever a terminal moves at all."""
    return CandidateLists(world.cell_xy, world.cells, skin_m=0.0)


def brute_force(world: World) -> CellSearch:
    """No index at all: every terminal against every cell of each type."""
    return ExhaustiveSearch(world.cell_xy, world.cells, world.cell_domain)


def time_ticks(
    world: World, ticks: int, dt: float, t0: float
) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds per tick for ``ticks`` ticks from ``t0``, and the number of events."""
    times, cpu, events = [], [], 0
    for k in range(1, ticks + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        events += len(world.step(t0 + k * dt))
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return times, cpu, events


def report(
    label: str, times: list[float], cpu: list[float], events: int, baseline: float | None = None
) -> float:
    # CPU time beside wall time: on a shared machine only the former stays comparable.
    mean = statistics.fmean(times)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    ratio = f"  x{mean / baseline:6.1f} the indexed tick" if baseline else ""
    print(
        f"  {label:<15} {1 / mean:8.2f} ticks/s   mean {mean * 1e3:8.1f} ms   "
        f"p95 {p95 * 1e3:8.1f} ms   cpu {statistics.fmean(cpu) * 1e3:8.1f} ms   "
        f"{events / len(times):8.0f} events/tick{ratio}"
    )
    return mean


def bench(ues: int, cells: int, ticks: int, slow_ticks: int, dt: float, seed: int) -> None:
    started = time.perf_counter()
    scenario = generate(ues=ues, cells=cells, seed=seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    world = World(scenario)
    world.step(0.0)
    built = time.perf_counter() - started
    del scenario
    print(
        f"{ues:,} terminals, {cells:,} cells "
        f"(generate {generated:.1f} s, build + first tick {built:.1f} s)"
    )
    t = 0.0
    before = world.candidates.rebuilt
    times, cpu, events = time_ticks(world, ticks, dt, t)
    t += ticks * dt
    rebuilt = (world.candidates.rebuilt - before) / ticks
    indexed = report("indexed", times, cpu, events)
    print(f"  {'':<15} candidate lists rebuilt per tick: {rebuilt / max(1, ues):.2%} of terminals")
    for label, search in (("tree, no lists", tree_every_tick), ("brute force", brute_force)):
        world.search = search(world)
        world.step(t)  # fill the new lists once, untimed, as for the indexed run
        times, cpu, events = time_ticks(world, slow_ticks, dt, t)
        t += slow_ticks * dt
        report(label, times, cpu, events, indexed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ues", default="10000,100000,1000000", help="comma-separated sizes")
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=20, help="indexed ticks timed per size")
    parser.add_argument(
        "--slow-ticks", type=int, default=3, help="ticks timed for the slow variants"
    )
    parser.add_argument("--dt", type=float, default=1.0, help="simulated seconds per tick")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})  # one core, as the goal is stated
    print(f"meclab engine tick, one core (cpu {cpus[0]}), dt = {args.dt:g} s per tick")
    for n in (int(x) for x in args.ues.split(",")):
        bench(n, args.cells, args.ticks, args.slow_ticks, args.dt, args.seed)


if __name__ == "__main__":
    main()
