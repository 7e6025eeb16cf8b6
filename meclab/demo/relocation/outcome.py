"""What one run of the relocation demo saw: each frame's answer and each relocation's outcome.

Pure: built from what the demo and its components recorded. The client records each frame in
wall-clock time with the instance that answered and the user's frame count there
(:mod:`meclab.demo.ar.client`); the edges record each context they sent or received
(``relocation`` records, :mod:`meclab.demo.ar.edge`); meclab's control API gives the relocation
procedures (``GET /meclab/v1/relocations``) with their steps in simulation time and seconds
since detection; the demo's samples of the world map wall clock to simulation time
(:class:`~meclab.demo.ar.report.Clock`).

An answer is **with context** when its frame count goes beyond every count answered before:
the instance held the user's whole session. A count that starts over (an instance without the
context) or goes back (an instance with an older copy of it) is an answer **without context**.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from meclab.demo.ar.report import Clock

PRE_S = 0.5
"""Real seconds before a relocation's detection that count as around its switch."""
POST_S = 1.0
"""Real seconds after its last step that count as around its switch: time for the frames sent
to the source just before the switch, a retry, and the final push to land."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One frame the client sent, and what came back."""

    n: int
    t: float
    """Simulation time it was sent."""
    sent: float
    """Wall-clock time it was sent."""
    arrived: float | None
    """Wall-clock time its answer came; None: it failed."""
    instance: str | None
    """The appInstanceId that answered."""
    frames: int | None
    """The user's frame count the answer carried."""
    with_context: bool | None
    """Whether the count went on (see the module docstring); None: no answer, or no count."""
    retries: int = 0
    """How often it was sent again after a 503 with Retry-After (an instance the user left)."""


def answers(clock: Clock, client: Sequence[Mapping[str, Any]]) -> list[Answer]:
    """The client's frames, in the order sent, each judged with or without context."""
    out: list[Answer] = []
    best = 0
    for r in client:
        if r["kind"] == "frame_failed":
            out.append(Answer(r["n"], clock.world(r["wall"]), r["wall"], None, None, None, None))
        elif r["kind"] == "frame":
            frames = r.get("frames")
            with_context = None if frames is None else frames > best
            best = max(best, frames or 0)
            out.append(
                Answer(
                    r["n"],
                    clock.world(r["wall"]),
                    r["wall"],
                    r["wall"] + r["rtt_s"],
                    r.get("instance"),
                    frames,
                    with_context,
                    r.get("retries", 0),
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a relocation procedure."""

    state: str
    t: float
    """Simulation time."""
    at_ms: float
    """Milliseconds since its detection."""


@dataclass(slots=True)
class Relocation:
    """One relocation procedure and what the edges and the client saw of it."""

    mode: str
    id: str
    ue: str
    source_host: str
    target_host: str
    source_instance: str
    target_instance: str | None
    state: str
    steps: list[Step]
    detected: float
    """Wall-clock time it was detected."""
    pushed: list[dict[str, Any]] = field(default_factory=list)
    """The contexts the source reported sent (``relocation`` records, direction out)."""
    arrived: list[dict[str, Any]] = field(default_factory=list)
    """The contexts the target reported received (direction in)."""
    window: tuple[float, float] = (0.0, 0.0)
    """Wall-clock times between which a frame sent counts as around the switch."""
    gap_ms: float | None = None
    """The longest time between two answers around the switch (real ms)."""
    without_context: int = 0
    """Answers without context around the switch."""
    answered: int = 0
    """Answers around the switch."""

    @property
    def ended(self) -> float:
        """Wall-clock time of its last step."""
        return self.detected + self.steps[-1].at_ms / 1000.0

    def reached_ms(self, state: str) -> float | None:
        """Milliseconds from detection until the procedure first reached ``state``."""
        return next((s.at_ms for s in self.steps if s.state == state), None)


def _procedure(mode: str, clock: Clock, proc: Mapping[str, Any]) -> Relocation:
    raw = proc["steps"]
    t0 = raw[0]["t"] if raw and raw[0]["t"] is not None else clock.start
    steps = [Step(s["state"], t0 + s["at_s"] * clock.speed, s["at_s"] * 1000.0) for s in raw]
    return Relocation(
        mode=mode,
        id=proc["id"],
        ue=proc["ue"],
        source_host=proc["source"]["host"],
        target_host=proc["target"]["host"],
        source_instance=proc["source"]["appInstanceId"],
        target_instance=proc["target"]["appInstanceId"],
        state=proc["state"],
        steps=steps,
        detected=clock.wall(t0),
    )


def relocations(
    mode: str,
    clock: Clock,
    procedures: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    frames: Sequence[Answer],
) -> list[Relocation]:
    """The procedures (as the control API lists them, any order) in the order they started,
    each with the contexts the edges reported for its pair of instances (those nearest in time)
    and what the client saw around its switch: from :data:`PRE_S` before it to :data:`POST_S`
    after, cut where the previous one ends and the next one starts."""
    found = sorted(
        (_procedure(mode, clock, p) for p in procedures if p["steps"]),
        key=lambda r: r.steps[0].t,
    )
    for record in (e for e in edges if e.get("kind") == "relocation"):
        pair = (record["source"], record["target"])
        same = [r for r in found if (r.source_instance, r.target_instance) == pair]
        if same:
            owner = min(same, key=lambda r: abs(record["wall"] - r.detected))
            (owner.pushed if record["direction"] == "out" else owner.arrived).append(dict(record))
    for i, r in enumerate(found):
        before = found[i - 1].ended if i else float("-inf")
        after = found[i + 1].detected if i + 1 < len(found) else float("inf")
        low, high = max(r.detected - PRE_S, before), min(r.ended + POST_S, after)
        r.window = (low, high)
        around = [a for a in frames if low <= a.sent <= high]
        came = sorted(a.arrived for a in around if a.arrived is not None)
        gaps = [b - a for a, b in itertools.pairwise(came)]
        r.gap_ms = max(gaps) * 1000.0 if gaps else None
        r.without_context = sum(a.with_context is False for a in around)
        r.answered = len(came)
    return found


def spans_on(samples: Sequence[Mapping[str, Any]], poa: str) -> list[tuple[float, float]]:
    """The simulation-time spans in which the world's samples had the walker on ``poa``."""
    out: list[tuple[float, float]] = []
    begun: float | None = None
    for s in samples:
        if s["poa"] == poa and begun is None:
            begun = s["time_s"]
        elif s["poa"] != poa and begun is not None:
            out.append((begun, s["time_s"]))
            begun = None
    if begun is not None and samples:
        out.append((begun, samples[-1]["time_s"]))
    return out


@dataclass(slots=True)
class ModeRun:
    """One mode's run: the two instances (source first), the answers, the relocations."""

    mode: str
    instances: tuple[str, str]
    hosts: tuple[str, str]
    answers: list[Answer]
    relocations: list[Relocation]
    on_target: list[tuple[float, float]] = field(default_factory=list)
    """Simulation-time spans the walker was on the target cell."""

    def answered_by(self, instance: str) -> int:
        return sum(a.instance == instance for a in self.answers)

    @property
    def failed(self) -> int:
        return sum(a.arrived is None for a in self.answers)

    @property
    def without_context(self) -> int:
        return sum(a.with_context is False for a in self.answers)

    @property
    def retried(self) -> int:
        """Frames answered only after a 503 with Retry-After."""
        return sum(a.retries > 0 for a in self.answers)
