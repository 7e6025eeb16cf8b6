"""Simulation time.

The clock is one object handed to whoever needs "now"; nothing below it reads the system time
itself. Simulation time runs from a monotonic source, scaled by a speed factor, and can be
paused. Tests drive the world with explicit times instead (``World.step(t)``) or give the clock
a fake source.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_SPEED = 10_000.0


class SimClock:
    """Simulation seconds since the start of a run: real time x speed, pausable."""

    def __init__(
        self,
        *,
        start: float = 0.0,
        speed: float = 1.0,
        paused: bool = False,
        source: Callable[[], float] = time.monotonic,
    ) -> None:
        _check_speed(speed)
        self._source = source
        self._anchor_sim = start
        self._anchor_real = source()
        self._speed = speed
        self._paused = paused

    def now(self) -> float:
        """Current simulation time in seconds."""
        return self.at(self._source())

    def at(self, reading: float) -> float:
        """Simulation time when the source reads ``reading`` (as things stand: speed and pauses
        to come are not foreseen)."""
        if self._paused:
            return self._anchor_sim
        return self._anchor_sim + (reading - self._anchor_real) * self._speed

    @property
    def speed(self) -> float:
        """Simulation seconds per real second."""
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def _reanchor(self) -> None:
        self._anchor_sim = self.now()
        self._anchor_real = self._source()

    def set_speed(self, speed: float) -> None:
        """Change the speed from now on; time already elapsed is kept."""
        _check_speed(speed)
        self._reanchor()
        self._speed = speed

    def pause(self) -> None:
        """Stop simulation time; ``now()`` keeps returning the same value."""
        if not self._paused:
            self._reanchor()
            self._paused = True

    def resume(self) -> None:
        """Let simulation time run again from where it stopped."""
        if self._paused:
            self._anchor_real = self._source()
            self._paused = False


def _check_speed(speed: float) -> None:
    if not 0.0 < speed <= MAX_SPEED:
        raise ValueError(f"speed must be > 0 and <= {MAX_SPEED:g}, got {speed}")
