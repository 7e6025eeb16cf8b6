"""HTTP conventions every API shares: canonical header names on the wire (meclab/http/headers.py),
ETags and If-Match (etag.py), JSON bodies only (content.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Header
from fastapi.responses import JSONResponse
from helpers import on_loopback

from meclab.http.content import is_json, require_json_body
from meclab.http.etag import check_if_match, etag_of
from meclab.http.headers import SERVER_OPTIONS, CanonicalHeaders, canonical
from meclab.http.problem import ProblemError, install_problem_handlers
from meclab.services.subscribing import created, resource

# --- canonical names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        (b"content-type", b"Content-Type"),
        (b"CONTENT-LENGTH", b"Content-Length"),
        (b"location", b"Location"),
        (b"etag", b"ETag"),
        (b"ETAG", b"ETag"),
        (b"date", b"Date"),
        (b"www-authenticate", b"WWW-Authenticate"),
        (b"x-request-id", b"X-Request-Id"),
        (b"te", b"TE"),
    ],
)
def test_canonical_names(name: bytes, wire: bytes) -> None:
    assert canonical(name) == wire


def the_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def make() -> JSONResponse:
        return created({"id": "t1"}, "http://meclab.test/things/t1")

    @app.get("/things/t1")
    async def read() -> JSONResponse:
        return resource({"id": "t1"})

    @app.get("/dated")
    async def dated() -> JSONResponse:
        return JSONResponse({}, headers={"date": "Tue, 01 Jan 2030 00:00:00 GMT"})

    @app.put("/things/t1")
    async def replace(if_match: Annotated[str | None, Header()] = None) -> JSONResponse:
        check_if_match(if_match, etag_of({"id": "t1"}))
        return resource({"id": "t1"})

    app.add_middleware(CanonicalHeaders)
    return app


@pytest.fixture
async def server_port() -> AsyncIterator[int]:
    """A real uvicorn server, configured as meclab runs it, on a free port."""
    async with on_loopback(lambda _: the_app(), lifespan="off", **SERVER_OPTIONS) as (_, port):
        yield port


async def raw_head(port: int, request: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """Status line and header lines exactly as the server wrote them."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
    finally:
        writer.close()
        await writer.wait_closed()
    status, *lines = head[:-4].split(b"\r\n")
    headers = []
    for line in lines:
        name, _, value = line.partition(b":")
        headers.append((name, value.strip()))
    return status, headers


def names(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    return [name for name, _ in headers]


async def test_created_response_names_go_out_canonical(server_port: int) -> None:
    status, headers = await raw_head(
        server_port,
        b"POST /things HTTP/1.1\r\nHost: meclab.test\r\nContent-Length: 0\r\n\r\n",
    )
    assert status == b"HTTP/1.1 201 Created"
    assert sorted(names(headers)) == [
        b"Content-Length",
        b"Content-Type",
        b"Date",
        b"ETag",
        b"Location",
    ]
    values = dict(headers)
    assert values[b"Location"] == b"http://meclab.test/things/t1"
    assert values[b"ETag"] == etag_of({"id": "t1"}).encode()
    assert values[b"Content-Type"] == b"application/json"
    assert values[b"Date"].endswith(b" GMT")


async def test_problem_responses_and_a_route_own_date_are_canonical_too(server_port: int) -> None:
    status, headers = await raw_head(
        server_port,
        b'PUT /things/t1 HTTP/1.1\r\nHost: meclab.test\r\nIf-Match: "stale"\r\n'
        b"Content-Length: 0\r\n\r\n",
    )
    assert status == b"HTTP/1.1 412 Precondition Failed"
    assert all(canonical(name) == name for name in names(headers))
    assert dict(headers)[b"Content-Type"] == b"application/problem+json"

    _, headers = await raw_head(server_port, b"GET /dated HTTP/1.1\r\nHost: meclab.test\r\n\r\n")
    assert [v for n, v in headers if n.lower() == b"date"] == [b"Tue, 01 Jan 2030 00:00:00 GMT"]
    assert b"Date" in names(headers)


# --- ETag and If-Match (RFC 9110 8.8.3, 13.1.1) -----------------------------------------------


def test_etag_is_strong_quoted_and_follows_the_representation() -> None:
    tag = etag_of({"a": 1, "b": [1, 2]})
    assert tag.startswith('"') and tag.endswith('"') and len(tag) == 34
    assert not tag.startswith("W/")
    assert etag_of({"b": [1, 2], "a": 1}) == tag  # key order does not matter
    assert etag_of({"a": 2, "b": [1, 2]}) != tag
    assert etag_of({"a": 1, "b": [2, 1]}) != tag


@pytest.mark.parametrize(
    "if_match",
    [None, "*", '"abc"', '"x", "abc"', '"x","abc"', ' "abc" ', '"x", *'],
)
def test_if_match_that_lets_the_request_through(if_match: str | None) -> None:
    check_if_match(if_match, '"abc"')


@pytest.mark.parametrize("if_match", ['"abd"', 'W/"abc"', "abc", '"x", "y"', ""])
def test_if_match_that_does_not_match_is_412(if_match: str) -> None:
    with pytest.raises(ProblemError) as caught:
        check_if_match(if_match, '"abc"')
    assert caught.value.status == 412
    assert '"abc"' in caught.value.detail


# --- JSON bodies only (415) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "json"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON", True),
        ("application/problem+json", True),
        ("application/merge-patch+json", True),
        ("text/plain", False),
        ("application/xml", False),
        ("text/json", False),
        ("", False),
        (None, False),
    ],
)
def test_is_json(content_type: str | None, json: bool) -> None:
    assert is_json(content_type) is json


async def test_a_body_that_is_not_json_is_415_problem() -> None:
    app = FastAPI(dependencies=[Depends(require_json_body)])
    install_problem_handlers(app)

    @app.post("/things")
    async def make() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/things")
    async def read() -> dict[str, bool]:
        return {"ok": True}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://meclab.test") as http:
        ok = await http.post("/things", json={"a": 1})
        assert ok.status_code == 200
        text = await http.post("/things", content=b"a=1", headers={"Content-Type": "text/plain"})
        assert text.status_code == 415
        assert text.headers["content-type"] == "application/problem+json"
        assert text.json()["status"] == 415
        assert "text/plain" in text.json()["detail"]
        bare = await http.post("/things", content=b"{}")
        assert bare.status_code == 415
        assert "no Content-Type" in bare.json()["detail"]
        assert (await http.get("/things")).status_code == 200  # no body, no check
