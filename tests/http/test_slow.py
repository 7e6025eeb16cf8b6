"""Slow, oversized and greedy clients against a real uvicorn run with meclab's server limits.

Each test starts uvicorn on a free port with ``SERVER_OPTIONS | server_limits(...)`` and the
limits middleware, and talks to it over raw sockets, so that what is measured is what a client
on the wire meets: when the server cuts it off, with what answer, and whether a well-behaved
client is served meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from helpers import on_loopback
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from meclab.http.headers import SERVER_OPTIONS
from meclab.http.limits import LimitsMiddleware, client_key
from meclab.http.slow import server_limits
from meclab.metrics import Metrics

HEAD_TIMEOUT_S = 0.5
DRAIN_TIMEOUT_S = 0.5
BODY_TIMEOUT_S = 0.5
MAX_BODY = 64 * 1024
UNHINDERED_S = 0.25
"""Longest a well-behaved client's request may take meanwhile: far less than the bad client
holds its connection, with room for a loaded test machine."""
GET = b"GET /ok HTTP/1.1\r\nHost: meclab.test\r\n\r\n"


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


async def _ws(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


class Server:
    def __init__(self, port: int, metrics: Metrics) -> None:
        self.port = port
        self.metrics = metrics

    def shed(self, reason: str) -> float:
        name = "meclab_connections_shed_total"
        return self.metrics.registry.get_sample_value(name, {"reason": reason}) or 0.0

    def refused(self, reason: str) -> float:
        labels = {"reason": reason, "kind": "client"}
        value = self.metrics.registry.get_sample_value("meclab_requests_refused_total", labels)
        return value or 0.0

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    metrics = Metrics(CollectorRegistry())
    app = LimitsMiddleware(
        Starlette(
            routes=[
                Route("/ok", _ok),
                Route("/echo", _echo, methods=["POST"]),
                WebSocketRoute("/ws", _ws),
            ]
        ),
        key_of=client_key,
        rate_per_s=10_000,
        burst=10_000,
        max_body_bytes=MAX_BODY,
        max_concurrent_per_key=64,
        max_queued_per_key=64,
        metrics=metrics,
        body_timeout_s=BODY_TIMEOUT_S,
    )
    options: dict[str, Any] = SERVER_OPTIONS | server_limits(
        head_timeout_s=HEAD_TIMEOUT_S,
        drain_timeout_s=DRAIN_TIMEOUT_S,
        max_connections_per_client=4,
        metrics=metrics,
    )
    async with on_loopback(lambda _: app, lifespan="off", **options) as (_, port):
        yield Server(port, metrics)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One response with a Content-Length body: status, headers (lower-case names), body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status_line, *lines = head.decode().rstrip("\r\n").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), 5)
    return int(status_line.split()[1]), headers, body


async def closed(reader: asyncio.StreamReader, timeout_s: float = 5.0) -> bool:
    """Whether the server closes the connection (a FIN: no reset) within ``timeout_s``."""
    return await asyncio.wait_for(reader.read(), timeout_s) == b""


async def normal_client(server: Server, stop: asyncio.Event) -> list[float]:
    """Requests on one kept-alive connection until ``stop``: the time each one took."""
    reader, writer = await server.connect()
    times = []
    try:
        while not stop.is_set():
            start = time.perf_counter()
            writer.write(GET)
            status, _, body = await read_response(reader)
            assert (status, body) == (200, b"ok")
            times.append(time.perf_counter() - start)
            await asyncio.sleep(0.01)
    finally:
        writer.close()
    return times


async def test_a_slowloris_is_cut_off_while_a_normal_client_is_served(server: Server) -> None:
    stop = asyncio.Event()
    normal = asyncio.create_task(normal_client(server, stop))
    reader, writer = await server.connect()
    start = time.perf_counter()
    for byte in GET[:-2]:  # a byte every 50 ms, never the final CRLF
        if writer.is_closing() or reader.at_eof():
            break
        writer.write(bytes([byte]))
        await asyncio.sleep(0.05)
        if reader._buffer:  # type: ignore[attr-defined]  # the server answered: stop sending
            break
    status, headers, body = await read_response(reader)
    cut_after = time.perf_counter() - start
    assert await closed(reader)
    writer.close()
    stop.set()
    times = await normal
    assert status == 408
    assert headers["connection"] == "close"
    assert json.loads(body)["detail"] == (
        f"the request head did not arrive whole within {HEAD_TIMEOUT_S:g} s"
    )
    assert HEAD_TIMEOUT_S <= cut_after < HEAD_TIMEOUT_S + 0.5
    assert len(times) >= 10 and max(times) < UNHINDERED_S  # served all along, unhindered
    assert server.shed("head_timeout") == 1


async def test_a_connection_that_sends_nothing_is_closed(server: Server) -> None:
    reader, writer = await server.connect()
    start = time.perf_counter()
    assert await closed(reader)
    assert HEAD_TIMEOUT_S <= time.perf_counter() - start < HEAD_TIMEOUT_S + 0.5
    writer.close()
    assert server.shed("idle") == 1


async def test_a_kept_alive_connection_must_send_its_next_head_in_time_too(
    server: Server,
) -> None:
    reader, writer = await server.connect()
    writer.write(GET)
    assert (await read_response(reader))[0] == 200
    writer.write(GET[:10])
    status, _, _ = await read_response(reader)
    assert status == 408
    assert await closed(reader)
    writer.close()


async def test_a_head_sent_slowly_but_in_time_is_served(server: Server) -> None:
    reader, writer = await server.connect()
    for part in (GET[:5], GET[5:20], GET[20:]):
        writer.write(part)
        await asyncio.sleep(HEAD_TIMEOUT_S / 4)
    assert (await read_response(reader))[:1] == (200,)
    await asyncio.sleep(HEAD_TIMEOUT_S)  # idle now: the keep-alive timeout (5 s) applies
    writer.write(GET)
    assert (await read_response(reader))[0] == 200
    writer.close()


def _chunked_head(path: bytes = b"/echo") -> bytes:
    return b"POST " + path + b" HTTP/1.1\r\nHost: meclab.test\r\nTransfer-Encoding: chunked\r\n\r\n"


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def test_an_oversized_chunked_body_is_413_and_the_connection_goes_on(
    server: Server,
) -> None:
    reader, writer = await server.connect()
    writer.write(_chunked_head())
    for _ in range(4 * MAX_BODY // 16384):  # four times the limit
        writer.write(_chunk(b"x" * 16384))
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    status, headers, body = await read_response(reader)
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["detail"] == f"the request body is larger than {MAX_BODY} bytes"
    # The rest of the body was read and dropped: the connection serves the next request.
    writer.write(GET)
    assert (await read_response(reader))[2] == b"ok"
    writer.close()
    assert server.refused("body") == 1


async def test_an_oversized_declared_body_is_413_without_a_reset(server: Server) -> None:
    reader, writer = await server.connect()
    size = 16 * MAX_BODY
    writer.write(f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode())
    writer.write(b"x" * size)  # sent whole, as most clients do before they read
    await writer.drain()
    status, _, _ = await read_response(reader)
    assert status == 413
    writer.write(GET)
    assert (await read_response(reader))[0] == 200
    writer.close()


async def test_a_stalled_body_is_408_and_the_connection_closes(server: Server) -> None:
    stop = asyncio.Event()
    normal = asyncio.create_task(normal_client(server, stop))
    reader, writer = await server.connect()
    writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
    start = time.perf_counter()
    status, headers, body = await read_response(reader)
    stalled = time.perf_counter() - start
    assert await closed(reader)
    writer.close()
    stop.set()
    times = await normal
    assert (status, headers["connection"]) == (408, "close")
    assert json.loads(body)["detail"] == (
        f"no part of the request body came for {BODY_TIMEOUT_S:g} s"
    )
    assert BODY_TIMEOUT_S <= stalled < BODY_TIMEOUT_S * 1.25 + 0.5
    assert max(times) < UNHINDERED_S
    assert server.refused("body_timeout") == 1


async def test_a_body_that_never_ends_after_its_answer_is_cut_off(server: Server) -> None:
    stop = asyncio.Event()
    normal = asyncio.create_task(normal_client(server, stop))
    reader, writer = await server.connect()
    writer.write(_chunked_head())
    writer.write(_chunk(b"x" * (MAX_BODY + 1)))
    status, _, _ = await read_response(reader)
    assert status == 413
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < 5:  # keeps sending, never the last chunk
            writer.write(_chunk(b"y" * 1024))
            await writer.drain()
            await asyncio.sleep(0.02)
            if reader.at_eof() or await _eof_now(reader):
                break
    except ConnectionError:
        pass  # the server closed while bytes were in flight: a reset is fair here
    cut_after = time.perf_counter() - start
    writer.close()
    stop.set()
    times = await normal
    assert DRAIN_TIMEOUT_S <= cut_after < DRAIN_TIMEOUT_S + 0.5
    assert max(times) < UNHINDERED_S
    assert server.shed("drain_timeout") == 1


async def _eof_now(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), 0.001) == b""
    except TimeoutError:
        return False


async def test_connections_beyond_the_per_client_cap_are_answered_429(server: Server) -> None:
    connections = [await server.connect() for _ in range(5)]
    for _, writer in connections:
        writer.write(GET)
    answers = [await read_response(reader) for reader, _ in connections]
    assert [status for status, _, _ in answers] == [200, 200, 200, 200, 429]
    _, headers, body = answers[4]
    assert headers["connection"] == "close"
    assert headers["retry-after"] == "1"
    assert "date" in headers
    assert json.loads(body)["detail"] == "more than 4 connections from 127.0.0.1"
    assert await closed(connections[4][0])
    assert server.shed("per_client") == 1
    connections[0][1].close()
    await connections[0][1].wait_closed()
    await asyncio.sleep(0.05)  # the server hears of the close
    reader, writer = await server.connect()  # a place is free again
    writer.write(GET)
    assert (await read_response(reader))[0] == 200
    for _, w in [*connections[1:], (reader, writer)]:
        w.close()


async def test_header_fields_over_the_limit_are_still_431(server: Server) -> None:
    reader, writer = await server.connect()
    writer.write(b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    await writer.drain()
    status, _, body = await read_response(reader)
    assert status == 431
    assert json.loads(body)["status"] == 431
    writer.close()


async def test_upgraded_websockets_do_not_stay_counted(server: Server) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(6):  # more than the cap of 4, one after another
            async with session.ws_connect(f"http://127.0.0.1:{server.port}/ws") as ws:
                assert (await ws.receive_str()) == "hello"
    connections = [await server.connect() for _ in range(4)]
    for reader, writer in connections:
        writer.write(GET)
        assert (await read_response(reader))[0] == 200
        writer.close()
