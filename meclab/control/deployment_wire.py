"""Bodies of the control API's deployments (``/meclab/v1/deployments``), without the server side.

A deployment is an application instance of an onboarded package (MEC 010-2), seen as an
operator sees it: where it runs, its process, and what its last lifecycle operation did.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ProcessInfo(BaseModel):
    """The instance's process as the runtime backend reports it."""

    pid: int | None
    running: bool
    restarts: int
    returncode: int | None


class OperationInfo(BaseModel):
    """One lifecycle operation occurrence, with meclab's record of what it did."""

    id: str
    operation: str
    state: str
    start_time: float
    state_entered_time: float
    record: list[str]
    """What it did, step by step: placement and why, grant, process, readiness, how it ended."""
    error: dict[str, object] | None = None
    """ProblemDetails of why it failed."""


class DeploymentInfo(BaseModel):
    """An application instance of an onboarded package."""

    id: str
    """Its appInstanceId (MEC 010-2 and MEC 011 alike)."""
    name: str | None
    app_d_id: str
    app_name: str
    app_provider: str
    version: str
    instantiation_state: str
    operational_state: str | None
    host: str | None
    address: str | None
    """Its address in the emulated network (what DNS rules answer for it)."""
    endpoint: str | None
    """Where its process listens."""
    platform_state: str | None
    """Its MEC 011 instance's state on the host (INSTANTIATED until confirm_ready, READY ...)."""
    process: ProcessInfo | None
    operation: OperationInfo | None
    """Its latest lifecycle operation."""


class DeployRequest(BaseModel):
    """Create an instance of an onboarded package and instantiate it, in one request."""

    model_config = ConfigDict(extra="forbid")

    app_d_id: str = Field(min_length=1, description="The package's appDId.")
    host: str | None = Field(None, description="The MEC host; absent: meclab places it.")
    name: str | None = Field(None, description="The instance's name (appInstanceName).")
    users: list[str] = Field(
        default_factory=list, description="Terminals it serves, for placement."
    )


class OperateRequest(BaseModel):
    """Stop, start or terminate a deployment."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["stop", "start", "terminate"]
    graceful_timeout_s: int = Field(
        10,
        ge=0,
        le=3600,
        description="Seconds the app gets to wind down after its AppTermination (0: forceful).",
    )


class OperationStarted(BaseModel):
    """An operation begun: its occurrence, to follow at ``operation_url``."""

    deployment: DeploymentInfo
    operation: OperationInfo
    operation_url: str
