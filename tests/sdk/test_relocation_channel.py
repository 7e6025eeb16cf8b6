"""The user-context relocation channel between two instances' own servers, over loopback.

Both ends are EdgeApps' aiohttp applications (``app.web``) served on free loopback ports;
pushes go direct (through a running meclab's data plane:
test_relocation_dataplane.py). No platform is needed: the channel speaks instance to instance.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from meclab.sdk.app import EdgeApp
from meclab.sdk.config import PlatformConfig
from meclab.sdk.context import ContextNotFound, ContextStore, read_blob
from meclab.sdk.relocation import (
    HEADER_PROOF,
    HEADER_REVISION,
    HEADER_SOURCE,
    HEADER_STAGE,
    HEADER_TARGET,
    SEALED_MEDIA,
    Direction,
    RelocationEvent,
    RelocationRefused,
    Stage,
    TargetUnreachable,
    UserContextRelocation,
)
from meclab.sdk.sealing import Binding, ContextKey

USER = "acr:10.0.0.1"
STATE: dict[str, Any] = {
    "score": 3,
    "frames": [1, 2.5, None, True],
    "profile": {"name": "Zoë", "tags": ["a", "b"], "nested": {"deep": [{"x": -1}]}},
}


@dataclass
class End:
    """One instance: its app, store, channel, where it listens, and its hooks' events."""

    app: EdgeApp
    store: ContextStore
    channel: UserContextRelocation
    port: int = 0
    events: list[RelocationEvent] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.app.app_instance_id

    def url(self, user: str = USER) -> str:
        return f"http://127.0.0.1:{self.port}/meclab-sdk/v1/contexts/{user.replace(':', '%3A')}"


def make_end(instance: str, key: ContextKey) -> End:
    app = EdgeApp(app_instance_id=instance, config=PlatformConfig("http://127.0.0.1:1"))
    store = ContextStore()
    end = End(app, store, UserContextRelocation(app, store, key, direct=True, timeout_s=5.0))
    end.channel.on_relocation(end.events.append)
    return end


@pytest.fixture
def key() -> ContextKey:
    return ContextKey.generate()


@pytest.fixture
async def pair(key: ContextKey) -> AsyncIterator[tuple[End, End]]:
    source, target = make_end("src-1", key), make_end("dst-1", key)
    runners = []
    for end in (source, target):
        runner = web.AppRunner(end.app.web, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        end.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        runners.append(runner)
    try:
        yield source, target
    finally:
        for runner in runners:
            await runner.cleanup()


async def post(
    url: str,
    body: bytes,
    *,
    source: str,
    target: str,
    revision: int | str,
    stage: str | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {
        "Content-Type": SEALED_MEDIA,
        HEADER_SOURCE: source,
        HEADER_TARGET: target,
        HEADER_REVISION: str(revision),
    }
    if stage is not None:
        headers[HEADER_STAGE] = stage
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        raw = await r.read()
        assert r.status == 204 or r.content_type == "application/problem+json", raw
        return r.status, json.loads(raw) if raw else {}


def sealed_copy(end: End, key: ContextKey, *, target: str = "dst-1") -> tuple[bytes, int]:
    """A sealed export of USER's context at ``end``, as a push would send it; its revision."""
    blob = end.store.export(USER)
    revision = end.store.revision(USER)
    return key.seal(blob, Binding(USER, end.id, target, revision)), revision


def exported_state(store: ContextStore) -> str:
    return json.dumps(read_blob(store.export(USER)).state, sort_keys=True)


async def test_a_pushed_context_arrives_identical_and_both_ends_hear_of_it(
    pair: tuple[End, End],
) -> None:
    source, target = pair
    source.store.put(USER, json.loads(json.dumps(STATE)))
    out = await source.channel.push(USER, "dst-1", "127.0.0.1", target.port)

    assert exported_state(target.store) == exported_state(source.store)
    assert target.store.get(USER) == STATE
    assert out.direction is Direction.OUT and (out.user, out.source, out.target) == (
        USER,
        "src-1",
        "dst-1",
    )
    assert out.revision == 1  # made at 0, exported for the push: 1
    assert out.size > len(json.dumps(STATE)) and out.seconds > 0
    assert source.events == [out]
    [arrived] = target.events
    assert arrived.direction is Direction.IN
    assert (arrived.user, arrived.source, arrived.target) == (USER, "src-1", "dst-1")
    assert (arrived.revision, arrived.size) == (out.revision, out.size)
    assert 0 < arrived.seconds <= out.seconds
    assert source.channel.hook_errors == target.channel.hook_errors == 0


async def test_a_re_push_after_changes_in_place_lands_as_a_newer_revision(
    pair: tuple[End, End],
) -> None:
    source, target = pair
    source.store.put(USER, {"score": 1})
    first = await source.channel.push(
        USER, "dst-1", "127.0.0.1", target.port, stage=Stage.PROVISIONAL
    )
    source.store.get(USER)["score"] = 2  # in place: the final sync after the switch
    final = await source.channel.push(USER, "dst-1", "127.0.0.1", target.port)
    assert final.revision > first.revision
    assert target.store.get(USER) == {"score": 2}
    assert [(e.revision, e.stage) for e in target.events] == [
        (first.revision, Stage.PROVISIONAL),
        (final.revision, Stage.FINAL),
    ]


async def test_a_replayed_or_older_sealed_context_is_refused_409(
    pair: tuple[End, End], key: ContextKey
) -> None:
    source, target = pair
    source.store.put(USER, {"score": 1})
    older, older_revision = sealed_copy(source, key)
    newer, newer_revision = sealed_copy(source, key)
    args = {"source": "src-1", "target": "dst-1"}
    assert (await post(target.url(), newer, revision=newer_revision, **args))[0] == 204
    status, problem = await post(target.url(), newer, revision=newer_revision, **args)
    assert status == 409 and problem["status"] == 409
    assert f"revision {newer_revision} of {USER} is not newer" in problem["detail"]
    status, problem = await post(target.url(), older, revision=older_revision, **args)
    assert status == 409 and f"revision {older_revision} of" in problem["detail"]
    # relabelled as newer, it no longer opens
    status, problem = await post(target.url(), older, revision=newer_revision + 5, **args)
    assert status == 422 and "does not open" in problem["detail"]
    assert len(target.events) == 1 and target.store.revision(USER) == newer_revision


async def test_a_context_sealed_for_another_target_is_refused(
    pair: tuple[End, End], key: ContextKey
) -> None:
    source, target = pair
    source.store.put(USER, {"score": 1})
    sealed, revision = sealed_copy(source, key, target="dst-2")
    status, problem = await post(
        target.url(), sealed, source="src-1", target="dst-1", revision=revision
    )
    assert status == 422 and "does not open for source src-1, target dst-1" in problem["detail"]
    status, problem = await post(
        target.url(), sealed, source="src-1", target="dst-2", revision=revision
    )
    assert status == 421 and problem["detail"] == "addressed to dst-2; this instance is dst-1"
    with pytest.raises(RelocationRefused) as refused:
        await source.channel.push(USER, "dst-2", "127.0.0.1", target.port)
    assert refused.value.status == 421 and "this instance is dst-1" in str(refused.value)
    assert USER not in target.store and target.events == []
    assert source.events == []  # no OUT event for a push that did not land


async def test_a_context_for_another_user_is_refused(
    pair: tuple[End, End], key: ContextKey
) -> None:
    source, target = pair
    source.store.put(USER, {"score": 1})
    sealed, revision = sealed_copy(source, key)
    other = target.url("acr:10.0.0.2")
    status, problem = await post(other, sealed, source="src-1", target="dst-1", revision=revision)
    assert status == 422 and "of acr:10.0.0.2 does not open" in problem["detail"]
    assert len(target.store) == 0


async def test_a_source_with_another_key_is_refused_and_nothing_is_imported(
    pair: tuple[End, End],
) -> None:
    _, target = pair
    stranger = make_end("src-1", ContextKey.generate())
    stranger.store.put(USER, {"score": 1})
    with pytest.raises(RelocationRefused) as refused:
        await stranger.channel.push(USER, "dst-1", "127.0.0.1", target.port)
    await stranger.channel.close()
    assert refused.value.status == 422
    assert refused.value.problem.detail is not None
    assert "sealed with another key" in refused.value.problem.detail
    assert USER not in target.store and target.events == [] and stranger.events == []


async def test_altered_or_malformed_requests_are_refused_naming_what(
    pair: tuple[End, End], key: ContextKey
) -> None:
    source, target = pair
    source.store.put(USER, {"score": 1})
    sealed, revision = sealed_copy(source, key)
    altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    args: dict[str, Any] = {"source": "src-1", "target": "dst-1", "revision": revision}
    assert (await post(target.url(), altered, **args))[0] == 422
    status, problem = await post(target.url(), b"hello", **args)
    assert status == 400 and problem["detail"].startswith("body: not a sealed context")
    status, problem = await post(target.url(), sealed, **{**args, "revision": "two"})
    assert status == 400 and HEADER_REVISION in problem["detail"]
    status, problem = await post(target.url(), sealed, **{**args, "source": ""})
    assert status == 400 and HEADER_SOURCE in problem["detail"]
    status, problem = await post(target.url(), sealed, **args, stage="later")
    assert status == 400 and HEADER_STAGE in problem["detail"] and "'later'" in problem["detail"]
    async with (
        aiohttp.ClientSession() as session,
        session.post(target.url(), json={"state": {}}) as response,
    ):
        assert response.status == 415
        assert SEALED_MEDIA in (await response.json(content_type=None))["detail"]
    assert USER not in target.store


async def test_a_target_over_its_size_limit_answers_413(
    pair: tuple[End, End], key: ContextKey
) -> None:
    source, target = pair
    target.channel.max_bytes = 100
    source.store.put(USER, {"blob": "x" * 200})
    with pytest.raises(RelocationRefused) as refused:
        await source.channel.push(USER, "dst-1", "127.0.0.1", target.port)
    assert refused.value.status == 413


async def test_a_failing_hook_is_counted_and_the_relocation_stands(
    pair: tuple[End, End],
) -> None:
    source, target = pair

    @target.channel.on_relocation
    async def broken(event: RelocationEvent) -> None:
        raise RuntimeError("boom")

    source.store.put(USER, {"score": 1})
    await source.channel.push(USER, "dst-1", "127.0.0.1", target.port)
    await asyncio.sleep(0.05)  # the target's hooks run after its answer
    assert target.channel.hook_errors == 1 and target.store.get(USER) == {"score": 1}


async def test_push_failures_are_typed(pair: tuple[End, End]) -> None:
    source, _ = pair
    with pytest.raises(ContextNotFound, match=r"no context for user 'acr:10\.0\.0\.9'"):
        await source.channel.push("acr:10.0.0.9", "dst-1", "127.0.0.1", 1)
    source.store.put(USER, {"score": 1})
    held: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(lambda r, w: held.append(w), "127.0.0.1", 0)  # no answer
    port = silent.sockets[0].getsockname()[1]
    try:
        with pytest.raises(TargetUnreachable, match=r"no answer within 0\.2 s"):
            await source.channel.push(USER, "dst-1", "127.0.0.1", port, timeout_s=0.2)
    finally:
        for writer in held:
            writer.close()
        silent.close()
    await silent.wait_closed()
    with pytest.raises(TargetUnreachable, match=f"to dst-1 at http://127.0.0.1:{port}/"):
        await source.channel.push(USER, "dst-1", "127.0.0.1", port)
    assert source.events == []


async def test_a_source_learns_of_the_users_arrival_and_only_with_the_key(
    pair: tuple[End, End],
) -> None:
    source, target = pair
    source.store.put(USER, {"score": 1})
    sent = await source.channel.push(
        USER, "dst-1", "127.0.0.1", target.port, stage=Stage.PROVISIONAL
    )
    args = (USER, "dst-1", "127.0.0.1", target.port, sent.revision)
    assert await source.channel.await_arrival(*args, wait_s=0.1) is False  # not there yet
    asking = asyncio.ensure_future(source.channel.await_arrival(*args, wait_s=5.0))
    await asyncio.sleep(0.05)
    target.channel.arrived(USER)
    assert await asyncio.wait_for(asking, 2.0) is True
    stranger = make_end("src-1", ContextKey.generate())
    with pytest.raises(RelocationRefused) as refused:
        await stranger.channel.await_arrival(*args, wait_s=0.1)
    assert refused.value.status == 422 and HEADER_PROOF in (refused.value.problem.detail or "")
    await stranger.channel.close()
