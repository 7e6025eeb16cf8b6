"""Processor sharing on one node, as a pure core that takes ``now`` (no clock, no I/O).

A node of ``k`` cores at ``f`` cycles/s runs its ``n`` tasks at once: each gets
``f * min(1, k / n)`` cycles per second (a task uses one core at most; with more tasks than
cores they share them evenly). Every task present is served at the same rate, so the node keeps
one *virtual time* ``V``: the cycles each task present has received since ``V`` began. A task
admitted at virtual time ``V0`` with ``C`` cycles finishes when ``V`` reaches ``V0 + C``; a heap
of those finishing points makes admission and completion O(log n), whatever the contention.

The adapter that really waits is :class:`~meclab.sdk.offload.executors.EmulatedNode`; the
offloading simulation (meclab/offloading) drives the same core in virtual time.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Hashable

EPSILON_S = 1e-12
"""Completions this close after ``now`` count as done: float error, not time."""


class ProcessorSharing:
    """The tasks on one node and when they finish."""

    __slots__ = ("_finish", "_order", "_t", "_v", "cores", "hz")

    def __init__(self, cores: int, hz: float, now: float = 0.0) -> None:
        if cores < 1:
            raise ValueError(f"cores must be >= 1, got {cores}")
        if not (math.isfinite(hz) and hz > 0):
            raise ValueError(f"hz must be a finite number > 0, got {hz}")
        self.cores = cores
        self.hz = hz
        self._t = now
        self._v = 0.0
        self._finish: list[tuple[float, int, Hashable]] = []
        self._order = itertools.count()

    @property
    def active(self) -> int:
        """Tasks on the node now."""
        return len(self._finish)

    def rate(self, tasks: int | None = None) -> float:
        """Cycles per second each task gets with ``tasks`` present (default: those present)."""
        n = len(self._finish) if tasks is None else tasks
        return self.hz * min(1.0, self.cores / n) if n else self.hz

    def admit(self, key: Hashable, cycles: float, now: float) -> list[Hashable]:
        """Start a task of ``cycles`` at ``now``; returns the tasks that finished up to ``now``
        (before this one arrived), in the order they finished."""
        if cycles <= 0:
            raise ValueError(f"cycles must be > 0, got {cycles}")
        done = self.advance(now)
        heapq.heappush(self._finish, (self._v + cycles, next(self._order), key))
        return done

    def advance(self, now: float) -> list[Hashable]:
        """Run the node up to ``now``; the tasks that finished by then, in order."""
        if now < self._t - EPSILON_S:
            raise ValueError(f"time goes backwards: {now} < {self._t}")
        done: list[Hashable] = []
        finish = self._finish
        while finish:
            rate = self.hz * min(1.0, self.cores / len(finish))
            v_end, _, key = finish[0]
            t_end = self._t + (v_end - self._v) / rate
            if t_end > now + EPSILON_S:
                self._v += (now - self._t) * rate
                break
            heapq.heappop(finish)
            self._v, self._t = v_end, t_end
            done.append(key)
        self._t = max(self._t, now)
        return done

    def next_completion(self) -> float | None:
        """When the next task finishes if none arrives before; None when the node is idle."""
        if not self._finish:
            return None
        v_end = self._finish[0][0]
        return self._t + (v_end - self._v) / self.rate()

    def preview(self, cycles: float, now: float) -> float:
        """When a task of ``cycles`` admitted at ``now`` would finish if no other arrived after
        it; the node is not changed (call :meth:`advance` to ``now`` first)."""
        v = self._v + (now - self._t) * self.rate() if self._finish else self._v
        t, target = now, v + cycles
        n = len(self._finish) + 1
        for end in sorted(end for end, _, _ in self._finish):
            if end >= target:
                break
            t += (end - v) / self.rate(n)
            v, n = end, n - 1
        return t + (target - v) / self.rate(n)
