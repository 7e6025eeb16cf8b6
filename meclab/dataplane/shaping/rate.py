"""Throughput: a token bucket that serialises pieces like a link of the path's bottleneck rate.

toxiproxy's ``bandwidth.go`` sleeps ``len/rate`` per chunk and carries its timer error into the
next sleep, "because timers are only good to about a millisecond". Here the same debt is carried
exactly, by computing departures in absolute virtual time (GCRA, ITU-T I.371's virtual
scheduling): ``tat`` is when the link becomes free. A timer that fires late delays that one
write, never the schedule of the pieces after it, so the long-run rate holds whatever the
timer resolution (about 1 ms here, measured: see :mod:`meclab.dataplane.outbox`).

A piece leaves when its last byte is through (store and forward). ``burst_bytes`` lets that
many bytes pass back to back after an idle period, as a token bucket of that depth would; the
default 0 is a plain serialising link, whose measured rate is exact over any interval.

Big pieces are cut into slices of about :data:`SLICE_S` worth of bytes (toxiproxy cuts at
100 ms) so that a slow link delivers a steady trickle rather than one late burst.
"""

from __future__ import annotations

from dataclasses import dataclass

SLICE_S = 0.010
"""Seconds of transmission per slice: 100 writes a second per saturated flow at most."""
MIN_SLICE_BYTES = 4096
"""No slice is smaller than this (about three TCP segments), whatever the rate."""


@dataclass(slots=True)
class TokenBucket:
    """A rate limit in bytes per second (None: unlimited)."""

    rate_Bps: float | None = None
    burst_bytes: int = 0
    tat: float = float("-inf")
    """Theoretical arrival time: when the link has sent everything committed so far."""

    @property
    def active(self) -> bool:
        return self.rate_Bps is not None

    def set_rate(self, rate_Bps: float | None) -> None:
        """Change the rate in place; what is already scheduled keeps its times."""
        if rate_Bps is not None and rate_Bps <= 0:
            raise ValueError(f"rate must be positive, got {rate_Bps}")
        self.rate_Bps = rate_Bps

    def departure(self, ready: float, size: int) -> float:
        """When a piece of ``size`` bytes, ready at ``ready``, has gone through the link."""
        rate = self.rate_Bps
        if rate is None:
            return ready
        tat = max(self.tat, ready)
        done = tat + size / rate
        self.tat = done
        return max(ready, done - self.burst_bytes / rate)

    def slice_bytes(self) -> int:
        """Largest slice a piece is cut into at the current rate."""
        if self.rate_Bps is None:
            return 1 << 62
        return max(MIN_SLICE_BYTES, int(self.rate_Bps * SLICE_S))

    def backlog_s(self, now: float) -> float:
        """How long the link stays busy with what is already committed."""
        return max(0.0, self.tat - now)
