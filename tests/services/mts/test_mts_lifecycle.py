"""MTS sessions over the platform's life: released with their instance, restored on resume,
cleared by a new scenario; the steering port told each time."""

from __future__ import annotations

from pathlib import Path

from mts_helpers import (
    B_APP,
    EDGE_APP,
    SESSIONS,
    RecordingPort,
    Served,
    flow_body,
    on_host,
    serving,
    session_body,
)

from meclab.scenario.model import Scenario
from meclab.services.mts.sessions import COLLECTION


async def test_sessions_go_with_their_instance(served: Served, port: RecordingPort) -> None:
    client = served.client
    theirs = [
        (await client.post(on_host(SESSIONS, "mec-b"), json=body)).json()["sessionId"]
        for body in (session_body(B_APP), flow_body(B_APP))
    ]
    mine = (await client.post(SESSIONS, json=session_body())).json()
    platforms = served.platforms
    await platforms.remove_app(platforms.app("mec-b", B_APP))
    assert (await client.get(on_host(SESSIONS, "mec-b"))).json() == []
    assert (await client.get(SESSIONS)).json() == [mine]
    assert [key for key, _ in await platforms.store.items(COLLECTION)] == [mine["sessionId"]]
    assert port.calls[-2:] == [("release", "mec-b", theirs[0]), ("release", "mec-b", theirs[1])]
    assert list(port.applied) == [mine["sessionId"]]


async def test_sessions_are_restored_on_resume(scenario: Scenario, store_path: Path) -> None:
    async with serving(store_path, scenario) as served:
        client = served.client
        kept = [
            (await client.post(SESSIONS, json=session_body())).json(),
            (await client.post(SESSIONS, json=flow_body(mtsMode=3))).json(),
            (await client.post(on_host(SESSIONS, "mec-b"), json=session_body(B_APP))).json(),
        ]
        dropped = (await client.post(SESSIONS, json=flow_body(EDGE_APP, {"protocol": 6}))).json()
        await client.delete(f"{SESSIONS}/{dropped['sessionId']}")
        etag = (await client.get(f"{SESSIONS}/{kept[1]['sessionId']}")).headers["etag"]
    port = RecordingPort()
    async with serving(store_path, None, port) as served:  # a new runtime on the same file
        assert served.runtime.opened == "resumed"
        client = served.client
        assert (await client.get(SESSIONS)).json() == kept[:2]
        assert (await client.get(on_host(SESSIONS, "mec-b"))).json() == kept[2:]
        read = await client.get(f"{SESSIONS}/{kept[1]['sessionId']}")
        assert read.headers["etag"] == etag
        assert port.calls == [
            ("apply", "mec-a", kept[0]["sessionId"]),
            ("apply", "mec-a", kept[1]["sessionId"]),
            ("apply", "mec-b", kept[2]["sessionId"]),
        ]
        # a new session after the restart does not take a restored one's place
        newer = (await client.post(SESSIONS, json=flow_body(EDGE_APP, {"dscp": 46}))).json()
        assert (await client.get(SESSIONS)).json() == [*kept[:2], newer]


async def test_a_new_scenario_clears_sessions(served: Served, scenario: Scenario) -> None:
    await served.client.post(SESSIONS, json=session_body())
    await served.runtime.load(scenario)
    assert (await served.client.get(SESSIONS)).json() == []
    assert await served.platforms.store.items(COLLECTION) == []
