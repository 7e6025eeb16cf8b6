"""Bodies of meclab's control API (``/meclab/v1``).

Most are in :mod:`meclab.control_wire` (light, shared with the SDK) and re-exported here; the
notification report stays here since it carries the platform core's delivery records.
"""

from __future__ import annotations

from pydantic import BaseModel

from meclab.control_wire import (
    AppInfo,
    Command,
    CommandResult,
    Counts,
    ElementInfo,
    EventPage,
    LonLat,
    Measurement,
    MoveCommand,
    NetCharCommand,
    NetCharPatch,
    NodeInfo,
    PathInfo,
    PauseCommand,
    PoaInfo,
    ReleaseCommand,
    ResumeCommand,
    ScenarioLoaded,
    SpeedCommand,
    TerminalDetail,
    TerminalInfo,
    TerminalPage,
    TerminateCommand,
    WorldInfo,
    ZoneInfo,
)
from meclab.platform.delivery import Undelivered

__all__ = [
    "AppInfo",
    "Command",
    "CommandResult",
    "Counts",
    "ElementInfo",
    "EventPage",
    "LonLat",
    "Measurement",
    "MoveCommand",
    "NetCharCommand",
    "NetCharPatch",
    "NodeInfo",
    "NotificationReport",
    "PathInfo",
    "PauseCommand",
    "PoaInfo",
    "ReleaseCommand",
    "ResumeCommand",
    "ScenarioLoaded",
    "SpeedCommand",
    "TerminalDetail",
    "TerminalInfo",
    "TerminalPage",
    "TerminateCommand",
    "WorldInfo",
    "ZoneInfo",
]


class NotificationReport(BaseModel):
    """Notification delivery across every API."""

    delivered: int
    pending: int
    given_up: int
    """Notifications ever given up in this store, across restarts."""
    undelivered: list[Undelivered]
    """The most recent notifications given up (up to 1,000), oldest first, across restarts."""
