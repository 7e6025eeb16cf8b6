"""UserMobility against a running ``meclab up``: a user moved to another host's zone has its
context arrive intact at the instance there, in both modes, and stays followed from there.

::

    mob      op ── zone-a ── mec-a ─► a-assisted, a-self (this test's EdgeApps)   ue-1 starts here
                └─ zone-b ── mec-b ─► b-assisted, b-self
                   (x-assisted: instances of application "guide-assisted"; x-self: "guide-self")
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import httpx
import pytest
from aiohttp import web
from cli.test_up import ANY_DATAPLANE_PORTS, Meclab
from helpers import free_port, until

from meclab.sdk.app import EdgeApp
from meclab.sdk.config import PlatformConfig
from meclab.sdk.context import ContextStore
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.mobility import Mode, UserMobility, UserRelocated
from meclab.sdk.relocation import Direction, RelocationEvent
from meclab.sdk.sealing import ContextKey

USER = "acr:10.0.0.1"
NAMES = {mode: f"guide-{mode}.mob.example" for mode in Mode}
"""The name each application is reached at: the MEC DNS answers the instance serving the UE."""


def address(zone: str, mode: Mode) -> str:
    return f"198.18.{'ab'.index(zone) + 1}.{list(Mode).index(mode) + 1}"


def zone(name: str, lon: float, ports: dict[str, int]) -> dict[str, Any]:
    apps = [
        {
            "name": f"{name}-{mode}",
            "app_name": f"guide-{mode}",
            "app_instance_id": f"{name}-{mode}-1",
            "emulated": False,
            "endpoint": f"127.0.0.1:{ports[f'{name}-{mode}']}",
            "address": address(name, mode),
            "dns_rules": [
                {"id": "guide", "domain_name": NAMES[mode], "ip_address": address(name, mode)}
            ],
        }
        for mode in Mode
    ]
    return {
        "name": f"zone-{name}",
        "mec_hosts": [{"name": f"mec-{name}", "position": [lon, 0.0005], "apps": apps}],
        "poas": [
            {
                "name": f"cell-{name}",
                "type": "4G",
                "cell_id": f"{ord(name):x}",
                "position": [lon, 0.0],
                "radius_m": 300.0,
            }
        ],
    }


@pytest.fixture(scope="module")
def ports() -> dict[str, int]:
    return {f"{zone}-{mode}": free_port() for zone in "ab" for mode in Mode}


@pytest.fixture(scope="module")
def meclab_up(tmp_path_factory: pytest.TempPathFactory, ports: dict[str, int]) -> Iterator[str]:
    tmp_path = tmp_path_factory.mktemp("mob")
    world = {
        "meclab": 1,
        "name": "mob",
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "zones": [zone("a", 0.0, ports), zone("b", 0.009, ports)],
                "terminals": [{"name": "ue-1", "address": USER, "path": [[0.0, 0.0]]}],
            }
        ],
    }
    scenario = tmp_path / "mob.json"
    scenario.write_text(json.dumps(world))
    port = free_port()
    args = ["up", str(scenario), "--data-dir", str(tmp_path / "data"), "--port", str(port)]
    process = Meclab([*args, *ANY_DATAPLANE_PORTS], tmp_path, "meclab")
    base = f"http://127.0.0.1:{port}"
    try:
        process.wait_ready(base)
        yield base
    finally:
        process.kill()


class End:
    """One instance: its EdgeApp serving, its store, what relocated."""

    def __init__(self, base: str, zone: str, ports: dict[str, int], key: ContextKey, mode: Mode):
        config = PlatformConfig(base, api_root=f"/hosts/mec-{zone}")
        name = f"{zone}-{mode}"
        self.app = EdgeApp(
            app_instance_id=f"{name}-1", config=config, endpoint=f"127.0.0.1:{ports[name]}"
        )
        self.store = ContextStore()
        self.mobility = UserMobility(self.app, self.store, key, mode=mode)
        self.events: list[RelocationEvent] = []
        self.mobility.on_relocation(self.events.append)
        self.task: asyncio.Task[None] | None = None

        @self.app.get("/count")
        async def count(request: web.Request) -> web.Response:
            try:
                async with self.mobility.session(request.query["user"]) as context:
                    context["count"] = context.get("count", 0) + 1
                    answer = {"from": self.app.app_instance_id, "count": context["count"]}
            except UserRelocated as moved:
                return moved.response()
            return web.json_response(answer)


@pytest.fixture
async def move(meclab_up: str) -> AsyncIterator[Any]:
    async with httpx.AsyncClient(base_url=meclab_up, timeout=10) as http:

        async def to(poa: str) -> None:
            moved = await http.post(
                "/meclab/v1/events", json={"type": "move", "ue": "ue-1", "poa": poa}
            )
            assert moved.status_code == 201, moved.text

        await to("cell-a")
        yield to, http
        await to("cell-a")


@contextlib.asynccontextmanager
async def serving(base: str, ports: dict[str, int], mode: Mode) -> AsyncIterator[tuple[End, End]]:
    """The instances of ``mode``'s application on mec-a (source) and mec-b, registered with
    their AMS; stopped at the end."""
    key = ContextKey.generate()
    ends = (End(base, "a", ports, key, mode), End(base, "b", ports, key, mode))
    for end in ends:
        end.task = asyncio.create_task(end.app.serve())
    try:
        await until(lambda: all(e.mobility.registered.is_set() for e in ends), "both to register")
        yield ends
    finally:
        for end in ends:
            end.app.stop()
        await asyncio.gather(*(e.task for e in ends if e.task is not None))


@pytest.mark.parametrize("mode", [Mode.ASSISTED, Mode.SELF])
async def test_the_context_follows_its_user_to_the_other_host(
    meclab_up: str, ports: dict[str, int], move: Any, mode: Mode
) -> None:
    to, http = move
    async with serving(meclab_up, ports, mode) as (source, target):
        state = {"session": "s-42", "frames": [[1, 2, 3]] * 50, "lang": "fr", "score": 7.5}
        source.store.put(USER, state)
        await source.mobility.serve(USER)
        assert source.mobility.users == {USER}

        await to("cell-b")
        await until(
            lambda: USER in target.store and USER not in source.store, "the context to move"
        )
        # intact: the state the source held is what the target holds
        assert json.dumps(target.store.get(USER), sort_keys=True) == json.dumps(
            state, sort_keys=True
        )
        assert {e.direction for e in source.events} == {Direction.OUT}
        assert {e.direction for e in target.events} == {Direction.IN}
        await until(lambda: target.mobility.users == {USER}, "the target to follow the user")
        assert source.mobility.users == set() and source.mobility.failures == 0
        relocations = (await http.get("/meclab/v1/relocations")).json()
        latest = relocations[0]
        assert latest["state"] == "COMPLETED", latest
        assert latest["source"]["appInstanceId"] == f"a-{mode}-1"
        assert latest["target"]["appInstanceId"] == f"b-{mode}-1"
        waited = "CONFIRMED" in latest["durations_s"] and any(
            "reported the context" in s["text"] for s in latest["steps"]
        )
        assert waited is (mode is Mode.ASSISTED)  # MEC-assisted: the switch waited for it


async def stream(
    name: str, plane: DataPlane, stop: asyncio.Event, *, keep_alive: bool
) -> tuple[list[dict[str, Any]], int, int]:
    """The UE's requests, one at a time, each on a new flow (the MEC DNS answer of the
    moment) or on one kept alive, a 503 (the user relocated while it waited) asked again:
    every answer, and how many connections it took and how many 503s it was answered."""
    headers = {} if keep_alive else {"Connection": "close"}
    answers: list[dict[str, Any]] = []
    connections = refused = 0

    async def opened(*_: object) -> None:
        nonlocal connections
        connections += 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(opened)
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(
        connector=plane.connector(), timeout=timeout, trace_configs=[trace]
    ) as session:
        while not stop.is_set():
            for _ in range(3):
                async with session.get(
                    f"http://{name}/count", params={"user": USER}, headers=headers
                ) as response:
                    body = await response.json(content_type=None)
                if response.status != 503:
                    break
                refused += 1
            assert response.status == 200, body
            answers.append(body)
            await asyncio.sleep(0.01)
    return answers, connections, refused


@pytest.mark.parametrize(
    ("mode", "keep_alive", "flows"),
    [
        (Mode.ASSISTED, False, "keep"),
        (Mode.ASSISTED, True, "keep"),  # the source's 503 closes it: the next one is new
        (Mode.ASSISTED, True, "move"),  # the relay carries it on to the target
        (Mode.SELF, False, "keep"),
    ],
)
async def test_a_user_streaming_all_along_is_answered_old_instance_then_new(
    meclab_up: str, ports: dict[str, int], move: Any, mode: Mode, keep_alive: bool, flows: str
) -> None:
    to, http = move
    stop = asyncio.Event()
    policy = (await http.get("/meclab/v1/relocations/policy")).json()
    changed = await http.put("/meclab/v1/relocations/policy", json={**policy, "flows": flows})
    assert changed.status_code == 200, changed.text
    async with serving(meclab_up, ports, mode) as (source, target):
        plane = await DataPlane.locate("ue-1", PlatformConfig(meclab_up), environ={})
        streaming = asyncio.create_task(stream(NAMES[mode], plane, stop, keep_alive=keep_alive))
        await until(lambda: source.mobility.users == {USER}, "the source to take the user on")
        await asyncio.sleep(0.3)
        await to("cell-b")
        await until(lambda: target.mobility.users == {USER}, "the target to take the user on")
        await until(lambda: USER not in source.store, "the source to let the user go")
        await asyncio.sleep(0.5)
        stop.set()
        answers, connections, refused = await streaming
    await http.put("/meclab/v1/relocations/policy", json=policy)
    served = [a["from"] for a in answers]
    switch = served.index(target.app.app_instance_id)
    assert switch > 0 and set(served[:switch]) == {source.app.app_instance_id}
    assert set(served[switch:]) == {target.app.app_instance_id}, served
    if flows == "move":  # one connection all along, no 503 on it: the flow itself moved
        assert (connections, refused) == (1, 0)
    counts = [a["count"] for a in answers]
    if mode is Mode.ASSISTED:  # the target waited for the source's last copy: no gap, no repeat
        assert counts == list(range(1, len(answers) + 1)), counts
    else:  # the switch did not wait: the target may serve before the context lands, not after
        assert counts[:switch] == list(range(1, switch + 1))
        assert counts[-1] > len(answers) - switch, counts
