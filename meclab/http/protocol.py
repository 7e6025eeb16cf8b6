"""The HTTP/1.1 connection uvicorn runs for meclab: requests it cannot parse get an answer.

uvicorn's h11 protocol answers any request h11 rejects with a plain-text 400 and closes the
socket at once. When the request is too long (h11 keeps at most :data:`MAX_HEAD_BYTES` of an
unfinished request line or header block), the client is still sending it, and closing a
socket with unread bytes makes the kernel reset the connection (RFC 9112 section 9.6): the
client sees "connection reset" instead of the answer. Here such a request gets the status the
ETSI MEC APIs list, 414 URI Too Long for the request line (MEC 011 lists it for over-long
queries), 431 Request Header Fields Too Large (RFC 6585 section 5) for the header fields, as
problem details (RFC 7807); then the connection is half-closed and the rest of the request is
read and dropped for at most :data:`LINGER_S` before the socket closes, as web servers do.
"""

from __future__ import annotations

import asyncio
import json
from email.utils import formatdate
from http import HTTPStatus

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from meclab.http.problem import PROBLEM_JSON, problem_body

MAX_HEAD_BYTES = 16 * 1024
"""Longest unfinished request line or header block kept: h11's default; node.js also allows
16 KiB of headers, Apache 8 KiB per line, nginx 8 KiB per line in its large buffers."""

LINGER_S = 5.0
"""How long the rest of a rejected request is read and dropped (nginx ``lingering_timeout``)."""


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering unparsable requests with problem details."""

    _lingering = False
    _linger_timer: asyncio.TimerHandle | None = None

    def send_400_response(self, msg: str) -> None:
        """Answer the request h11 rejected (uvicorn calls this); then close without a reset."""
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            self.transport.close()  # an answer is already under way: nothing more can be said
            return
        status, detail = self._rejection()
        body = json.dumps(problem_body(status, detail)).encode()
        headers = [
            (b"Content-Type", PROBLEM_JSON.encode()),
            (b"Content-Length", str(len(body)).encode()),
            (b"Connection", b"close"),
            (b"Date", formatdate(usegmt=True).encode()),
        ]
        reason = HTTPStatus(status).phrase.encode()
        for event in (
            h11.Response(status_code=status, headers=headers, reason=reason),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self._linger()

    def _rejection(self) -> tuple[int, str]:
        """The status and detail for the request h11 gave up on."""
        limit = self.config.h11_max_incomplete_event_size or MAX_HEAD_BYTES
        buffered, _ = self.conn.trailing_data
        if len(buffered) <= limit:
            return 400, "the request is not valid HTTP/1.1"
        if b"\n" not in buffered:
            return 414, f"the request line is longer than {limit} bytes"
        return 431, f"the request's header fields are longer than {limit} bytes"

    def _linger(self) -> None:
        self._lingering = True
        # The answer goes out before the FIN; the client may still be sending.
        self.transport.write_eof()
        self._linger_timer = self.loop.call_later(LINGER_S, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # the rest of a rejected request: read so that closing resets nothing
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)
