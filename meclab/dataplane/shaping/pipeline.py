"""One direction of a flow: the chain of stages, updated in place, never reordering.

::

    admit(now, size) ─► [held while stalled]
                     ─► loss ─► rate ─► delay ─► toxics ─► FIFO clamp ─► Verdict
                        (redundant: rate ─► earliest surviving copy ─► toxics ─► FIFO clamp)

The verdict says which bytes of the chunk leave when (``pieces``), what was dropped and whether
the connection is to end. The relay keeps the bytes and does the waiting
(:mod:`meclab.dataplane.outbox`).

Changing parameters (a handover, a network-characteristics event, a toxic added) affects the
chunks admitted from then on. What is already scheduled keeps its time, and every new piece
leaves no earlier than the last one scheduled (the FIFO clamp), so nothing is reordered and, on
a stream, nothing is lost. The clamp is also how jitter keeps order, as netem does when it must
not reorder: a piece whose jitter sample would overtake its predecessor leaves right after it.

A stalled pipeline (the UE is out of coverage) holds chunks rather than scheduling them; the
relay re-admits them on :meth:`Pipeline.resume`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from meclab.dataplane.shaping.delay import Delay
from meclab.dataplane.shaping.loss import TCP_RTO_MIN_S, Loss
from meclab.dataplane.shaping.piece import Ending, Piece
from meclab.dataplane.shaping.rate import TokenBucket
from meclab.dataplane.shaping.redundancy import Copy, Redundancy
from meclab.dataplane.shaping.toxics import ToxicStage, serialise
from meclab.engine.netchar import PathNetChar
from meclab.scenario.model import JitterDistribution

MIN_BUFFER_BYTES = 256 * 1024
"""Smallest queue a direction may hold before the relay stops reading (pause_reading)."""
UNLIMITED_BUFFER_BYTES = 8 * 1024 * 1024
"""Queue bound when no rate limits the path: about Linux's largest default TCP receive window
(net.ipv4.tcp_rmem max 6 MiB), so a delayed unlimited path moves at most this per one-way
delay, as a real window-limited TCP would."""
MAX_BUFFER_BYTES = 64 * 1024 * 1024
"""Hard bound on one direction's queue, whatever the bandwidth-delay product."""
HEADROOM_S = 0.050
"""Queue beyond the bandwidth-delay product, in seconds of transmission, so that a
rate-limited link never idles while the relay waits for the next read."""


class Mode(Enum):
    STREAM = "stream"
    """TCP: bytes are never dropped, only delayed."""
    DATAGRAM = "datagram"
    """UDP: each chunk is a datagram, dropped whole or delivered whole."""


@dataclass(frozen=True, slots=True)
class Shape:
    """Network characteristics of one direction of a path, in SI units."""

    latency_s: float = 0.0
    jitter_s: float = 0.0
    distribution: JitterDistribution = JitterDistribution.NORMAL
    loss: float = 0.0
    """Probability in [0, 1]."""
    rate_Bps: float | None = None
    """Bytes per second; None: unlimited."""

    @classmethod
    def of_path(cls, path: PathNetChar, *, reverse: bool = False) -> Shape:
        """The shape of ``path`` from source to destination, or back with ``reverse``."""
        mbps = path.throughput_reverse_mbps if reverse else path.throughput_mbps
        return cls(
            latency_s=path.latency_ms / 1000.0,
            jitter_s=path.jitter_ms / 1000.0,
            distribution=path.jitter_distribution,
            loss=path.loss_pct / 100.0,
            rate_Bps=None if mbps is None else mbps * 1e6 / 8.0,
        )

    def to_dict(self) -> dict[str, object]:
        """Plain data in the scenario's units (ms, %, Mbit/s)."""
        return {
            "latency_ms": self.latency_s * 1000.0,
            "jitter_ms": self.jitter_s * 1000.0,
            "jitter_distribution": self.distribution.value,
            "loss_pct": self.loss * 100.0,
            "throughput_mbps": None if self.rate_Bps is None else self.rate_Bps * 8.0 / 1e6,
        }


UNSHAPED = Shape()


@dataclass(slots=True)
class Verdict:
    """What becomes of one admitted chunk."""

    pieces: list[Piece] = field(default_factory=list)
    dropped: int = 0
    """Bytes dropped (datagram loss, a timeout toxic)."""
    ending: Ending | None = None
    held: bool = False
    """The pipeline is stalled: keep the chunk and admit it again on resume."""


class Pipeline:
    """The stages of one direction of one flow."""

    def __init__(self, mode: Mode, rng: np.random.Generator, shape: Shape = UNSHAPED) -> None:
        self.mode = mode
        self.rng = rng
        self.shape = UNSHAPED
        self.delay = Delay()
        self.rate = TokenBucket()
        self.loss = Loss()
        self.redundancy = Redundancy()
        """Copies over several accesses (an MTS REDUNDANCY session), in place of delay and loss."""
        self.copies: tuple[Shape, ...] = ()
        """The shapes of those accesses; empty for one path."""
        self.toxics: list[ToxicStage] = []
        self.stalled = False
        self.last_at = float("-inf")
        """Departure of the last piece scheduled: no later piece leaves before it."""
        self.speedup: float | None = None
        """Set when the rate went up: the factor (old rate / new, 0 for unlimited) by which
        the waits committed at the old rate may shrink (:meth:`retime`)."""
        self.update(shape)

    # --- parameters -------------------------------------------------------------------------

    def update(
        self, shape: Shape, *, rto_s: float = TCP_RTO_MIN_S, copies: Sequence[Shape] = ()
    ) -> None:
        """Take new network characteristics; pieces already scheduled keep their times.

        ``copies``: two or more accesses that each carry every piece (:mod:`.redundancy`);
        their own latency, jitter and loss then replace ``shape``'s, whose rate still acts.
        """
        self.shape = shape
        self.delay.latency_s = shape.latency_s
        self.delay.jitter_s = shape.jitter_s
        self.delay.distribution = shape.distribution
        self.loss.p = shape.loss
        self.loss.rto_s = rto_s
        before = self.rate.rate_Bps
        self.rate.set_rate(shape.rate_Bps)
        if before is not None and (shape.rate_Bps is None or shape.rate_Bps > before):
            # faster now: what the old rate committed ahead may go at the new one (speedup)
            faster = 0.0 if shape.rate_Bps is None else before / shape.rate_Bps
            self.speedup = faster if self.speedup is None else self.speedup * faster
        self.copies = tuple(copies) if len(copies) >= 2 else ()
        self.redundancy.set_copies(
            [
                Copy(
                    Delay(c.latency_s, c.jitter_s, c.distribution),
                    Loss(c.loss, rto_s),
                )
                for c in self.copies
            ]
        )

    def retime(self, now: float) -> Callable[[float], float] | None:
        """After the rate went up: the new departure of a piece scheduled at ``at`` (its wait
        beyond the path's latency shrunk by :attr:`speedup`, so the order holds), applied
        here to what the rate stage committed; None when the rate did not go up. The relay
        applies the same to its outbox, so a flow given more (a BWM guarantee, a share
        freed) gets it within the tick instead of after the queue the old rate built."""
        factor, self.speedup = self.speedup, None
        if factor is None:
            return None
        keep = self.delay.latency_s

        def moved(at: float) -> float:
            wait = at - now - keep
            return at if wait <= 0 else now + keep + wait * factor

        if self.rate.tat > now:
            self.rate.tat = now + (self.rate.tat - now) * factor
        self.last_at = moved(self.last_at)
        return moved

    def set_toxics(self, toxics: Sequence[ToxicStage]) -> None:
        """Replace the toxic stages (those kept by identity keep their state)."""
        self.toxics = [t for t in toxics if not (t.stream_only and self.mode is Mode.DATAGRAM)]

    def stall(self) -> None:
        """Hold every chunk from now on (the path is down)."""
        self.stalled = True

    def resume(self) -> None:
        """Schedule chunks again; the relay re-admits those it held."""
        self.stalled = False

    @property
    def transparent(self) -> bool:
        """Nothing to do: chunks may be written at once (the relay's fast path)."""
        return not (
            self.stalled
            or self.toxics
            or self.delay.active
            or self.rate.active
            or self.loss.active
            or self.redundancy.active
        )

    def buffer_limit(self, now: float) -> int:
        """Bytes this direction may queue before the relay stops reading its source.

        The bandwidth-delay product of the path plus :data:`HEADROOM_S` of transmission, so a
        limited link stays busy; bounded, so nothing buffers without limit.
        """
        rate = self.shape.rate_Bps
        if rate is None:
            return UNLIMITED_BUFFER_BYTES
        in_flight = self.delay.latency_s + self.delay.spread_s() + HEADROOM_S
        wanted = int(rate * in_flight)
        return max(MIN_BUFFER_BYTES, min(MAX_BUFFER_BYTES, wanted))

    def deadline(self) -> Ending | None:
        """The earliest ending a toxic has due without data, if any."""
        endings = [e for t in self.toxics if (e := t.deadline()) is not None]
        return min(endings, key=lambda e: e.at) if endings else None

    # --- deciding ---------------------------------------------------------------------------

    def admit(self, now: float, size: int) -> Verdict:
        """Decide what becomes of a chunk of ``size`` bytes that arrived at ``now``."""
        if self.stalled:
            return Verdict(held=True)
        rng = self.rng
        stream = self.mode is Mode.STREAM
        redundant = self.redundancy.active
        if not stream and not redundant and self.loss.drops(rng):
            return Verdict(dropped=size)
        pieces = [Piece(now, 0, size)]
        if self.rate.active:
            pieces = serialise(self.rate, pieces, sliced=stream)
        extra = self.loss.active and stream
        delay = self.delay
        for piece in pieces:
            if redundant:
                at = self.redundancy.earliest(piece.at, piece.size, rng, stream=stream)
                if at is None:  # a datagram (one piece) whose every copy was lost
                    return Verdict(dropped=size)
                piece.at = at
            else:
                if extra:
                    piece.at += self.loss.stream_penalty(piece.size, rng)
                if delay.active:
                    piece.at += delay.sample(rng)
            piece.origin = piece.at
        ending: Ending | None = None
        for toxic in self.toxics:
            pieces, end = toxic.apply(pieces, now, rng)
            if end is not None and (ending is None or end.at < ending.at):
                ending = end
        last = self.last_at
        kept = 0
        for piece in pieces:
            if piece.at < last:
                piece.at = last
            last = piece.at
            kept += piece.size
        self.last_at = last
        return Verdict(pieces=pieces, dropped=size - kept, ending=ending)
