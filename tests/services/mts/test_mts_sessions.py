"""/mts/v1/mts_sessions: every operation's happy path, ETags, filters and per-host routing."""

from __future__ import annotations

import httpx
from helpers import BASE_URL, problem
from mts_helpers import (
    B_APP,
    EDGE_APP,
    SESSIONS,
    RecordingPort,
    Served,
    flow_body,
    on_host,
    session_body,
)
from port_lab import WALL


async def create(client: httpx.AsyncClient, body: dict, host: str = "") -> httpx.Response:  # type: ignore[type-arg]
    answer = await client.post(on_host(SESSIONS, host), json=body)
    assert answer.status_code == 201, answer.text
    return answer


async def test_create_read_replace_delete(served: Served, port: RecordingPort) -> None:
    client = served.client
    made = await create(client, session_body())
    body = made.json()
    session_id = body["sessionId"]
    assert body == {
        **session_body(),
        "sessionId": session_id,
        "timeStamp": {"seconds": int(WALL), "nanoSeconds": 0},
        "appName": served.platforms.app("mec-a", EDGE_APP).app_name,
    }
    assert made.headers["location"] == f"{BASE_URL}{SESSIONS}/{session_id}"
    read = await client.get(f"{SESSIONS}/{session_id}")
    assert read.json() == body
    assert read.headers["etag"] == made.headers["etag"]

    replaced = await client.put(
        f"{SESSIONS}/{session_id}",
        json=session_body(mtsMode=4, qosD={"maxLatency": 1_000_000}, sessionId=session_id),
        headers={"If-Match": read.headers["etag"]},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["mtsMode"] == 4
    assert replaced.json()["qosD"] == {"maxLatency": 1_000_000}
    assert replaced.headers["etag"] != read.headers["etag"]
    assert (await client.get(f"{SESSIONS}/{session_id}")).json() == replaced.json()

    stale = await client.delete(
        f"{SESSIONS}/{session_id}", headers={"If-Match": read.headers["etag"]}
    )
    problem(stale, 412)
    gone = await client.delete(
        f"{SESSIONS}/{session_id}", headers={"If-Match": replaced.headers["etag"]}
    )
    assert gone.status_code == 204
    problem(await client.get(f"{SESSIONS}/{session_id}"), 404)
    assert (await client.get(SESSIONS)).json() == []
    assert port.calls == [
        ("apply", "mec-a", session_id),
        ("apply", "mec-a", session_id),
        ("release", "mec-a", session_id),
    ]


async def test_a_stale_put_changes_nothing(client: httpx.AsyncClient) -> None:
    made = await create(client, session_body())
    url = f"{SESSIONS}/{made.json()['sessionId']}"
    await client.put(url, json=session_body(mtsMode=2))
    stale = await client.put(
        url, json=session_body(mtsMode=0), headers={"If-Match": made.headers["etag"]}
    )
    problem(stale, 412)
    assert (await client.get(url)).json()["mtsMode"] == 2


async def test_flow_sessions_and_list_filters(client: httpx.AsyncClient) -> None:
    app_level = (await create(client, session_body())).json()
    udp = (await create(client, flow_body())).json()
    tcp = (
        await create(
            client,
            flow_body(EDGE_APP, {"sourceIp": "2001:db8::/32", "flowlabel": 7, "protocol": 6}),
        )
    ).json()
    every = (await client.get(SESSIONS)).json()
    assert every == [app_level, udp, tcp]
    by_id = await client.get(
        SESSIONS, params={"session_id": [udp["sessionId"], f"{tcp['sessionId']},nope"]}
    )
    assert by_id.json() == [udp, tcp]
    by_app = await client.get(
        SESSIONS, params={"app_instance_id": EDGE_APP, "session_id": app_level["sessionId"]}
    )
    assert by_app.json() == [app_level]
    assert (await client.get(SESSIONS, params={"app_name": app_level["appName"]})).json() == every
    assert (await client.get(SESSIONS, params={"app_name": "other"})).json() == []
    assert (await client.get(SESSIONS, params={"app_instance_id": B_APP})).json() == []


async def test_sessions_live_on_the_host_of_their_instance(client: httpx.AsyncClient) -> None:
    mine = (await create(client, session_body())).json()
    theirs = (await create(client, session_body(B_APP), "mec-b")).json()
    assert theirs["appInsId"] == B_APP
    assert (await client.get(on_host(SESSIONS, "mec-b"))).json() == [theirs]
    assert (await client.get(on_host(SESSIONS, "mec-a"))).json() == [mine]
    # another host's session, or instance, is not found here
    problem(await client.get(on_host(f"{SESSIONS}/{mine['sessionId']}", "mec-b")), 404)
    problem(await client.delete(f"{SESSIONS}/{theirs['sessionId']}"), 404)
    found = problem(await client.post(on_host(SESSIONS, "mec-b"), json=session_body()), 404)
    assert EDGE_APP in found["detail"]
    problem(await client.post(SESSIONS, json=session_body("no-such-instance")), 404)
    problem(await client.get(on_host(SESSIONS, "mars")), 404)
