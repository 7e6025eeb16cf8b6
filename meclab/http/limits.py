"""Request limits at the server edge: rate, body size, fair sharing of the app between clients.

::

    TokenBucket      one client's rate: ``take()`` -> seconds to wait (0: go)
    RateLimiter      a bucket per key, at most ``max_keys`` of them (least recently used go)
    FairSlots        per key, at most N requests in the app and M more waiting, first come first
                     served: a key flooding the server fills only its own lane
    LimitsMiddleware the ASGI layer applying all three, plus the body's size and pace:

        over the rate                 429, Retry-After (RFC 6585 section 4, RFC 9110 10.2.3)
        N running and M waiting       429, Retry-After: 1
        Content-Length over the max   413 (RFC 9110 15.5.14), the app is not called
        a body growing over the max   413 in place of whatever the app was answering
        a body stalling               408 (RFC 9110 15.5.9), Connection: close

Every refusal is RFC 7807 problem details naming the limit, and is counted in
``meclab_requests_refused_total{reason, kind}``. Starlette and uvicorn have none of these (uvicorn's
``limit_concurrency`` is one global count of connections, so a flooding client takes it all), so
they are written here. The connection-level guards (slow request heads, connections per client)
are in :mod:`meclab.http.slow`.

Keys are strings ``"<kind>:<id>"`` (``app:<instance id>``, ``client:<address>``); the kind is a
metric label, the id is not (a label per client would let clients grow the registry).
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from prometheus_client import CollectorRegistry, Counter
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meclab.http.problem import PROBLEM_JSON, ProblemError, instance_of, problem_body
from meclab.metrics import Metrics

Clock = Callable[[], float]
KeyOf = Callable[[Scope], str | None]
RateOf = Callable[[str], tuple[float, float] | None]

REFUSED = "meclab.refused"
"""The ASGI scope key naming the limit a refused request broke (``rate``, ``queue``, ``body``,
``body_timeout``), for the audit."""

_EPSILON = 1e-9
"""Float slack: a token refilled at 0.9999999999 is a token, a wait of 2.0000000001 s is 2 s."""


def retry_after(wait_s: float) -> str:
    """The ``Retry-After`` value for a wait: whole seconds (RFC 9110 10.2.3), rounded up, >= 1."""
    return str(max(1, math.ceil(wait_s - _EPSILON)))


class TokenBucket:
    """A token bucket: ``burst`` tokens at most, refilled at ``rate_per_s``; a request takes one.

    It never reads a clock of its own: ``clock`` (monotonic seconds) is asked at each ``take``.
    """

    __slots__ = ("_at", "_tokens", "burst", "clock", "rate")

    def __init__(self, rate_per_s: float, burst: float, clock: Clock = time.monotonic) -> None:
        if rate_per_s <= 0:
            raise ValueError(f"rate_per_s must be > 0, not {rate_per_s}")
        if burst < 1:
            raise ValueError(f"burst must be >= 1, not {burst}")
        self.rate = rate_per_s
        self.burst = burst
        self.clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def _refill(self) -> float:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        return self._tokens

    def take(self, n: float = 1) -> float:
        """Take ``n`` tokens: 0 when they were there (taken), else the seconds until they will
        be (nothing taken: a refused request does not push the next one further back)."""
        if n > self.burst:
            raise ValueError(f"cannot take {n} tokens from a bucket of {self.burst}")
        tokens = self._refill()
        if tokens + _EPSILON >= n:
            self._tokens = max(0.0, tokens - n)
            return 0.0
        return (n - tokens) / self.rate

    @property
    def full(self) -> bool:
        """Whether the bucket has refilled to ``burst``: forgetting it then loses nothing."""
        return self._refill() + _EPSILON >= self.burst


class RateLimiter:
    """A :class:`TokenBucket` per key, for at most ``max_keys`` keys.

    When a new key comes and the table is full, the least recently seen key's bucket is
    dropped; it has been idle the longest, so it is most likely refilled (and then nothing is
    lost). Its key starts again with a full burst if it comes back.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: float,
        clock: Clock = time.monotonic,
        max_keys: int = 10_000,
        rate_of: RateOf | None = None,
    ) -> None:
        TokenBucket(rate_per_s, burst, clock)  # the settings' errors, now rather than later
        if max_keys < 1:
            raise ValueError(f"max_keys must be >= 1, not {max_keys}")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self.rate_of = rate_of
        """``rate_of(key)`` -> (rate_per_s, burst) of that key, None for the defaults."""
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: str) -> float | None:
        """Count a request of ``key``: None when allowed, else the seconds it should wait."""
        wait = self.bucket(key).take()
        return wait if wait else None

    def bucket(self, key: str) -> TokenBucket:
        """The bucket of ``key``, made full at its first request."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)
            rate, burst = (self.rate_of(key) if self.rate_of else None) or (
                self.rate_per_s,
                self.burst,
            )
            bucket = self._buckets[key] = TokenBucket(rate, burst, self.clock)
        else:
            self._buckets.move_to_end(key)
        return bucket

    def clear(self) -> None:
        """Forget every bucket (the rates changed): each key starts again full."""
        self._buckets.clear()


class FairSlots:
    """Per key, at most ``concurrent`` holders of a slot and ``queued`` more waiting (FIFO).

    A key is remembered only while it has a request running (its queue only while one
    waits), so memory is bounded by the requests in flight. A slot freed goes straight to the
    key's first waiter.
    """

    def __init__(self, concurrent: int, queued: int) -> None:
        if concurrent < 1 or queued < 0:
            raise ValueError(f"need concurrent >= 1 and queued >= 0, not {concurrent}, {queued}")
        self.concurrent = concurrent
        self.queued = queued
        self._running: dict[str, int] = {}
        self._queues: dict[str, deque[asyncio.Future[None]]] = {}

    def running(self, key: str) -> int:
        """Slots ``key`` holds now."""
        return self._running.get(key, 0)

    def waiting(self, key: str) -> int:
        """Requests of ``key`` waiting for a slot now."""
        return len(self._queues.get(key, ()))

    def enter(self, key: str) -> bool:
        """Take a slot at once if ``key`` has one free (no coroutine: the common case)."""
        running = self._running.get(key, 0)
        if running < self.concurrent:
            self._running[key] = running + 1
            return True
        return False

    async def wait(self, key: str) -> bool:
        """After ``enter`` said no: wait for a slot in turn; False at once if the queue is full.

        A waiter cancelled after it was handed a slot passes the slot on.
        """
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        if len(queue) >= self.queued:
            return False
        turn = asyncio.get_running_loop().create_future()
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release(key)
            elif turn in queue:  # release() skips and drops cancelled turns itself
                queue.remove(turn)
                if not queue and self._queues.get(key) is queue:
                    del self._queues[key]
            raise
        return True

    def release(self, key: str) -> None:
        """Give back a slot of ``key``: to its next waiter, if any."""
        queue = self._queues.get(key)
        while queue:
            turn = queue.popleft()
            if not turn.done():
                if not queue:
                    del self._queues[key]
                turn.set_result(None)
                return
        if queue is not None:
            del self._queues[key]
        running = self._running[key] - 1
        if running:
            self._running[key] = running
        else:
            del self._running[key]


class LimitCounters:
    """The counters of what the limits shed, one set per registry (both layers share it)."""

    _of: ClassVar[weakref.WeakKeyDictionary[CollectorRegistry, LimitCounters]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests_refused = Counter(
            "meclab_requests_refused",
            "Requests refused at the server edge, by limit (rate, queue, body, body_timeout) "
            "and kind of client key (app, client)",
            ["reason", "kind"],
            registry=registry,
        )
        self.connections_shed = Counter(
            "meclab_connections_shed",
            "Connections closed or refused by the server's guards, by reason (head_timeout, "
            "idle, drain_timeout, per_client, total)",
            ["reason"],
            registry=registry,
        )

    @classmethod
    def of(cls, metrics: Metrics | None) -> LimitCounters | None:
        """The counters on ``metrics``' registry (made at first use), or None without one."""
        if metrics is None:
            return None
        counters = cls._of.get(metrics.registry)
        if counters is None:
            counters = cls._of[metrics.registry] = cls(metrics.registry)
        return counters


def key_kind(key: str) -> str:
    """The kind of a key, its part before the first ``:`` (``other`` without one)."""
    kind, colon, _ = key.partition(":")
    return kind if colon else "other"


def client_key(scope: Scope) -> str:
    """The key of a request by its client's address: ``client:<address>``."""
    client = scope.get("client")
    return f"client:{client[0] if client else 'unknown'}"


def problem_parts(
    status: int, detail: str, *, instance: str | None = None, headers: dict[str, str] | None = None
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The header fields and body of a problem+json response, ready for ASGI or the wire."""
    body = orjson.dumps(problem_body(status, detail, instance=instance))
    fields = [
        (b"Content-Type", PROBLEM_JSON.encode()),
        (b"Content-Length", str(len(body)).encode()),
    ]
    fields += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    return fields, body


async def send_problem(
    send: Send,
    scope: Scope,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer the request of ``scope`` with problem details (``instance`` as the app's own)."""
    fields, body = problem_parts(
        status, detail, instance=instance_of(Request(scope)), headers=headers
    )
    await send({"type": "http.response.start", "status": status, "headers": fields})
    await send({"type": "http.response.body", "body": body})


class RequestRefused(ProblemError):
    """Raised to the app from ``receive()`` when its request's body breaks a limit.

    A ProblemError so that meclab's handlers take it quietly; whatever the app answers, the
    middleware answers the refusal in its place.
    """

    def __init__(self, status: int, detail: str, reason: str, **headers: str) -> None:
        super().__init__(status, detail, headers=headers)
        self.reason = reason


@dataclass(eq=False)
class _Body:
    """What a request with a body needs while it runs: bytes counted, the refusal if any."""

    received: int = 0
    waiting_since: float | None = None
    """Loop time since which the app waits in ``receive()``; None while it does not."""
    waiter: asyncio.Task[Any] | None = None
    """The task waiting in ``receive()`` (the request's, or one the app made to read it)."""
    refused: RequestRefused | None = None
    answered: bool = False


class LimitsMiddleware:
    """ASGI middleware applying per-key rate limits, fair slots and body limits (module doc).

    ``key_of(scope)`` names the client a request counts against, or None to let it through
    unlimited (long-lived streams, the operator's control API). ``rate_per_s`` and ``burst``
    size each key's token bucket; ``max_concurrent_per_key`` requests of a key run in the app
    at once, ``max_queued_per_key`` more wait their turn. A body may have ``max_body_bytes``,
    and the app never waits more than ``body_timeout_s`` for the next piece of it. Refusals
    are counted on ``metrics``' registry when given. ``clock`` is monotonic seconds.
    ``rate_of(key)`` may give a key a rate and burst of its own (None: the defaults).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        key_of: KeyOf,
        rate_per_s: float,
        burst: float,
        max_body_bytes: int,
        max_concurrent_per_key: int,
        max_queued_per_key: int,
        metrics: Metrics | None = None,
        body_timeout_s: float = 10.0,
        max_keys: int = 10_000,
        clock: Clock = time.monotonic,
        rate_of: RateOf | None = None,
    ) -> None:
        self.app = app
        self.key_of = key_of
        self.rates = RateLimiter(rate_per_s, burst, clock, max_keys, rate_of)
        self.slots = FairSlots(max_concurrent_per_key, max_queued_per_key)
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        # asyncio.timeout() around each receive() cost ~6 us a request (a timer armed and
        # cancelled each time); one sweep over the bodies in flight costs nothing per request.
        self._bodies: set[_Body] = set()
        self._sweeper: asyncio.TimerHandle | None = None
        self._sweeping: asyncio.AbstractEventLoop | None = None  # the loop _sweeper is on
        self.counters = LimitCounters.of(metrics)

    def _count(self, scope: Scope, reason: str, key: str) -> None:
        scope[REFUSED] = reason
        if self.counters is not None:
            self.counters.requests_refused.labels(reason, key_kind(key)).inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = self.key_of(scope)
        if key is None:
            await self.app(scope, receive, send)
            return

        wait = self.rates.check(key)
        if wait is not None:
            self._count(scope, "rate", key)
            bucket = self.rates.bucket(key)
            detail = f"over the rate limit of {bucket.rate:g} requests/s (burst {bucket.burst:g})"
            await send_problem(send, scope, 429, detail, {"Retry-After": retry_after(wait)})
            return

        length, chunked = 0, False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = True
        if length > self.max_body_bytes:
            self._count(scope, "body", key)
            await send_problem(send, scope, 413, self._too_large())
            return

        if not self.slots.enter(key) and not await self.slots.wait(key):
            self._count(scope, "queue", key)
            slots = self.slots
            detail = (
                f"{slots.concurrent} requests of this client are running and {slots.queued} "
                "more are waiting: the most it may have at once"
            )
            await send_problem(send, scope, 429, detail, {"Retry-After": "1"})
            return
        try:
            if length or chunked:
                await self._with_body(scope, receive, send, key, counted=chunked)
            else:
                await self.app(scope, receive, send)
        finally:
            self.slots.release(key)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"

    async def _with_body(
        self, scope: Scope, receive: Receive, send: Send, key: str, *, counted: bool
    ) -> None:
        """Run the app on a request with a body: its pace watched, its size counted when not
        declared (h11 already holds a declared Content-Length to its word)."""
        body = _Body()
        loop = asyncio.get_running_loop()

        async def receive_guarded() -> Message:
            if body.refused is not None:
                raise body.refused
            body.waiting_since, body.waiter = loop.time(), asyncio.current_task()
            try:
                message = await receive()
            except asyncio.CancelledError:
                if body.refused is None or body.waiter is None:
                    raise
                body.waiter.uncancel()  # the sweep's cancel, not the server's: refuse instead
                raise body.refused from None
            finally:
                body.waiting_since = None
            if counted and message["type"] == "http.request":
                body.received += len(message.get("body", b""))
                if body.received > self.max_body_bytes:
                    body.refused = RequestRefused(413, self._too_large(), "body")
                    raise body.refused
            return message

        async def send_guarded(message: Message) -> None:
            if body.refused is None:
                body.answered = True
                await send(message)
            # else: the app's answer to the refusal is dropped; the refusal is answered below

        self._bodies.add(body)
        if self._sweeper is None or self._sweeping is not loop:  # an app outlives test loops
            self._sweeper = loop.call_later(self._sweep_every_s, self._sweep, loop)
            self._sweeping = loop
        try:
            await self.app(scope, receive_guarded, send_guarded)
        except Exception:
            if body.refused is None or body.answered:
                raise
        finally:
            self._bodies.discard(body)
        if body.refused is not None and not body.answered:
            self._count(scope, body.refused.reason, key)
            await send_problem(
                send, scope, body.refused.status, body.refused.detail, body.refused.headers
            )

    @property
    def _sweep_every_s(self) -> float:
        # A stalled body is refused at most min(1 s, a quarter timeout) after its timeout.
        return min(1.0, self.body_timeout_s / 4)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Refuse the requests whose app has waited ``body_timeout_s`` for more body (408)."""
        if loop is not self._sweeping:
            return  # a sweeper left on a loop that another has since replaced
        now = loop.time()
        for body in self._bodies:
            since = body.waiting_since
            if since is not None and body.refused is None and now - since >= self.body_timeout_s:
                body.refused = RequestRefused(
                    408,
                    f"no part of the request body came for {self.body_timeout_s:g} s",
                    "body_timeout",
                    Connection="close",  # the rest may never come (RFC 9110 15.5.9)
                )
                if body.waiter is not None:
                    body.waiter.cancel()
        self._sweeper = (
            loop.call_later(self._sweep_every_s, self._sweep, loop) if self._bodies else None
        )
