"""What a conformance run finds: one :class:`Outcome` per step, each passed, failed or skipped.

A step is one exchange with the platform (or one wait for a notification) in a behaviour test,
named by the API, the operation (``POST /applications/{appInstanceId}/services``) and what the
step checks (``register a service``). A failed step carries its :class:`Violation` records: the
rule, the clause that decides it, what was expected and what came, and the request and answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """The verdict of one step."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Violation:
    """One rule the platform broke."""

    rule: str
    """What is checked, e.g. ``status code`` or ``Location header``."""
    clause: str
    """The spec clause or field that decides it, e.g. ``MEC 011 §8.2.6.3.4``."""
    expected: str
    actual: str


@dataclass(frozen=True)
class Outcome:
    """The verdict of one step of a behaviour test."""

    api: str
    """The catalogue key of the API (``mec011``, ``rni`` ...)."""
    operation: str
    """``METHOD /path/template`` relative to the API's base, or ``notify <Type>``."""
    step: str
    status: Status
    violations: tuple[Violation, ...] = ()
    request: str = ""
    """The request as sent (method, URL, body), for a failed step."""
    response: str = ""
    """The answer as received (status, headers that matter, body), for a failed step."""
    reason: str = ""
    """Why a step was skipped."""
    duration_s: float = 0.0


@dataclass
class RunResult:
    """Everything a run found, in the order the steps ran."""

    target: str
    outcomes: list[Outcome] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    """Per API key, what it is: ``MEC 012 radio network information (ETSI GS MEC 012 V2.2.1)``."""
    duration_s: float = 0.0

    def count(self, status: Status) -> int:
        """How many steps ended with ``status``."""
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def failed(self) -> bool:
        """Whether any step failed (the run's exit code is then 1)."""
        return self.count(Status.FAILED) > 0
