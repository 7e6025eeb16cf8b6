"""What the offloader places: a unit of work, where it may run, and what was observed of it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from meclab.sdk.offload.errors import InvalidTask

GIGA = 1e9


class Placement(StrEnum):
    """Where a task runs: the three tiers of a MEC application."""

    TERMINAL = "terminal"
    """On the UE itself; always possible, even out of coverage."""
    EDGE = "edge"
    """On the MEC host serving the UE's zone."""
    CLOUD = "cloud"
    """On the application's cloud node."""


PLACEMENTS = (Placement.TERMINAL, Placement.EDGE, Placement.CLOUD)
"""Every placement, in the order ties are broken."""


@dataclass(frozen=True, slots=True)
class Task:
    """One unit of work.

    ``cycles`` is the compute demand in CPU cycles on one core (a task does not spread over
    cores); :meth:`measured` derives it from a time measured on a reference node. Input bytes go
    up from the terminal to the node that runs it, output bytes come back down; a task run on
    the terminal moves neither.
    """

    cycles: float
    input_bytes: int = 0
    output_bytes: int = 0
    deadline_s: float | None = None
    """Completion time (from submission) it should not exceed; None: no deadline."""
    energy_weight: float = 0.0
    """Price units one joule of terminal energy is worth to the deadline- and cost-aware policy
    (0: energy does not count)."""
    kind: str = ""
    """A label for statistics and for learners' coarse contexts (e.g. "face", "frame")."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cycles) and self.cycles > 0):
            raise InvalidTask("cycles", f"must be a finite number > 0, got {self.cycles!r}")
        for name in ("input_bytes", "output_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidTask(name, f"must be an integer >= 0, got {value!r}")
        deadline = self.deadline_s
        if deadline is not None and not (math.isfinite(deadline) and deadline > 0):
            raise InvalidTask("deadline_s", f"must be a finite number > 0, got {deadline!r}")
        weight = self.energy_weight
        if not (math.isfinite(weight) and weight >= 0):
            raise InvalidTask("energy_weight", f"must be a finite number >= 0, got {weight!r}")

    @classmethod
    def measured(
        cls,
        seconds: float,
        *,
        on_ghz: float,
        input_bytes: int = 0,
        output_bytes: int = 0,
        deadline_s: float | None = None,
        energy_weight: float = 0.0,
        kind: str = "",
    ) -> Task:
        """A task that took ``seconds`` on one core of a reference node at ``on_ghz`` GHz."""
        if not (math.isfinite(seconds) and seconds > 0):
            raise InvalidTask("seconds", f"must be a finite number > 0, got {seconds!r}")
        if not (math.isfinite(on_ghz) and on_ghz > 0):
            raise InvalidTask("on_ghz", f"must be a finite number > 0, got {on_ghz!r}")
        return cls(
            cycles=seconds * on_ghz * GIGA,
            input_bytes=input_bytes,
            output_bytes=output_bytes,
            deadline_s=deadline_s,
            energy_weight=energy_weight,
            kind=kind,
        )


@dataclass(frozen=True, slots=True)
class Observation:
    """What happened to one placed task: fed back to learning policies and kept in stats."""

    placement: Placement
    completion_s: float
    """From submission to result, as measured."""
    estimated_s: float
    """What the estimate predicted for this placement when it was chosen."""
    energy_j: float
    """Terminal energy the task cost (the estimate's model applied to what was observed)."""

    def met(self, task: Task) -> bool:
        """Whether the task finished within its deadline (always, without one)."""
        return task.deadline_s is None or self.completion_s <= task.deadline_s
