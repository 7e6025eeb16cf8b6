"""GET /meclab/v1/events/stream over a real uvicorn server: live events, then resuming.

History at the start (see tests/conftest.py): seq 1 load_scenario, 2-5 connects and zone
entries of ue-walk and ue-car.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from helpers import on_loopback

from meclab.app import create_app
from meclab.runtime import Runtime

BASE = "/meclab/v1"
TIMEOUT_S = 10.0


@dataclass
class Sse:
    id: str | None
    event: str | None
    data: dict[str, Any]


@pytest.fixture
async def server_url(runtime: Runtime) -> AsyncIterator[str]:
    """The lab runtime's API served by uvicorn on a free local port, in this event loop."""
    served = on_loopback(lambda _: create_app(runtime, tick=False), TIMEOUT_S, lifespan="on")
    async with served as (_, port):
        yield f"http://127.0.0.1:{port}"


async def next_events(lines: AsyncIterator[str], count: int) -> list[Sse]:
    """The next ``count`` server-sent events (comments such as pings skipped)."""
    out: list[Sse] = []
    fields: dict[str, str] = {}
    async with asyncio.timeout(TIMEOUT_S):
        async for line in lines:
            if line == "":
                if "data" in fields:
                    data = json.loads(fields["data"])
                    out.append(Sse(fields.get("id"), fields.get("event"), data))
                    if len(out) == count:
                        return out
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
    raise AssertionError(f"stream ended after {len(out)} of {count} events")


def ids(events: list[Sse]) -> list[int]:
    return [int(e.id or -1) for e in events]


def check_consistent(events: list[Sse]) -> None:
    """Each event's id is its record's seq and its SSE event name the record's type."""
    for e in events:
        assert e.id == str(e.data["seq"])
        assert e.event == e.data["type"]


async def test_live_events_arrive_in_order(server_url: str, runtime: Runtime) -> None:
    async with (
        httpx.AsyncClient(base_url=server_url, timeout=TIMEOUT_S) as http,
        http.stream("GET", f"{BASE}/events/stream") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        await runtime.move_terminal("ue-car", 0.004, 0.0)  # 6 manual, 7-9 handover/zones
        await runtime.set_netchar("zone-b", {"loss_pct": 5.0})  # 10 manual, 11 change
        events = await next_events(lines, 6)
    check_consistent(events)
    assert ids(events) == [6, 7, 8, 9, 10, 11]  # nothing from before connecting
    assert [e.event for e in events] == [
        "manual",
        "handover",
        "zone_leave",
        "zone_enter",
        "manual",
        "netchar_change",
    ]
    assert events[1].data == {
        "seq": 7,
        "wall": 1_700_000_000.0,
        "type": "handover",
        "t": 0.0,
        "ue": "ue-car",
        "source": "cell-a1",
        "target": "cell-b1",
        "source_zone": "zone-a",
        "target_zone": "zone-b",
    }
    assert events[5].data["after"]["loss_pct"] == 5.0


@pytest.mark.parametrize(
    ("params", "headers", "first"),
    [
        ({}, {"last-event-id": "2"}, 3),
        ({"after": 3}, {}, 4),
        ({"after": 1}, {"last-event-id": "4"}, 5),  # the header wins, as a reconnect sends it
        ({}, {"last-event-id": "0"}, 1),
        # an id from a meclab with another store (its history went further): all of this one
        ({}, {"last-event-id": "9000"}, 1),
        ({"after": 2}, {"last-event-id": "9000"}, 1),
    ],
)
async def test_resume_replays_history_then_goes_live(
    server_url: str,
    runtime: Runtime,
    params: dict[str, Any],
    headers: dict[str, str],
    first: int,
) -> None:
    async with (
        httpx.AsyncClient(base_url=server_url, timeout=TIMEOUT_S) as http,
        http.stream("GET", f"{BASE}/events/stream", params=params, headers=headers) as response,
    ):
        assert response.status_code == 200
        lines = response.aiter_lines()
        replayed = await next_events(lines, 5 - first + 1)
        await runtime.move_terminal("ue-car", 0.004, 0.0)
        live = await next_events(lines, 4)
    check_consistent(replayed + live)
    assert ids(replayed) == list(range(first, 6))
    assert ids(live) == [6, 7, 8, 9]  # no duplicate, no gap


async def test_resume_while_events_keep_coming(server_url: str, runtime: Runtime) -> None:
    """Records published while the client connects are neither lost nor sent twice."""

    async def publish() -> None:
        for i in range(100):
            target = (0.004, 0.0) if i % 2 == 0 else (0.0, 0.0)
            await runtime.move_terminal("ue-car", *target)  # 4 records: move, handover, zones
            await asyncio.sleep(0)

    publisher = asyncio.create_task(publish())
    received: list[Sse] = []
    try:
        async with (
            httpx.AsyncClient(base_url=server_url, timeout=TIMEOUT_S) as http,
            http.stream("GET", f"{BASE}/events/stream", params={"after": 0}) as response,
        ):
            lines = response.aiter_lines()
            while True:
                [event] = await next_events(lines, 1)
                received.append(event)
                if publisher.done() and event.data["seq"] == await runtime.store.last_seq():
                    break
    finally:
        await publisher
    check_consistent(received)
    assert ids(received) == list(range(1, 5 + 100 * 4 + 1))


async def test_stream_filters_types(server_url: str, runtime: Runtime) -> None:
    async with (
        httpx.AsyncClient(base_url=server_url, timeout=TIMEOUT_S) as http,
        http.stream(
            "GET",
            f"{BASE}/events/stream",
            params=[("type", "connect"), ("type", "handover"), ("after", "0")],
        ) as response,
    ):
        lines = response.aiter_lines()
        replayed = await next_events(lines, 2)
        await runtime.move_terminal("ue-car", 0.004, 0.0)
        await runtime.move_terminal("ue-far", 0.0, 0.002)  # wifi-only: connects to wifi-a2
        live = await next_events(lines, 2)
    assert [(e.id, e.event) for e in replayed] == [("2", "connect"), ("4", "connect")]
    assert [(e.id, e.event, e.data["ue"]) for e in live] == [
        ("7", "handover", "ue-car"),
        ("11", "connect", "ue-far"),
    ]


async def test_stream_rejects_unknown_parameters(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=TIMEOUT_S) as http:
        response = await http.get(f"{BASE}/events/stream", params={"since": 3})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalidParams"] == [
        {"name": "since", "in": "query", "reason": "unknown parameter"}
    ]
