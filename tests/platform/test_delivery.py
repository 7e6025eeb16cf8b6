"""Notification delivery (meclab/platform/delivery.py) against a real HTTP receiver.

Every test drives the Notifier as the platform does (``send``, ``cancel``, websocket attach) and
checks what the receiver got, in what order, and what was recorded as given up.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from typing import Any

import orjson
import pytest
from helpers import on_loopback, until
from platform_helpers import FAST, make_sub, note, sample
from receiver import Receiver

from meclab.metrics import Metrics
from meclab.platform.delivery import (
    CLOSE_SUBSCRIPTION_GONE,
    FINAL_GRACE_S,
    Notifier,
    RetryPolicy,
)
from meclab.platform.subscription import Subscription, SubscriptionState
from meclab.platform.subscriptions import SubscriptionApi, SubscriptionRegistry
from meclab.runtime import Runtime
from meclab.store.sqlite import SqliteStore

API = "test_api"


async def create(registry: SubscriptionRegistry, **options: Any) -> Subscription:
    """A TestSubscription of :data:`API` on mec-1, made through the registry (``options``: the
    rest of ``SubscriptionRegistry.create``'s arguments, ``body`` included)."""
    options.setdefault("body", {})
    return await registry.create(
        host="mec-1",
        api=API,
        type="TestSubscription",
        href=lambda i: f"http://meclab.test/subs/{i}",
        criteria=None,
        **options,
    )


DELIVERED = "meclab_notifications_delivered_total"
FAILED = "meclab_notification_attempts_failed_total"
UNDELIVERED = "meclab_notifications_undelivered_total"


def numbers(bodies: list[Any]) -> list[int]:
    return [b["n"] for b in bodies]


# --- RetryPolicy ------------------------------------------------------------------------------


def test_delay_without_jitter_grows_by_the_factor_up_to_the_cap() -> None:
    policy = RetryPolicy(initial_s=0.5, factor=2.0, max_s=3.0, jitter=0.0)
    rng = random.Random(1)
    assert [policy.delay(a, rng) for a in range(1, 7)] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    assert policy.delay(0, rng) == 0.5  # before any failure: the initial delay


def test_delay_spreads_by_the_jitter_drawn_from_the_given_rng() -> None:
    policy = RetryPolicy(initial_s=0.5, factor=3.0, max_s=10.0, jitter=0.1)
    rng, twin = random.Random(42), random.Random(42)
    bases = [0.5, 1.5, 4.5, 10.0, 10.0]
    got = [policy.delay(a, rng) for a in range(1, 6)]
    assert got == [b * (1.0 + 0.1 * (2.0 * twin.random() - 1.0)) for b in bases]
    assert all(0.9 * b <= g <= 1.1 * b for g, b in zip(got, bases, strict=True))
    assert got != bases
    # The same seed replays the same delays.
    replay = random.Random(42)
    assert [policy.delay(a, replay) for a in range(1, 6)] == got


def test_delay_after_very_many_attempts_stays_at_the_cap() -> None:
    # A subscriber down for hours without an expiry: retries go on at the cap.
    policy = RetryPolicy(initial_s=0.5, factor=2.0, max_s=30.0, jitter=0.0)
    assert policy.delay(2_000, random.Random(0)) == 30.0
    assert policy.delay(1_000_000, random.Random(0)) == 30.0


class RecordingPolicy:
    """A RetryPolicy that remembers which attempt numbers it was asked about."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.attempts: list[int] = []

    def delay(self, attempt: int, rng: random.Random) -> float:
        self.attempts.append(attempt)
        return self.policy.delay(attempt, rng)


# --- HTTP delivery ----------------------------------------------------------------------------


async def test_each_subscriber_receives_its_own_notifications_in_order(
    receiver: Receiver, metrics: Metrics
) -> None:
    notifier = Notifier(policy=FAST, metrics=metrics, concurrency=4)
    subs = [make_sub(f"s{i}", receiver.url(f"/s{i}")) for i in range(5)]
    try:
        for n in range(40):
            for sub in subs:
                notifier.send(sub, note(n, sub=sub.id))
            if n % 10 == 0:  # let deliveries start, so later ones queue behind them
                await asyncio.sleep(0.002)
        await until(lambda: notifier.delivered == 200, "200 deliveries")
        for i, sub in enumerate(subs):
            bodies = receiver.bodies(f"/s{i}")
            assert numbers(bodies) == list(range(40))
            assert {b["sub"] for b in bodies} == {sub.id}
        assert notifier.delivered == 200
        assert notifier.pending_total() == 0
        assert list(notifier.undelivered) == []
        assert sample(metrics, DELIVERED, api=API, transport="http") == 200
    finally:
        await notifier.close()


async def test_failed_attempts_are_retried_with_backoff_in_order(
    receiver: Receiver, metrics: Metrics
) -> None:
    policy = RecordingPolicy(RetryPolicy(initial_s=0.02, factor=2.0, max_s=1.0, jitter=0.0))
    notifier = Notifier(policy=policy, metrics=metrics)  # type: ignore[arg-type]
    sub = make_sub("retry", receiver.url("/retry"))
    receiver.fail_next(3, 503)
    try:
        for n in range(5):
            notifier.send(sub, note(n))
        await until(lambda: notifier.pending("retry") == 0, "5 notifications")
        assert numbers(receiver.bodies()) == [0, 1, 2, 3, 4]
        # The oldest is retried alone; the others wait behind it.
        assert [(r.body["n"], r.status) for r in receiver.requests[:4]] == [
            (0, 503),
            (0, 503),
            (0, 503),
            (0, 204),
        ]
        assert receiver.attempts() == 8
        assert policy.attempts == [1, 2, 3]
        # Waits between the failed attempts are at least the policy's delays.
        times = [r.at for r in receiver.requests[:4]]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(gap >= want - 0.003 for gap, want in zip(gaps, [0.02, 0.04, 0.08], strict=True))
        assert sample(metrics, FAILED, api=API, reason="HTTP 503") == 3
        assert sample(metrics, DELIVERED, api=API, transport="http") == 5

        # After a success the count starts again from the first delay.
        receiver.fail_next(2, 500)
        notifier.send(sub, note(5))
        await until(lambda: notifier.pending("retry") == 0, "the sixth notification")
        assert policy.attempts == [1, 2, 3, 1, 2]
        assert sample(metrics, FAILED, api=API, reason="HTTP 500") == 2
        assert list(notifier.undelivered) == []
    finally:
        await notifier.close()


async def test_a_subscriber_down_then_back_up_loses_nothing(
    receiver: Receiver, notifier: Notifier, metrics: Metrics
) -> None:
    sub = make_sub("down", receiver.url("/down"))
    notifier.send(sub, note(0))  # a keep-alive connection exists when it goes down
    await until(lambda: len(receiver.bodies()) == 1, "the first notification")
    await receiver.stop()
    for n in (1, 2, 3):
        notifier.send(sub, note(n))

    def failures() -> float:
        return sum(
            s.value
            for m in metrics.registry.collect()
            if m.name == "meclab_notification_attempts_failed"
            for s in m.samples
            if s.name.endswith("_total")
        )

    await until(lambda: failures() >= 3, "three refused attempts")
    assert sample(metrics, FAILED, api=API, reason="ClientConnectorError") >= 1
    assert notifier.pending("down") == 3
    await receiver.start()  # the same port
    await until(lambda: notifier.pending("down") == 0, "the notifications sent while down")
    assert numbers(receiver.bodies()) == [0, 1, 2, 3]
    assert list(notifier.undelivered) == []


async def test_deleting_a_subscription_records_what_it_had_pending(
    receiver: Receiver, registry: SubscriptionRegistry, notifier: Notifier, metrics: Metrics
) -> None:
    registry.register_api(SubscriptionApi(API, parse=lambda _t, body: body))
    receiver.status = 503
    url = receiver.url("/deleted")
    sub = await create(registry, body={"callbackReference": url}, callback=url)
    for n in range(3):
        registry.notify(sub, note(n, kind=f"Kind{n}"))
    await until(lambda: receiver.attempts() >= 2, "two failed attempts")
    await registry.delete(sub)

    assert notifier.pending(sub.id) == 0
    records = [u for u in notifier.undelivered if u.subscription == sub.id]
    assert [(u.notification_type, u.reason) for u in records] == [
        ("Kind0", "subscription deleted"),
        ("Kind1", "subscription deleted"),
        ("Kind2", "subscription deleted"),
    ]
    assert all(u.api == API and u.host == "mec-1" for u in records)
    assert all(u.attempts >= 1 and u.last_error == "HTTP 503" for u in records)
    assert sample(metrics, UNDELIVERED, api=API, reason="subscription deleted") == 3

    # Nothing is queued for it any more, and nothing is sent.
    registry.notify(sub, note(9))
    assert notifier.pending(sub.id) == 0
    seen = receiver.attempts()
    await asyncio.sleep(0.1)  # two retry periods of FAST: a live worker would have retried
    assert receiver.attempts() == seen


async def test_outbox_overflow_gives_up_the_oldest(receiver: Receiver, metrics: Metrics) -> None:
    notifier = Notifier(policy=FAST, metrics=metrics, max_backlog=3)
    sub = make_sub("full", receiver.url("/full"))
    try:
        for n in range(5):
            notifier.send(sub, note(n, kind=f"N{n}"))
        assert notifier.pending("full") == 3
        assert [(u.notification_type, u.reason) for u in notifier.undelivered] == [
            ("N0", "outbox overflow: more than 3 pending"),
            ("N1", "outbox overflow: more than 3 pending"),
        ]
        assert sample(metrics, UNDELIVERED, api=API, reason="outbox overflow") == 2
        await until(lambda: len(receiver.bodies()) == 3, "the three kept")
        assert numbers(receiver.bodies()) == [2, 3, 4]
    finally:
        await notifier.close()


async def test_overflow_never_drops_the_notification_on_the_wire(
    receiver: Receiver, metrics: Metrics
) -> None:
    notifier = Notifier(policy=FAST, metrics=metrics, max_backlog=2)
    sub = make_sub("wire", receiver.url("/wire"))
    receiver.gate = asyncio.Event()
    try:
        notifier.send(sub, note(0, kind="N0"))
        await until(lambda: receiver.in_flight == 1, "N0 on the wire")
        for n in (1, 2, 3):
            notifier.send(sub, note(n, kind=f"N{n}"))
        receiver.gate.set()
        await until(lambda: notifier.pending("wire") == 0, "the outbox to drain")
        delivered = numbers(receiver.bodies())
        given_up = [int(u.notification_type[1:]) for u in notifier.undelivered]
        # Every notification is either delivered or recorded as given up, exactly once.
        assert sorted(delivered + given_up) == [0, 1, 2, 3]
        assert delivered == [0, 3]
        assert given_up == [1, 2]
    finally:
        await notifier.close()


async def test_never_more_requests_in_flight_than_the_bound(
    receiver: Receiver, metrics: Metrics
) -> None:
    notifier = Notifier(policy=FAST, metrics=metrics, concurrency=3)
    receiver.delay_s = 0.02
    subs = [make_sub(f"c{i}", receiver.url(f"/c{i}")) for i in range(10)]
    try:
        for n in range(3):
            for sub in subs:
                notifier.send(sub, note(n))
        await until(lambda: len(receiver.bodies()) == 30, "30 notifications")
        assert receiver.max_in_flight == 3
        for i in range(10):
            assert numbers(receiver.bodies(f"/c{i}")) == [0, 1, 2]
    finally:
        await notifier.close()


async def test_notifications_to_one_subscriber_reuse_one_connection(
    receiver: Receiver, notifier: Notifier
) -> None:
    sub = make_sub("ka", receiver.url("/ka"))
    for n in range(50):
        notifier.send(sub, note(n))
    await until(lambda: len(receiver.bodies()) == 50, "50 notifications")
    assert numbers(receiver.bodies()) == list(range(50))
    assert len(receiver.peers) == 1


async def test_many_subscribers_share_a_pool_no_larger_than_the_bound(
    receiver: Receiver, metrics: Metrics
) -> None:
    notifier = Notifier(policy=FAST, metrics=metrics, concurrency=4)
    receiver.delay_s = 0.001
    subs = [make_sub(f"p{i}", receiver.url(f"/p{i}")) for i in range(8)]
    try:
        for n in range(25):
            for sub in subs:
                notifier.send(sub, note(n))
        await until(lambda: len(receiver.bodies()) == 200, "200 notifications")
        assert 1 <= len(receiver.peers) <= 4
    finally:
        await notifier.close()


# --- the last notification of an ended subscription -------------------------------------------


def expiring_api() -> SubscriptionApi:
    return SubscriptionApi(
        API,
        parse=lambda _t, body: body,
        expiry_notification=lambda sub, now: {
            "notificationType": "ExpiryNotification",
            "subscriptionId": sub.id,
        },
    )


async def test_expiry_notification_is_delivered_after_the_subscription_ended(
    receiver: Receiver, registry: SubscriptionRegistry, notifier: Notifier, store: SqliteStore
) -> None:
    registry.register_api(expiring_api())
    receiver.status = 503  # the subscriber is briefly unavailable at the deadline
    url = receiver.url("/exp")
    sub = await create(
        registry, body={"callbackReference": url}, callback=url, expiry=time.time() + 0.1
    )
    await until(lambda: receiver.attempts() >= 2, "failed attempts at the ExpiryNotification")
    assert sub.state is SubscriptionState.EXPIRED
    assert registry.find(sub.id) is None
    assert await store.get("subscriptions", sub.id) is None

    receiver.status = 204  # back within FINAL_GRACE_S
    await until(lambda: notifier.pending(sub.id) == 0, "the ExpiryNotification")
    assert receiver.bodies() == [
        {"notificationType": "ExpiryNotification", "subscriptionId": sub.id}
    ]
    assert notifier.pending(sub.id) == 0
    assert list(notifier.undelivered) == []


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_expiry_notification_is_given_up_when_the_grace_is_over(
    receiver: Receiver, store: SqliteStore, metrics: Metrics
) -> None:
    clock = FakeClock()
    notifier = Notifier(policy=FAST, metrics=metrics, clock=clock)
    registry = SubscriptionRegistry(store, notifier, websocket_url=lambda i: f"ws://x/{i}")
    registry.register_api(expiring_api())
    receiver.status = 503
    url = receiver.url("/late")
    try:
        sub = await create(registry, callback=url, expiry=time.time() + 0.05)
        await until(lambda: receiver.attempts() >= 1, "a first attempt")
        clock.now += FINAL_GRACE_S - 1.0  # still within the grace: retries go on
        seen = receiver.attempts()
        await until(lambda: receiver.attempts() >= seen + 2, "retries within the grace")
        assert list(notifier.undelivered) == []

        clock.now += 2.0
        await until(lambda: len(notifier.undelivered) == 1, "the ExpiryNotification given up")
        (record,) = notifier.undelivered
        assert (record.subscription, record.notification_type, record.reason) == (
            sub.id,
            "ExpiryNotification",
            "subscription expired",
        )
        assert record.last_error == "HTTP 503"
        assert sample(metrics, UNDELIVERED, api=API, reason="subscription expired") == 1
        assert notifier.pending(sub.id) == 0
    finally:
        registry.close()
        await notifier.close()


# --- websocket delivery -----------------------------------------------------------------------


class FakeChannel:
    """A websocket as delivery sees it: ``send_text``, ``close``; the first ``fail`` sends
    raise."""

    def __init__(self, fail: int = 0) -> None:
        self.frames: list[Any] = []
        self.fail = fail
        self.closed: int | None = None
        """The close code the platform sent."""

    async def send_text(self, data: str) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionResetError("socket closed")
        self.frames.append(orjson.loads(data))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed = code


SLOW = RetryPolicy(initial_s=30.0, jitter=0.0)
"""Retries far away: a test passes only if attaching a websocket wakes the outbox at once."""


async def test_queued_notifications_go_out_in_order_when_the_websocket_attaches(
    metrics: Metrics,
) -> None:
    notifier = Notifier(policy=SLOW, metrics=metrics)
    sub = make_sub("ws", websocket=True)
    try:
        for n in range(3):
            notifier.send(sub, note(n))
        await until(
            lambda: sample(metrics, FAILED, api=API, reason="websocket not connected") == 1,
            "a first attempt without a websocket",
        )
        assert notifier.pending("ws") == 3
        channel = FakeChannel()
        notifier.attach_websocket(sub, channel)
        await until(lambda: len(channel.frames) == 3, "the queued notifications", timeout_s=2.0)
        assert numbers(channel.frames) == [0, 1, 2]
        notifier.send(sub, note(3))
        await until(lambda: len(channel.frames) == 4, "a live notification", timeout_s=2.0)
        assert numbers(channel.frames) == [0, 1, 2, 3]
        assert sample(metrics, DELIVERED, api=API, transport="websocket") == 4
        assert list(notifier.undelivered) == []
    finally:
        await notifier.close()


async def test_a_broken_websocket_is_dropped_and_the_next_one_gets_the_notification(
    metrics: Metrics,
) -> None:
    notifier = Notifier(policy=SLOW, metrics=metrics)
    sub = make_sub("ws2", websocket=True)
    broken = FakeChannel(fail=1)
    try:
        notifier.attach_websocket(sub, broken)
        notifier.send(sub, note(0))
        await until(
            lambda: sample(metrics, FAILED, api=API, reason="websocket") == 1,
            "the send on the broken websocket",
        )
        notifier.send(sub, note(1))
        assert notifier.pending("ws2") == 2
        fresh = FakeChannel()
        notifier.attach_websocket(sub, fresh)
        await until(lambda: len(fresh.frames) == 2, "both notifications", timeout_s=2.0)
        assert numbers(fresh.frames) == [0, 1]
        assert broken.frames == []

        # Detached: notifications wait for the next connection.
        notifier.detach_websocket(sub, fresh)
        notifier.send(sub, note(2))
        await until(
            lambda: sample(metrics, FAILED, api=API, reason="websocket not connected") >= 1,
            "an attempt without a websocket",
        )
        assert numbers(fresh.frames) == [0, 1]
        third = FakeChannel()
        notifier.attach_websocket(sub, third)
        await until(lambda: len(third.frames) == 1, "the notification queued while detached")
        assert numbers(third.frames) == [2]
    finally:
        await notifier.close()


async def test_ending_a_subscription_closes_its_websocket_with_4404() -> None:
    notifier = Notifier(policy=SLOW)
    sub = make_sub("ws3", websocket=True)
    channel = FakeChannel()
    try:
        notifier.attach_websocket(sub, channel)
        sub.end(SubscriptionState.DELETED)
        notifier.cancel(sub, "subscription deleted")
        await until(lambda: channel.closed is not None, "the websocket closed")
        assert channel.closed == CLOSE_SUBSCRIPTION_GONE == 4404
    finally:
        await notifier.close()


async def test_an_expired_subscriptions_websocket_closes_after_its_final_notification(
    registry: SubscriptionRegistry, notifier: Notifier
) -> None:
    registry.register_api(expiring_api())
    sub = await create(registry, websocket=True, expiry=time.time() + 0.1)
    channel = FakeChannel()
    notifier.attach_websocket(sub, channel)
    await until(lambda: channel.closed is not None, "the websocket closed")
    assert [f["notificationType"] for f in channel.frames] == ["ExpiryNotification"]
    assert channel.closed == CLOSE_SUBSCRIPTION_GONE


async def test_websocket_route_delivers_queued_then_live_notifications(runtime: Runtime) -> None:
    from meclab.app import create_app  # here: the rest of this file needs no app assembly

    websockets_client = pytest.importorskip("websockets.asyncio.client")
    websockets_exceptions = pytest.importorskip("websockets.exceptions")
    async with on_loopback(
        lambda base_url: create_app(runtime, tick=False, base_url=base_url), lifespan="on"
    ) as (app, port):
        platforms = app.state.platforms
        platforms.subscriptions.register_api(SubscriptionApi(API, parse=lambda _t, body: body))
        host = platforms.default_host
        sub = await platforms.subscriptions.create(
            host=host,
            api=API,
            type="TestSubscription",
            body={"websockNotifConfig": {"requestWebsocketUri": True}},
            href=lambda i: platforms.url(host, f"/test/v1/subscriptions/{i}"),
            criteria=None,
            websocket=True,
        )
        uri = sub.body["websockNotifConfig"]["websocketUri"]
        assert uri == f"ws://127.0.0.1:{port}/meclab/ws/notifications/{sub.id}"
        platforms.subscriptions.notify(sub, note(0))
        platforms.subscriptions.notify(sub, note(1))

        async with websockets_client.connect(uri) as ws:
            frames = [orjson.loads(await asyncio.wait_for(ws.recv(), 3.0)) for _ in range(2)]
            assert numbers(frames) == [0, 1]
            platforms.subscriptions.notify(sub, note(2))
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 3.0))["n"] == 2
        await until(lambda: platforms.notifier.pending(sub.id) == 0, "the outbox to drain")

        with pytest.raises(websockets_exceptions.InvalidStatus):
            async with websockets_client.connect(
                f"ws://127.0.0.1:{port}/meclab/ws/notifications/no-such-subscription"
            ):
                pass


# --- with a store: surviving a stop or a crash --------------------------------------------------

ASLEEP = RetryPolicy(initial_s=3600.0, factor=1.0, max_s=3600.0, jitter=0.0)
"""After one failed attempt, the next is an hour away: a notifier that plays a dead process."""


async def _stored(path: Any) -> list[int]:
    """Ids in the outbox, as another process would read the file."""
    store = SqliteStore(path)
    try:
        return [e.id for e in await store.outbox()]
    finally:
        await store.close()


async def test_pending_notifications_survive_a_crash_and_arrive_once_in_order(
    tmp_path: Any, receiver: Receiver
) -> None:
    path = tmp_path / "outbox.sqlite"
    receiver.status = 503  # the subscriber is failing
    sub = make_sub("s1", receiver.url("/cb"))
    crashed = Notifier(policy=ASLEEP, store=SqliteStore(path))
    await crashed.restore(lambda _: None, missing="unused")
    for n in range(5):
        crashed.send(sub, note(n))
    # A notification goes on the wire only once stored: after this attempt, all five are.
    await until(lambda: len(receiver.requests) == 1, "the first attempt")
    assert len(await _stored(path)) == 5
    # kill -9: the crashed notifier is left as it is (asleep); a new process opens the file.
    receiver.status = 204
    second = Notifier(policy=FAST, store=SqliteStore(path))
    assert await second.restore({"s1": sub}.get, missing="unused") == 5
    second.send(sub, note(5))  # new ones queue behind those of before the crash
    assert numbers(await receiver.wait_for(6)) == [0, 1, 2, 3, 4, 5]
    assert await receiver.quiet() == 0
    assert numbers(receiver.bodies()) == [0, 1, 2, 3, 4, 5]
    await until(lambda: second.pending("s1") == 0, "the outbox to drain")
    await second.close()
    assert await _stored(path) == []  # delivered ones leave the store
    await crashed.close()


async def test_a_stop_keeps_pending_notifications_for_the_next_start(tmp_path: Any) -> None:
    path = tmp_path / "outbox.sqlite"
    receiver = Receiver()
    sub = make_sub("s1", receiver.url("/cb"))
    first = Notifier(policy=FAST, store=SqliteStore(path))
    await first.restore(lambda _: None, missing="unused")
    first.send(sub, note(0))
    first.send(sub, note(1))
    await first.close(drain_s=0.2)
    assert list(first.undelivered) == []  # not given up: still to deliver
    async with receiver:
        second = Notifier(policy=FAST, store=SqliteStore(path))
        await second.restore({"s1": sub}.get, missing="unused")
        assert numbers(await receiver.wait_for(2)) == [0, 1]
        await second.close()


async def test_what_a_restart_cannot_deliver_is_given_up_counted_and_listed(
    tmp_path: Any, receiver: Receiver
) -> None:
    path = tmp_path / "outbox.sqlite"
    receiver.status = 503
    gone = make_sub("gone", receiver.url("/cb"))
    first = Notifier(policy=ASLEEP, store=SqliteStore(path))
    await first.restore(lambda _: None, missing="unused")
    for n in range(3):
        first.send(gone, note(n))
    await until(lambda: len(receiver.requests) == 1, "the first attempt (all three stored)")
    # Restarted, the subscription is no more.
    second = Notifier(policy=FAST, store=SqliteStore(path))
    assert await second.restore(lambda _: None, missing="subscription gone") == 0
    assert second.given_up == 3
    assert [(u.subscription, u.reason) for u in second.undelivered] == [
        ("gone", "subscription gone")
    ] * 3
    await second.close()
    assert await _stored(path) == []
    # The record of what was given up survives the next restart too.
    third = Notifier(policy=FAST, store=SqliteStore(path))
    await third.restore(lambda _: None, missing="unused")
    assert third.given_up == 3
    assert [u.notification_type for u in third.undelivered] == ["TestNotification"] * 3
    await third.close()
    await first.close()
