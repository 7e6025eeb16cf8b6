"""``meclab up`` killed with SIGKILL while a subscriber is down: after the restart the
subscriber gets every notification that was pending, once and in order, and none it had
already received; the history goes on without repeating itself (meclab/platform/delivery.py,
meclab/runtime.py)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from helpers import free_port, until
from receiver import Receiver
from test_up import ANY_DATAPLANE_PORTS, START_TIMEOUT_S, Meclab, processes

from meclab.bus.base import EventRecord
from meclab.store.base import MAX_QUERY_LIMIT, EventQuery
from meclab.store.sqlite import SqliteStore

__all__ = ["processes"]  # the fixture, imported for the test below

SPEED = "50"
"""Simulation seconds per real second: the built-in world then hands over several times a
second."""


async def _ready(meclab: Meclab, client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if meclab.process.poll() is not None:
            raise AssertionError(f"meclab exited with {meclab.process.returncode}: {meclab.stderr}")
        try:
            if (await client.get("/meclab/v1/world")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"meclab did not answer within {START_TIMEOUT_S} s")
        await asyncio.sleep(0.05)


async def _pending(client: httpx.AsyncClient) -> int:
    return int((await client.get("/meclab/v1/notifications")).json()["pending"])


def _store_file(data: Path) -> Path:
    """The SQLite file the world runs on (the latest written, however the directory is laid
    out)."""
    return max(data.rglob("*.sqlite"), key=lambda p: p.stat().st_mtime)


async def _stored_bodies(data: Path) -> list[Any]:
    """The outbox as the killed process left it on disk, oldest first."""
    store = SqliteStore(_store_file(data))
    try:
        return [orjson.loads(e.body) for e in await store.outbox()]
    finally:
        await store.close()


async def _history(data: Path) -> list[EventRecord]:
    store = SqliteStore(_store_file(data))
    try:
        return await store.events(EventQuery(limit=MAX_QUERY_LIMIT))
    finally:
        await store.close()


def _stamp(body: dict[str, Any]) -> tuple[int, int]:
    return body["timeStamp"]["seconds"], body["timeStamp"]["nanoSeconds"]


async def test_a_kill_loses_no_pending_notification_and_repeats_none(
    tmp_path: Path, processes: list[Meclab]
) -> None:
    data = tmp_path / "data"
    port = free_port()
    args = [
        *("up", "--port", str(port), "--data-dir", str(data), "--speed", SPEED),
        *ANY_DATAPLANE_PORTS,
    ]
    receiver = Receiver()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5.0) as client:
            first = Meclab(args, tmp_path, "first")
            processes.append(first)
            await _ready(first, client)
            await receiver.start()
            created = await client.post(
                "/rni/v2/subscriptions",
                json={
                    "subscriptionType": "CellChangeSubscription",
                    "callbackReference": receiver.url("/cc"),
                    "filterCriteriaAssocHo": {"hoStatus": [3]},
                },
            )
            assert created.status_code == 201, created.text
            await receiver.wait_for(3, timeout_s=30.0)
            await receiver.stop()  # the subscriber goes down; notifications queue
            before = receiver.bodies()
            deadline = time.monotonic() + 30.0
            while await _pending(client) < 5:
                assert time.monotonic() < deadline, "notifications did not queue"
                await asyncio.sleep(0.1)
            first.kill()  # SIGKILL: no drain, no checkpoint

            pending = await _stored_bodies(data)
            assert len(pending) >= 5
            await receiver.start()
            second = Meclab(args, tmp_path, "second")
            processes.append(second)
            await _ready(second, client)
            await until(
                lambda: len(receiver.bodies()) >= len(before) + len(pending) + 3,
                "the pending notifications and some new ones",
                timeout_s=30.0,
            )
            await receiver.stop()
            second.kill()
    finally:  # also when an assertion fails: no listener left to the next tests
        await receiver.stop()

    after = receiver.bodies()[len(before) :]
    # Every pending one, once, in the order queued, before anything new.
    assert after[: len(pending)] == pending
    seen = [orjson.dumps(b, option=orjson.OPT_SORT_KEYS) for b in receiver.bodies()]
    assert len(seen) == len(set(seen)), "a notification arrived twice"
    stamps = [_stamp(b) for b in receiver.bodies()]
    assert stamps == sorted(stamps)
    # The world resumed where its history stopped: simulation time never went back in it, so
    # no handover was recorded (and told) twice.
    history = await _history(data)
    times = [r.event.t for r in history]
    assert times == sorted(times)
    handovers = [r.event for r in history if r.type == "handover"]
    assert len(handovers) == len(set(handovers))
