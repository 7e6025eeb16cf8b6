"""EdgeApp against a running meclab: ready, services offered and discovered, heartbeats,
graceful termination through the control API, and clean deregistration on stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from helpers import free_port, until
from sdk_world import Lab, serve_lab

from meclab.platform.service_info import ServiceState
from meclab.sdk import ConfigError, HttpClient
from meclab.sdk.app import EdgeApp
from meclab.sdk.clients.service_mgmt import ServiceMgmtClient


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


def edge_app(lab: Lab, name: str, endpoint: str) -> EdgeApp:
    env = {
        "MEC_PLATFORM_URL": lab.url,
        "MEC_APP_INSTANCE_ID": lab.app_id(name),
        "MEC_APP_ENDPOINT": endpoint,
    }
    return EdgeApp(environ=env)


def started(app: EdgeApp) -> asyncio.Task[None]:
    return asyncio.ensure_future(app.serve())


async def discovered(lab: Lab, name: str) -> list[str]:
    async with HttpClient(lab.config()) as http:
        return [s.serName for s in await ServiceMgmtClient(http).services(ser_name=name)]


def test_configuration_comes_from_the_environment_and_names_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="MEC_APP_INSTANCE_ID"):
        _ = EdgeApp(environ={"MEC_PLATFORM_URL": "http://x:1"}).app_instance_id
    with pytest.raises(ConfigError, match="MEC_PLATFORM_URL"):
        _ = EdgeApp(environ={"MEC_APP_INSTANCE_ID": "a"}).config


async def test_life_ready_offered_discovered_heartbeats_then_stop_deregisters(lab: Lab) -> None:
    mine = edge_app(lab, "my-app", lab.endpoint)
    mine.offer("greeter", "/hello", liveness=1)

    @mine.get("/hello")
    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    peer = edge_app(lab, "peer-app", f"127.0.0.1:{free_port()}")
    found: list[str] = []

    @peer.on_start
    async def look(app: EdgeApp) -> None:
        found.append(await app.service_uri("greeter"))

    serving = started(mine)
    await until(lambda: bool(mine.services), "my-app to offer its service")
    assert lab.platforms.app_named("my-app").state.value == "READY"
    peering = started(peer)
    await until(lambda: bool(found), "peer-app to discover greeter")
    assert found == [f"http://{lab.endpoint}/hello"]
    async with aiohttp.ClientSession() as session, session.get(found[0]) as answer:
        assert await answer.json() == {"hello": "world"}

    service = mine.services[0]
    assert service.livenessInterval == 1
    first = (await mine.service_mgmt.liveness(service)).value
    await asyncio.sleep(1.6)
    later = (await mine.service_mgmt.liveness(service)).value
    assert later.state is ServiceState.ACTIVE
    assert later.timeStamp.unix() > first.timeStamp.unix()  # heartbeats arrived meanwhile

    mine.stop()
    await asyncio.wait_for(serving, 5)
    assert await discovered(lab, "greeter") == []
    record = lab.platforms.app_named("my-app")
    assert (
        lab.platforms.subscriptions.list(
            record.host, "mec011_app_support", owner=record.app_instance_id
        )
        == []
    )
    peer.stop()
    await asyncio.wait_for(peering, 5)


async def test_a_process_restarted_on_a_ready_instance_serves_and_offers_again(lab: Lab) -> None:
    for _ in range(2):  # the second start finds the instance READY (confirm_ready: 409)
        app = edge_app(lab, "my-app", lab.endpoint)
        app.offer("greeter", "/hello")
        serving = started(app)
        await until(lambda: bool(app.services), "my-app to offer its service")  # noqa: B023
        assert await discovered(lab, "greeter") == ["greeter"]
        app.stop()
        await asyncio.wait_for(serving, 5)
    assert lab.platforms.app_named("my-app").state.value == "READY"


async def test_termination_lets_running_work_finish_then_confirms_in_time(lab: Lab) -> None:
    mine = edge_app(lab, "my-app", lab.endpoint)
    mine.offer("slow", "/slow")
    release, entered = asyncio.Event(), asyncio.Event()

    @mine.get("/slow")
    async def slow(request: web.Request) -> web.Response:
        entered.set()
        await release.wait()
        return web.json_response({"done": True})

    serving = started(mine)
    await until(lambda: bool(mine.services), "my-app to offer its service")
    base = f"http://{lab.endpoint}"
    async with aiohttp.ClientSession() as session:
        running = asyncio.ensure_future(session.get(f"{base}/slow"))
        await asyncio.wait_for(entered.wait(), 5)  # the slow request is running
        async with session.post(
            f"{lab.url}/meclab/v1/events",
            json={"type": "terminate", "app": "my-app", "graceful_timeout_s": 10},
        ) as command:
            assert command.status < 300, await command.text()
        await until(lambda: mine.terminating is not None, "the AppTerminationNotification")
        async with session.get(f"{base}/slow") as refused:
            assert refused.status == 503
        assert not serving.done()  # still waiting for the running request
        assert await discovered(lab, "slow") == ["slow"]
        release.set()
        answer = await running
        assert answer.status == 200 and await answer.json() == {"done": True}
        answer.release()
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.wait_for(serving, 5)
    await until(
        lambda: "my-app" not in {a.name for a in lab.platforms.apps.values()},
        "the platform to remove the confirmed instance",
        timeout_s=3,
    )
    assert loop.time() - began < 3  # confirmed: the 10 s grace period was not waited out
    assert await discovered(lab, "slow") == []
