"""The built-in responder: stands in for emulated applications that have no real process.

An application of the scenario without an ``endpoint`` is answered by this responder, so the
data plane works out of the box (``curl -x socks5h://ue@127.0.0.1:1080 http://ar-guide-backend/``):

* **HTTP** (a TCP connection whose first bytes are an HTTP/1.x request line): every request
  gets ``200`` with a small JSON document naming the application, its instance, its host, the
  UE and the path taken, plus the request's method and target; keep-alive as HTTP/1.1 has it
  (RFC 9112 §9.3), request bodies (``Content-Length``) read and counted.
* **TCP echo** otherwise (RFC 862): every byte comes back. Port 7, echo's own, always echoes.
* **UDP echo** (RFC 862): every datagram comes back.

It listens on the loopback, on ports of its own; the relay connects to it like to any upstream
and it learns which flow a connection belongs to from the relay's source port.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, cast

from meclab import __version__
from meclab.dataplane.gate import close_server
from meclab.sockets import listen_tcp

HTTP_METHODS = (b"GET ", b"HEAD ", b"POST ", b"PUT ", b"DELETE ", b"PATCH ", b"OPTIONS ")
ECHO_PORT = 7
"""RFC 862."""
MAX_HEADER_BYTES = 64 * 1024

Describe = Callable[[tuple[str, int]], tuple[dict[str, Any], int | None]]
"""Given the peer (the relay's upstream socket): the JSON facts of its flow, and the port the
client asked for (None when unknown)."""


class _Tcp(asyncio.Protocol):
    def __init__(self, describe: Describe) -> None:
        self.describe = describe
        self.transport: asyncio.Transport | None = None
        self.mode: str | None = None
        self.buffer = b""
        self.body_left = 0
        self.peer: tuple[str, int] = ("", 0)
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = (str(peer[0]), int(peer[1])) if peer else ("", 0)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        if self.mode is None:
            _, port = self.describe(self.peer)
            sniff = (self.buffer + data)[:8]
            if port != ECHO_PORT and any(sniff.startswith(m) for m in HTTP_METHODS):
                self.mode = "http"
            elif len(sniff) >= 8 or not any(m.startswith(sniff) for m in HTTP_METHODS):
                self.mode = "echo"
            else:
                self.buffer += data  # too short to tell yet
                return
            data, self.buffer = self.buffer + data, b""
        if self.mode == "echo":
            self.transport.write(data)
            return
        self.buffer += data
        self._serve_http()

    def _serve_http(self) -> None:
        assert self.transport is not None
        while True:
            if self.body_left:
                taken = min(self.body_left, len(self.buffer))
                self.body_left -= taken
                self.buffer = self.buffer[taken:]
                if self.body_left:
                    return
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                if len(self.buffer) > MAX_HEADER_BYTES:
                    self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n")
                    self.transport.close()
                return
            self.buffer = rest
            self._answer(head)
            if not self.keep_alive:
                self.transport.close()
                return

    def _answer(self, head: bytes) -> None:
        assert self.transport is not None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        method, target = (parts[0], parts[1]) if len(parts) >= 3 else ("GET", "/")
        version = parts[2] if len(parts) >= 3 else "HTTP/1.0"
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length", "0")
        self.body_left = int(length) if length.isdigit() else 0
        connection = headers.get("connection", "").lower()
        self.keep_alive = (
            connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        )
        facts, _ = self.describe(self.peer)
        body = (
            json.dumps(
                {**facts, "method": method, "target": target, "request_body_bytes": self.body_left},
                indent=2,
            ).encode()
            + b"\n"
        )
        status = [
            "HTTP/1.1 200 OK",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            f"Server: meclab-responder/{__version__}",
            "Connection: " + ("keep-alive" if self.keep_alive else "close"),
        ]
        self.transport.write("\r\n".join(status).encode() + b"\r\n\r\n")
        if method != "HEAD":
            self.transport.write(body)

    def eof_received(self) -> bool:
        return False  # the client is done: close (after writing what is pending)


class _Udp(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.DatagramTransport, transport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        if self.transport is not None:
            self.transport.sendto(data, addr)


class Responder:
    """The responder's TCP and UDP sockets on the loopback."""

    def __init__(self, describe: Describe, host: str = "127.0.0.1") -> None:
        self.describe = describe
        self.host = host
        self.tcp: asyncio.Server | None = None
        self.udp: asyncio.DatagramTransport | None = None
        self.tcp_address: tuple[str, int] = (host, 0)
        self.udp_address: tuple[str, int] = (host, 0)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.tcp = await loop.create_server(
            lambda: _Tcp(self.describe), sock=listen_tcp(self.host, 0)
        )
        self.tcp_address = self.tcp.sockets[0].getsockname()[:2]
        self.udp, _ = await loop.create_datagram_endpoint(_Udp, local_addr=(self.host, 0))
        self.udp_address = self.udp.get_extra_info("sockname")[:2]

    def address(self, protocol: str) -> tuple[str, int]:
        return self.tcp_address if protocol == "TCP" else self.udp_address

    async def stop(self) -> None:
        if self.udp is not None:
            self.udp.close()
            self.udp = None
        if self.tcp is not None:
            await close_server(self.tcp)
            self.tcp = None
