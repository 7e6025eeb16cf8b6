"""toxiproxy's toxics as pure stages (toxiproxy ``toxics/*.go``, same attributes and units).

Each stage takes the pieces of one chunk and returns what is left of them, with new times, and
possibly an :class:`~.piece.Ending` (close or reset the connection). A stage holds the state of
one connection (toxiproxy's ``ToxicStub`` state, e.g. ``limit_data``'s byte count); settings
shared by all connections live in the API's toxic record (:mod:`meclab.dataplane.toxiproxy`).

Units are toxiproxy's: milliseconds, KB/s (1 KB = 1000 bytes), microseconds for the slicer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from meclab.dataplane.shaping.piece import Ending, Piece
from meclab.dataplane.shaping.rate import TokenBucket

Result = tuple[list[Piece], Ending | None]


class ToxicStage:
    """Base: passes everything through unchanged."""

    stream_only = False
    """True for toxics that only make sense on a byte stream (skipped for datagrams)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def apply(self, pieces: list[Piece], now: float, rng: np.random.Generator) -> Result:
        return pieces, None

    def deadline(self) -> Ending | None:
        """An ending due even if no data comes (the timeout toxic's)."""
        return None


class LatencyToxic(ToxicStage):
    """``latency`` ms plus a uniform ``jitter`` in [-jitter, +jitter) ms (toxics/latency.go)."""

    def __init__(self, name: str, latency_ms: float, jitter_ms: float = 0.0) -> None:
        super().__init__(name)
        self.latency_s = latency_ms / 1000.0
        self.jitter_s = jitter_ms / 1000.0

    def apply(self, pieces: list[Piece], now: float, rng: np.random.Generator) -> Result:
        for piece in pieces:
            delay = self.latency_s
            if self.jitter_s > 0:
                delay += float(rng.uniform(-self.jitter_s, self.jitter_s))
            # "delay minus time already spent" in earlier toxics (toxiproxy latency.go)
            piece.at = max(piece.at, piece.origin + max(0.0, delay))
        return pieces, None


class BandwidthToxic(ToxicStage):
    """At most ``rate`` KB/s (toxics/bandwidth.go); 0 means no limit, as there."""

    def __init__(self, name: str, rate_kBps: float) -> None:
        super().__init__(name)
        self.bucket = TokenBucket(rate_kBps * 1000.0 if rate_kBps > 0 else None)

    def apply(self, pieces: list[Piece], now: float, rng: np.random.Generator) -> Result:
        if not self.bucket.active:
            return pieces, None
        return serialise(self.bucket, pieces, sliced=True), None


class SlicerToxic(ToxicStage):
    """Cut data into pieces of about ``average_size`` bytes, ``delay`` µs apart (slicer.go)."""

    stream_only = True

    def __init__(self, name: str, average_size: int, size_variation: int = 0, delay_us: float = 0):
        super().__init__(name)
        self.average = max(1, int(average_size))
        self.variation = max(0, min(int(size_variation), self.average - 1))
        self.delay_s = delay_us / 1e6

    def _cuts(self, start: int, end: int, rng: np.random.Generator, out: list[int]) -> None:
        # toxiproxy's recursion: split about in half, randomly moved by the variation, until
        # a piece is within the variation of the average size
        if (end - start) - self.average <= self.variation:
            out.append(end)
            return
        shift = int(rng.integers(-self.variation, self.variation)) if self.variation else 0
        mid = start + (end - start) // 2 + shift
        self._cuts(start, mid, rng, out)
        self._cuts(mid, end, rng, out)

    def apply(self, pieces: list[Piece], now: float, rng: np.random.Generator) -> Result:
        out: list[Piece] = []
        for piece in pieces:
            ends: list[int] = []
            self._cuts(piece.start, piece.end, rng, ends)
            start = piece.start
            for i, end in enumerate(ends):
                out.append(Piece(piece.at + i * self.delay_s, start, end, piece.origin))
                start = end
        return out, None


class TimeoutToxic(ToxicStage):
    """Stop all data; close the connection ``timeout`` ms after the toxic took effect, or
    never when 0 (toxics/timeout.go)."""

    def __init__(self, name: str, timeout_ms: float, since: float) -> None:
        super().__init__(name)
        self.ending = Ending(since + timeout_ms / 1000.0) if timeout_ms > 0 else None

    def apply(self, pieces: list[Piece], now: float, rng: np.random.Generator) -> Result:
        return [], self.ending

    def deadline(self) -> Ending | None:
        return self.ending


class ResetPeerToxic(ToxicStage):
    """On data, reset the connection (TCP RST) ``timeout`` ms later; the data is dropped
    (toxics/reset_peer.go)."""

    stream_only = True

    def __init__(self, name: str, timeout_ms: float) -> None:
        super().__init__(name)
        self.timeout_s = timeout_ms / 1000.0
        self.ending: Ending | None = None

    def apply(self, pieces: list[Piece], now: float, rng: np.random.Generator) -> Result:
        if self.ending is None and pieces:
            self.ending = Ending(now + self.timeout_s, reset=True)
        return [], self.ending


class LimitDataToxic(ToxicStage):
    """Let ``bytes`` bytes through, then close (toxics/limit_data.go).

    toxiproxy closes the link's output; here the direction is half-closed (FIN after the last
    byte allowed), so what the peer answers to those bytes still arrives before it closes.
    """

    stream_only = True

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(name)
        self.limit = max(0, int(limit))
        self.sent = 0

    def apply(self, pieces: list[Piece], now: float, rng: np.random.Generator) -> Result:
        out: list[Piece] = []
        last_at = now
        for piece in pieces:
            room = self.limit - self.sent
            if room <= 0:
                break
            if piece.size > room:
                piece = Piece(piece.at, piece.start, piece.start + room, piece.origin)
            out.append(piece)
            self.sent += piece.size
            last_at = piece.at
        return out, Ending(last_at, half=True) if self.sent >= self.limit else None


def serialise(bucket: TokenBucket, pieces: list[Piece], *, sliced: bool) -> list[Piece]:
    """Pass pieces through a token bucket, cut into slices when ``sliced``."""
    out: list[Piece] = []
    step = bucket.slice_bytes() if sliced else 1 << 62
    for piece in pieces:
        start = piece.start
        while start < piece.end:
            end = min(piece.end, start + step)
            out.append(Piece(bucket.departure(piece.at, end - start), start, end, piece.origin))
            start = end
    return out


Factory = Callable[[str, Mapping[str, Any], float], ToxicStage]


def _int(attrs: Mapping[str, Any], key: str) -> float:
    return float(attrs.get(key, 0) or 0)


FACTORIES: dict[str, Factory] = {
    "latency": lambda n, a, now: LatencyToxic(n, _int(a, "latency"), _int(a, "jitter")),
    "bandwidth": lambda n, a, now: BandwidthToxic(n, _int(a, "rate")),
    "slicer": lambda n, a, now: SlicerToxic(
        n, int(_int(a, "average_size")), int(_int(a, "size_variation")), _int(a, "delay")
    ),
    "timeout": lambda n, a, now: TimeoutToxic(n, _int(a, "timeout"), now),
    "reset_peer": lambda n, a, now: ResetPeerToxic(n, _int(a, "timeout")),
    "limit_data": lambda n, a, now: LimitDataToxic(n, int(_int(a, "bytes"))),
}
"""Toxic type → stage for one connection, from the toxic's attributes, taking effect at now."""
