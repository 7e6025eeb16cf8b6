"""Which of a terminal's accesses carry an MTS session: a pure function of the mode and them.

The data plane calls :func:`choose` for each session on every change of a terminal's radio
context (an access gained, lost or changed in latency, loss or share of throughput) and sends
the session's bytes over what it returns. Ties are broken by the next criterion and finally by
``access_id``, so the answer never depends on the order of the candidates.

==================  ========================================================================
mode                the access(es) chosen
==================  ========================================================================
LOW_COST            the cheapest (:func:`cost_rank`); then the least latency
LOW_LATENCY         the least latency; then the least loss
HIGH_THROUGHPUT     the most available throughput; then the least latency
REDUNDANCY          the two of least latency (loss as tie-break): the receiver keeps the
                    first copy, so the two fastest give the lowest delay and a second path
                    when one fails; one when there is only one
QOS                 the cheapest that meets every figure of ``qosD``; when none does, the one
                    missing the fewest, then by least latency
==================  ========================================================================

HIGH_THROUGHPUT may, by the GS, use several accesses at once; meclab uses one, the best, so
that a flow is never reordered across paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from meclab.services.mts.models import MtsMode, QosD
from meclab.types import RadioType

COST_RANK = {RadioType.WIFI: 0, RadioType.LTE: 1, RadioType.NR: 2}
"""Cheapest first: Wi-Fi is unmetered; 4G is metered; 5G is metered and, in meclab, dearer
than 4G (operators price its throughput higher). Change the order here, nowhere else."""

LATENCY_UNIT_MS = 1e-5
"""``qosD.maxLatency`` and ``maxJitter`` count units of 10 ns (clause 7.2.5)."""
THROUGHPUT_UNIT_MBPS = 1e-3
"""``qosD.minTpt`` counts kbit/s."""


def cost_rank(radio: RadioType) -> int:
    """The cost rank of a radio type's access (0 cheapest: :data:`COST_RANK`)."""
    return COST_RANK[radio]


@dataclass(frozen=True, slots=True)
class Access:
    """One access a terminal can use now, with its end-to-end figures for the session's path."""

    access_id: int
    """The access's ``accessId`` (:mod:`meclab.services.mts.accesses`)."""
    latency_ms: float
    """One-way latency."""
    loss: float
    """Packet loss rate, 0 to 1."""
    throughput_mbps: float
    """Throughput available to the session (its share of the access), Mbit/s."""
    cost_rank: int
    """0 cheapest (:func:`cost_rank`)."""
    jitter_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class QosTarget:
    """A ``qosD`` in meclab's units; None where the session sets no figure."""

    min_throughput_mbps: float | None = None
    max_latency_ms: float | None = None
    max_jitter_ms: float | None = None
    max_loss: float | None = None
    """A loss rate, 0 to 1."""

    @classmethod
    def of(cls, qos: QosD) -> QosTarget:
        """The figures of a ``qosD`` (its units: :data:`LATENCY_UNIT_MS`,
        :data:`THROUGHPUT_UNIT_MBPS`; ``maxLoss`` x is a rate of 1/10^x)."""
        return cls(
            min_throughput_mbps=None if qos.minTpt is None else qos.minTpt * THROUGHPUT_UNIT_MBPS,
            max_latency_ms=None if qos.maxLatency is None else qos.maxLatency * LATENCY_UNIT_MS,
            max_jitter_ms=None if qos.maxJitter is None else qos.maxJitter * LATENCY_UNIT_MS,
            max_loss=None if qos.maxLoss is None else 10.0**-qos.maxLoss,
        )

    def misses(self, access: Access) -> int:
        """How many of the figures ``access`` fails to meet."""
        checks = [
            self.min_throughput_mbps is not None
            and access.throughput_mbps < self.min_throughput_mbps,
            self.max_latency_ms is not None and access.latency_ms > self.max_latency_ms,
            self.max_jitter_ms is not None and access.jitter_ms > self.max_jitter_ms,
            self.max_loss is not None and access.loss > self.max_loss,
        ]
        return sum(checks)


def _by_latency(a: Access) -> tuple[float, float, int]:
    return (a.latency_ms, a.loss, a.access_id)


def _by_cost(a: Access) -> tuple[int, float, float, int]:
    return (a.cost_rank, *_by_latency(a))


def choose(
    mode: MtsMode, candidates: Sequence[Access], qos: QosTarget | None = None
) -> tuple[Access, ...]:
    """The access(es) that carry a session of ``mode`` (module docstring); none without
    candidates. ``qos`` is the session's target in QOS mode (no figure: any access meets it)."""
    if not candidates:
        return ()
    match mode:
        case MtsMode.LOW_COST:
            return (min(candidates, key=_by_cost),)
        case MtsMode.LOW_LATENCY:
            return (min(candidates, key=_by_latency),)
        case MtsMode.HIGH_THROUGHPUT:
            return (min(candidates, key=lambda a: (-a.throughput_mbps, *_by_latency(a))),)
        case MtsMode.REDUNDANCY:
            return tuple(sorted(candidates, key=_by_latency)[:2])
        case MtsMode.QOS:
            target = qos or QosTarget()
            meeting = [a for a in candidates if target.misses(a) == 0]
            if meeting:
                return (min(meeting, key=_by_cost),)
            return (min(candidates, key=lambda a: (target.misses(a), *_by_latency(a))),)
