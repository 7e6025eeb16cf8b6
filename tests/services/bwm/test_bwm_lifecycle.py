"""BWM allocations over the platform's life: released with their instance, restored on resume,
cleared by a new scenario; the bandwidth port told each time."""

from __future__ import annotations

from pathlib import Path

from bwm_helpers import (
    ALLOCATIONS,
    B_APP,
    EDGE_APP,
    RecordingPort,
    Served,
    app_body,
    on_host,
    serving,
    session_body,
)

from meclab.scenario.model import Scenario
from meclab.services.bwm.allocations import COLLECTION


async def test_allocations_go_with_their_instance(served: Served, port: RecordingPort) -> None:
    client = served.client
    theirs = [
        (await client.post(on_host(ALLOCATIONS, "mec-b"), json=body)).json()["allocationId"]
        for body in (app_body(B_APP), session_body(B_APP))
    ]
    mine = (await client.post(ALLOCATIONS, json=app_body())).json()
    platforms = served.platforms
    await platforms.remove_app(platforms.app("mec-b", B_APP))
    assert (await client.get(on_host(ALLOCATIONS, "mec-b"))).json() == []
    assert (await client.get(ALLOCATIONS)).json() == [mine]
    assert [key for key, _ in await platforms.store.items(COLLECTION)] == [mine["allocationId"]]
    assert port.calls[-2:] == [("release", "mec-b", theirs[0]), ("release", "mec-b", theirs[1])]
    assert list(port.applied) == [mine["allocationId"]]


async def test_allocations_are_restored_on_resume(scenario: Scenario, store_path: Path) -> None:
    async with serving(store_path, scenario) as served:
        client = served.client
        kept = [
            (await client.post(ALLOCATIONS, json=app_body())).json(),
            (await client.post(ALLOCATIONS, json=session_body(allocationDirection="10"))).json(),
            (await client.post(on_host(ALLOCATIONS, "mec-b"), json=app_body(B_APP))).json(),
        ]
        dropped = (
            await client.post(ALLOCATIONS, json=session_body(EDGE_APP, {"protocol": "6"}))
        ).json()
        await client.delete(f"{ALLOCATIONS}/{dropped['allocationId']}")
        etag = (await client.get(f"{ALLOCATIONS}/{kept[1]['allocationId']}")).headers["etag"]
    port = RecordingPort()
    async with serving(store_path, None, port) as served:  # a new runtime on the same file
        assert served.runtime.opened == "resumed"
        client = served.client
        assert (await client.get(ALLOCATIONS)).json() == kept[:2]
        assert (await client.get(on_host(ALLOCATIONS, "mec-b"))).json() == kept[2:]
        read = await client.get(f"{ALLOCATIONS}/{kept[1]['allocationId']}")
        assert read.headers["etag"] == etag
        assert port.calls == [
            ("apply", "mec-a", kept[0]["allocationId"]),
            ("apply", "mec-a", kept[1]["allocationId"]),
            ("apply", "mec-b", kept[2]["allocationId"]),
        ]
        assert port.applied[kept[1]["allocationId"]].body() == kept[1]
        # a new allocation after the restart does not take a restored one's place
        newer = (
            await client.post(ALLOCATIONS, json=session_body(EDGE_APP, {"dstAddress": "10.0.0.2"}))
        ).json()
        assert (await client.get(ALLOCATIONS)).json() == [*kept[:2], newer]


async def test_a_resume_drops_the_allocations_of_gone_instances(
    scenario: Scenario, store_path: Path
) -> None:
    async with serving(store_path, scenario) as served:
        client = served.client
        mine = (await client.post(ALLOCATIONS, json=app_body())).json()
        theirs = (await client.post(on_host(ALLOCATIONS, "mec-b"), json=app_body(B_APP))).json()
        # the instance vanishes behind the service's back (as a crash between two writes would)
        served.service.platforms.removal_listeners.clear()
        await served.platforms.remove_app(served.platforms.app("mec-b", B_APP))
    port = RecordingPort()
    async with serving(store_path, None, port) as served:
        assert (await served.client.get(ALLOCATIONS)).json() == [mine]
        stored = [key for key, _ in await served.platforms.store.items(COLLECTION)]
        assert stored == [mine["allocationId"]]
        assert theirs["allocationId"] not in port.applied


async def test_a_new_scenario_clears_allocations(served: Served, scenario: Scenario) -> None:
    await served.client.post(ALLOCATIONS, json=app_body())
    await served.runtime.load(scenario)
    assert (await served.client.get(ALLOCATIONS)).json() == []
    assert await served.platforms.store.items(COLLECTION) == []
