"""Event records and the bus interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from meclab.engine.events import Event, event_from_dict


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An engine event as published: numbered and stamped with wall-clock time."""

    seq: int
    """Position in the run's history, strictly increasing, never reused."""
    wall: float
    """Unix time (seconds) when the event was published."""
    event: Event

    @property
    def type(self) -> str:
        return self.event.kind

    def to_dict(self) -> dict[str, Any]:
        """Flat plain data: seq, wall, type, t and the event's own fields."""
        return {"seq": self.seq, "wall": self.wall, **self.event.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventRecord:
        """Inverse of :meth:`to_dict`."""
        fields = {k: v for k, v in data.items() if k not in ("seq", "wall")}
        return cls(int(data["seq"]), float(data["wall"]), event_from_dict(fields))


Handler = Callable[[Sequence[EventRecord]], Awaitable[None]]
"""Receives each published batch, in order."""


class StreamLagged(Exception):
    """A stream reader fell too far behind; records after ``last_seq`` were not delivered."""

    def __init__(self, last_seq: int) -> None:
        super().__init__(f"stream fell behind after record {last_seq}")
        self.last_seq = last_seq


class EventStream(ABC):
    """Records published after the stream was opened, one by one; close it when done."""

    def __aiter__(self) -> EventStream:
        return self

    @abstractmethod
    async def __anext__(self) -> EventRecord:
        """The next record; StreamLagged if the reader fell more than its backlog behind."""

    @abstractmethod
    def close(self) -> None:
        """Stop receiving records."""


class EventBus(ABC):
    """Publish batches of event records; deliver them to handlers and streams in order."""

    @abstractmethod
    async def publish(self, records: Sequence[EventRecord]) -> None:
        """Hand a batch to every handler (awaited, in subscription order) and every stream."""

    @abstractmethod
    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` with every batch from now on; returns a function that unsubscribes."""

    @abstractmethod
    def stream(self, max_backlog: int = 10_000) -> EventStream:
        """Records published from this call on, for a reader such as a dashboard.

        A reader that falls more than ``max_backlog`` records behind gets StreamLagged instead of
        silently missing records; it can resume from the history by sequence number.
        """
