"""The event bus: how engine events reach history, streams and the platform.

Small interface, one in-process implementation. A networked backend (NATS) implements the same
two methods.
"""

from meclab.bus.base import EventBus, EventRecord, EventStream, Handler, StreamLagged
from meclab.bus.memory import MemoryBus

__all__ = ["EventBus", "EventRecord", "EventStream", "Handler", "MemoryBus", "StreamLagged"]
