"""The runtime across a crash (meclab/runtime.py): a restart resumes from the last recorded tick.

A crash is played by abandoning a runtime without ``stop()`` (no last checkpoint, as after
kill -9) and opening a new one on the same SQLite file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meclab.bus.memory import MemoryBus
from meclab.engine.events import ManualEvent
from meclab.runtime import Runtime
from meclab.store.base import MAX_QUERY_LIMIT, EventQuery
from meclab.store.sqlite import SqliteStore

TICKS = 120
"""Ticks of one simulation second each: the built-in scenario hands over ~20 times in them."""


async def _opened(path: Path) -> Runtime:
    runtime = Runtime(SqliteStore(path), MemoryBus())
    await runtime.open()
    return runtime


async def _world_history(store: SqliteStore) -> list[dict[str, Any]]:
    """What the world did, as recorded: every engine event but the operator's (load, ...)."""
    records = await store.events(EventQuery(limit=MAX_QUERY_LIMIT))
    return [r.to_dict() | {"wall": 0} for r in records if not isinstance(r.event, ManualEvent)]


async def _uninterrupted(path: Path) -> list[dict[str, Any]]:
    runtime = await _opened(path)
    for i in range(1, TICKS + 1):
        await runtime.tick(at=float(i))
    return await _world_history(runtime.store)  # type: ignore[arg-type]


async def test_a_crash_neither_repeats_nor_skips_what_the_history_recorded(
    tmp_path: Path,
) -> None:
    reference = await _uninterrupted(tmp_path / "reference.sqlite")
    assert sum(e["type"] == "handover" for e in reference) >= 10  # the test needs movement

    path = tmp_path / "crashed.sqlite"
    first = await _opened(path)
    for i in range(1, 61):
        await first.tick(at=float(i))
        if i == 20:
            await first.checkpoint()  # the periodic one: 40 ticks before the crash
    crashed_at_seq = await first.store.last_seq()
    # kill -9: no stop(), no last checkpoint; a new process opens the same file.
    second = await _opened(path)
    assert second.opened == "resumed"
    assert second.world.state.t == 60.0  # where the last recorded tick stood
    for i in range(61, TICKS + 1):
        await second.tick(at=float(i))

    records = await second.store.events(EventQuery(limit=MAX_QUERY_LIMIT))
    seqs = [r.seq for r in records]
    assert seqs == sorted(set(seqs))
    times = [r.event.t for r in records]
    assert times == sorted(times), "simulation time ran backwards in the history"
    assert any(r.seq > crashed_at_seq for r in records)
    # Exactly what an uninterrupted run recorded: no event told twice, none missing.
    assert await _world_history(second.store) == reference  # type: ignore[arg-type]


async def test_a_tick_without_events_still_moves_the_resume_point(tmp_path: Path) -> None:
    path = tmp_path / "quiet.sqlite"
    first = await _opened(path)
    await first.pause()  # checkpoints at t=0
    assert await first.tick(at=0.5) == []
    second = await _opened(path)
    assert second.world.state.t == 0.5
    assert second.clock.paused
