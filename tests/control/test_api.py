"""The control API over the lab world (tests/conftest.py), with exact expectations.

Expected positions, distances, signals and path figures are worked out here from the lab
scenario's numbers and the documented models (equirectangular metres, log-distance path loss,
latencies add, losses compound, throughput is the bottleneck), not read back from the engine.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx
import pytest
import yaml
from helpers import BASE_URL, BROKEN_YAML

from meclab.runtime import Runtime
from meclab.scenario.model import Scenario

TickTo = Callable[[float], Awaitable[None]]


class SettableTime(Protocol):
    """The fake monotonic source behind the runtime's clock (tests/conftest.py FakeTime)."""

    now: float


BASE = "/meclab/v1"
M_PER_DEG = 6_371_008.8 * math.pi / 180.0
"""Metres per degree of latitude, and of longitude on the equator (mean Earth radius)."""
PROBLEM = "application/problem+json"
APP_NAMESPACE = uuid.UUID("6d6563ab-0000-4000-8000-6d65636c6162")
"""Namespace of derived appInstanceIds (scenario format)."""

# Radio profiles as radio.py documents them: tx power, 12 x N_RB subcarriers, carrier MHz.
NR_1M_DBM = 40.0 - 10 * math.log10(12 * 273) - (20 * math.log10(3500.0) - 27.55)
LTE_1M_DBM = 43.0 - 10 * math.log10(12 * 100) - (20 * math.log10(1800.0) - 27.55)
WIFI_1M_DBM = 20.0 - (20 * math.log10(5180.0) - 27.55)


def signal(at_1m_dbm: float, distance_m: float) -> float:
    """Log-distance path loss with exponent 3 and a 1 m floor."""
    return at_1m_dbm - 30.0 * math.log10(max(distance_m, 1.0))


def lost(*loss_pct: float) -> float:
    """Compound loss (percent) of hops with the given losses."""
    keep = 1.0
    for pct in loss_pct:
        keep *= 1.0 - pct / 100.0
    return (1.0 - keep) * 100.0


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of ``response``, after checking its status and shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def invalid_names(body: dict[str, Any]) -> list[str]:
    return [p["name"] for p in body["invalidParams"]]


def seqs(items: list[dict[str, Any]]) -> list[int]:
    return [item["seq"] for item in items]


def kinds(items: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Each record as (type, subject, detail...) for compact comparison."""
    out: list[tuple[str, ...]] = []
    for r in items:
        if r["type"] == "manual":
            out.append(("manual", r["action"]))
        elif r["type"] == "handover":
            out.append(("handover", r["ue"], r["source"], r["target"]))
        elif r["type"] in ("connect", "disconnect"):
            out.append((r["type"], r["ue"], r["poa"]))
        elif r["type"] in ("zone_enter", "zone_leave"):
            out.append((r["type"], r["ue"], r["zone"]))
        else:
            out.append((r["type"], r.get("element", "")))
    return out


START = [
    ("manual", "load_scenario"),
    ("connect", "ue-walk", "cell-a1"),
    ("zone_enter", "ue-walk", "zone-a"),
    ("connect", "ue-car", "cell-a1"),
    ("zone_enter", "ue-car", "zone-a"),
]
"""What opening the lab world records (seq 1 to 5): ue-far is out of coverage."""


# --- world and scenario ---------------------------------------------------------------------


async def test_world_counts_and_clock(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/world")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "scenario": "lab",
        "time_s": 0.0,
        "speed": 1.0,
        "paused": False,
        "tick_hz": 10.0,
        "ticks": 0,
        "last_tick_ms": 0.0,
        "counts": {
            "domains": 1,
            "zones": 2,
            "poas": 3,
            "mec_hosts": 1,
            "terminals": 3,
            "connected_terminals": 2,
            "apps": 3,
        },
    }


async def test_world_time_follows_ticks(client: httpx.AsyncClient, tick_to: TickTo) -> None:
    await tick_to(12.5)
    world = (await client.get(f"{BASE}/world")).json()
    assert world["time_s"] == 12.5
    assert world["ticks"] == 1


async def test_scenario_as_json_is_the_running_scenario(
    client: httpx.AsyncClient, scenario: Scenario
) -> None:
    response = await client.get(f"{BASE}/scenario")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["name"] == "lab"
    assert "meclab" not in body  # defaults are left out
    assert [p["name"] for p in body["domains"][0]["zones"][0]["poas"]] == ["cell-a1", "wifi-a2"]
    assert Scenario.model_validate(body) == scenario


@pytest.mark.parametrize("accept", ["application/yaml", "text/yaml", "application/x-yaml"])
async def test_scenario_as_yaml(client: httpx.AsyncClient, scenario: Scenario, accept: str) -> None:
    response = await client.get(f"{BASE}/scenario", headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    document = yaml.safe_load(response.text)
    assert document["domains"][0]["terminals"][0]["path"] == [[0.0, -0.002], [0.0, 0.002]]
    assert Scenario.model_validate(document) == scenario


def _replacement(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The lab document renamed, without ue-far, and ue-car starting in zone b."""
    document["name"] = name
    terminals = document["domains"][0]["terminals"]
    document["domains"][0]["terminals"] = [t for t in terminals if t["name"] != "ue-far"]
    terminals[1]["path"] = [[0.004, 0.0], [0.0, 0.0]]
    return document


LOADED = [
    ("manual", "load_scenario"),
    ("connect", "ue-walk", "cell-a1"),
    ("zone_enter", "ue-walk", "zone-a"),
    ("connect", "ue-car", "cell-b1"),
    ("zone_enter", "ue-car", "zone-b"),
]


@pytest.mark.parametrize("media", ["application/json", "application/yaml; charset=utf-8"])
async def test_put_scenario_replaces_the_world(
    client: httpx.AsyncClient, lab_doc: dict[str, Any], media: str
) -> None:
    document = _replacement(lab_doc, "lab2")
    text = json.dumps(document) if media == "application/json" else yaml.safe_dump(document)
    response = await client.put(f"{BASE}/scenario", content=text, headers={"content-type": media})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["scenario"], body["terminals"], body["poas"]) == ("lab2", 2, 3)
    assert kinds(body["events"]) == LOADED
    assert seqs(body["events"]) == [6, 7, 8, 9, 10]  # numbering goes on from the old world
    assert body["events"][0]["params"] == {"name": "lab2"}
    assert all(e["t"] == 0.0 for e in body["events"])

    world = (await client.get(f"{BASE}/world")).json()
    assert world["scenario"] == "lab2"
    assert world["time_s"] == 0.0
    assert world["counts"]["terminals"] == 2
    assert world["counts"]["connected_terminals"] == 2
    names = [t["name"] for t in (await client.get(f"{BASE}/terminals")).json()["items"]]
    assert names == ["ue-walk", "ue-car"]
    history = (await client.get(f"{BASE}/events", params={"after": 5})).json()
    assert seqs(history["items"]) == [6, 7, 8, 9, 10]
    assert (await client.get(f"{BASE}/scenario")).json()["name"] == "lab2"


BROKEN_ERRORS = [
    {
        "path": "domains[0].zones[0].poas[0].radius_m",
        "message": "Input should be greater than 0 (got -5)",
        "line": 12,
    },
    {"path": "domains[0].zones[0].poas[1].colour", "message": "unknown field", "line": 18},
    {
        "path": "domains[0].zones[0].poas[1].name",
        "message": "name 'cell-x' is already used at domains[0].zones[0].poas[0].name",
        "line": 14,
    },
    # No line of its own (the field is missing): the PoA's first line.
    {
        "path": "domains[0].zones[0].poas[1].cell_id",
        "message": "a 4G cell needs a cell_id",
        "line": 14,
    },
]
"""The errors of :data:`helpers.BROKEN_YAML`, as the API lists them."""


async def _assert_lab_untouched(client: httpx.AsyncClient) -> None:
    world = (await client.get(f"{BASE}/world")).json()
    assert world["scenario"] == "lab"
    assert world["counts"]["terminals"] == 3
    names = [t["name"] for t in (await client.get(f"{BASE}/terminals")).json()["items"]]
    assert names == ["ue-walk", "ue-car", "ue-far"]
    assert (await client.get(f"{BASE}/events")).json()["last_seq"] == 5


async def test_put_invalid_yaml_lists_every_error_and_keeps_the_world(
    client: httpx.AsyncClient,
) -> None:
    response = await client.put(
        f"{BASE}/scenario", content=BROKEN_YAML, headers={"content-type": "application/yaml"}
    )
    body = problem(response, 400)
    assert body["errors"] == BROKEN_ERRORS
    assert body["detail"].startswith(
        "the scenario has 4 error(s); the running scenario is unchanged: "
        "domains[0].zones[0].poas[0].radius_m: Input should be greater than 0 (got -5); "
    )
    await _assert_lab_untouched(client)


async def test_put_invalid_json_lists_errors_without_lines(
    client: httpx.AsyncClient, lab_doc: dict[str, Any]
) -> None:
    document = lab_doc
    document["domains"][0]["terminals"][0]["velocity_mps"] = 1000
    document["domains"][0]["terminals"][1]["apps"] = [{"name": "x", "connects_to": ["zone-a"]}]
    response = await client.put(
        f"{BASE}/scenario",
        content=json.dumps(document),
        headers={"content-type": "application/json"},
    )
    body = problem(response, 400)
    assert body["errors"] == [
        {
            "path": "domains[0].terminals[0].velocity_mps",
            "message": "Input should be less than or equal to 350 (got 1000)",
            "line": None,
        },
        {
            "path": "domains[0].terminals[1].apps[0].connects_to[0]",
            "message": "'zone-a' is a zone, not an edge or cloud app",
            "line": None,
        },
    ]
    await _assert_lab_untouched(client)


async def test_put_unparsable_yaml_is_a_400_with_its_line(client: httpx.AsyncClient) -> None:
    response = await client.put(
        f"{BASE}/scenario",
        content="name: x\ndomains: [\n  - a\n",
        headers={"content-type": "text/yaml"},
    )
    body = problem(response, 400)
    assert len(body["errors"]) == 1
    assert body["errors"][0]["path"] == ""
    assert body["errors"][0]["message"].startswith("invalid YAML: ")
    assert body["errors"][0]["line"] == 3
    await _assert_lab_untouched(client)


@pytest.mark.parametrize("media", ["text/plain", "application/xml", None])
async def test_put_scenario_other_media_is_415(
    client: httpx.AsyncClient, media: str | None
) -> None:
    headers = {"content-type": media} if media else {}
    response = await client.put(f"{BASE}/scenario", content=b"name: x", headers=headers)
    body = problem(response, 415)
    assert body["detail"] == "send the scenario as application/json or application/yaml"
    await _assert_lab_untouched(client)


# --- terminals ------------------------------------------------------------------------------


async def _terminal_names(client: httpx.AsyncClient, **params: Any) -> tuple[int, list[str]]:
    response = await client.get(f"{BASE}/terminals", params=params)
    assert response.status_code == 200, response.text
    page = response.json()
    return page["total"], [t["name"] for t in page["items"]]


async def test_terminals_filters(client: httpx.AsyncClient, runtime: Runtime) -> None:
    # ue-car goes over to zone b's 4G cell.
    await runtime.move_terminal("ue-car", 0.004, 0.0)
    assert await _terminal_names(client) == (3, ["ue-walk", "ue-car", "ue-far"])
    assert await _terminal_names(client, zone="zone-a") == (1, ["ue-walk"])
    assert await _terminal_names(client, zone="zone-b") == (1, ["ue-car"])
    assert await _terminal_names(client, poa="cell-a1") == (1, ["ue-walk"])
    assert await _terminal_names(client, poa="wifi-a2") == (0, [])
    assert await _terminal_names(client, domain="op") == (3, ["ue-walk", "ue-car", "ue-far"])
    assert await _terminal_names(client, connected="true") == (2, ["ue-walk", "ue-car"])
    assert await _terminal_names(client, connected="false") == (1, ["ue-far"])
    assert await _terminal_names(client, zone="zone-b", connected="false") == (0, [])


async def test_terminals_paging(client: httpx.AsyncClient) -> None:
    assert await _terminal_names(client, limit=2) == (3, ["ue-walk", "ue-car"])
    assert await _terminal_names(client, offset=1, limit=1) == (3, ["ue-car"])
    assert await _terminal_names(client, offset=2) == (3, ["ue-far"])
    assert await _terminal_names(client, offset=5) == (3, [])
    page = (await client.get(f"{BASE}/terminals", params={"offset": 1})).json()
    assert page["offset"] == 1
    body = problem(await client.get(f"{BASE}/terminals", params={"limit": 0}), 400)
    assert body["invalidParams"] == [
        {"name": "limit", "in": "query", "reason": "Input should be greater than or equal to 1"}
    ]
    body = problem(await client.get(f"{BASE}/terminals", params={"offset": -1}), 400)
    assert invalid_names(body) == ["offset"]


@pytest.mark.parametrize(
    ("param", "value", "detail"),
    [
        ("zone", "zone-z", "no zone named 'zone-z'"),
        ("poa", "cell-z", "no point of access named 'cell-z'"),
        ("domain", "op-z", "no domain named 'op-z'"),
    ],
)
async def test_terminals_unknown_filter_target_is_404(
    client: httpx.AsyncClient, param: str, value: str, detail: str
) -> None:
    body = problem(await client.get(f"{BASE}/terminals", params={param: value}), 404)
    assert body["detail"] == detail


async def test_terminal_on_its_path(client: httpx.AsyncClient, tick_to: TickTo) -> None:
    await tick_to(12.5)
    walk = (await client.get(f"{BASE}/terminals/ue-walk")).json()
    # 10 m/s north for 12.5 s from latitude -0.002.
    assert walk["position"][0] == pytest.approx(0.0, abs=1e-12)
    assert walk["position"][1] == pytest.approx(-0.002 + 125.0 / M_PER_DEG, abs=1e-12)
    assert walk["velocity_mps"] == 10.0
    assert (walk["poa"], walk["zone"], walk["radio"]) == ("cell-a1", "zone-a", "5G")
    assert walk["domain"] == "op"
    assert (walk["address"], walk["imsi"]) == ("acr:10.0.0.1", "001010000000001")
    assert walk["apps"] == ["ue-walk-app"]
    distance = 0.002 * M_PER_DEG - 125.0
    assert walk["signal_dbm"] == pytest.approx(signal(NR_1M_DBM, distance), abs=1e-9)

    car = (await client.get(f"{BASE}/terminals/ue-car")).json()
    # 20 m/s east along the equator for 12.5 s.
    assert car["position"][0] == pytest.approx(250.0 / M_PER_DEG, abs=1e-12)
    assert car["position"][1] == pytest.approx(0.0, abs=1e-12)
    assert car["velocity_mps"] == 20.0
    assert car["imsi"] is None


async def test_terminal_loops_back_along_its_path(
    client: httpx.AsyncClient, tick_to: TickTo
) -> None:
    length = 0.004 * M_PER_DEG  # one way; the loop goes back to the start
    await tick_to(30.0)  # 600 m travelled: past the far end and on the way back
    car = (await client.get(f"{BASE}/terminals/ue-car")).json()
    assert car["position"][0] == pytest.approx((2 * length - 600.0) / M_PER_DEG, abs=1e-12)
    await tick_to(2 * length / 20.0 + 5.0)  # once round, then 100 m again
    car = (await client.get(f"{BASE}/terminals/ue-car")).json()
    assert car["position"][0] == pytest.approx(100.0 / M_PER_DEG, abs=1e-12)


async def test_terminal_stopped_at_path_end_and_its_measurements(
    client: httpx.AsyncClient, tick_to: TickTo
) -> None:
    await tick_to(60.0)  # 600 m > 444.8 m: ue-walk stopped on the Wi-Fi AP
    walk = (await client.get(f"{BASE}/terminals/ue-walk")).json()
    assert walk["position"] == pytest.approx([0.0, 0.002], abs=1e-12)
    assert walk["velocity_mps"] == 0.0
    assert walk["poa"] == "cell-a1"  # 5G is preferred while it covers the spot
    to_a1 = 0.002 * M_PER_DEG
    to_b1 = math.hypot(0.004, 0.002) * M_PER_DEG  # within the 4G search reach (400 + 100 m)
    measured = walk["measurements"]
    # The serving cell first even though it is the weakest, then neighbours by signal.
    assert [m["poa"] for m in measured] == ["cell-a1", "wifi-a2", "cell-b1"]
    assert [m["radio"] for m in measured] == ["5G", "WIFI", "4G"]
    assert [m["serving"] for m in measured] == [True, False, False]
    assert [m["in_coverage"] for m in measured] == [True, True, False]
    assert [m["distance_m"] for m in measured] == pytest.approx([to_a1, 0.0, to_b1], abs=1e-6)
    expected = [signal(NR_1M_DBM, to_a1), signal(WIFI_1M_DBM, 0.0), signal(LTE_1M_DBM, to_b1)]
    assert [m["signal_dbm"] for m in measured] == pytest.approx(expected, abs=1e-9)
    assert measured[1]["rsrq_db"] is None
    assert measured[0]["rsrq_db"] is not None and measured[2]["rsrq_db"] is not None
    assert walk["signal_dbm"] == pytest.approx(expected[0], abs=1e-9)


async def test_terminal_out_of_coverage(client: httpx.AsyncClient) -> None:
    far = (await client.get(f"{BASE}/terminals/ue-far")).json()
    assert (far["poa"], far["zone"], far["radio"], far["signal_dbm"]) == (None, None, None, None)
    assert far["position"] == pytest.approx([0.010, 0.0], abs=1e-12)
    assert far["velocity_mps"] == 0.0
    assert far["measurements"] == []


async def test_unknown_terminal_is_404(client: httpx.AsyncClient) -> None:
    body = problem(await client.get(f"{BASE}/terminals/nobody"), 404)
    assert body["detail"] == "no terminal named 'nobody'"
    assert body["title"] == "Not Found"
    assert body["instance"] == f"{BASE_URL}{BASE}/terminals/nobody"


# --- PoAs, zones, nodes, apps, elements -----------------------------------------------------


async def test_poas(client: httpx.AsyncClient) -> None:
    poas = (await client.get(f"{BASE}/poas")).json()
    assert [p["name"] for p in poas] == ["cell-a1", "wifi-a2", "cell-b1"]
    a1, a2, b1 = poas
    assert a1 == {
        "name": "cell-a1",
        "type": "5G",
        "cell_id": "0x1",
        "bssid": None,
        "domain": "op",
        "zone": "zone-a",
        "position": [0.0, 0.0],
        "radius_m": 300.0,
        "tx_power_dbm": 40.0,
        "served_terminals": 2,
        "netchar": {
            "latency_ms": 5.0,
            "jitter_ms": 1.0,
            "jitter_distribution": "uniform",
            "loss_pct": 2.0,
            "throughput_dl_mbps": 300.0,
            "throughput_ul_mbps": 50.0,
        },
    }
    assert (a2["type"], a2["bssid"], a2["cell_id"], a2["tx_power_dbm"]) == (
        "WIFI",
        "02:00:00:00:00:a2",
        None,
        20.0,
    )
    assert a2["served_terminals"] == 0
    assert (b1["type"], b1["zone"], b1["tx_power_dbm"], b1["served_terminals"]) == (
        "4G",
        "zone-b",
        43.0,
        0,
    )
    assert (await client.get(f"{BASE}/poas/cell-b1")).json() == b1
    body = problem(await client.get(f"{BASE}/poas/cell-z"), 404)
    assert body["detail"] == "no point of access named 'cell-z'"


async def test_zones(client: httpx.AsyncClient) -> None:
    zones = (await client.get(f"{BASE}/zones")).json()
    assert [(z["name"], z["domain"], z["poas"], z["mec_hosts"], z["terminals"]) for z in zones] == [
        ("zone-a", "op", ["cell-a1", "wifi-a2"], ["mec-a"], ["ue-walk", "ue-car"]),
        ("zone-b", "op", ["cell-b1"], [], []),
    ]
    assert zones[1]["netchar"]["latency_ms"] == 4.0
    assert (await client.get(f"{BASE}/zones/zone-b")).json() == zones[1]
    assert problem(await client.get(f"{BASE}/zones/op"), 404)["detail"] == "no zone named 'op'"


async def test_nodes(client: httpx.AsyncClient) -> None:
    nodes = (await client.get(f"{BASE}/nodes")).json()
    assert [(n["name"], n["kind"], n["domain"], n["zone"], n["parent"]) for n in nodes] == [
        ("cloud-pub", "cloud", None, None, "lab"),
        ("mec-a", "mec_host", "op", "zone-a", "zone-a"),
    ]
    cloud, host = nodes
    assert cloud["position"] is None
    assert cloud["apps"] == ["cloud-app"]
    assert host["position"] == [0.0, 0.0005]
    assert host["apps"] == ["edge-app"]
    assert host["netchar"]["throughput_ul_mbps"] == 2000.0
    assert (host["platform_url"], host["api_root"]) == (f"{BASE_URL}/hosts/mec-a", "/hosts/mec-a")
    assert (cloud["platform_url"], cloud["api_root"]) == (None, None)  # no MEC platform there
    assert (await client.get(f"{BASE}/nodes/mec-a")).json() == host
    body = problem(await client.get(f"{BASE}/nodes/cell-a1"), 404)
    assert body["detail"] == "no compute node named 'cell-a1'"


async def test_apps(client: httpx.AsyncClient) -> None:
    apps = (await client.get(f"{BASE}/apps")).json()
    assert apps == [
        {
            "name": "cloud-app",
            "kind": "cloud",
            "state": None,  # a cloud app has no MEC platform
            "app_name": "cloud-app",
            "app_instance_id": str(uuid.uuid5(APP_NAMESPACE, "cloud-app")),
            "runs_on": "cloud-pub",
            "services_produced": [],
            "connects_to": [],
            "emulated": True,
            "endpoint": None,
        },
        {
            "name": "edge-app",
            "kind": "edge",
            "state": "READY",  # emulated by meclab: ready from the start
            "app_name": "edge-app",
            "app_instance_id": str(uuid.uuid5(APP_NAMESPACE, "edge-app")),
            "runs_on": "mec-a",
            "services_produced": ["edge-svc"],
            "connects_to": [],
            "emulated": True,
            "endpoint": None,
        },
        {
            "name": "ue-walk-app",
            "kind": "terminal",
            "state": None,
            "app_name": "ue-walk-app",
            "app_instance_id": None,
            "runs_on": "ue-walk",
            "services_produced": [],
            "connects_to": ["edge-app"],
            "emulated": True,
            "endpoint": None,
        },
    ]


@pytest.mark.parametrize(
    ("name", "kind", "parent", "latency_ms"),
    [
        ("lab", "deployment", None, 20.0),
        ("op", "domain", "lab", 6.0),
        ("zone-a", "zone", "op", 2.0),
        ("cell-b1", "poa", "zone-b", 10.0),
        ("mec-a", "mec_host", "zone-a", 0.5),
        ("cloud-pub", "cloud", "lab", 5.0),
        ("edge-app", "app", "mec-a", 1.0),
        ("ue-walk", "terminal", "op", 0.25),
        ("ue-walk-app", "terminal_app", "ue-walk", 0.5),
        ("ue-car", "terminal", "op", 0.0),
    ],
)
async def test_elements(
    client: httpx.AsyncClient, name: str, kind: str, parent: str | None, latency_ms: float
) -> None:
    element = (await client.get(f"{BASE}/elements/{name}")).json()
    assert (element["name"], element["kind"], element["parent"]) == (name, kind, parent)
    assert element["netchar"]["latency_ms"] == latency_ms


async def test_unknown_element_is_404(client: httpx.AsyncClient) -> None:
    body = problem(await client.get(f"{BASE}/elements/nowhere"), 404)
    assert body["detail"] == "no element named 'nowhere'"


# --- end-to-end network characteristics -----------------------------------------------------


async def _path(client: httpx.AsyncClient, source: str, destination: str) -> dict[str, Any]:
    response = await client.get(f"{BASE}/netchar", params={"from": source, "to": destination})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_path_to_an_edge_app_in_the_same_zone(client: httpx.AsyncClient) -> None:
    path = await _path(client, "ue-walk", "edge-app")
    # radio (terminal + its cell) up, the zone's metro across, host and app down.
    assert path["hops"] == ["ue-walk", "cell-a1", "zone-a", "mec-a", "edge-app"]
    assert path["latency_ms"] == pytest.approx(0.25 + 5.0 + 2.0 + 0.5 + 1.0)
    assert path["round_trip_ms"] == pytest.approx(2 * 8.75)
    assert path["jitter_ms"] == pytest.approx(1.0)
    assert path["jitter_distribution"] == "uniform"
    assert path["loss_pct"] == pytest.approx(lost(2.0, 1.0))
    # Forward: cell ul 50, zone across min(800, 1000), host dl 2000, app dl 200.
    assert path["throughput_mbps"] == 50.0
    # Reverse: app ul 100, host ul 2000, zone 800, cell dl 300.
    assert path["throughput_reverse_mbps"] == 100.0
    assert (path["source"], path["destination"]) == ("ue-walk", "edge-app")


async def test_path_to_the_public_cloud(client: httpx.AsyncClient) -> None:
    path = await _path(client, "ue-walk-app", "cloud-app")
    assert path["hops"] == [
        "ue-walk-app",
        "ue-walk",
        "cell-a1",
        "zone-a",
        "op",
        "lab",
        "cloud-pub",
        "cloud-app",
    ]
    assert path["latency_ms"] == pytest.approx(0.5 + 0.25 + 5.0 + 2.0 + 6.0 + 20.0 + 5.0 + 1.0)
    assert path["loss_pct"] == pytest.approx(lost(2.0, 1.0, 0.5))
    assert path["throughput_mbps"] == 50.0  # cell ul
    assert path["throughput_reverse_mbps"] == 300.0  # cell dl; zone dl 1000, core dl 10000


async def test_path_between_two_terminals_on_one_cell(client: httpx.AsyncClient) -> None:
    path = await _path(client, "ue-walk", "ue-car")
    assert path["hops"] == ["ue-walk", "cell-a1", "ue-car", "cell-a1"]  # the radio twice
    assert path["latency_ms"] == pytest.approx(0.25 + 5.0 + 0.0 + 5.0)
    assert path["jitter_ms"] == pytest.approx(2.0)
    assert path["loss_pct"] == pytest.approx(lost(2.0, 2.0))
    assert path["throughput_mbps"] == 50.0
    assert path["throughput_reverse_mbps"] == 50.0


async def test_path_across_zones_follows_the_serving_cell(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await runtime.move_terminal("ue-car", 0.004, 0.0)
    path = await _path(client, "ue-car", "edge-app")
    assert path["hops"] == ["ue-car", "cell-b1", "zone-b", "op", "zone-a", "mec-a", "edge-app"]
    assert path["latency_ms"] == pytest.approx(10.0 + 4.0 + 6.0 + 2.0 + 0.5 + 1.0)
    assert path["jitter_ms"] == pytest.approx(2.0)
    assert path["jitter_distribution"] == "normal"
    assert path["loss_pct"] == pytest.approx(lost(3.0, 0.5, 1.0))
    # Forward: cell ul 20 is the bottleneck; reverse: cell dl 100.
    assert (path["throughput_mbps"], path["throughput_reverse_mbps"]) == (20.0, 100.0)


async def test_path_errors(client: httpx.AsyncClient) -> None:
    body = problem(
        await client.get(f"{BASE}/netchar", params={"from": "ue-walk", "to": "ghost"}), 404
    )
    assert body["detail"] == "no element named 'ghost'"
    body = problem(
        await client.get(f"{BASE}/netchar", params={"from": "zone-a", "to": "ue-walk"}), 400
    )
    assert body["detail"] == "zone-a is a zone; endpoints are terminals, nodes, apps and PoAs"
    body = problem(
        await client.get(f"{BASE}/netchar", params={"from": "ue-far", "to": "edge-app"}), 409
    )
    assert body["detail"] == "no path now: ue-far is out of coverage"
    body = problem(await client.get(f"{BASE}/netchar", params={"from": "ue-walk"}), 400)
    assert invalid_names(body) == ["to"]
    assert body["invalidParams"][0]["in"] == "query"


# --- commands -------------------------------------------------------------------------------


async def _post(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{BASE}/events", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    assert response.headers["location"] == f"{BASE}/events/{result['event']['seq']}"
    return result


async def test_move_to_a_position_hands_over(client: httpx.AsyncClient, tick_to: TickTo) -> None:
    await tick_to(5.0)  # ue-car 100 m east, still on cell-a1
    response = await client.post(
        f"{BASE}/events", json={"type": "move", "ue": "ue-car", "to": {"lon": 0.004, "lat": 0.0}}
    )
    assert response.status_code == 201
    assert response.headers["location"] == f"{BASE}/events/6"
    result = response.json()
    assert result["event"] == {
        "seq": 6,
        "wall": 1_700_000_000.0,
        "type": "manual",
        "t": 5.0,
        "action": "move",
        "params": {"ue": "ue-car", "lon": 0.004, "lat": 0.0},
    }
    assert result["consequences"] == [
        {
            "seq": 7,
            "wall": 1_700_000_000.0,
            "type": "handover",
            "t": 5.0,
            "ue": "ue-car",
            "source": "cell-a1",
            "target": "cell-b1",
            "source_zone": "zone-a",
            "target_zone": "zone-b",
        },
        {
            "seq": 8,
            "wall": 1_700_000_000.0,
            "type": "zone_leave",
            "t": 5.0,
            "ue": "ue-car",
            "zone": "zone-a",
            "poa": "cell-a1",
        },
        {
            "seq": 9,
            "wall": 1_700_000_000.0,
            "type": "zone_enter",
            "t": 5.0,
            "ue": "ue-car",
            "zone": "zone-b",
            "poa": "cell-b1",
        },
    ]
    # The record behind the Location header is the same one.
    located = await client.get(response.headers["location"])
    assert located.status_code == 200
    assert located.json() == result["event"]
    car = (await client.get(f"{BASE}/terminals/ue-car")).json()
    assert car["position"] == pytest.approx([0.004, 0.0], abs=1e-12)
    assert (car["poa"], car["zone"], car["radio"], car["velocity_mps"]) == (
        "cell-b1",
        "zone-b",
        "4G",
        0.0,
    )
    await tick_to(50.0)  # held there: time passes, the terminal stays
    car = (await client.get(f"{BASE}/terminals/ue-car")).json()
    assert car["position"] == pytest.approx([0.004, 0.0], abs=1e-12)
    assert car["poa"] == "cell-b1"


async def test_move_to_a_poa_attaches_to_it(client: httpx.AsyncClient) -> None:
    result = await _post(client, {"type": "move", "ue": "ue-far", "poa": "wifi-a2"})
    assert result["event"]["params"] == {"ue": "ue-far", "poa": "wifi-a2"}
    assert kinds(result["consequences"]) == [
        ("connect", "ue-far", "wifi-a2"),
        ("zone_enter", "ue-far", "zone-a"),
    ]
    far = (await client.get(f"{BASE}/terminals/ue-far")).json()
    assert far["position"] == pytest.approx([0.0, 0.002], abs=1e-12)
    assert (far["poa"], far["radio"]) == ("wifi-a2", "WIFI")


async def test_move_to_a_poa_locks_the_terminal_to_it(
    client: httpx.AsyncClient, tick_to: TickTo
) -> None:
    # cell-a1 (5G, preferred) covers wifi-a2's spot too; the lock keeps the AP.
    result = await _post(client, {"type": "move", "ue": "ue-walk", "poa": "wifi-a2"})
    assert kinds(result["consequences"]) == [("handover", "ue-walk", "cell-a1", "wifi-a2")]
    await tick_to(30.0)
    walk = (await client.get(f"{BASE}/terminals/ue-walk")).json()
    assert walk["poa"] == "wifi-a2"
    assert walk["measurements"][0]["poa"] == "wifi-a2"
    assert walk["measurements"][0]["serving"] is True


async def test_move_refusals(client: httpx.AsyncClient) -> None:
    move = {"type": "move", "ue": "ue-far", "poa": "cell-a1"}
    body = problem(await client.post(f"{BASE}/events", json=move), 400)
    assert body["detail"] == "ue-far cannot use 5G (its radio_priority does not list it)"
    move = {"type": "move", "ue": "nobody", "poa": "cell-a1"}
    body = problem(await client.post(f"{BASE}/events", json=move), 404)
    assert body["detail"] == "no terminal named 'nobody'"
    body = problem(
        await client.post(f"{BASE}/events", json={"type": "move", "ue": "ue-car", "poa": "cell-z"}),
        404,
    )
    assert body["detail"] == "no point of access named 'cell-z'"
    body = problem(
        await client.post(
            f"{BASE}/events", json={"type": "move", "ue": "ue-car", "to": {"lon": 700, "lat": 0}}
        ),
        400,
    )
    assert body["invalidParams"] == [
        {"name": "to.lon", "in": "body", "reason": "Input should be less than or equal to 180"}
    ]
    body = problem(
        await client.post(
            f"{BASE}/events",
            json={"type": "move", "ue": "ue-car", "poa": "cell-a1", "to": {"lon": 0, "lat": 0}},
        ),
        400,
    )
    assert "give exactly one of 'to'" in body["detail"]
    assert (await client.get(f"{BASE}/events")).json()["last_seq"] == 5  # nothing recorded


async def test_netchar_change_changes_paths(client: httpx.AsyncClient) -> None:
    result = await _post(
        client, {"type": "netchar", "element": "zone-a", "netchar": {"latency_ms": 12.0}}
    )
    assert result["event"]["params"] == {"element": "zone-a", "latency_ms": 12.0}
    [change] = result["consequences"]
    assert change["type"] == "netchar_change"
    assert change["element"] == "zone-a"
    assert change["before"]["latency_ms"] == 2.0
    assert change["after"] == {**change["before"], "latency_ms": 12.0}
    assert change["after"]["loss_pct"] == 1.0  # fields left out keep their value
    element = (await client.get(f"{BASE}/elements/zone-a")).json()
    assert element["netchar"]["latency_ms"] == 12.0
    path = await _path(client, "ue-walk", "edge-app")
    assert path["latency_ms"] == pytest.approx(0.25 + 5.0 + 12.0 + 0.5 + 1.0)


async def test_netchar_unlimited_lifts_a_bottleneck(client: httpx.AsyncClient) -> None:
    await _post(
        client,
        {"type": "netchar", "element": "cell-a1", "netchar": {"unlimited": ["throughput_ul_mbps"]}},
    )
    path = await _path(client, "ue-walk", "edge-app")
    # Without the cell's 50 Mbps uplink: zone 800, host dl 2000, app dl 200.
    assert path["throughput_mbps"] == 200.0
    poa = (await client.get(f"{BASE}/poas/cell-a1")).json()
    assert poa["netchar"]["throughput_ul_mbps"] is None


async def test_netchar_bad_value_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{BASE}/events",
        json={"type": "netchar", "element": "zone-a", "netchar": {"latency_ms": -1}},
    )
    body = problem(response, 400)
    assert body["invalidParams"] == [
        {
            "name": "netchar.latency_ms",
            "in": "body",
            "reason": "Input should be greater than or equal to 0",
        }
    ]
    assert body["detail"] == (
        "body field 'netchar.latency_ms': Input should be greater than or equal to 0"
    )
    element = (await client.get(f"{BASE}/elements/zone-a")).json()
    assert element["netchar"]["latency_ms"] == 2.0


async def test_speed_bad_value_names_the_field(client: httpx.AsyncClient) -> None:
    body = problem(await client.post(f"{BASE}/events", json={"type": "speed", "speed": 0}), 400)
    assert invalid_names(body) == ["speed"]


async def test_netchar_refusals(client: httpx.AsyncClient) -> None:
    body = problem(
        await client.post(
            f"{BASE}/events",
            json={"type": "netchar", "element": "nowhere", "netchar": {"latency_ms": 1}},
        ),
        404,
    )
    assert body["detail"] == "no element named 'nowhere'"
    body = problem(
        await client.post(
            f"{BASE}/events",
            json={
                "type": "netchar",
                "element": "zone-a",
                "netchar": {"throughput_ul_mbps": 5, "unlimited": ["throughput_ul_mbps"]},
            },
        ),
        400,
    )
    assert body["detail"] == "throughput_ul_mbps is both set and listed as unlimited"
    body = problem(
        await client.post(
            f"{BASE}/events",
            json={"type": "netchar", "element": "zone-a", "netchar": {"latency": 1}},
        ),
        400,
    )
    assert [p["reason"] for p in body["invalidParams"]] == ["unknown field"]
    assert (await client.get(f"{BASE}/events")).json()["last_seq"] == 5


async def test_pause_resume_speed(
    client: httpx.AsyncClient, runtime: Runtime, fake_time: SettableTime, tick_to: TickTo
) -> None:
    await tick_to(10.0)
    result = await _post(client, {"type": "pause"})
    assert result["event"]["action"] == "pause"
    assert result["event"]["t"] == 10.0
    assert result["consequences"] == []
    world = (await client.get(f"{BASE}/world")).json()
    assert world["paused"] is True

    await tick_to(20.0)  # 10 real seconds pass; simulation time does not
    assert (await client.get(f"{BASE}/world")).json()["time_s"] == 10.0

    fake_time.now = 25.0
    await _post(client, {"type": "resume"})
    await tick_to(30.0)  # 5 s since resuming
    world = (await client.get(f"{BASE}/world")).json()
    assert (world["paused"], world["time_s"]) == (False, 15.0)

    result = await _post(client, {"type": "speed", "speed": 4})
    assert result["event"]["params"] == {"speed": 4.0}
    await tick_to(32.5)  # 2.5 real seconds at x4
    world = (await client.get(f"{BASE}/world")).json()
    assert (world["speed"], world["time_s"]) == (4.0, 25.0)
    walk = (await client.get(f"{BASE}/terminals/ue-walk")).json()
    assert walk["position"][1] == pytest.approx(-0.002 + 250.0 / M_PER_DEG, abs=1e-12)
    saved = await runtime.store.get("runtime", "clock")
    assert saved is not None and (saved["speed"], saved["paused"]) == (4.0, False)


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"type": "netchar"}, ["element", "netchar"]),
        ({"type": "move"}, ["ue"]),
        ({"type": "speed"}, ["speed"]),
    ],
)
async def test_missing_fields_are_named(
    client: httpx.AsyncClient, body: dict[str, Any], missing: list[str]
) -> None:
    problem_body = problem(await client.post(f"{BASE}/events", json=body), 400)
    assert problem_body["invalidParams"] == [
        {"name": name, "in": "body", "reason": "Field required"} for name in missing
    ]
    assert problem_body["detail"] == "; ".join(
        f"body field '{name}': Field required" for name in missing
    )


async def test_unknown_or_missing_type_is_400(client: httpx.AsyncClient) -> None:
    body = problem(await client.post(f"{BASE}/events", json={"type": "explode"}), 400)
    assert "'explode'" in body["detail"]
    body = problem(await client.post(f"{BASE}/events", json={"ue": "ue-car"}), 400)
    assert "'type'" in body["detail"]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{BASE}/events", content=b'{"type": ', headers={"content-type": "application/json"}
    )
    body = problem(response, 400)
    assert body["invalidParams"] == [
        {"name": "", "in": "body", "reason": "malformed JSON: Expecting value"}
    ]


# --- history ----------------------------------------------------------------------------------


async def _history(runtime: Runtime, tick_to: TickTo) -> None:
    """Seq 1-5 at t=0 (START); 6-9 a move at t=12.5; 10-11 a netchar change at t=20."""
    await tick_to(12.5)
    await runtime.move_terminal("ue-car", 0.004, 0.0)
    await tick_to(20.0)
    await runtime.set_netchar("zone-a", {"latency_ms": 3.0})


async def _events(client: httpx.AsyncClient, params: Any) -> list[int]:
    response = await client.get(f"{BASE}/events", params=params)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["last_seq"] == 11
    return seqs(page["items"])


async def test_event_history_filters(
    client: httpx.AsyncClient, runtime: Runtime, tick_to: TickTo
) -> None:
    await _history(runtime, tick_to)
    page = (await client.get(f"{BASE}/events")).json()
    assert seqs(page["items"]) == list(range(1, 12))
    assert kinds(page["items"][:5]) == START
    assert kinds(page["items"][5:]) == [
        ("manual", "move"),
        ("handover", "ue-car", "cell-a1", "cell-b1"),
        ("zone_leave", "ue-car", "zone-a"),
        ("zone_enter", "ue-car", "zone-b"),
        ("manual", "netchar"),
        ("netchar_change", "zone-a"),
    ]
    assert await _events(client, [("type", "connect"), ("type", "handover")]) == [2, 4, 7]
    assert await _events(client, {"type": "zone_enter", "after": 3}) == [5, 9]
    assert await _events(client, {"subject": "ue-walk"}) == [2, 3]
    assert await _events(client, {"after": 8}) == [9, 10, 11]
    assert await _events(client, {"since_t": 12.5, "until_t": 12.5}) == [6, 7, 8, 9]
    assert await _events(client, {"since_t": 13}) == [10, 11]
    assert await _events(client, {"until_t": 0}) == [1, 2, 3, 4, 5]
    assert await _events(client, {"limit": 2}) == [1, 2]
    assert await _events(client, {"newest_first": "true", "limit": 3}) == [11, 10, 9]
    assert await _events(client, {"type": "handover", "newest_first": "true"}) == [7]
    assert await _events(client, {"type": "disconnect"}) == []


async def test_event_history_subject_includes_operator_commands(
    client: httpx.AsyncClient, runtime: Runtime, tick_to: TickTo
) -> None:
    """An operator's move of ue-car, or netchar change of zone-a, is about that element."""
    await _history(runtime, tick_to)
    assert await _events(client, {"subject": "ue-car"}) == [4, 5, 6, 7, 8, 9]
    assert await _events(client, {"subject": "zone-a"}) == [10, 11]


async def test_event_history_rejects_unknown_and_bad_parameters(
    client: httpx.AsyncClient,
) -> None:
    body = problem(await client.get(f"{BASE}/events", params={"zone": "zone-a", "ue": "x"}), 400)
    assert body["invalidParams"] == [
        {"name": "ue", "in": "query", "reason": "unknown parameter"},
        {"name": "zone", "in": "query", "reason": "unknown parameter"},
    ]
    assert body["detail"].startswith("unknown query parameter(s): ue, zone (this resource takes: ")
    body = problem(await client.get(f"{BASE}/events", params={"limit": 0}), 400)
    assert invalid_names(body) == ["limit"]
    body = problem(await client.get(f"{BASE}/events", params={"limit": 10_001}), 400)
    assert invalid_names(body) == ["limit"]
    body = problem(await client.get(f"{BASE}/events", params={"after": "x"}), 400)
    assert invalid_names(body) == ["after"]
    body = problem(await client.get(f"{BASE}/poas", params={"zone": "zone-a"}), 400)
    assert invalid_names(body) == ["zone"]


async def test_one_event(client: httpx.AsyncClient) -> None:
    record = (await client.get(f"{BASE}/events/2")).json()
    assert record == {
        "seq": 2,
        "wall": 1_700_000_000.0,
        "type": "connect",
        "t": 0.0,
        "ue": "ue-walk",
        "poa": "cell-a1",
        "zone": "zone-a",
    }
    body = problem(await client.get(f"{BASE}/events/6"), 404)
    assert body["detail"] == "no event with seq 6 in the history"
    problem(await client.get(f"{BASE}/events/0"), 404)


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    body = problem(await client.get(f"{BASE}/nope"), 404)
    assert body["detail"] == f"no resource at {BASE}/nope"
    assert body["instance"] == f"{BASE_URL}{BASE}/nope"
    body = problem(await client.get("/elsewhere"), 404)
    assert body["detail"] == "no resource at /elsewhere"


async def test_sequence_numbers_beyond_sqlite_integers_are_client_errors(
    client: httpx.AsyncClient,
) -> None:
    """Seqs are SQLite INTEGERs (at most 2**63 - 1); a bigger one is the client's mistake."""
    huge = 2**64
    body = problem(await client.get(f"{BASE}/events/{huge}"), 404)
    assert body["detail"] == f"no event with seq {huge} in the history"
    body = problem(await client.get(f"{BASE}/events", params={"after": huge}), 400)
    assert invalid_names(body) == ["after"]


@pytest.mark.parametrize("path", ["/events", "/events/stream"])
async def test_unknown_event_type_is_refused_naming_the_valid_ones(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(f"{BASE}{path}", params={"type": ["handover", "handvoer"]})
    body = problem(response, 400)
    assert "type" in body["detail"]
    for kind in ("handover", "connect", "disconnect", "zone_enter", "manual"):
        assert f"'{kind}'" in body["detail"]
