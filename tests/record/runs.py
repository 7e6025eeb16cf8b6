"""Runs to record: the built-in Monaco world ticked in real time at speed 20, with every kind
of world command an operator sends, in-process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from meclab.bus.base import EventRecord
from meclab.bus.memory import MemoryBus
from meclab.record.recorder import Recorder
from meclab.runtime import Runtime
from meclab.scenario.builtin import default_scenario
from meclab.store.base import MAX_QUERY_LIMIT, EventQuery
from meclab.store.sqlite import SqliteStore

TERMINAL = "tourist-casino"
PARKED = (7.4276, 43.7389)
"""Where the run holds the terminal (the casino's Wi-Fi hot spot)."""


async def all_events(store: SqliteStore) -> list[EventRecord]:
    """Every record of a store's history, in order."""
    records: list[EventRecord] = []
    after = 0
    while page := await store.events(EventQuery(after_seq=after, limit=MAX_QUERY_LIMIT)):
        records.extend(page)
        after = page[-1].seq
    return records


async def record_live_run(directory: Path, recording: Path) -> list[EventRecord]:
    """Run Monaco at speed 20 on the real clock for about 3 real seconds (a minute of
    simulated time), sending moves, a release, network changes, a pause, a resume and a
    speed change on the way, recorded into ``recording``; the run's whole history."""
    store = SqliteStore(directory / "original.sqlite")
    try:
        runtime = Runtime(store, MemoryBus(), tick_hz=10.0)
        recorder = Recorder(recording)
        recorder.attach(runtime)
        await runtime.open(default_scenario(), speed=20.0)
        runtime.start()
        world = runtime.world
        await asyncio.sleep(0.5)
        await runtime.move_terminal(TERMINAL, *PARKED)
        await runtime.move_terminal_to_poa(world.ue_names[0], world.poa_names[-1])
        await asyncio.sleep(0.5)
        await runtime.set_netchar(world.poa_names[0], {"latency_ms": 42.0, "loss_pct": 1.5})
        await runtime.pause()
        await asyncio.sleep(0.3)
        await runtime.resume()
        await runtime.set_speed(40.0)
        await asyncio.sleep(0.5)
        await runtime.release_terminal(TERMINAL)
        await asyncio.sleep(1.0)
        await runtime.stop()
        recorder.close()
        return await all_events(store)
    finally:
        await store.close()
