"""What the lifecycle keeps: application instances of onboarded packages and their operations.

An :class:`LcmInstance` is MEC 010-2's application instance resource (AppInstanceInfo): it exists
from "create an application instance identifier" until it is deleted, instantiated or not.
While instantiated it has a MEC host, an emulated address, an endpoint where its process
listens and, while STARTED, a MEC 011 application instance on that host's platform with the same
appInstanceId. An :class:`OpOcc` is one lifecycle operation occurrence (AppLcmOpOcc) with the
state it is in (:mod:`meclab.lifecycle.occurrences` holds the moves).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class InstantiationState(StrEnum):
    NOT_INSTANTIATED = "NOT_INSTANTIATED"
    INSTANTIATED = "INSTANTIATED"


class OperationalState(StrEnum):
    STARTED = "STARTED"
    STOPPED = "STOPPED"


class LcmOperation(StrEnum):
    INSTANTIATE = "INSTANTIATE"
    OPERATE = "OPERATE"
    TERMINATE = "TERMINATE"


class OperationState(StrEnum):
    """MEC 010-2 v3.1.1 OperationState."""

    STARTING = "STARTING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    """Failed for good: it will not be retried."""
    FAILED_TEMP = "FAILED_TEMP"
    """Failed, everything it did undone; it may be retried, or failed for good."""


@dataclass(slots=True)
class LcmInstance:
    """One application instance of an onboarded package."""

    id: str
    """Its appInstanceId, also that of its MEC 011 instance while it runs."""
    app_d_id: str
    app_pkg_id: str
    app_name: str
    app_provider: str
    app_soft_version: str
    app_d_version: str
    created: float
    name: str | None = None
    description: str | None = None
    placement: dict[str, Any] | None = None
    """The appPlacementInfo it was created with, wire form."""
    instantiation_state: InstantiationState = InstantiationState.NOT_INSTANTIATED
    operational_state: OperationalState | None = None
    host: str | None = None
    address: str | None = None
    endpoint: tuple[str, int] | None = None
    users: list[str] = field(default_factory=list)
    """Terminals it was placed for (beyond those the scenario's terminal apps name)."""
    restart: str | None = None
    """Restart policy overriding the package manifest's, when the instantiation gave one."""

    def to_store(self) -> dict[str, Any]:
        data = asdict(self)
        data["endpoint"] = list(self.endpoint) if self.endpoint else None
        return data

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> LcmInstance:
        values = dict(data)
        values["instantiation_state"] = InstantiationState(values["instantiation_state"])
        state = values.get("operational_state")
        values["operational_state"] = OperationalState(state) if state else None
        endpoint = values.get("endpoint")
        values["endpoint"] = (str(endpoint[0]), int(endpoint[1])) if endpoint else None
        return cls(**values)


@dataclass(slots=True)
class OpOcc:
    """One lifecycle operation occurrence."""

    id: str
    instance_id: str
    operation: LcmOperation
    state: OperationState
    start_time: float
    state_entered_time: float
    params: dict[str, Any] | None = None
    """The request it was started with, wire form."""
    is_cancel_pending: bool = False
    cancel_mode: str | None = None
    error: dict[str, Any] | None = None
    """ProblemDetails (wire form) of why it failed."""
    record: list[str] = field(default_factory=list)
    """What it did, step by step, in plain language (placement, grant, process, readiness)."""
    grant_id: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in (OperationState.COMPLETED, OperationState.FAILED)

    def to_store(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> OpOcc:
        values = dict(data)
        values["operation"] = LcmOperation(values["operation"])
        values["state"] = OperationState(values["state"])
        return cls(**values)
