"""MemoryBus: handlers in subscription order, streams from their opening on, lag reported."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from meclab.bus.base import EventRecord, EventStream, Handler, StreamLagged
from meclab.bus.memory import MemoryBus
from meclab.engine.events import ManualEvent


def records(first: int, last: int) -> list[EventRecord]:
    return [
        EventRecord(i, 1000.0 + i, ManualEvent(float(i), "tick")) for i in range(first, last + 1)
    ]


async def take(stream: EventStream, count: int) -> list[int]:
    """The seqs of the next ``count`` records; fails rather than hanging when they do not come."""
    out = []
    async with asyncio.timeout(5):
        for _ in range(count):
            out.append((await anext(stream)).seq)
    return out


async def test_handlers_get_each_batch_in_subscription_order() -> None:
    bus = MemoryBus()
    calls: list[tuple[str, list[int]]] = []

    def handler(name: str) -> Handler:
        async def handle(batch: Sequence[EventRecord]) -> None:
            await asyncio.sleep(0)  # a handler that yields still finishes before the next
            calls.append((name, [r.seq for r in batch]))

        return handle

    bus.subscribe(handler("first"))
    bus.subscribe(handler("second"))
    bus.subscribe(handler("third"))
    await bus.publish(records(1, 2))
    await bus.publish(records(3, 3))
    assert calls == [
        ("first", [1, 2]),
        ("second", [1, 2]),
        ("third", [1, 2]),
        ("first", [3]),
        ("second", [3]),
        ("third", [3]),
    ]


async def test_unsubscribe_stops_delivery() -> None:
    bus = MemoryBus()
    seen: dict[str, list[int]] = {"a": [], "b": []}

    async def a(batch: Sequence[EventRecord]) -> None:
        seen["a"].extend(r.seq for r in batch)

    async def b(batch: Sequence[EventRecord]) -> None:
        seen["b"].extend(r.seq for r in batch)

    unsubscribe_a = bus.subscribe(a)
    bus.subscribe(b)
    await bus.publish(records(1, 1))
    unsubscribe_a()
    unsubscribe_a()  # a second call is harmless
    await bus.publish(records(2, 2))
    assert seen == {"a": [1], "b": [1, 2]}


async def test_handler_may_unsubscribe_itself_while_called() -> None:
    bus = MemoryBus()
    seen: list[tuple[str, int]] = []
    unsubscribe: list[object] = []

    async def once(batch: Sequence[EventRecord]) -> None:
        seen.append(("once", batch[0].seq))
        stop = unsubscribe[0]
        assert callable(stop)
        stop()

    async def always(batch: Sequence[EventRecord]) -> None:
        seen.append(("always", batch[0].seq))

    unsubscribe.append(bus.subscribe(once))
    bus.subscribe(always)
    await bus.publish(records(1, 1))
    await bus.publish(records(2, 2))
    assert seen == [("once", 1), ("always", 1), ("always", 2)]


async def test_empty_batch_reaches_nobody() -> None:
    bus = MemoryBus()
    calls: list[int] = []

    async def handle(batch: Sequence[EventRecord]) -> None:
        calls.append(len(batch))

    bus.subscribe(handle)
    await bus.publish([])
    assert calls == []


async def test_stream_gets_records_published_after_it_was_opened() -> None:
    bus = MemoryBus()
    await bus.publish(records(1, 3))
    stream = bus.stream()
    await bus.publish(records(4, 5))
    await bus.publish(records(6, 6))
    assert await take(stream, 3) == [4, 5, 6]
    late = bus.stream()
    await bus.publish(records(7, 8))
    assert await take(stream, 2) == [7, 8]
    assert await take(late, 2) == [7, 8]
    stream.close()
    late.close()


async def test_stream_waits_for_the_next_record() -> None:
    bus = MemoryBus()
    stream = bus.stream()
    waiting = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    assert not waiting.done()
    await bus.publish(records(1, 1))
    async with asyncio.timeout(5):
        assert (await waiting).seq == 1
    stream.close()


async def test_closed_stream_receives_nothing_more() -> None:
    bus = MemoryBus()
    stream = bus.stream()
    await bus.publish(records(1, 1))
    stream.close()
    await bus.publish(records(2, 3))
    assert await take(stream, 1) == [1]  # what it had before closing stays readable
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await anext(stream)


async def test_slow_reader_gets_lagged_after_what_it_received() -> None:
    bus = MemoryBus()
    stream = bus.stream(max_backlog=3)
    await bus.publish(records(1, 2))
    assert await take(stream, 1) == [1]
    await bus.publish(records(3, 6))  # backlog 2, 3, 4 fills; 5 and 6 do not fit
    assert await take(stream, 3) == [2, 3, 4]
    with pytest.raises(StreamLagged) as lagged:
        await anext(stream)
    assert lagged.value.last_seq == 4  # resume from the history after 4: nothing is lost
    assert str(lagged.value) == "stream fell behind after record 4"


async def test_lagged_stream_stays_behind_and_other_streams_do_not_suffer() -> None:
    bus = MemoryBus()
    slow = bus.stream(max_backlog=2)
    fast = bus.stream(max_backlog=100)
    await bus.publish(records(1, 5))
    await bus.publish(records(6, 6))  # after a lag nothing more is queued, even with room
    assert await take(fast, 6) == [1, 2, 3, 4, 5, 6]
    assert await take(slow, 2) == [1, 2]
    with pytest.raises(StreamLagged) as lagged:
        await anext(slow)
    assert lagged.value.last_seq == 2
    await bus.publish(records(7, 7))  # the lagged stream is gone from the bus
    assert await take(fast, 1) == [7]
    fast.close()


async def test_a_new_stream_after_a_lag_starts_afresh() -> None:
    bus = MemoryBus()
    stream = bus.stream(max_backlog=1)
    await bus.publish(records(1, 2))  # lags without having been read at all
    assert await take(stream, 1) == [1]
    with pytest.raises(StreamLagged) as lagged:
        await anext(stream)
    assert lagged.value.last_seq == 1

    fresh = bus.stream(max_backlog=1)
    await bus.publish(records(3, 4))
    assert await take(fresh, 1) == [3]
    fresh.close()


async def test_stream_as_async_iterator() -> None:
    bus = MemoryBus()
    stream = bus.stream(max_backlog=2)
    await bus.publish(records(1, 3))
    got: list[int] = []
    with pytest.raises(StreamLagged):
        async with asyncio.timeout(5):
            async for record in stream:
                got.append(record.seq)
    assert got == [1, 2]
