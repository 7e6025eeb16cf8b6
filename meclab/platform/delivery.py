"""Notification delivery: every notification of every API reaches its subscriber, in order.

Per subscription an outbox keeps notifications in order and one worker drains it: it sends the
oldest, and only when the subscriber has taken it (a 2xx answer, or a websocket frame sent)
moves to the next. A failed attempt is retried after an exponentially growing delay
(:class:`RetryPolicy`) for as long as the subscription lives; a websocket subscriber that
connects wakes its outbox at once, and its socket is closed with 4404 once the subscription
has ended and its last notification is out. Nothing is dropped silently: what is given up (the
subscription was deleted or expired with notifications pending, or the outbox overflowed) is
logged, counted in metrics and kept in :attr:`Notifier.undelivered`.

With a store the outboxes survive a stop or a crash (kill -9): a notification goes on the wire
only once it is stored, and leaves the store once delivered or given up; :meth:`Notifier.restore`
queues again, in order, whatever a restart finds there. Writes are batched: everything queued
or delivered in one pass of the event loop is one SQLite transaction, which for a tick's
notifications is the very transaction that records the tick's events (Store.stage_outbox). A
crash between a 2xx answer and the next commit (under a millisecond) has that one notification
sent again after the restart: delivery is at least once, and exactly once otherwise.

HTTP delivery is aiohttp (DESIGN.md: 10-18x faster than httpx for webhooks under
concurrency) with keep-alive connections and a bound on requests in flight across all
subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import aiohttp
import orjson
from yarl import URL

from meclab.metrics import Metrics
from meclab.platform.subscription import Subscription, SubscriptionState
from meclab.store.base import OutboxEntry, Store

log = logging.getLogger("meclab.notifications")

DEFAULT_CONCURRENCY = 64
"""Requests in flight across all subscriptions. aiohttp on one core peaked at ~10k POST/s with
16-64 in flight and fell to ~5.5k/s at 256 (measured against a local receiver)."""
JSON_HEADERS = {"Content-Type": "application/json"}

MAX_UNDELIVERED = 1000
"""Given-up notifications listed (the latest)."""
FINAL_GRACE_S = 30.0
"""How long a last notification (an ExpiryNotification) is retried after its subscription ends."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Delay before retry number ``attempt`` (1, 2, ...): initial x factor^(attempt-1), capped,
    with +-``jitter`` spread so that many failed subscribers do not retry in lockstep."""

    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0
    jitter: float = 0.1

    def delay(self, attempt: int, rng: random.Random) -> float:
        try:
            grown = self.initial_s * self.factor ** max(0, attempt - 1)
        except OverflowError:
            # Retries go on while the subscription lives: after ~1000 failures (hours of a
            # subscriber being down, at the cap) factor**n no longer fits a float.
            grown = math.inf
        base = min(self.max_s, grown)
        return base * (1.0 + self.jitter * (2.0 * rng.random() - 1.0))


CLOSE_SUBSCRIPTION_GONE = 4404
"""The websocket close code for "no websocket subscription with this id" (any more)."""


class WebSocketChannel(Protocol):
    """What delivery needs of a websocket connection."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A notification that was given up."""

    subscription: str
    api: str
    host: str
    notification_type: str
    reason: str
    attempts: int
    last_error: str | None
    wall: float


class Outcome(StrEnum):
    """How one delivery attempt (or a notification's end) came out."""

    DELIVERED = "delivered"
    FAILED = "failed"
    """An attempt failed; it is retried."""
    GIVEN_UP = "given_up"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What :attr:`Notifier.observers` hear of each attempt and each notification given up."""

    subscription: Subscription
    notification_type: str
    outcome: Outcome
    attempts: int
    """Failed attempts before this one (delivered, failed) or in all (given up)."""
    latency_s: float
    """From queueing to this outcome."""
    error: str | None = None
    """What went wrong: the attempt's error, or the reason for giving up."""
    body: bytes = b""
    """The notification as sent (meclab.testing records what subscribers took)."""


@dataclass(slots=True)
class _Item:
    id: int
    body: bytes
    notification_type: str
    queued_at: float
    final: bool = False
    saved: bool = False
    """In the store (always, without one): only then may it go on the wire."""


@dataclass(slots=True)
class _Outbox:
    sub: Subscription
    items: deque[_Item] = field(default_factory=deque)
    attempts: int = 0
    last_error: str | None = None
    worker: asyncio.Task[None] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closing_until: float | None = None
    websocket: WebSocketChannel | None = None
    sending: _Item | None = None
    """The item on the wire now (always ``items[0]``), while an attempt runs."""
    held: bool = False
    """The worker waits for ``items[0]`` to be stored."""
    _url: tuple[str, URL] | None = None

    def url(self) -> URL:
        """The callback as a parsed URL, parsed once per callback rather than per request."""
        callback = self.sub.callback or ""
        if self._url is None or self._url[0] != callback:
            self._url = (callback, URL(callback))
        return self._url[1]


class Notifier:
    """Queues, sends and retries notifications for all subscriptions."""

    def __init__(
        self,
        *,
        policy: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout_s: float = 10.0,
        max_backlog: int = 10_000,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        seed: int = 0,
        store: Store | None = None,
        trust: ssl.SSLContext | None = None,
    ) -> None:
        """``store``: where outboxes survive a restart (call :meth:`restore` before the first
        :meth:`send`); without one they live in memory only. ``trust``: what verifies the
        certificates of ``https`` callbacks (default: the system's CAs)."""
        self.policy = policy or RetryPolicy()
        self.timeout_s = timeout_s
        self.max_backlog = max_backlog
        self.metrics = metrics
        self.clock = clock
        self.wall = wall
        self.undelivered: deque[Undelivered] = deque(maxlen=MAX_UNDELIVERED)
        self.given_up = 0
        """Notifications ever given up (with a store, across restarts)."""
        self.delivered = 0
        self.store = store
        self._next_id = 1
        self._unsaved: list[tuple[_Outbox, _Item]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._dirty = False
        """Outbox changes are staged and not yet committed by a flush."""
        self._restored = False
        self._rng = random.Random(seed)
        self._slots = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._boxes: dict[str, _Outbox] = {}
        self._session: aiohttp.ClientSession | None = None
        self.trust = trust
        self._hang_ups: set[asyncio.Task[None]] = set()
        self.observers: list[Callable[[Delivery], None]] = []
        """Told of every attempt's outcome and every notification given up, synchronously on
        the event loop, in the order of delivery (the dashboard's trace, meclab.testing's
        records); they must not block."""

    async def start(self) -> None:
        """Open the HTTP client (keep-alive pool sized to the concurrency bound)."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._concurrency,
                limit_per_host=0,
                keepalive_timeout=30,
                ssl=self.trust if self.trust is not None else True,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                json_serialize=lambda o: orjson.dumps(o).decode(),
            )

    async def close(self, drain_s: float = 0.0) -> None:
        """Stop every worker and the client; pending notifications get up to ``drain_s`` seconds
        to go out.

        Only subscribers that are taking their notifications are waited for: an outbox whose
        last attempt failed is backing off and would only hold the stop to its end.

        With a store, what is still pending then stays there for the next start to deliver;
        without one it is recorded as undelivered.
        """
        deadline = self.clock() + drain_s
        while (left := deadline - self.clock()) > 0:
            healthy = [
                b.worker
                for b in self._boxes.values()
                if b.items and b.attempts == 0 and b.worker and not b.worker.done()
            ]
            if not healthy:
                break
            # Short waits, to notice a subscriber that starts failing meanwhile.
            await asyncio.wait(healthy, timeout=min(left, 0.05))
        if self.store is None:
            for box in list(self._boxes.values()):
                self._give_up(box, "meclab stopped")
        workers = [b.worker for b in self._boxes.values() if b.worker is not None]
        if self._flushing is not None:
            workers.append(self._flushing)
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if self.store is not None:
            await self._flush()  # what was delivered or given up until now
            self._restored = False  # the store is the whole truth again
        self._boxes.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- queueing -------------------------------------------------------------------------

    async def restore(self, find: Callable[[str], Subscription | None], *, missing: str) -> int:
        """Queue again, in their order, the notifications the store's outboxes hold (meclab
        stopped or crashed with them pending), and take back the record of what was given up.
        What belongs to no live subscription (``find`` gives None) is given up, ``missing``
        being the reason. Only the first call reads the store: later ones find it in step with
        memory. How many came back."""
        if self.store is None or self._restored:
            return 0
        self._restored = True
        self.given_up, records = await self.store.given_up(MAX_UNDELIVERED)
        self.undelivered.extend(Undelivered(**r) for r in records)
        count = 0
        for entry in await self.store.outbox():
            self._next_id = max(self._next_id, entry.id + 1)
            item = _Item(
                entry.id, entry.body, entry.notification_type, self.clock(), entry.final, True
            )
            sub = find(entry.subscription)
            if sub is None or sub.state is not SubscriptionState.ACTIVE:
                record = Undelivered(
                    entry.subscription,
                    entry.api,
                    entry.host,
                    item.notification_type,
                    missing,
                    0,
                    None,
                    self.wall(),
                )
                self._note(record, item.id, "a subscriber")
                continue
            self._queue(self._box(sub), item)
            count += 1
        if count:
            log.info("%d notifications pending before the restart queued again", count)
        return count

    def send(self, sub: Subscription, payload: dict[str, Any], *, final: bool = False) -> None:
        """Queue ``payload`` for ``sub``; returns at once. ``final`` marks its last notification."""
        if self.store is not None and not self._restored:
            raise RuntimeError("restore() the stored outboxes before queueing new notifications")
        box = self._box(sub)
        kind = notification_type(payload)
        if len(box.items) >= self.max_backlog:
            # Never the item on the wire: it cannot be called back, and its 2xx pops items[0],
            # which would then be the next one, lost unsent. The oldest still waiting goes.
            at = 1 if box.items and box.items[0] is box.sending else 0
            if at < len(box.items):
                dropped = box.items[at]
                del box.items[at]
                self._record(box, dropped, f"outbox overflow: more than {self.max_backlog} pending")
        item = _Item(self._next_id, orjson.dumps(payload), kind, self.clock(), final)
        self._next_id += 1
        if self.store is None:
            item.saved = True
        else:
            entry = OutboxEntry(item.id, sub.id, sub.api, sub.host, item.body, kind, final)
            self._unsaved.append((box, item))
            self._stage(self.store, added=[entry])
        if final:
            box.closing_until = self.clock() + FINAL_GRACE_S
        self._queue(box, item)

    def _box(self, sub: Subscription) -> _Outbox:
        box = self._boxes.get(sub.id)
        if box is None:
            box = self._boxes[sub.id] = _Outbox(sub)
        else:
            box.sub = sub
        return box

    def _queue(self, box: _Outbox, item: _Item) -> None:
        box.items.append(item)
        if box.worker is None or box.worker.done():
            box.worker = asyncio.get_running_loop().create_task(
                self._drain(box), name=f"notify-{box.sub.id}"
            )

    def _stage(self, store: Store, **changes: Any) -> None:
        """Stage outbox changes in the store; a flush soon commits them."""
        store.stage_outbox(**changes)
        self._dirty = True
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(
                self._flush(), name="notify-flush"
            )

    async def _flush(self) -> None:
        """Commit the outbox changes staged so far (a whole pass of the event loop's worth,
        and what was staged while a commit ran), then let the notifications among them go."""
        assert self.store is not None
        while self._dirty:
            self._dirty = False
            batch, self._unsaved = self._unsaved, []
            try:
                await self.store.flush_outbox()
            except Exception:
                # Deliver without durability rather than not at all; the store keeps the
                # staged changes for its next commit.
                log.exception("could not store the notification outbox")
            for box, item in batch:
                item.saved = True
                if box.held:
                    box.wake.set()

    def cancel(self, sub: Subscription, reason: str) -> None:
        """The subscription ended: give up what it has pending, unless a final one is in grace."""
        box = self._boxes.get(sub.id)
        if box is None:
            return
        if box.closing_until is not None and any(i.final for i in box.items):
            box.wake.set()
            return
        self._give_up(box, reason)
        if box.worker is not None:
            box.worker.cancel()
        self._boxes.pop(sub.id, None)
        self._hang_up(box)

    def attach_websocket(self, sub: Subscription, channel: WebSocketChannel) -> None:
        """Deliver ``sub``'s notifications over this websocket from now on."""
        box = self._boxes.get(sub.id)
        if box is None:
            box = self._boxes[sub.id] = _Outbox(sub)
        box.websocket = channel
        box.wake.set()
        if box.items and (box.worker is None or box.worker.done()):
            box.worker = asyncio.get_running_loop().create_task(
                self._drain(box), name=f"notify-{sub.id}"
            )

    def detach_websocket(self, sub: Subscription, channel: WebSocketChannel) -> None:
        box = self._boxes.get(sub.id)
        if box is not None and box.websocket is channel:
            box.websocket = None

    def pending_total(self) -> int:
        """Notifications queued for all subscriptions and not yet delivered."""
        return sum(len(box.items) for box in self._boxes.values())

    def pending_untroubled(self) -> int:
        """Notifications queued for subscribers whose last attempt did not fail: those that
        are on their way, as opposed to those waiting out a retry delay."""
        return sum(len(box.items) for box in self._boxes.values() if box.attempts == 0)

    def pending(self, sub_id: str) -> int:
        """Notifications queued for a subscription and not yet delivered."""
        box = self._boxes.get(sub_id)
        return len(box.items) if box else 0

    # --- delivering -----------------------------------------------------------------------

    def _alive(self, box: _Outbox) -> bool:
        if box.sub.state is SubscriptionState.ACTIVE:
            return True
        return box.closing_until is not None and self.clock() < box.closing_until

    async def _drain(self, box: _Outbox) -> None:
        while box.items:
            if not self._alive(box):
                self._give_up(box, f"subscription {box.sub.state.value.lower()}")
                break
            item = box.items[0]
            if not item.saved:
                box.held = True
                box.wake.clear()
                await box.wake.wait()
                box.held = False
                continue
            box.sending = item
            try:
                error = await self._attempt(box, item)
            finally:
                box.sending = None
            if error is None:
                box.items.popleft()
                if self.store is not None:
                    self._stage(self.store, removed=[item.id])
                if self.observers:  # before the count of failed attempts starts again
                    self._observe(box, item, Outcome.DELIVERED, None)
                box.attempts = 0
                box.last_error = None
                self.delivered += 1
                if self.metrics:
                    transport = "websocket" if box.sub.websocket else "http"
                    self.metrics.notifications_sent.labels(box.sub.api, transport).inc()
                    self.metrics.notification_latency.labels(box.sub.api).observe(
                        self.clock() - item.queued_at
                    )
                if item.final:
                    box.closing_until = None
                continue
            if self.observers:
                self._observe(box, item, Outcome.FAILED, error)
            box.attempts += 1
            box.last_error = error
            if self.metrics:
                self.metrics.notification_attempts_failed.labels(box.sub.api, _reason(error)).inc()
            if box.attempts == 1:
                log.warning(
                    "notification to %s (subscription %s) failed: %s; retrying",
                    box.sub.callback or "websocket",
                    box.sub.id,
                    error,
                )
            box.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(box.wake.wait(), self.policy.delay(box.attempts, self._rng))
        if not box.items and box.sub.state is not SubscriptionState.ACTIVE:
            self._boxes.pop(box.sub.id, None)
            self._hang_up(box)

    def _hang_up(self, box: _Outbox) -> None:
        """Close the websocket of an ended subscription with 4404, so that its subscriber learns
        the subscription is gone instead of waiting on a silent socket."""
        channel, box.websocket = box.websocket, None
        if channel is None:
            return

        async def close() -> None:
            # The subscriber may be closing it too: then there is nothing left to tell.
            with contextlib.suppress(Exception):
                await channel.close(CLOSE_SUBSCRIPTION_GONE, f"subscription {box.sub.id} ended")

        task = asyncio.get_running_loop().create_task(close(), name=f"hang-up-{box.sub.id}")
        self._hang_ups.add(task)  # keep a reference until it is done
        task.add_done_callback(self._hang_ups.discard)

    async def _attempt(self, box: _Outbox, item: _Item) -> str | None:
        """Try once; None on success, else what went wrong."""
        if box.sub.websocket:
            channel = box.websocket
            if channel is None:
                return "websocket not connected"
            try:
                await channel.send_text(item.body.decode())
            except Exception as exc:  # a closed socket raises various errors by server
                box.websocket = None
                return f"websocket: {exc!r}"
            return None
        if box.sub.callback is None:
            return "no callbackReference"
        await self.start()
        assert self._session is not None
        async with self._slots:
            try:
                async with self._session.post(
                    box.url(), data=item.body, headers=JSON_HEADERS
                ) as response:
                    await response.read()
                    if 200 <= response.status < 300:
                        return None
                    return f"HTTP {response.status}"
            except TimeoutError:
                return f"timeout after {self.timeout_s:g} s"
            except aiohttp.ClientError as exc:
                return f"{type(exc).__name__}: {exc}"

    def _give_up(self, box: _Outbox, reason: str) -> None:
        while box.items:
            self._record(box, box.items.popleft(), reason)

    def _record(self, box: _Outbox, item: _Item, reason: str) -> None:
        record = Undelivered(
            subscription=box.sub.id,
            api=box.sub.api,
            host=box.sub.host,
            notification_type=item.notification_type,
            reason=reason,
            attempts=box.attempts,
            last_error=box.last_error,
            wall=self.wall(),
        )
        self._note(record, item.id, box.sub.callback or "websocket")
        if self.observers:
            self._observe(box, item, Outcome.GIVEN_UP, reason)

    def _observe(self, box: _Outbox, item: _Item, outcome: Outcome, error: str | None) -> None:
        delivery = Delivery(
            box.sub,
            item.notification_type,
            outcome,
            box.attempts,
            self.clock() - item.queued_at,
            error,
            item.body,
        )
        for observer in self.observers:
            observer(delivery)

    def _note(self, record: Undelivered, item_id: int, target: str) -> None:
        """Keep, count and log a given-up notification; with a store, in its stead."""
        self.undelivered.append(record)
        self.given_up += 1
        if self.store is not None:
            self._stage(self.store, removed=[item_id], given_up=[asdict(record)])
        if self.metrics:
            self.metrics.notifications_undelivered.labels(record.api, _reason(record.reason)).inc()
        log.warning(
            "gave up a %s for subscription %s (%s): %s; last error: %s",
            record.notification_type,
            record.subscription,
            target,
            record.reason,
            record.last_error,
        )


def notification_type(payload: dict[str, Any]) -> str:
    """A body's ``notificationType``; for a body in a root element (MEC 013 wraps every
    notification: ``{"zoneStatusNotification": {...}}``), the inner one, else the element's
    name."""
    kind = payload.get("notificationType")
    if kind is None and len(payload) == 1:
        ((root, inner),) = payload.items()
        kind = inner.get("notificationType", root) if isinstance(inner, dict) else None
    return str(kind or "notification")


def _reason(text: str) -> str:
    """A low-cardinality label for metrics."""
    return text.split(":")[0].split(" after ")[0][:40]
