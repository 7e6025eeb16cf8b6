"""Connection guards against slow and greedy clients, and the uvicorn settings that go with them.

What uvicorn (0.55, h11 protocol) gives and lacks, read in ``uvicorn/protocols/http/h11_impl.py``:

- ``timeout_keep_alive`` closes a connection idle *between* requests; nothing is armed on a new
  connection, and the first byte of a request disarms it. A client that connects and sends
  nothing, or sends its request head a byte at a time (slowloris), holds its connection for
  ever. Here the head must be complete within ``head_timeout_s`` of the connection opening,
  or of the first byte of each later request: else 408 (RFC 9110 15.5.9) and the connection
  closes; a connection that sent nothing at all just closes.
- When the app answers before the request body is in (413, 401, 429 ...), uvicorn keeps reading
  and dropping the rest, so that the connection can serve the next request and the client
  sees the answer, not a reset. That drain had no end; here it gets :data:`LINGER_S`.
- ``limit_concurrency`` counts every connection of every client against one number and
  answers 503 uncounted. Here connections are capped per client address and in total; the
  connection over a cap has its first request answered 429 (per client) or 503 (total) as
  problem details, with ``Connection: close``, and the refusal is counted.
- ``h11_max_incomplete_event_size`` bounds the request head (meclab.http.protocol answers
  414/431 beyond it).

The guards are timers and counters on uvicorn's own protocol, nothing on the hot path but a
state check per read.
"""

from __future__ import annotations

import asyncio
from collections import Counter as Tally
from email.utils import formatdate
from typing import Any, ClassVar

import h11
from starlette.types import Receive, Scope, Send

from meclab.http.limits import LimitCounters, problem_parts, send_problem
from meclab.http.protocol import LINGER_S, MAX_HEAD_BYTES, ProblemH11Protocol
from meclab.metrics import Metrics

HEAD_TIMEOUT_S = 10.0
"""Time for a request head to arrive whole (nginx ``client_header_timeout`` is 60 s, Go's
``ReadHeaderTimeout`` unset by default; a local client sends a head in well under 1 ms)."""

KEEP_ALIVE_S = 5.0
"""Idle time between two requests of a connection before it closes (uvicorn's default)."""

MAX_CONNECTIONS = 4096
"""Open HTTP connections in all (each costs a file descriptor and a few KiB)."""

MAX_CONNECTIONS_PER_CLIENT = 512
"""Open HTTP connections from one address. On a laptop every app connects from 127.0.0.1,
so this is a cap on one misbehaving host, not a fairness rule between local apps: that is
the rate limiter's, keyed by app instance."""


class GuardedH11Protocol(ProblemH11Protocol):
    """meclab's h11 protocol with the guards of the module docstring.

    Use :func:`guarded_protocol` to get a subclass with settings (uvicorn instantiates the
    class it is given with its own arguments).
    """

    head_timeout_s: ClassVar[float] = HEAD_TIMEOUT_S
    drain_timeout_s: ClassVar[float] = LINGER_S
    max_connections: ClassVar[int] = MAX_CONNECTIONS
    max_connections_per_client: ClassVar[int] = MAX_CONNECTIONS_PER_CLIENT
    counters: ClassVar[LimitCounters | None] = None
    per_client: ClassVar[Tally[str]] = Tally()

    _head_timer: asyncio.TimerHandle | None = None
    _drain_timer: asyncio.TimerHandle | None = None
    _counted: str | None = None
    _upgraded = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._counted = self.client[0] if self.client else ""
        self.per_client[self._counted] += 1
        if self.per_client[self._counted] > self.max_connections_per_client:
            self._refuse("per_client")
        elif len(self.connections) > self.max_connections:
            self._refuse("total")
        self._watch()

    def _refuse(self, reason: str) -> None:
        """Answer this connection's first request with the refusal, then close it."""
        if reason == "per_client":
            cap = self.max_connections_per_client
            status, detail = 429, f"more than {cap} connections from {self._counted}"
        else:
            status, detail = 503, f"more than {self.max_connections} connections in all"

        async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
            # Answered past the app and its middleware (CanonicalHeaders adds Date there).
            headers = {"Connection": "close", "Retry-After": "1", "Date": formatdate(usegmt=True)}
            await send_problem(send, scope, status, detail, headers)

        self.app = refuse
        self._shed(reason)

    def _shed(self, reason: str) -> None:
        if self.counters is not None:
            self.counters.connections_shed.labels(reason).inc()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def _watch(self) -> None:
        """Arm or disarm the timers for the state the connection is in now."""
        if self._upgraded or self.transport.is_closing():
            return
        state = self.conn.their_state
        # A head is due when a connection has had no request yet, or has part of the next one.
        due = state is h11.IDLE and (self.cycle is None or bool(self.conn.trailing_data[0]))
        if due and self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)
        elif not due and self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        draining = (
            state is h11.SEND_BODY and self.cycle is not None and self.cycle.response_complete
        )
        if draining and self._drain_timer is None:
            self._drain_timer = self.loop.call_later(self.drain_timeout_s, self._drained_too_long)
        elif not draining and self._drain_timer is not None:
            self._drain_timer.cancel()
            self._drain_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if not self.conn.trailing_data[0]:
            self._shed("idle")  # connected, or answered, and then silent
            self.transport.close()
            return
        self._shed("head_timeout")
        detail = f"the request head did not arrive whole within {self.head_timeout_s:g} s"
        fields, body = problem_parts(
            408, detail, headers={"Connection": "close", "Date": formatdate(usegmt=True)}
        )
        # h11 cannot send a response before it has seen a request: written by hand.
        head = b"HTTP/1.1 408 Request Timeout\r\n" + b"".join(
            k + b": " + v + b"\r\n" for k, v in fields
        )
        self.transport.write(head + b"\r\n" + body)
        self.transport.close()

    def _drained_too_long(self) -> None:
        self._drain_timer = None
        if not self.transport.is_closing():
            self._shed("drain_timeout")
            self.transport.close()

    def _forget(self) -> None:
        for timer in (self._head_timer, self._drain_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._drain_timer = None
        if self._counted is not None:
            self.per_client[self._counted] -= 1
            if self.per_client[self._counted] <= 0:
                del self.per_client[self._counted]
            self._counted = None

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        # The websocket protocol takes the transport over; this one never hears of it again.
        self._upgraded = True
        self._forget()
        super().handle_websocket_upgrade(event)

    def connection_lost(self, exc: Exception | None) -> None:
        self._forget()
        super().connection_lost(exc)


def guarded_protocol(
    *,
    head_timeout_s: float = HEAD_TIMEOUT_S,
    drain_timeout_s: float = LINGER_S,
    max_connections: int = MAX_CONNECTIONS,
    max_connections_per_client: int = MAX_CONNECTIONS_PER_CLIENT,
    metrics: Metrics | None = None,
) -> type[GuardedH11Protocol]:
    """A :class:`GuardedH11Protocol` with these settings and its own count of connections."""
    settings: dict[str, Any] = {
        "head_timeout_s": head_timeout_s,
        "drain_timeout_s": drain_timeout_s,
        "max_connections": max_connections,
        "max_connections_per_client": max_connections_per_client,
        "counters": LimitCounters.of(metrics),
        "per_client": Tally(),
    }
    return type("GuardedH11Protocol", (GuardedH11Protocol,), settings)


def server_limits(
    *,
    head_timeout_s: float = HEAD_TIMEOUT_S,
    keep_alive_s: float = KEEP_ALIVE_S,
    max_connections: int = MAX_CONNECTIONS,
    max_connections_per_client: int = MAX_CONNECTIONS_PER_CLIENT,
    drain_timeout_s: float = LINGER_S,
    metrics: Metrics | None = None,
) -> dict[str, Any]:
    """``uvicorn.Config`` options against slow, oversized and greedy clients.

    Merge them over :data:`meclab.http.headers.SERVER_OPTIONS` (they replace its ``http``
    with the guarded protocol, a subclass of the one there). ``limit_concurrency`` is left
    unset: the guard's total cap replaces it, counted. uvicorn's ``backlog`` only applies to
    sockets uvicorn binds itself; meclab binds its own (``meclab.sockets.listen_tcp``).
    """
    return {
        "http": guarded_protocol(
            head_timeout_s=head_timeout_s,
            drain_timeout_s=drain_timeout_s,
            max_connections=max_connections,
            max_connections_per_client=max_connections_per_client,
            metrics=metrics,
        ),
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "timeout_keep_alive": keep_alive_s,
    }
