"""Redundancy: every piece crosses several accesses at once and the receiver keeps the first copy.

An MTS session in REDUNDANCY mode (ETSI GS MEC 015 clause 7.2.5, ``mtsMode`` 3: "duplicated
packets over more than one access") sends each byte over two accesses. This stage stands in
for the delay and loss stages then: each copy samples its own access's latency, jitter and
loss, per piece, and the piece leaves at the earliest time among the copies that survive:

* a datagram is lost only when every copy is lost;
* a stream piece pays, per copy, that copy's retransmission penalty (:mod:`.loss`), so an
  access at 100 % loss costs nothing while the other carries the piece.

So a flow survives the loss of one access without a gap: the other's copy arrives as it
would alone. The rate stage before it is the faster access's (the first copy through is
what counts); the FIFO clamp after it keeps the stream in order, as for one path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from meclab.dataplane.shaping.delay import Delay
from meclab.dataplane.shaping.loss import Loss


@dataclass(slots=True)
class Copy:
    """One access carrying a copy of every piece."""

    delay: Delay
    loss: Loss


@dataclass(slots=True)
class Redundancy:
    """The copies of one direction; active with two or more."""

    copies: list[Copy] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return len(self.copies) >= 2

    def set_copies(self, copies: Sequence[Copy]) -> None:
        """Take new copies (empty: one path, the pipeline's own delay and loss act)."""
        self.copies = list(copies)

    def earliest(
        self, ready: float, size: int, rng: np.random.Generator, *, stream: bool
    ) -> float | None:
        """When the first surviving copy of a piece ready at ``ready`` arrives; None when every
        copy of a datagram is lost (a stream piece always arrives: loss costs it time)."""
        best: float | None = None
        for copy in self.copies:
            if stream:
                at = ready + copy.loss.stream_penalty(size, rng)
            elif copy.loss.drops(rng):
                continue
            else:
                at = ready
            if copy.delay.active:
                at += copy.delay.sample(rng)
            if best is None or at < best:
                best = at
        return best
