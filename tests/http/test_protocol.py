"""Requests uvicorn cannot take, as meclab's server answers them (SERVER_OPTIONS).

A request line or header block longer than the server keeps gets its ETSI status as problem
details, and the connection then ends with a FIN, not a reset, although the client is still
sending: the client reads the whole answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from helpers import on_loopback
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from meclab.http.headers import SERVER_OPTIONS
from meclab.http.protocol import MAX_HEAD_BYTES

MIB = 1 << 20


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


@pytest.fixture
async def port() -> AsyncIterator[int]:
    """A real uvicorn server, configured as meclab runs it, on a free port."""
    app = Starlette(routes=[Route("/ok", _ok)])
    async with on_loopback(lambda _: app, lifespan="off", **SERVER_OPTIONS) as (_, bound):
        yield bound


async def exchange(port: int, request: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """Send ``request`` whole, read until the server closes: status line, headers, body.

    A reset instead of a close fails the test with ConnectionResetError.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10.0)
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = dict(line.split(b": ", 1) for line in lines)
    return status, headers, body


def problem_of(headers: dict[bytes, bytes], body: bytes) -> dict[str, Any]:
    assert headers[b"Content-Type"] == b"application/problem+json"
    assert int(headers[b"Content-Length"]) == len(body)
    problem: dict[str, Any] = json.loads(body)
    return problem


async def test_a_mebibyte_request_line_is_answered_414(port: int) -> None:
    request = b"GET /ok?ids=" + b"a" * MIB + b" HTTP/1.1\r\nHost: meclab.test\r\n\r\n"
    status, headers, body = await exchange(port, request)
    assert status == b"HTTP/1.1 414 Request-URI Too Long"
    assert headers[b"Connection"] == b"close"
    problem = problem_of(headers, body)
    assert problem["status"] == 414
    assert problem["detail"] == f"the request line is longer than {MAX_HEAD_BYTES} bytes"


async def test_a_mebibyte_header_is_answered_431(port: int) -> None:
    request = b"GET /ok HTTP/1.1\r\nHost: meclab.test\r\nX-Big: " + b"a" * MIB + b"\r\n\r\n"
    status, headers, body = await exchange(port, request)
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    problem = problem_of(headers, body)
    assert problem["status"] == 431
    assert "header fields are longer than" in problem["detail"]


async def test_malformed_request_is_answered_400_problem(port: int) -> None:
    status, headers, body = await exchange(port, b"GET /ok HTTP/1.1\r\nHost meclab\r\n\r\n")
    assert status == b"HTTP/1.1 400 Bad Request"
    assert problem_of(headers, body)["status"] == 400


async def test_requests_within_the_limit_are_served(port: int) -> None:
    near = b"a" * (MAX_HEAD_BYTES // 2)
    request = b"GET /ok HTTP/1.1\r\nHost: meclab.test\r\nX-Near: " + near + b"\r\n"
    status, _, body = await exchange(port, request + b"Connection: close\r\n\r\n")
    assert status == b"HTTP/1.1 200 OK"
    assert body == b"ok"
