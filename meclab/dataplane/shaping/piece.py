"""What stages pass along: pieces of a chunk with the time each may leave."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Piece:
    """Bytes ``[start, end)`` of the chunk being admitted, leaving at ``at``."""

    at: float
    start: int
    end: int
    origin: float = 0.0
    """When the piece left the emulated network, before any toxic: toxiproxy's latency counts
    from here ("delay minus time already spent"), so toxics add to the path, not to each
    other's waiting."""

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Ending:
    """The flow is to be closed at ``at``: gracefully (FIN after what is queued) or reset;
    ``half``: only this direction ends (a FIN towards its sink, its source's later data
    dropped), the other carries on until its peer closes."""

    at: float
    reset: bool = False
    half: bool = False
