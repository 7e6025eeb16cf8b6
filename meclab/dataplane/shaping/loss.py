"""Loss: datagrams dropped; for a byte stream, the delay that repairing a loss costs.

A datagram (UDP) is dropped with the path's loss probability ``p``, independently.

A byte stream (TCP) never loses bytes: the kernel of the real endpoints would retransmit. What
the application sees is delay. A piece of ``n`` bytes stands for ``ceil(n / MSS)`` segments;
when at least one of them is lost (probability ``1 - (1 - p)^segments``) the piece is held back
by one retransmission timeout, and since the stream keeps its order every byte behind it waits
too (head-of-line blocking), as with a real retransmission. The timeout follows RFC 6298 §2:
``RTO = SRTT + 4 * RTTVAR``, at least Linux's ``TCP_RTO_MIN`` of 200 ms (include/net/tcp.h);
the pipeline gives the path's RTT and jitter. This overstates repairs that fast retransmit
(RFC 5681 §3.2) does in one RTT and ignores congestion-window halving; at 1 % loss and 20 ms
RTT it gives about the throughput of the Mathis et al. formula (MSS/RTT * 1.22/sqrt(p)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MSS_BYTES = 1448
"""TCP payload of a 1500-byte Ethernet frame with timestamps (1500 - 20 - 20 - 12)."""
TCP_RTO_MIN_S = 0.200
"""Linux TCP_RTO_MIN (HZ/5)."""


def rto_s(rtt_s: float, rttvar_s: float) -> float:
    """RFC 6298 retransmission timeout for a path, with Linux's floor."""
    return max(TCP_RTO_MIN_S, rtt_s + 4.0 * rttvar_s)


@dataclass(slots=True)
class Loss:
    """Loss probability ``p`` in [0, 1] and the penalty a stream pays per damaged piece."""

    p: float = 0.0
    rto_s: float = TCP_RTO_MIN_S

    @property
    def active(self) -> bool:
        return self.p > 0.0

    def drops(self, rng: np.random.Generator) -> bool:
        """Whether a datagram is lost."""
        return self.p > 0.0 and float(rng.random()) < self.p

    def stream_penalty(self, size: int, rng: np.random.Generator) -> float:
        """Extra delay (seconds) for a stream piece of ``size`` bytes: 0 or one RTO."""
        if self.p <= 0.0:
            return 0.0
        segments = max(1, -(-size // MSS_BYTES))
        damaged = 1.0 - (1.0 - self.p) ** segments
        return self.rto_s if float(rng.random()) < damaged else 0.0
