"""What the lifecycle keeps of an application instance and of each operation on it.

Plain records, stored as dicts (:meth:`to_store` / :meth:`from_store`); the lifecycle manager
owns their behaviour. Values of the enums are the wire values of ETSI GS MEC 010-2 v3.1.1
(``AppInstanceInfo.instantiationState``, ``InstantiatedAppState.operationalState``,
``AppLcmOpOcc.lcmOperation`` and ``operationState``), so the APIs pass them through unchanged.
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
    """``AppLcmOpOcc.operationState`` (MEC 010-2 v3.1.1; the 2.1.1 file lacks FAILED_TEMP)."""

    STARTING = "STARTING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    """Failed for good: retrying cannot succeed."""
    FAILED_TEMP = "FAILED_TEMP"
    """Failed and stopped, but not closed: it may be retried, failed for good, or cancelled."""


@dataclass(slots=True)
class LcmInstance:
    """An application instance resource of the MEC system (``AppInstanceInfo``)."""

    id: str
    """Its appInstanceId."""
    app_d_id: str
    app_pkg_id: str
    name: str | None
    description: str | None
    app_name: str
    app_provider: str
    app_soft_version: str
    app_d_version: str
    instantiation_state: InstantiationState
    operational_state: OperationalState | None
    """Set while INSTANTIATED."""
    host: str | None
    """The MEC host it runs on while instantiated."""
    address: str | None
    """Its address in the emulated network."""
    endpoint: tuple[str, int] | None
    """Where its process listens: (127.0.0.1, port)."""
    created: float
    """Unix time of its creation."""

    def to_store(self) -> dict[str, Any]:
        data = asdict(self)
        data["endpoint"] = list(self.endpoint) if self.endpoint is not None else None
        return data

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> LcmInstance:
        values = dict(data)
        values["instantiation_state"] = InstantiationState(values["instantiation_state"])
        state = values.get("operational_state")
        values["operational_state"] = OperationalState(state) if state is not None else None
        endpoint = values.get("endpoint")
        values["endpoint"] = (str(endpoint[0]), int(endpoint[1])) if endpoint else None
        return cls(**values)


@dataclass(slots=True)
class OpOcc:
    """One lifecycle operation occurrence (``AppLcmOpOcc``)."""

    id: str
    instance_id: str
    operation: LcmOperation
    state: OperationState
    start_time: float
    state_entered_time: float
    """Unix times."""
    params: dict[str, Any] | None
    """The request as received (InstantiateAppRequest, OperateAppRequest, TerminateAppRequest)."""
    is_cancel_pending: bool = False
    cancel_mode: str | None = None
    error: dict[str, Any] | None = None
    """ProblemDetails (wire form) of a failure."""
    record: list[str] = field(default_factory=list)
    """meclab's explanation of what the operation did: placement, grant, process ..."""
    grant_id: str | None = None

    def to_store(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> OpOcc:
        values = dict(data)
        values["operation"] = LcmOperation(values["operation"])
        values["state"] = OperationState(values["state"])
        values["record"] = list(values.get("record") or [])
        return cls(**values)
