"""Rate limits, fair slots and body limits (meclab.http.limits), on a fake clock, in process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from helpers import FakeTime, problem, until
from prometheus_client import CollectorRegistry
from starlette.types import Message, Receive, Scope, Send

from meclab.http.limits import (
    FairSlots,
    LimitsMiddleware,
    RateLimiter,
    TokenBucket,
    client_key,
    key_kind,
    retry_after,
)
from meclab.http.problem import install_problem_handlers
from meclab.metrics import Metrics

# --- token bucket -----------------------------------------------------------------------------


def test_a_bucket_lets_a_burst_through_then_says_how_long_to_wait() -> None:
    clock = FakeTime()
    bucket = TokenBucket(rate_per_s=2, burst=5, clock=clock)
    assert [bucket.take() for _ in range(5)] == [0.0] * 5
    assert bucket.take() == 0.5
    clock.now = 0.25
    assert bucket.take() == 0.25
    clock.now = 0.5
    assert bucket.take() == 0.0
    assert bucket.take() == 0.5


def test_a_refused_take_takes_nothing() -> None:
    clock = FakeTime()
    bucket = TokenBucket(rate_per_s=1, burst=1, clock=clock)
    assert bucket.take() == 0.0
    assert [bucket.take() for _ in range(3)] == [1.0, 1.0, 1.0]
    clock.now = 1.0
    assert bucket.take() == 0.0


def test_a_bucket_refills_to_its_burst_and_no_further() -> None:
    clock = FakeTime()
    bucket = TokenBucket(rate_per_s=10, burst=3, clock=clock)
    for _ in range(3):
        bucket.take()
    assert not bucket.full
    clock.now = 3600.0
    assert bucket.full
    assert [bucket.take() for _ in range(4)] == [0.0, 0.0, 0.0, pytest.approx(0.1)]


def test_refills_at_awkward_rates_are_whole_tokens() -> None:
    clock = FakeTime()
    bucket = TokenBucket(rate_per_s=3, burst=1, clock=clock)
    for i in range(1, 100):
        assert bucket.take() == 0.0
        assert bucket.take() == pytest.approx(1 / 3)
        clock.now = i / 3


def test_bucket_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="rate_per_s"):
        TokenBucket(0, 1)
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(1, 0.5)
    with pytest.raises(ValueError, match="cannot take 3"):
        TokenBucket(1, 2).take(3)


@pytest.mark.parametrize(
    ("wait", "header"),
    [(0.001, "1"), (0.5, "1"), (1.0, "1"), (1.2, "2"), (2.0000000001, "2"), (9.99, "10")],
)
def test_retry_after_is_whole_seconds_rounded_up(wait: float, header: str) -> None:
    assert retry_after(wait) == header


# --- rate limiter -----------------------------------------------------------------------------


def test_keys_have_buckets_of_their_own() -> None:
    clock = FakeTime()
    limiter = RateLimiter(rate_per_s=1, burst=2, clock=clock)
    assert [limiter.check("app:a") for _ in range(3)] == [None, None, 1.0]
    assert [limiter.check("app:b") for _ in range(2)] == [None, None]
    clock.now = 0.5
    assert limiter.check("app:a") == 0.5


def test_the_limiter_keeps_at_most_max_keys_the_least_recent_going() -> None:
    clock = FakeTime()
    limiter = RateLimiter(rate_per_s=1, burst=1, clock=clock, max_keys=3)
    for key in ("a", "b", "c"):
        limiter.check(key)
    assert limiter.check("a") == 1.0  # a is now the most recent
    limiter.check("d")  # the table is full: b, the least recent, goes
    assert len(limiter) == 3
    assert limiter.check("a") == 1.0  # kept: still empty
    assert limiter.check("c") == 1.0
    assert limiter.check("b") is None  # forgotten, so a full bucket again (c went for it)
    assert len(limiter) == 3


# --- fair slots -------------------------------------------------------------------------------


async def test_slots_queue_in_order_and_refuse_beyond_the_queue() -> None:
    slots = FairSlots(concurrent=2, queued=2)
    assert slots.enter("a") and slots.enter("a")
    assert not slots.enter("a")
    order: list[int] = []

    async def waiter(i: int) -> None:
        assert await slots.wait("a")
        order.append(i)

    tasks = [asyncio.create_task(waiter(i)) for i in range(2)]
    await until(lambda: slots.waiting("a") == 2, "two waiters")
    assert not await slots.wait("a")  # the queue is full
    assert slots.enter("b")  # another key is not held up
    slots.release("a")
    await until(lambda: order == [0], "the first waiter")
    slots.release("a")
    await asyncio.gather(*tasks)
    assert order == [0, 1]
    assert (slots.running("a"), slots.waiting("a")) == (2, 0)
    for key in ("a", "a", "b"):
        slots.release(key)
    assert slots.running("a") == slots.running("b") == 0
    assert not slots._running and not slots._queues  # nothing kept for idle keys


async def test_a_cancelled_waiter_leaves_the_queue_and_passes_on_a_slot_given_to_it() -> None:
    slots = FairSlots(concurrent=1, queued=3)
    assert slots.enter("a")
    first = asyncio.create_task(slots.wait("a"))
    second = asyncio.create_task(slots.wait("a"))
    await until(lambda: slots.waiting("a") == 2, "two waiters")
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert slots.waiting("a") == 1
    slots.release("a")  # handed to second, which is cancelled before it runs
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    assert slots.running("a") == 0


# --- middleware -------------------------------------------------------------------------------


def _key(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-key":
            return None if value == b"none" else f"app:{value.decode()}"
    return client_key(scope)


class Recorder:
    """A FastAPI app as meclab builds them: problem handlers, a body-reading route."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()
        self.inside: list[str] = []
        self.app = FastAPI()
        install_problem_handlers(self.app)

        @self.app.get("/ok")
        async def ok() -> dict[str, str]:
            self.calls += 1
            return {"ok": "yes"}

        @self.app.post("/echo")
        async def echo(request: Request) -> dict[str, int]:
            self.calls += 1
            return {"bytes": len(await request.body())}

        @self.app.get("/hold/{name}")
        async def hold(name: str) -> dict[str, str]:
            self.inside.append(name)
            await self.release.wait()
            return {"held": name}


def _limits(app: Any, clock: FakeTime, metrics: Metrics | None = None, **kw: Any) -> Any:
    options: dict[str, Any] = {
        "key_of": _key,
        "rate_per_s": 2,
        "burst": 3,
        "max_body_bytes": 1000,
        "max_concurrent_per_key": 2,
        "max_queued_per_key": 1,
        "metrics": metrics,
        "clock": clock,
        **kw,
    }
    return LimitsMiddleware(app, **options)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(CollectorRegistry())


@pytest.fixture
async def client(
    recorder: Recorder, clock: FakeTime, metrics: Metrics
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(_limits(recorder.app, clock, metrics))
    async with httpx.AsyncClient(transport=transport, base_url="http://meclab.test") as c:
        yield c


def refused(metrics: Metrics, reason: str, kind: str) -> float:
    value = metrics.registry.get_sample_value(
        "meclab_requests_refused_total", {"reason": reason, "kind": kind}
    )
    return value or 0.0


async def test_over_the_rate_is_429_with_the_exact_retry_after(
    client: httpx.AsyncClient, recorder: Recorder, clock: FakeTime, metrics: Metrics
) -> None:
    headers = {"X-Key": "flood"}
    for _ in range(3):
        assert (await client.get("/ok", headers=headers)).status_code == 200
    clock.now = 0.1  # 0.2 token back; the next is 0.4 s away
    answer = await client.get("/ok?x=1", headers=headers)
    body = problem(answer, 429)
    assert answer.headers["retry-after"] == "1"
    assert body["title"] == "Too Many Requests"
    assert body["detail"] == "over the rate limit of 2 requests/s (burst 3)"
    assert body["instance"] == "http://meclab.test/ok"
    assert recorder.calls == 3  # the refused request never reached the app
    assert refused(metrics, "rate", "app") == 1
    assert (await client.get("/ok")).status_code == 200  # another key, by address
    clock.now = 0.5
    assert (await client.get("/ok", headers=headers)).status_code == 200


async def test_retry_after_counts_the_whole_wait(recorder: Recorder, clock: FakeTime) -> None:
    app = _limits(recorder.app, clock, rate_per_s=0.1, burst=1)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://meclab.test") as client:
        assert (await client.get("/ok")).status_code == 200
        for now, expected in [(0.0, "10"), (2.5, "8"), (9.0, "1"), (9.99, "1")]:
            clock.now = now
            answer = await client.get("/ok")
            assert (answer.status_code, answer.headers["retry-after"]) == (429, expected)
        clock.now = 10.0
        assert (await client.get("/ok")).status_code == 200


async def test_a_key_of_none_is_not_limited(client: httpx.AsyncClient) -> None:
    for _ in range(10):
        assert (await client.get("/ok", headers={"X-Key": "none"})).status_code == 200


async def test_a_declared_body_over_the_max_is_413_and_the_app_never_sees_it(
    client: httpx.AsyncClient, recorder: Recorder, metrics: Metrics
) -> None:
    answer = await client.post("/echo", content=b"x" * 1001)
    body = problem(answer, 413)
    assert body["detail"] == "the request body is larger than 1000 bytes"
    assert recorder.calls == 0
    assert refused(metrics, "body", "client") == 1
    answer = await client.post("/echo", content=b"x" * 1000)
    assert answer.json() == {"bytes": 1000}


async def _chunks(n: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(n):
        yield b"x" * size


async def test_a_chunked_body_growing_over_the_max_is_413_in_place_of_the_apps_answer(
    client: httpx.AsyncClient, recorder: Recorder, metrics: Metrics
) -> None:
    answer = await client.post("/echo", content=_chunks(5, 300))
    assert problem(answer, 413)["detail"] == "the request body is larger than 1000 bytes"
    assert refused(metrics, "body", "client") == 1
    answer = await client.post("/echo", content=_chunks(4, 250))
    assert answer.json() == {"bytes": 1000}


async def test_slots_are_given_back_whatever_the_end(clock: FakeTime) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/fail":
            raise RuntimeError("the app broke")
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = _limits(app, clock, burst=100)
    transport = httpx.ASGITransport(middleware, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://meclab.test") as client:
        assert (await client.post("/any", content=_chunks(5, 300))).status_code == 413
        assert (await client.post("/any", content=b"x" * 2000)).status_code == 413
        assert (await client.get("/fail")).status_code == 500
        assert (await client.post("/any", content=_chunks(2, 300))).status_code == 204
    assert middleware.slots.running("client:127.0.0.1") == 0
    assert not middleware._bodies


async def test_a_bare_asgi_app_gets_the_same_413(clock: FakeTime) -> None:
    seen: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        more, size = True, 0
        while more:
            message = await receive()  # raises RequestRefused past the limit
            size += len(message.get("body", b""))
            seen.append(size)
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    transport = httpx.ASGITransport(_limits(app, clock))
    async with httpx.AsyncClient(transport=transport, base_url="http://meclab.test") as client:
        answer = await client.post("/any", content=_chunks(10, 400))
    problem(answer, 413)
    assert seen == [400, 800]  # the chunk that went over was not handed to the app


async def test_a_stalled_body_is_408_and_closes(clock: FakeTime, metrics: Metrics) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass

    middleware = _limits(app, clock, metrics, body_timeout_s=0.05)
    sent: list[Message] = []
    first = True

    async def receive() -> Message:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"x", "more_body": True}
        await asyncio.Event().wait()  # the client sends nothing more
        raise AssertionError

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("meclab.test", 80),
        "path": "/slow",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"meclab.test"), (b"content-length", b"100")],
        "client": ("10.0.0.9", 5555),
    }
    await asyncio.wait_for(middleware(scope, receive, send), 5)
    assert sent[0]["status"] == 408
    assert (b"Connection", b"close") in sent[0]["headers"]
    assert b"no part of the request body came for 0.05 s" in sent[1]["body"]
    assert refused(metrics, "body_timeout", "client") == 1


async def test_a_flooding_key_waits_in_its_own_lane(
    recorder: Recorder, clock: FakeTime, metrics: Metrics
) -> None:
    transport = httpx.ASGITransport(_limits(recorder.app, clock, metrics, burst=10))
    client = httpx.AsyncClient(transport=transport, base_url="http://meclab.test")

    async def get(name: str, key: str) -> httpx.Response:
        return await client.get(f"/hold/{name}", headers={"X-Key": key})

    flood = [asyncio.create_task(get(f"f{i}", "flood")) for i in range(2)]
    await until(lambda: len(recorder.inside) == 2, "the flooding key's two running requests")
    queued = asyncio.create_task(get("f2", "flood"))  # waits its turn
    await asyncio.sleep(0.05)
    assert recorder.inside == ["f0", "f1"]
    over = await get("f3", "flood")  # two running, one waiting: refused at once
    assert problem(over, 429)["detail"] == (
        "2 requests of this client are running and 1 more are waiting: the most it may have at once"
    )
    assert over.headers["retry-after"] == "1"
    assert refused(metrics, "queue", "app") == 1
    # Another key is let in at once, although the flooding key holds its slots.
    other = asyncio.create_task(get("o0", "quiet"))
    await until(lambda: "o0" in recorder.inside, "the other key's request in the app")
    assert recorder.inside == ["f0", "f1", "o0"]
    recorder.release.set()
    answers = await asyncio.gather(*flood, queued, other)
    assert [a.json()["held"] for a in answers] == ["f0", "f1", "f2", "o0"]
    assert recorder.inside[3] == "f2"
    await client.aclose()


async def test_two_layers_share_one_registry(
    recorder: Recorder, clock: FakeTime, metrics: Metrics
) -> None:
    inner = _limits(recorder.app, clock, metrics, burst=1, rate_per_s=1)
    outer = _limits(inner, clock, metrics, key_of=client_key, burst=2, rate_per_s=1)
    transport = httpx.ASGITransport(outer)
    async with httpx.AsyncClient(transport=transport, base_url="http://meclab.test") as client:
        codes = [(await client.get("/ok", headers={"X-Key": "a"})).status_code for _ in range(3)]
    assert codes == [200, 429, 429]
    assert refused(metrics, "rate", "app") == 1  # the inner layer, by app
    assert refused(metrics, "rate", "client") == 1  # the outer layer, by address


def test_a_keys_kind_is_its_prefix() -> None:
    assert key_kind("app:1234") == "app"
    assert key_kind("client:::1") == "client"
    assert key_kind("plain") == "other"
    assert client_key({"client": ("::1", 4000)}) == "client:::1"
    assert client_key({"client": None}) == "client:unknown"
