"""How the MEC system relocates: the choices a developer or an operator makes.

Read and changed through the control API (``/meclab/v1/relocations/policy``); the defaults are
those of a MEC system that relocates for its users without being asked twice.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from meclab.platform.steering import OpenFlows


class MobilityPolicy(BaseModel):
    """The relocation policy of the MEC system (every host)."""

    model_config = ConfigDict(extra="forbid")

    instance_relocation: bool = True
    """Instantiate the application on the target host (through the lifecycle, from the same
    package) when it has no instance there; without it, such a move ends FAILED."""
    keep_warm_s: float | None = Field(default=30.0, ge=0)
    """How long an instance meclab may terminate (one the lifecycle deployed) stays after the
    last terminal it served was relocated away; None: it is never terminated."""
    transfer_timeout_s: float = Field(default=10.0, gt=0)
    """How long a procedure waits for the application to report the user context transferred
    (APP_MOBILITY_WITH_CONFIRMATION) before it ends FAILED, the source keeping the user."""
    target_start_timeout_s: float = Field(default=60.0, gt=0)
    """How long a target instance may take to become READY."""
    flows: OpenFlows = OpenFlows.KEEP
    """What becomes of the terminal's open flows to the source instance at the switch."""
    predictive_lead_s: float = Field(default=0.0, ge=0)
    """Start a procedure this many simulation seconds before a predicted zone change (and
    switch at the handover itself); 0: only once the terminal has moved."""
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    """The confidence a prediction needs to start a procedure."""
    predicted_grace_s: float = Field(default=10.0, ge=0)
    """How long after the predicted time a predictive procedure waits for the handover before
    it ends FAILED (simulation seconds)."""
