"""What the mobility manager tells the AMS of a host, for it to notify its subscribers.

The manager knows nothing of REST: it hands these records to the listeners the AMS service
registers (:meth:`meclab.services.ams.port.AmsPort.on_notice`), which turn them into
MobilityProcedureNotification and AdjacentAppInfoNotification bodies (MEC 021 clauses 7.4.2,
7.4.3) for the subscriptions whose filters match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class MobilityStatus(IntEnum):
    """mobilityStatus of a MobilityProcedureNotification (MEC 021 clause 7.4.2)."""

    INTERHOST_MOVEOUT_TRIGGERED = 1
    INTERHOST_MOVEOUT_COMPLETED = 2
    INTERHOST_MOVEOUT_FAILED = 3


@dataclass(frozen=True, slots=True)
class InstanceAddress:
    """Where an application instance is reached in the emulated network."""

    app_instance_id: str
    host: str
    """The MEC host it runs on."""
    address: str | None
    """Its emulated IP address (None when it has none the data plane knows)."""
    port: int | None


@dataclass(frozen=True, slots=True)
class ProcedureNotice:
    """A step of a mobility procedure, told by the AMS of the source host."""

    status: MobilityStatus
    host: str
    """The source MEC host: its AMS notifies."""
    registration_id: str
    app_instance_id: str | None
    """The registering (source) application instance."""
    ue: str
    associate_ids: tuple[dict[str, Any], ...]
    """The device's AssociateId(s) as registered."""
    target: InstanceAddress | None
    """The target application instance (None when none could be found or started)."""
    procedure: str
    """meclab's procedure id (``/meclab/v1/relocations/{id}``)."""
    prediction: dict[str, Any] | None = None
    """When the move was predicted ahead of the handover: meclab's prediction (a meclab
    extension of the notification, see :mod:`meclab.engine.prediction`)."""
    reason: str | None = None
    """Why the procedure failed (FAILED only)."""
    wall: float = 0.0


@dataclass(frozen=True, slots=True)
class AdjacentInstance:
    """An instance of the same application on another MEC host (MEC 021 clause 7.2.3)."""

    instance: InstanceAddress
    app_d_id: str
    """The application descriptor's id (the application's name for a scenario application
    without a descriptor)."""
    host_name: str
    registered_instance_id: str | None = None
    """The instance of this application on the asking host that is registered with its AMS."""


@dataclass(frozen=True, slots=True)
class AdjacentChange:
    """The adjacent instances of a registered instance changed (one started or went away)."""

    host: str
    app_instance_id: str
    """The registered instance on ``host`` whose adjacent instances these are."""
    adjacent: tuple[AdjacentInstance, ...] = field(default_factory=tuple)
    wall: float = 0.0
