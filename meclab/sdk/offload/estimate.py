"""Expected completion time and terminal energy of a task at each placement.

Exact and small, so that a test (or a reader) can work a choice out by hand. For a task of
``C`` cycles, ``D_in`` input and ``D_out`` output bytes:

**Compute** on a node of ``k`` cores at ``f`` Hz running ``n`` tasks now, under processor
sharing (each task gets one core at most, ``k`` cores split evenly among the tasks present)::

    compute_s = C / (f * min(1, k / (n + 1)))

It assumes the ``n`` tasks stay for the whole run: what a decision can know of the future.

**Transfer** of ``D`` bytes over a link of one-way latency ``L``, jitter ``J``, loss ``p`` and
rate ``R`` bit/s in that direction (no rate limit: no serialisation time)::

    transfer_s = L + 8 D / R + ceil(D / MSS) * p * RTO,   RTO = max(0.2 s, 2 L + 4 * 2 J)

The last term is loss as meclab's data plane makes a TCP stream feel it: each lost segment
holds the stream back by one retransmission timeout (RFC 6298 §2, with Linux's 200 ms floor;
RTT = 2 L and RTTVAR = 2 J, as meclab/dataplane/flows.py derives them); ``ceil(D / MSS) * p`` is
the expected number of lost segments. Nothing is sent for an empty input or output, so its
transfer is only the latency (the request or the answer still crosses the path).

**Completion**: on the terminal, its compute time; elsewhere ``upload + compute + download``,
which counts the round trip once (one latency each way).

**Terminal energy** (Kumar and Lu, IEEE Computer 2010): on the terminal ``C * e_cycle``; when
offloaded, the radio's per-bit energy for what it sends and receives plus idle power for the
whole wait: ``8 D_in * e_tx + 8 D_out * e_rx + P_idle * completion_s``.

**Cost**: ``C / 1e9 * price`` of the placement (:class:`~meclab.sdk.offload.context.Prices`).
"""

from __future__ import annotations

from dataclasses import dataclass

from meclab.sdk.offload.context import Context, Link, Node
from meclab.sdk.offload.errors import InvalidContext
from meclab.sdk.offload.task import GIGA, Placement, Task

MSS_BYTES = 1448
"""TCP payload of a 1500-byte Ethernet frame with timestamps, as meclab's data plane cuts
segments (meclab/dataplane/shaping/loss.py)."""
TCP_RTO_MIN_S = 0.200
"""Linux TCP_RTO_MIN (include/net/tcp.h), the floor of the retransmission timeout."""
NJ = 1e-9
MBPS = 1e6


@dataclass(frozen=True, slots=True)
class Estimate:
    """What a placement is expected to cost one task."""

    placement: Placement
    completion_s: float
    upload_s: float
    compute_s: float
    download_s: float
    energy_j: float
    """Terminal energy."""
    cost: float
    """Price of the compute, in the application's price unit."""


def compute_s(node: Node, cycles: float) -> float:
    """Expected compute time of ``cycles`` on ``node`` beside the tasks running there now."""
    share = min(1.0, node.cores / (node.active_tasks + 1))
    return cycles / (node.speed_ghz * GIGA * share)


def rto_s(link: Link) -> float:
    """RFC 6298 retransmission timeout of the link's round trip, with Linux's floor."""
    return max(TCP_RTO_MIN_S, (2.0 * link.latency_ms + 8.0 * link.jitter_ms) / 1000.0)


def transfer_s(link: Link, size_bytes: int, rate_mbps: float | None) -> float:
    """Expected time for ``size_bytes`` to cross ``link`` one way at ``rate_mbps``."""
    seconds = link.latency_ms / 1000.0
    if size_bytes <= 0:
        return seconds
    if rate_mbps is not None:
        seconds += 8.0 * size_bytes / (rate_mbps * MBPS)
    if link.loss_pct > 0:
        segments = -(-size_bytes // MSS_BYTES)
        seconds += segments * link.loss_pct / 100.0 * rto_s(link)
    return seconds


def offload_energy_j(ctx: Context, task: Task, completion: float) -> float:
    """Terminal energy of an offloaded task that took ``completion`` seconds."""
    e = ctx.energy
    radio = 8.0 * (task.input_bytes * e.tx_nj_per_bit + task.output_bytes * e.rx_nj_per_bit)
    return radio * NJ + e.idle_w * completion


def estimate(task: Task, ctx: Context, placement: Placement) -> Estimate:
    """The estimate of ``task`` at ``placement`` (which must be available in ``ctx``)."""
    cost = task.cycles / GIGA * ctx.prices.of(placement)
    if placement is Placement.TERMINAL:
        local = compute_s(ctx.terminal, task.cycles)
        energy = task.cycles * ctx.energy.cpu_nj_per_cycle * NJ
        return Estimate(placement, local, 0.0, local, 0.0, energy, cost)
    site = ctx.site(placement)
    if site is None:
        raise InvalidContext(placement.value, "is not reachable in this context")
    link = site.link
    up = transfer_s(link, task.input_bytes, link.up_mbps)
    work = compute_s(site.node, task.cycles)
    down = transfer_s(link, task.output_bytes, link.down_mbps)
    total = up + work + down
    return Estimate(placement, total, up, work, down, offload_energy_j(ctx, task, total), cost)


def estimates(task: Task, ctx: Context) -> list[Estimate]:
    """The estimate of ``task`` at every placement available in ``ctx``, in placement order."""
    return [estimate(task, ctx, p) for p in ctx.available()]
