"""Bad input to /mts/v1/mts_sessions: 400 naming the attribute, 404, 415, and nothing kept."""

from __future__ import annotations

from typing import Any

import httpx
from helpers import problem
from mts_helpers import EDGE_APP, JSON, SESSIONS, RecordingPort, flow_body, session_body

UDP = {"dstIp": "10.0.0.10", "dstPort": 5000, "protocol": 17}


def without(name: str) -> dict[str, Any]:
    body = session_body()
    del body[name]
    return body


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown mode", session_body(mtsMode=5), "mtsMode"),
    ("mode as a word", session_body(mtsMode="LOW_LATENCY"), "mtsMode"),
    ("unknown request type", session_body(requestType=2), "requestType"),
    ("unknown direction", session_body(trafficDirection="11"), "trafficDirection"),
    ("direction as a number", session_body(trafficDirection=10), "trafficDirection"),
    *[(f"no {name}", without(name), name) for name in ("appInsId", "requestType", "flowFilter")],
    *[(f"no {name}", without(name), name) for name in ("qosD", "mtsMode", "trafficDirection")],
    ("unknown attribute", session_body(colour="red"), "colour"),
    ("bad address", flow_body(EDGE_APP, {"sourceIp": "10.0.0.300"}), "flowFilter[0].sourceIp"),
    ("bad prefix", flow_body(EDGE_APP, {"dstIp": "2001:db8::/129"}), "flowFilter[0].dstIp"),
    ("port too high", flow_body(EDGE_APP, {"dstPort": 70_000}), "flowFilter[0].dstPort"),
    (
        "a list of ports (v2.1.1)",
        flow_body(EDGE_APP, {"sourcePort": [80]}),
        "flowFilter[0].sourcePort",
    ),
    ("protocol too high", flow_body(EDGE_APP, {"protocol": 256}), "flowFilter[0].protocol"),
    ("dscp too high", flow_body(EDGE_APP, {"dscp": 64}), "flowFilter[0].dscp"),
    (
        "flow label of 21 bits",
        flow_body(EDGE_APP, {"flowlabel": 1 << 20}),
        "flowFilter[0].flowlabel",
    ),
    ("unknown filter attribute", flow_body(EDGE_APP, {"port": 80}), "flowFilter[0].port"),
    ("priority 4", session_body(mtsMode=4, qosD={"priority": 4}), "qosD.priority"),
    ("negative latency", session_body(mtsMode=4, qosD={"maxLatency": -1}), "qosD.maxLatency"),
    ("app-level with a filter", session_body(flowFilter=[UDP]), "flowFilter"),
    ("flow-level without one", session_body(requestType=1), "flowFilter"),
    ("an empty filter", flow_body(EDGE_APP, UDP, {}), "flowFilter[1]"),
    ("a filter twice", flow_body(EDGE_APP, UDP, {"protocol": 6}, UDP), "flowFilter[2]"),
    (
        "addresses of two IP versions",
        flow_body(EDGE_APP, {"sourceIp": "10.0.0.1", "dstIp": "2001:db8::1"}),
        "flowFilter[0].dstIp",
    ),
    (
        "a flow label on IPv4",
        flow_body(EDGE_APP, {"dstIp": "10.0.0.1", "flowlabel": 5}),
        "flowFilter[0].flowlabel",
    ),
    (
        "ports with ICMP",
        flow_body(EDGE_APP, {"dstPort": 80, "protocol": 1}),
        "flowFilter[0].protocol",
    ),
    ("QoS mode without a figure", session_body(mtsMode=4), "qosD"),
    ("a sessionId of the client's", session_body(sessionId="mine"), "sessionId"),
    ("another application's name", session_body(appName="other-app"), "appName"),
]


async def test_a_bad_session_is_400_naming_the_attribute(
    client: httpx.AsyncClient, port: RecordingPort
) -> None:
    for case, body, name in BAD_BODIES:
        found = problem(await client.post(SESSIONS, json=body), 400)
        assert [p["name"] for p in found["invalidParams"]] == [name], case
    assert (await client.get(SESSIONS)).json() == []
    assert port.calls == []


async def test_non_json_and_malformed_bodies(client: httpx.AsyncClient) -> None:
    problem(
        await client.post(SESSIONS, content=b"mode=1", headers={"Content-Type": "text/plain"}), 415
    )
    assert (
        "malformed JSON"
        in problem(await client.post(SESSIONS, content=b"{", headers=JSON), 400)["detail"]
    )
    made = (await client.post(SESSIONS, json=session_body())).json()
    url = f"{SESSIONS}/{made['sessionId']}"
    problem(await client.put(url, content=b"[", headers=JSON), 400)
    problem(await client.put(f"{SESSIONS}/nope", content=b"[", headers=JSON), 404)  # 404 first


async def test_one_application_level_session_per_instance(client: httpx.AsyncClient) -> None:
    first = (await client.post(SESSIONS, json=session_body())).json()
    found = problem(await client.post(SESSIONS, json=session_body(mtsMode=0)), 400)
    assert [p["name"] for p in found["invalidParams"]] == ["requestType"]
    assert first["sessionId"] in found["detail"]
    # replacing the session itself is no conflict
    again = await client.put(f"{SESSIONS}/{first['sessionId']}", json=session_body(mtsMode=0))
    assert again.status_code == 200


async def test_a_flow_filter_belongs_to_one_session(client: httpx.AsyncClient) -> None:
    first = (await client.post(SESSIONS, json=flow_body())).json()
    found = problem(
        await client.post(SESSIONS, json=flow_body(EDGE_APP, {"protocol": 6}, UDP)), 400
    )
    assert [p["name"] for p in found["invalidParams"]] == ["flowFilter[1]"]
    assert first["sessionId"] in found["detail"]
    other = await client.post(SESSIONS, json=flow_body(EDGE_APP, {**UDP, "dstPort": 5001}))
    assert other.status_code == 201


async def test_a_put_keeps_the_session_and_its_instance(client: httpx.AsyncClient) -> None:
    made = (await client.post(SESSIONS, json=session_body())).json()
    url = f"{SESSIONS}/{made['sessionId']}"
    for body, name in [
        (session_body("someone-else"), "appInsId"),
        (session_body(sessionId="another"), "sessionId"),
        (session_body(mtsMode=9), "mtsMode"),
        (session_body(flowFilter=[UDP]), "flowFilter"),
    ]:
        found = problem(await client.put(url, json=body), 400)
        assert [p["name"] for p in found["invalidParams"]] == [name]
    assert (await client.get(url)).json() == made


async def test_unknown_query_parameters(client: httpx.AsyncClient) -> None:
    found = problem(await client.get(SESSIONS, params={"appInsId": EDGE_APP}), 400)
    assert [p["name"] for p in found["invalidParams"]] == ["appInsId"]
