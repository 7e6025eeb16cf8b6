"""SqliteStore: documents, the event history and its queries, persistence and pruning."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from meclab.bus.base import EventRecord
from meclab.engine.events import (
    EVENT_TYPES,
    Connected,
    Disconnected,
    Event,
    Handover,
    ManualEvent,
    NetCharChanged,
    RelocationStep,
    ZoneEntered,
    ZoneLeft,
)
from meclab.store.base import EventQuery, OutboxEntry
from meclab.store.sqlite import MAX_GIVEN_UP, SqliteStore

# --- documents ------------------------------------------------------------------------------


async def test_put_get_replace(store: SqliteStore) -> None:
    assert await store.get("runtime", "scenario") is None
    value = {"name": "lab", "n": [1, 2.5, None, True], "nested": {"a": "é"}}
    await store.put("runtime", "scenario", value)
    assert await store.get("runtime", "scenario") == value
    await store.put("runtime", "scenario", [1, 2])
    assert await store.get("runtime", "scenario") == [1, 2]
    await store.put("runtime", "count", 3)
    assert await store.get("runtime", "count") == 3
    assert await store.get("other", "scenario") is None  # collections are separate


async def test_delete(store: SqliteStore) -> None:
    await store.put("pins", "ue-1", {"poa": "cell"})
    assert await store.delete("pins", "ue-1") is True
    assert await store.get("pins", "ue-1") is None
    assert await store.delete("pins", "ue-1") is False
    assert await store.delete("nothing", "here") is False


async def test_items_sorted_by_key_and_clear(store: SqliteStore) -> None:
    await store.put("pins", "ue-b", {"lon": 2.0})
    await store.put("pins", "ue-a", {"lon": 1.0})
    await store.put("pins", "ue-c", {"poa": None})
    await store.put("overrides", "zone-a", {"netchar": {}})
    assert await store.items("pins") == [
        ("ue-a", {"lon": 1.0}),
        ("ue-b", {"lon": 2.0}),
        ("ue-c", {"poa": None}),
    ]
    await store.clear("pins")
    assert await store.items("pins") == []
    assert await store.items("overrides") == [("zone-a", {"netchar": {}})]
    assert await store.items("empty") == []


async def test_documents_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "store.sqlite"  # missing directories are created
    first = SqliteStore(path)
    await first.put("runtime", "clock", {"t": 12.5})
    await first.close()
    second = SqliteStore(path)
    try:
        assert await second.get("runtime", "clock") == {"t": 12.5}
    finally:
        await second.close()


# --- events ---------------------------------------------------------------------------------


def rec(seq: int, event: Event, wall: float = 1000.0) -> EventRecord:
    return EventRecord(seq, wall + seq, event)


HISTORY: list[EventRecord] = [
    rec(1, ManualEvent(0.0, "load_scenario", {"name": "lab"})),
    rec(2, Connected(0.0, "ue-1", "cell-a", "zone-a")),
    rec(3, ZoneEntered(0.0, "ue-1", "zone-a", "cell-a")),
    rec(4, Connected(0.0, "ue-2", "cell-a", "zone-a")),
    rec(5, Handover(1.5, "ue-1", "cell-a", "cell-b", "zone-a", "zone-b")),
    rec(6, ZoneLeft(1.5, "ue-1", "zone-a", "cell-a")),
    rec(7, ZoneEntered(1.5, "ue-1", "zone-b", "cell-b")),
    rec(8, NetCharChanged(2.0, "zone-a", {"latency_ms": 1.0}, {"latency_ms": 2.0})),
    rec(9, Disconnected(3.0, "ue-2", "cell-a", "zone-a")),
    rec(10, ManualEvent(3.0, "pause")),
]


async def filled(store: SqliteStore) -> SqliteStore:
    await store.append_events(HISTORY[:4])  # two batches, as two ticks would write them
    await store.append_events(HISTORY[4:])
    return store


async def query(store: SqliteStore, **kwargs: Any) -> list[int]:
    return [r.seq for r in await store.events(EventQuery(**kwargs))]


async def test_events_round_trip_in_seq_order(store: SqliteStore) -> None:
    await filled(store)
    assert await store.events(EventQuery()) == HISTORY
    assert await store.last_seq() == 10


async def test_empty_history(store: SqliteStore) -> None:
    assert await store.last_seq() == 0
    assert await store.events(EventQuery()) == []
    await store.append_events([])
    assert await store.last_seq() == 0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"types": ("connect",)}, [2, 4]),
        ({"types": ("zone_enter", "zone_leave")}, [3, 6, 7]),
        ({"types": ("nothing",)}, []),
        ({"subject": "ue-1"}, [2, 3, 5, 6, 7]),
        ({"subject": "ue-2"}, [4, 9]),
        ({"subject": "zone-a"}, [8]),
        ({"subject": "cell-a"}, []),  # a PoA is not the subject of terminal events
        ({"after_seq": 7}, [8, 9, 10]),
        ({"after_seq": 0}, list(range(1, 11))),
        ({"after_seq": 10}, []),
        ({"since_t": 1.5}, [5, 6, 7, 8, 9, 10]),
        ({"until_t": 1.5}, [1, 2, 3, 4, 5, 6, 7]),
        ({"since_t": 1.6, "until_t": 2.9}, [8]),
        ({"limit": 3}, [1, 2, 3]),
        ({"limit": 3, "newest_first": True}, [10, 9, 8]),
        ({"limit": 0}, []),
        ({"newest_first": True, "types": ("connect",)}, [4, 2]),
        ({"types": ("zone_enter",), "subject": "ue-1", "after_seq": 3}, [7]),
        ({"subject": "ue-1", "since_t": 1.0, "limit": 2, "newest_first": True}, [7, 6]),
    ],
)
async def test_event_filters(
    store: SqliteStore, kwargs: dict[str, Any], expected: list[int]
) -> None:
    await filled(store)
    assert await query(store, **kwargs) == expected


async def test_limit_is_capped(store: SqliteStore) -> None:
    records = [rec(i, ManualEvent(float(i), "tick")) for i in range(1, 10_011)]
    await store.append_events(records)
    assert len(await store.events(EventQuery(limit=50_000))) == 10_000


async def test_last_seq_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    first = SqliteStore(path)
    await first.append_events(HISTORY[:3])
    await first.close()
    second = SqliteStore(path)
    try:
        assert await second.last_seq() == 3
        assert await second.events(EventQuery()) == HISTORY[:3]
        await second.append_events(HISTORY[3:5])
        assert await second.last_seq() == 5
    finally:
        await second.close()
    third = SqliteStore(path)
    try:
        assert await third.last_seq() == 5
    finally:
        await third.close()


async def test_last_seq_never_goes_back(store: SqliteStore) -> None:
    await store.append_events([rec(7, ManualEvent(0.0, "a"))])
    await store.append_events([rec(3, ManualEvent(0.0, "b"))])
    assert await store.last_seq() == 7


def _batches(first: int, last: int, size: int) -> list[list[EventRecord]]:
    records = [rec(i, ManualEvent(float(i), "tick")) for i in range(first, last + 1)]
    return [records[i : i + size] for i in range(0, len(records), size)]


async def test_pruning_at_the_step_keeps_the_newest(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite", max_events=100)
    try:
        for batch in _batches(1, 10_000, 50):
            await store.append_events(batch)
        kept = await query(store, limit=10_000)
        assert kept == list(range(9_901, 10_001))
        assert await store.last_seq() == 10_000
    finally:
        await store.close()


async def test_pruning_keeps_only_max_events(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite", max_events=100)
    try:
        for batch in _batches(1, 250, 10):
            await store.append_events(batch)
        assert await query(store, limit=10_000) == list(range(151, 251))
        assert await store.last_seq() == 250
    finally:
        await store.close()


async def test_pruned_history_keeps_last_seq_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    store = SqliteStore(path, max_events=10)
    for batch in _batches(1, 10_000, 1_000):
        await store.append_events(batch)
    await store.close()
    store = SqliteStore(path, max_events=10)
    try:
        assert await store.last_seq() == 10_000
        assert await query(store) == list(range(9_991, 10_001))
    finally:
        await store.close()


# --- records --------------------------------------------------------------------------------

ONE_OF_EACH: dict[str, Event] = {
    "handover": Handover(1.25, "ue", "cell-a", "cell-b", "zone-a", "zone-b"),
    "connect": Connected(0.0, "ue", "cell-a", "zone-a"),
    "disconnect": Disconnected(2.0, "ue", "cell-a", "zone-a"),
    "zone_enter": ZoneEntered(3.0, "ue", "zone-a", "cell-a"),
    "zone_leave": ZoneLeft(4.0, "ue", "zone-a", "cell-a"),
    "netchar_change": NetCharChanged(
        5.0,
        "cell-a",
        {"latency_ms": 1.0, "throughput_dl_mbps": None},
        {"latency_ms": 2.5, "throughput_dl_mbps": 100.0},
    ),
    "manual": ManualEvent(6.0, "move", {"ue": "ue", "lon": 7.42, "lat": 43.73}),
    "relocation": RelocationStep(7.0, "p-1", "ue", "TRIGGERED", "app-a", "app-b", "target found"),
}


def test_every_event_type_is_covered() -> None:
    assert set(ONE_OF_EACH) == set(EVENT_TYPES)
    for kind, event in ONE_OF_EACH.items():
        assert event.kind == kind


@pytest.mark.parametrize("kind", sorted(ONE_OF_EACH))
def test_record_dict_round_trip(kind: str) -> None:
    record = EventRecord(42, 1_700_000_000.5, ONE_OF_EACH[kind])
    data = record.to_dict()
    assert data["seq"] == 42
    assert data["wall"] == 1_700_000_000.5
    assert data["type"] == kind
    assert data["t"] == record.event.t
    assert EventRecord.from_dict(data) == record
    assert record.type == kind


def test_record_dict_is_flat() -> None:
    record = EventRecord(1, 2.0, ONE_OF_EACH["handover"])
    assert record.to_dict() == {
        "seq": 1,
        "wall": 2.0,
        "type": "handover",
        "t": 1.25,
        "ue": "ue",
        "source": "cell-a",
        "target": "cell-b",
        "source_zone": "zone-a",
        "target_zone": "zone-b",
    }


def test_unknown_record_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type 'explosion'"):
        EventRecord.from_dict({"seq": 1, "wall": 0.0, "type": "explosion", "t": 0.0})


async def test_every_event_type_round_trips_through_the_store(store: SqliteStore) -> None:
    records: Sequence[EventRecord] = [
        EventRecord(i, 100.0 + i, event) for i, event in enumerate(ONE_OF_EACH.values(), start=1)
    ]
    await store.append_events(records)
    assert await store.events(EventQuery()) == list(records)
    for record in records:
        [found] = await store.events(EventQuery(types=(record.type,)))
        assert found == record


# --- the outbox and the time reached --------------------------------------------------------


def entry(i: int, sub: str = "s1") -> OutboxEntry:
    return OutboxEntry(i, sub, "rni", "mec-1", b'{"n":%d}' % i, "CellChangeNotification")


async def test_staged_outbox_changes_commit_with_the_next_events(
    store: SqliteStore, store_path: Path
) -> None:
    store.stage_outbox(added=[entry(1), entry(2)])
    other = SqliteStore(store_path)  # another process reading the file
    try:
        assert await other.outbox() == []  # staged only
        await store.append_events(HISTORY[:2], t=4.5)
        assert await other.outbox() == [entry(1), entry(2)]
        assert await other.recorded_t() == 4.5
        store.stage_outbox(removed=[1], given_up=[{"subscription": "s1", "n": 1}])
        await store.flush_outbox()
        assert await other.outbox() == [entry(2)]
        assert await other.given_up(10) == (1, [{"subscription": "s1", "n": 1}])
    finally:
        await other.close()


async def test_a_tick_without_events_notes_its_time(store: SqliteStore) -> None:
    assert await store.recorded_t() is None
    await store.append_events([], t=2.0)
    assert await store.recorded_t() == 2.0
    assert await store.events(EventQuery()) == []


async def test_given_up_keeps_the_latest_records_and_the_whole_count(store: SqliteStore) -> None:
    store.stage_outbox(given_up=[{"n": n} for n in range(MAX_GIVEN_UP + 5)])
    await store.flush_outbox()
    count, records = await store.given_up(3)
    assert count == MAX_GIVEN_UP + 5
    assert records == [{"n": n} for n in range(MAX_GIVEN_UP + 2, MAX_GIVEN_UP + 5)]
    assert len((await store.given_up(MAX_GIVEN_UP + 5))[1]) == MAX_GIVEN_UP
