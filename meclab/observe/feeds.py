"""What feeds the trace besides the API calls (:mod:`.calls`): notification deliveries, the
engine's events and app instances' lifecycle steps.

Each is a plain callback that the app assembly hands to the lower layer concerned
(:attr:`meclab.platform.delivery.Notifier.observers`, the event bus,
:attr:`meclab.platform.platform.Platforms.app_observers`), so none of them imports this one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from meclab.bus.base import EventRecord
from meclab.engine.events import (
    Connected,
    Disconnected,
    Handover,
    RelocationStep,
    ZoneEntered,
    ZoneLeft,
)
from meclab.mobility.procedure import State
from meclab.observe.trace import Trace, TraceKind
from meclab.platform.apps import AppInstance
from meclab.platform.delivery import Delivery, Outcome


class TraceFeeds:
    """Turns deliveries, events and lifecycle steps into records of ``trace``.

    ``app_name(id)`` gives an app instance's name (its id when it has none or is unknown).
    """

    def __init__(self, trace: Trace, app_name: Callable[[str], str]) -> None:
        self.trace = trace
        self._app_name = app_name

    def _app(self, instance_id: str | None) -> str | None:
        return self._app_name(instance_id) if instance_id else None

    def on_delivery(self, delivery: Delivery) -> None:
        """A notification attempt's outcome: the subscription's host to its owner app (or to
        ``client`` for a subscription nobody owns)."""
        sub = delivery.subscription
        app = self._app(sub.owner)
        self.trace.add(
            TraceKind.NOTIFICATION,
            f"mep:{sub.host}",
            f"app:{app}" if app else "client",
            delivery.notification_type,
            delivery.outcome.value,
            ok=delivery.outcome is Outcome.DELIVERED,
            app=app,
            host=sub.host,
            detail={
                "subscription": sub.id,
                "api": sub.api,
                "to": "websocket" if sub.websocket else sub.callback,
                "attempts": delivery.attempts,
                "latency_ms": round(delivery.latency_s * 1000, 3),
                "error": delivery.error,
            },
        )

    def on_app(self, instance: AppInstance, step: str) -> None:
        """An app instance's lifecycle step, from its MEC host's platform to the instance."""
        name = self._app(instance.app_instance_id) or instance.app_instance_id
        self.trace.add(
            TraceKind.LIFECYCLE,
            f"mep:{instance.host}",
            f"app:{name}",
            step,
            instance.state.value,
            app=name,
            host=instance.host,
            detail={"app_instance_id": instance.app_instance_id},
        )

    async def on_events(self, records: Sequence[EventRecord]) -> None:
        """The engine events the diagram shows (an event bus handler)."""
        add = self.trace.add
        for record in records:
            event = record.event
            if isinstance(event, Handover):
                add(
                    TraceKind.HANDOVER,
                    f"cell:{event.source}",
                    f"cell:{event.target}",
                    f"handover {event.ue}",
                    ue=event.ue,
                    t=event.t,
                    detail={"event": record.seq, "zones": [event.source_zone, event.target_zone]},
                )
            elif isinstance(event, Connected | Disconnected):
                connected = isinstance(event, Connected)
                add(
                    TraceKind.ATTACH,
                    f"ue:{event.ue}",
                    f"cell:{event.poa}",
                    "attach" if connected else "detach",
                    ok=connected,
                    ue=event.ue,
                    t=event.t,
                    detail={"event": record.seq, "zone": event.zone},
                )
            elif isinstance(event, ZoneEntered | ZoneLeft):
                add(
                    TraceKind.ZONE,
                    f"ue:{event.ue}",
                    f"zone:{event.zone}",
                    "enter zone" if isinstance(event, ZoneEntered) else "leave zone",
                    ue=event.ue,
                    t=event.t,
                    detail={"event": record.seq, "poa": event.poa},
                )
            elif isinstance(event, RelocationStep):
                source = self._app(event.source) or event.source
                target = self._app(event.target)
                add(
                    TraceKind.RELOCATION,
                    f"app:{source}",
                    f"app:{target}" if target else f"app:{source}",
                    event.text,
                    event.state,
                    ok=event.state != State.FAILED,  # the others are steps forward
                    app=source,
                    ue=event.ue,
                    t=event.t,
                    detail={"event": record.seq, "procedure": event.procedure, "target": target},
                )
