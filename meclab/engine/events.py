"""What happens in the world: small frozen records, built by the engine from array diffs.

Every event carries the simulation time ``t`` at which the tick observed it. Notifications,
history and dashboards all start from these records; nothing else is a source of change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all engine events."""

    kind: ClassVar[str] = "event"
    t: float
    """Simulation time in seconds."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data with the event type under ``type``."""
        return {"type": self.kind, **asdict(self)}


@dataclass(frozen=True, slots=True)
class Handover(Event):
    """A terminal moved from one point of access to another."""

    kind: ClassVar[str] = "handover"
    ue: str
    """Terminal name."""
    source: str
    """PoA that served the terminal before."""
    target: str
    """PoA that serves it now."""
    source_zone: str
    target_zone: str


@dataclass(frozen=True, slots=True)
class Connected(Event):
    """A terminal with no service attached to a point of access."""

    kind: ClassVar[str] = "connect"
    ue: str
    poa: str
    zone: str


@dataclass(frozen=True, slots=True)
class Disconnected(Event):
    """A terminal lost its point of access and found no other in reach."""

    kind: ClassVar[str] = "disconnect"
    ue: str
    poa: str
    """PoA that served the terminal until now."""
    zone: str


@dataclass(frozen=True, slots=True)
class ZoneEntered(Event):
    """A terminal's serving PoA is now in this zone (and was not before)."""

    kind: ClassVar[str] = "zone_enter"
    ue: str
    zone: str
    poa: str


@dataclass(frozen=True, slots=True)
class ZoneLeft(Event):
    """A terminal's serving PoA is no longer in this zone."""

    kind: ClassVar[str] = "zone_leave"
    ue: str
    zone: str
    poa: str
    """The PoA it left the zone from."""


@dataclass(frozen=True, slots=True)
class NetCharChanged(Event):
    """The network characteristics of an element changed."""

    kind: ClassVar[str] = "netchar_change"
    element: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ManualEvent(Event):
    """An operator's action was applied to the world (move, pause, speed ...)."""

    kind: ClassVar[str] = "manual"
    action: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RelocationStep(Event):
    """A step of an application mobility procedure (see :mod:`meclab.mobility.procedure`)."""

    kind: ClassVar[str] = "relocation"
    procedure: str
    ue: str
    state: str
    source: str
    """The source application instance."""
    target: str | None
    text: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        Handover,
        Connected,
        Disconnected,
        ZoneEntered,
        ZoneLeft,
        NetCharChanged,
        ManualEvent,
        RelocationStep,
    )
}
"""Event classes by their ``type`` name."""

EventKind = StrEnum("EventKind", [(kind.upper(), kind) for kind in EVENT_TYPES])
"""The ``type`` names as an enum, for APIs that take one (an unknown name is refused)."""


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from :meth:`Event.to_dict` output."""
    kind = data.get("type")
    cls = EVENT_TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown event type {kind!r}; known: {', '.join(sorted(EVENT_TYPES))}")
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})
