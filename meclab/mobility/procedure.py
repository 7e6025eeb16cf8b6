"""The relocation procedure: one table of states and cues, and the record of one procedure.

A procedure starts when a terminal registered with an application instance (MEC 021
RegistrationInfo) is, or is predicted to be, served by another MEC host than that instance's.
It ends with the terminal's traffic switched to an instance of the same application on the
target host (COMPLETED), or with the source instance still serving it (FAILED)::

    DETECTED ---------target_found------------> TRIGGERED     (INTERHOST_MOVEOUT_TRIGGERED)
    DETECTED ---------target_missing----------> STARTING_TARGET   (the lifecycle instantiates)
    STARTING_TARGET --target_ready------------> TRIGGERED     (INTERHOST_MOVEOUT_TRIGGERED)
    TRIGGERED --------confirmed---------------> CONFIRMED     (context moved, or none to wait for)
    CONFIRMED --------arrived-----------------> COMPLETED     (switch; INTERHOST_MOVEOUT_COMPLETED)
    any open state ---arrived-----------------> (same state: the arrival is noted)
    any open state ---target_failed | timed_out | withdrawn --> FAILED  (INTERHOST_MOVEOUT_FAILED)

*confirmed* comes from the application (a registration update setting the device's
contextTransferState to USER_CONTEXT_TRANSFER_COMPLETED) when its service level is
APP_MOBILITY_WITH_CONFIRMATION, and at once otherwise. *arrived* is the terminal being served by
the target host: at once for a move already made, at the handover for a predicted one. The
manager (:mod:`.manager`) feeds the cues and acts on the states; this module is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from meclab.mobility.registry import ServiceLevel
from meclab.platform.errors import Conflict
from meclab.platform.steering import AppKey


class State(StrEnum):
    DETECTED = "DETECTED"
    STARTING_TARGET = "STARTING_TARGET"
    TRIGGERED = "TRIGGERED"
    CONFIRMED = "CONFIRMED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class Cue(StrEnum):
    TARGET_FOUND = "target_found"
    TARGET_MISSING = "target_missing"
    TARGET_READY = "target_ready"
    TARGET_FAILED = "target_failed"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    TIMED_OUT = "timed_out"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({State.DETECTED, State.STARTING_TARGET, State.TRIGGERED, State.CONFIRMED})
FINAL = frozenset({State.COMPLETED, State.FAILED})

TRANSITIONS: dict[tuple[State, Cue], State] = {
    (State.DETECTED, Cue.TARGET_FOUND): State.TRIGGERED,
    (State.DETECTED, Cue.TARGET_MISSING): State.STARTING_TARGET,
    (State.STARTING_TARGET, Cue.TARGET_READY): State.TRIGGERED,
    (State.TRIGGERED, Cue.CONFIRMED): State.CONFIRMED,
    (State.CONFIRMED, Cue.ARRIVED): State.COMPLETED,
    **{(s, Cue.ARRIVED): s for s in OPEN - {State.CONFIRMED}},
    **{(s, c): State.FAILED for s in OPEN for c in (Cue.TARGET_FAILED, Cue.TIMED_OUT)},
    **{(s, Cue.WITHDRAWN): State.FAILED for s in OPEN},
}


class IllegalCue(Conflict):
    """A cue the procedure's state does not take (a bug in the caller, or a late event)."""


@dataclass(slots=True)
class StepRecord:
    """One step of a procedure: when, in which state, and what happened."""

    wall: float
    t: float | None
    """Simulation time, when a world was running."""
    state: State
    text: str

    def to_dict(self, started: float) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "at_s": round(self.wall - started, 4),
            "t": self.t,
            "text": self.text,
        }


@dataclass(slots=True)
class Procedure:
    """One relocation of one terminal's service from a source instance to a target one."""

    id: str
    ue: str
    app: AppKey
    registration_id: str
    level: ServiceLevel | None
    source_instance: str
    source_host: str
    target_host: str
    started: float
    """Wall-clock time it was detected."""
    state: State = State.DETECTED
    target_instance: str | None = None
    started_target: bool = False
    """Whether meclab instantiated the target for this procedure (instance relocation)."""
    arrived: bool = False
    """Whether the terminal is served by the target host already."""
    prediction: dict[str, Any] | None = None
    """The prediction that started it ahead of the handover (None: the move was seen)."""
    reason: str | None = None
    steps: list[StepRecord] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.state in OPEN

    def cue(self, cue: Cue, text: str, wall: float, t: float | None) -> State:
        """Apply ``cue`` (IllegalCue if the table has no move for it) and record the step."""
        target = TRANSITIONS.get((self.state, cue))
        if target is None:
            raise IllegalCue(f"relocation {self.id} is {self.state}; {cue} is not expected now")
        if cue is Cue.ARRIVED:
            self.arrived = True
        if target is State.FAILED:
            self.reason = text
        self.state = target
        self.steps.append(StepRecord(wall, t, target, text))
        return target

    def note(self, text: str, wall: float, t: float | None) -> None:
        """Record a step that changes no state (the detection, a wait begun)."""
        self.steps.append(StepRecord(wall, t, self.state, text))

    def durations(self) -> dict[str, float]:
        """Seconds from detection to each state first reached (wall clock)."""
        out: dict[str, float] = {}
        for step in self.steps:
            out.setdefault(step.state.value, round(step.wall - self.started, 4))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The procedure as the control API shows it."""
        return {
            "id": self.id,
            "ue": self.ue,
            "app": {"appName": self.app[0], "appProvider": self.app[1]},
            "registration": self.registration_id,
            "serviceLevel": self.level.name if self.level is not None else None,
            "state": self.state.value,
            "source": {"appInstanceId": self.source_instance, "host": self.source_host},
            "target": {
                "appInstanceId": self.target_instance,
                "host": self.target_host,
                "startedForThis": self.started_target,
            },
            "predicted": self.prediction,
            "reason": self.reason,
            "durations_s": self.durations(),
            "steps": [s.to_dict(self.started) for s in self.steps],
        }
