"""The in-process event bus."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from meclab.bus.base import EventBus, EventRecord, EventStream, Handler, StreamLagged


class _QueueStream(EventStream):
    def __init__(self, streams: set[_QueueStream], max_backlog: int) -> None:
        self._streams = streams
        self.queue: asyncio.Queue[EventRecord] = asyncio.Queue(max_backlog)
        self.lagged = False
        self.last_seq = 0
        streams.add(self)

    def offer(self, records: Sequence[EventRecord]) -> None:
        for record in records:
            if self.lagged:
                return
            try:
                self.queue.put_nowait(record)
            except asyncio.QueueFull:
                self.lagged = True

    async def __anext__(self) -> EventRecord:
        if self.lagged and self.queue.empty():
            self.close()
            raise StreamLagged(self.last_seq)
        record = await self.queue.get()
        self.last_seq = record.seq
        return record

    def close(self) -> None:
        self._streams.discard(self)


class MemoryBus(EventBus):
    """Delivers within one process; handlers are awaited one after another."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self._streams: set[_QueueStream] = set()

    async def publish(self, records: Sequence[EventRecord]) -> None:
        if not records:
            return
        for handler in list(self._handlers):
            await handler(records)
        for stream in list(self._streams):
            stream.offer(records)

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        self._handlers.append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers:
                self._handlers.remove(handler)

        return unsubscribe

    def stream(self, max_backlog: int = 10_000) -> EventStream:
        return _QueueStream(self._streams, max_backlog)
