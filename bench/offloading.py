"""Offloading policies in the emulated world: completion time, deadline misses, terminal energy.

    python bench/offloading.py                      # default scenario, 200 tasks per UE
    python bench/offloading.py --tasks-per-ue 50 --seed 3
    python bench/offloading.py --scale              # and part 2: 10,000 terminals, 1M tasks

A mobility run of meclab's default scenario (Monaco) on the stepped clock, one tick per
``--dt`` seconds. Every terminal issues ``--tasks-per-ue`` tasks (Poisson arrivals, a mix of
three kinds, below); every policy places the same tasks, drawn once from ``--seed``.

**What a policy sees** is the task's :class:`~meclab.sdk.offload.context.Context` as of the
last tick at or before its issue, built exactly as the control API shows the world and the live
context source reads it: the terminal through ``meclab.control.views.terminal_detail``, nodes
through ``node_info``, paths through ``path_info`` (``World.path``), mapped to a context by
``meclab.sdk.offload.live`` (``link_of``, ``node_of``, ``energy_of``). The edge is the MEC host
of the zone serving the UE at issue, the cloud the scenario's first cloud. As the control API
reports no load, nodes show ``active_tasks = 0``. Each adaptive policy also runs a second time,
as ``NAME+load``, on contexts that show each node's background load at issue (what a platform
that reports node load would give): the difference is what reporting load is worth.

**What happens** to a task (its realized outcome, the same for every policy): the upload
crosses the path as it is at issue, plus a jitter draw; the compute shares the node with the
*background load* running there when the input arrives (other applications, a seeded random
process per node the context cannot see); the result comes back over the path as it is when
the compute ends, the UE having moved meanwhile (another cell, another zone: a longer path to
the same host), and waits for coverage when the UE has none then. Transfer and compute times
use the formulas of :mod:`meclab.sdk.offload.estimate`; terminal energy its model. A task's
outcome does not depend on where the other tasks went (a simplification: no queueing among
the benchmark's own tasks), so the **oracle**, which knows every realized outcome, takes the
fastest placement of each task and no policy can beat its mean.

Learning policies hear each outcome when the task completes, not before.

Goals printed with PASS or MISS: the best adaptive policy beats the best static one by >= 30 %
in mean completion and is within 10 % of the oracle. Beside them, published figures: edge about
51 % faster than cloud offloading (Satyanarayanan et al., "Are cloudlets necessary?", CMU 2015)
and 3.1x lower latency than cloud-only (Kang et al., Neurosurgeon, ASPLOS 2017).

**Part 2** (``--scale``) times the decision pipeline at scale: ``--scale-ues`` generated
terminals, ``--scale-tasks`` tasks over ``--scale-seconds`` of stepped clock, one process, the
greedy policy; goal under 30 s, beside PureEdgeSim's 58 s.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import statistics
import time
from dataclasses import dataclass, replace

import numpy as np

from meclab.control.views import compute_info, node_info, path_info, terminal_detail
from meclab.control.wire import EnergyInfo
from meclab.engine.netchar import Unreachable
from meclab.engine.topology import ElementKind
from meclab.engine.world import World
from meclab.scenario.builtin import default_scenario
from meclab.scenario.compute import energy_of as scenario_energy_of
from meclab.scenario.generator import generate
from meclab.scenario.model import NetChar, Scenario
from meclab.sdk.offload.context import Context, EnergyModel, Link, Node, Site
from meclab.sdk.offload.estimate import (
    NJ,
    compute_s,
    estimate,
    offload_energy_j,
    transfer_s,
)
from meclab.sdk.offload.live import energy_of, link_of, node_of
from meclab.sdk.offload.policy import Policy
from meclab.sdk.offload.registry import default_registry
from meclab.sdk.offload.task import PLACEMENTS, Observation, Placement, Task
from meclab.types import ComputeKind


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of task: its demand and its deadline."""

    name: str
    cycles: float
    input_bytes: int
    output_bytes: int
    deadline_s: float
    share: float
    """Fraction of the tasks of this kind."""


KINDS = (
    # An AR frame: 100 ms on one 2 GHz phone core, a compressed frame up, a pose down.
    Kind("frame", 0.2e9, 40_000, 2_000, 0.15, 0.6),
    # Face recognition: 1 s on the phone, a photo up, an identity down.
    Kind("face", 2e9, 200_000, 1_000, 1.0, 0.3),
    # A batch job (OCR of a document): 4 s on the phone, a 2 MB scan up.
    Kind("batch", 8e9, 2_000_000, 10_000, 6.0, 0.1),
)
ENERGY_WEIGHT = 1.0
"""Price units one joule of terminal energy is worth to the deadline- and cost-aware policy."""
BACKGROUND_MEAN_PER_CORE = {ElementKind.MEC_HOST: 1.0, ElementKind.CLOUD: 0.3}
"""Mean background tasks per core on each kind of node (Poisson around a slowly drifting
mean): an edge host about as busy as it has cores, a cloud much less."""
MARGIN_S = 120.0
"""World ticks recorded past the last issue, for tasks still running then."""


@dataclass(frozen=True, slots=True)
class Issued:
    """One task, the UE that issued it, when, and its noise draws."""

    ue: int
    t: float
    task: Task
    jitter_draws: tuple[float, float]
    """Standard normal draws scaling the path's jitter on the way up and down."""


@dataclass(frozen=True, slots=True)
class Outcome:
    placement: Placement
    completion_s: float
    energy_j: float
    radio_j: float
    """The part of ``energy_j`` spent by the radio on the task's bytes."""


class Timeline:
    """The world recorded tick by tick: each UE's context and the background load per node."""

    def __init__(self, scenario: Scenario, until_s: float, dt: float, seed: int) -> None:
        self.dt = dt
        world = World(scenario)
        self.ues = [t.name for t in world.top.terminals]
        self.clouds = world.elements_of(ElementKind.CLOUD)
        hosts = world.elements_of(ElementKind.MEC_HOST)
        self.ticks = math.ceil(until_s / dt) + 1
        self.nodes = {n: node_of(node_info(world, n)) for n in hosts + self.clouds}
        host_of_zone = {world.top.elements[h].zone: h for h in hosts}
        # contexts[tick][ue], and the site of every node from every UE at every tick (None:
        # unreachable), for the realized downloads.
        self.contexts: list[list[Context]] = []
        self.sites: list[dict[tuple[int, str], Site | None]] = []
        self.edge_at: list[list[str | None]] = []
        for k in range(self.ticks):
            t = k * dt
            world.step(t)
            ctxs, sites, edges = [], {}, []
            for i, ue in enumerate(self.ues):
                for node in self.nodes:
                    sites[i, node] = self._site(world, ue, node)
                detail = terminal_detail(world, ue)
                radio = detail.radio.value if detail.radio is not None else None
                edge = host_of_zone.get(detail.zone) if detail.zone is not None else None
                edges.append(edge)
                ctxs.append(
                    Context(
                        terminal=Node(
                            cores=detail.compute.cores, speed_ghz=detail.compute.speed_ghz
                        ),
                        energy=energy_of(detail.energy, radio),
                        edge=sites[i, edge] if edge is not None else None,
                        cloud=sites[i, self.clouds[0]] if self.clouds else None,
                        t=t,
                        radio=radio,
                    )
                )
            self.contexts.append(ctxs)
            self.sites.append(sites)
            self.edge_at.append(edges)
        rng = np.random.default_rng(seed + 1)
        self.background: dict[str, np.ndarray] = {}
        for name, node in self.nodes.items():
            mean = BACKGROUND_MEAN_PER_CORE[world.top.elements[name].kind] * node.cores
            # A mean drifting between quiet and twice as busy over minutes, Poisson around it.
            phase = rng.uniform(0, 2 * math.pi)
            period = rng.uniform(60.0, 240.0)
            times = np.arange(self.ticks) * dt
            level = mean * (1.0 + np.sin(2 * math.pi * times / period + phase))
            self.background[name] = rng.poisson(level)

    def _site(self, world: World, ue: str, node: str) -> Site | None:
        try:
            path = path_info(world.path(ue, node))
        except Unreachable:
            return None
        return Site(node=self.nodes[node], link=link_of(path))

    def tick(self, t: float) -> int:
        return min(self.ticks - 1, int(t / self.dt))

    def context(self, issued: Issued, *, load: bool = False) -> Context:
        """The context of ``issued`` at issue; ``load``: with the nodes' background load then."""
        k = self.tick(issued.t)
        ctx = self.contexts[k][issued.ue]
        if load:
            for placement in ctx.available():
                if placement is not Placement.TERMINAL:
                    name = self.remote_node(issued, placement)
                    ctx = ctx.with_load(placement, int(self.background[name][k]))
        return ctx

    def remote_node(self, issued: Issued, placement: Placement) -> str:
        if placement is Placement.EDGE:
            edge = self.edge_at[self.tick(issued.t)][issued.ue]
            assert edge is not None  # the policy chose among available placements
            return edge
        return self.clouds[0]

    def outcome(self, issued: Issued, placement: Placement) -> Outcome:
        """What really happens to ``issued`` at ``placement``."""
        ctx = self.context(issued)
        task = issued.task
        if placement is Placement.TERMINAL:
            energy = task.cycles * ctx.energy.cpu_nj_per_cycle * NJ
            return Outcome(placement, compute_s(ctx.terminal, task.cycles), energy, 0.0)
        name = self.remote_node(issued, placement)
        site = ctx.site(placement)
        assert site is not None
        up = transfer_s(site.link, task.input_bytes, site.link.up_mbps)
        up = max(0.0, up + issued.jitter_draws[0] * site.link.jitter_ms / 1000.0)
        arrive = issued.t + up
        busy = int(self.background[name][self.tick(arrive)])
        node = replace(self.nodes[name], active_tasks=busy)
        done = arrive + compute_s(node, task.cycles)
        k = self.tick(done)
        while self.sites[k][issued.ue, name] is None and k < self.ticks - 1:
            k += 1  # out of coverage: the result waits for the UE to come back
        back = self.sites[k][issued.ue, name]
        start = max(done, k * self.dt)
        if back is None:  # never back within the recording: count the wait to its end
            finish = start
        else:
            down = transfer_s(back.link, task.output_bytes, back.link.down_mbps)
            down = max(0.0, down + issued.jitter_draws[1] * back.link.jitter_ms / 1000.0)
            finish = start + down
        completion = finish - issued.t
        energy = offload_energy_j(ctx, task, completion)
        return Outcome(placement, completion, energy, energy - ctx.energy.idle_w * completion)


def issue(ues: int, tasks_per_ue: int, rate_per_s: float, seed: int) -> list[Issued]:
    """Every UE's tasks, Poisson arrivals at ``rate_per_s``, in order of issue."""
    rng = random.Random(seed)
    weights = [k.share for k in KINDS]
    out = []
    for ue in range(ues):
        t = 0.0
        for _ in range(tasks_per_ue):
            t += rng.expovariate(rate_per_s)
            kind = rng.choices(KINDS, weights)[0]
            task = Task(
                cycles=kind.cycles,
                input_bytes=kind.input_bytes,
                output_bytes=kind.output_bytes,
                deadline_s=kind.deadline_s,
                energy_weight=ENERGY_WEIGHT,
                kind=kind.name,
            )
            out.append(Issued(ue, t, task, (rng.gauss(0, 1), rng.gauss(0, 1))))
    out.sort(key=lambda i: i.t)
    return out


def run_policy(
    policy: Policy, timeline: Timeline, tasks: list[Issued], *, load: bool = False
) -> list[Outcome]:
    """Place every task with ``policy``; it hears each outcome once the task has completed.
    ``load``: its contexts show the nodes' background load (``Timeline.context``)."""
    pending: list[tuple[float, int, Issued, Context, Observation]] = []
    out = []
    for n, issued in enumerate(tasks):
        while pending and pending[0][0] <= issued.t:
            _, _, done, ctx_then, observation = heapq.heappop(pending)
            policy.observe(done.task, ctx_then, observation)
        ctx = timeline.context(issued, load=load)
        placement = policy.choose(issued.task, ctx)
        outcome = timeline.outcome(issued, placement)
        expected = estimate(issued.task, ctx, placement).completion_s
        observation = Observation(placement, outcome.completion_s, expected, outcome.energy_j)
        heapq.heappush(pending, (issued.t + outcome.completion_s, n, issued, ctx, observation))
        out.append(outcome)
    return out


def run_oracle(timeline: Timeline, tasks: list[Issued]) -> list[Outcome]:
    """Each task at the placement of least realized completion (the first of equals)."""
    out = []
    for issued in tasks:
        ctx = timeline.context(issued)
        options = [timeline.outcome(issued, p) for p in PLACEMENTS if p in ctx.available()]
        out.append(min(options, key=lambda o: o.completion_s))
    return out


@dataclass(frozen=True, slots=True)
class Figures:
    mean_s: float
    p95_s: float
    miss_rate: float
    energy_j: float
    """Mean terminal energy per task."""
    radio_j: float
    """Mean radio energy per task."""
    shares: dict[Placement, float]


def figures(tasks: list[Issued], outcomes: list[Outcome]) -> Figures:
    times = sorted(o.completion_s for o in outcomes)
    missed = sum(
        1
        for i, o in zip(tasks, outcomes, strict=True)
        if i.task.deadline_s is not None and o.completion_s > i.task.deadline_s
    )
    n = len(outcomes)
    return Figures(
        mean_s=statistics.fmean(times),
        p95_s=times[max(0, math.ceil(0.95 * n) - 1)],
        miss_rate=missed / n,
        energy_j=statistics.fmean(o.energy_j for o in outcomes),
        radio_j=statistics.fmean(o.radio_j for o in outcomes),
        shares={p: sum(o.placement is p for o in outcomes) / n for p in PLACEMENTS},
    )


STATIC = ("always-terminal", "always-edge", "always-cloud")
ADAPTIVE = ("greedy", "deadline-cost", "learning")
LOADED = tuple(f"{name}+load" for name in ADAPTIVE)
"""The adaptive policies on contexts that show the nodes' load."""


def evaluate(
    scenario: Scenario, tasks_per_ue: int, rate_per_s: float, dt: float, seed: int
) -> tuple[dict[str, Figures], list[Issued], dict[str, list[Outcome]]]:
    """Figures of every policy and the oracle on one set of tasks."""
    ues = len(World(scenario).top.terminals)  # the issue times fix how long to record
    tasks = issue(ues, tasks_per_ue, rate_per_s, seed)
    timeline = Timeline(scenario, tasks[-1].t + MARGIN_S, dt, seed)
    registry = default_registry()
    outcomes: dict[str, list[Outcome]] = {}
    for name in STATIC + ADAPTIVE + LOADED:
        base, load = name.removesuffix("+load"), name.endswith("+load")
        options = {"rng": random.Random(seed)} if base == "learning" else {}
        policy = registry.create(base, **options)
        outcomes[name] = run_policy(policy, timeline, tasks, load=load)
    outcomes["oracle"] = run_oracle(timeline, tasks)
    return {k: figures(tasks, v) for k, v in outcomes.items()}, tasks, outcomes


def scale(ues: int, cells: int, tasks: int, duration_s: float, dt: float, seed: int) -> None:
    """Part 2: ``tasks`` tasks of ``ues`` generated terminals over ``duration_s`` on the stepped
    clock, one process: step the world, build each task's context from it as the control API
    would (terminal view, node info, path info, without the radio measurements a context does
    not use), let the greedy policy choose and work out the outcome (background load at the
    node, the path as at issue).

    Batched as an application fleet would share them: the link from a cell to a node is
    composed once for every terminal on that cell that has no network characteristics of its
    own (their paths are the same hop for hop; the run changes no network characteristics, so
    once for the run), and each terminal's energy model on each radio once."""
    started = time.perf_counter()
    scenario = generate(ues=ues, cells=cells, seed=seed)
    world = World(scenario)
    built = time.perf_counter() - started
    terminals = world.top.terminals
    hosts = world.elements_of(ElementKind.MEC_HOST)
    clouds = world.elements_of(ElementKind.CLOUD)
    nodes = {n: node_of(node_info(world, n)) for n in hosts + clouds}
    host_of_zone = {world.top.elements[h].zone: h for h in hosts}
    own = [
        (
            compute_info(t, ComputeKind.TERMINAL),
            EnergyInfo(**scenario_energy_of(t).model_dump(), default=t.energy is None),
        )
        for t in terminals
    ]
    # a terminal with no network characteristics of its own adds nothing to its cell's path
    shared = [t.netchar == NetChar() for t in terminals]
    energies: dict[tuple[int, str | None], EnergyModel] = {}
    links: dict[tuple[str | None, str], Link | None] = {}  # by (cell, node)
    rng = np.random.default_rng(seed)
    ue_of = rng.integers(0, ues, tasks)
    tick_of = np.sort(rng.integers(0, math.ceil(duration_s / dt), tasks))
    kind_of = rng.choice(len(KINDS), tasks, p=[k.share for k in KINDS])
    kinds = [
        Task(k.cycles, k.input_bytes, k.output_bytes, k.deadline_s, ENERGY_WEIGHT, k.name)
        for k in KINDS
    ]
    ticks = int(tick_of[-1]) + 1
    busy = {
        n: rng.poisson(BACKGROUND_MEAN_PER_CORE[world.top.elements[n].kind] * v.cores, ticks)
        for n, v in nodes.items()
    }
    policy = default_registry().create("greedy")
    bounds = np.searchsorted(tick_of, np.arange(ticks + 1))
    total = 0.0
    stepping = 0.0
    for k in range(ticks):
        at = time.perf_counter()
        world.step(k * dt)
        stepping += time.perf_counter() - at
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        views = world.terminals(ue_of[lo:hi].tolist())
        for n, view in zip(range(lo, hi), views, strict=True):
            task = kinds[int(kind_of[n])]
            ue = int(ue_of[n])
            compute, energy = own[ue]
            radio = view.radio.value if view.radio is not None else None
            edge = host_of_zone.get(view.zone) if view.zone is not None else None
            sites = {}
            for placement, name in ((Placement.EDGE, edge), (Placement.CLOUD, clouds[0])):
                if name is None:
                    continue
                key = (view.poa, name)
                if shared[ue] and key in links:
                    link = links[key]
                else:
                    try:
                        link = link_of(path_info(world.path(view.name, name)))
                    except Unreachable:
                        link = None
                    if shared[ue]:
                        links[key] = link
                if link is not None:
                    sites[placement.value] = Site(node=nodes[name], link=link)
            model = energies.get((ue, radio))
            if model is None:
                model = energies[ue, radio] = energy_of(energy, radio)
            ctx = Context(
                terminal=Node(cores=compute.cores, speed_ghz=compute.speed_ghz),
                energy=model,
                t=k * dt,
                radio=radio,
                **sites,
            )
            placement = policy.choose(task, ctx)
            if placement is not Placement.TERMINAL:
                name = edge if placement is Placement.EDGE else clouds[0]
                loaded = ctx.with_load(placement, int(busy[name][k]))
                total += estimate(task, loaded, placement).completion_s
            else:
                total += estimate(task, ctx, placement).completion_s
    elapsed = time.perf_counter() - started
    print(
        f"scale: {ues:,} generated terminals, {cells:,} cells, {tasks:,} tasks over "
        f"{duration_s:.0f} s (dt {dt:g} s), one process: {elapsed:.1f} s "
        f"(generate + build {built:.1f} s, world steps {stepping:.1f} s); "
        f"greedy mean completion {total / tasks * 1e3:.1f} ms"
    )
    print(
        f"  vs PureEdgeSim's 58 s: x{elapsed / 58.0:.2f} (goal < 30 s): {verdict(elapsed < 30.0)}"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--tasks-per-ue", type=int, default=200, help="tasks each UE issues")
    parser.add_argument("--rate", type=float, default=1.0, help="tasks per second per UE")
    parser.add_argument("--dt", type=float, default=1.0, help="simulated seconds per tick")
    parser.add_argument("--seed", type=int, default=7, help="same seed, same tasks and load")
    parser.add_argument(
        "--scale", action="store_true", help="also run part 2 (10,000 terminals, 1M tasks)"
    )
    parser.add_argument("--scale-ues", type=int, default=10_000, help="part 2 terminals")
    parser.add_argument("--scale-cells", type=int, default=1_000, help="part 2 cells")
    parser.add_argument("--scale-tasks", type=int, default=1_000_000, help="part 2 tasks")
    parser.add_argument(
        "--scale-seconds", type=float, default=600.0, help="part 2 simulated duration"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    results, tasks, _ = evaluate(
        default_scenario(), args.tasks_per_ue, args.rate, args.dt, args.seed
    )
    elapsed = time.perf_counter() - started
    ues = len({i.ue for i in tasks})
    print(
        f"meclab offloading, default scenario: {ues} UEs x {args.tasks_per_ue} tasks "
        f"= {len(tasks):,} tasks over {tasks[-1].t:.0f} s, dt {args.dt:g} s, seed {args.seed} "
        f"({elapsed:.1f} s)"
    )
    print(
        f"  {'policy':<16} {'mean ms':>9} {'p95 ms':>9} {'missed':>7} {'energy J':>9} "
        f"{'radio J':>8}   terminal/edge/cloud"
    )
    for name, f in results.items():
        shares = "/".join(f"{f.shares[p]:.0%}" for p in PLACEMENTS)
        print(
            f"  {name:<16} {f.mean_s * 1e3:9.1f} {f.p95_s * 1e3:9.1f} {f.miss_rate:7.1%} "
            f"{f.energy_j:9.3f} {f.radio_j:8.3f}   {shares}"
        )
    best_static = min(STATIC, key=lambda n: results[n].mean_s)
    s, o = results[best_static], results["oracle"]
    for names, seen in (
        (ADAPTIVE, "as meclab reports it (no node load)"),
        (LOADED, "with node load reported"),
    ):
        best = min(names, key=lambda n: results[n].mean_s)
        gain = 1.0 - results[best].mean_s / s.mean_s
        gap = results[best].mean_s / o.mean_s - 1.0
        print(
            f"{seen}: best adaptive ({best}) vs best static ({best_static}) "
            f"{gain:.1%} lower mean completion (goal >= 30 %): {verdict(gain >= 0.30)}; "
            f"{gap:.1%} above the oracle (goal <= 10 %): {verdict(gap <= 0.10)}"
        )
    print(
        f"the oracle itself: {1.0 - o.mean_s / s.mean_s:.1%} lower mean completion than "
        f"{best_static}: the most any policy could gain on this workload"
    )
    best_adaptive = min(ADAPTIVE, key=lambda n: results[n].mean_s)
    a = results[best_adaptive]
    edge, cloud, local = results["always-edge"], results["always-cloud"], results["always-terminal"]
    print(
        f"always-edge vs always-cloud mean response: {edge.mean_s * 1e3:.1f} vs "
        f"{cloud.mean_s * 1e3:.1f} ms, edge {1.0 - edge.mean_s / cloud.mean_s:.1%} faster, "
        "negative: slower "
        '(published: ~51 %, Satyanarayanan et al., "Are cloudlets necessary?", CMU 2015)'
    )
    print(
        f"cloud-only vs best adaptive latency: x{cloud.mean_s / a.mean_s:.2f} "
        f"(published: x3.1, Kang et al., Neurosurgeon, ASPLOS 2017)"
    )
    print(
        f"terminal energy per task vs local-only: {best_adaptive} {a.energy_j:.3f} J, "
        f"oracle {o.energy_j:.3f} J, local-only {local.energy_j:.3f} J "
        f"({1.0 - a.energy_j / local.energy_j:.1%} saved by {best_adaptive})"
    )
    if args.scale:
        scale(
            args.scale_ues,
            args.scale_cells,
            args.scale_tasks,
            args.scale_seconds,
            args.dt,
            args.seed,
        )


if __name__ == "__main__":
    main()
