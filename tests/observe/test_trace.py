"""The sequence diagram's trace (meclab/observe/trace.py, calls.py, feeds.py, trace_routes.py):
the ring and its filters, what each feed records, the routes and their errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from helpers import nothing_pending, problem, serve
from receiver import Receiver
from secured import Tokens

from meclab.bus.memory import MemoryBus
from meclab.observe.trace import Trace, TraceKind, TraceRecord
from meclab.platform.subscription import Subscription
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.security.authority import Authority
from meclab.store.sqlite import SqliteStore

RAB = "/rni/v2/queries/rab_info"
AS = "/mec_app_support/v1"


@pytest.fixture
async def lab(runtime: Runtime) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with serve(runtime) as (app, http):
        yield app, http


def traced(app: FastAPI, kind: TraceKind, since: int = 0) -> list[TraceRecord]:
    trace: Trace = app.state.trace
    return [r for r in trace.read(since) if r.kind is kind]


# --- the ring -------------------------------------------------------------------------------


def test_the_ring_keeps_the_newest_and_reads_after_a_seq() -> None:
    trace = Trace(capacity=3, wall=lambda: 5.0, world_time=lambda: 1.5)
    assert trace.last_seq == 0 and trace.read() == []
    for n in range(5):
        trace.add(TraceKind.API, "client", "mep:m", f"call {n}")
    assert trace.last_seq == 5
    assert [r.label for r in trace.read()] == ["call 2", "call 3", "call 4"]
    assert [r.seq for r in trace.read(3)] == [4, 5]
    assert [r.seq for r in trace.read(0, limit=2)] == [4, 5]  # the newest of them
    assert trace.read(5) == [] and trace.read(99) == []
    first = trace.read()[0]
    assert (first.wall, first.t) == (5.0, 1.5)
    assert trace.add(TraceKind.HANDOVER, "cell:a", "cell:b", "h", t=9.0).t == 9.0
    with pytest.raises(ValueError, match="at least one"):
        Trace(capacity=0)


def test_filters_by_terminal_and_by_app_as_record_or_either_end() -> None:
    trace = Trace()
    trace.add(TraceKind.HANDOVER, "cell:a", "cell:b", "handover ue1", ue="ue1")
    trace.add(TraceKind.HANDOVER, "cell:b", "cell:a", "handover ue2", ue="ue2")
    trace.add(TraceKind.API, "app:edge", "mep:m", "GET /x", app="edge")
    trace.add(TraceKind.NOTIFICATION, "mep:m", "app:edge", "N")  # no app field: its end
    trace.add(TraceKind.API, "client", "mep:m", "GET /y", app="other")
    trace.add(TraceKind.RELOCATION, "app:edge", "app:edge2", "moving", app="edge", ue="ue1")
    assert [r.label for r in trace.read(ue="ue1")] == ["handover ue1", "moving"]
    assert [r.label for r in trace.read(app="edge")] == ["GET /x", "N", "moving"]
    assert [r.label for r in trace.read(app="edge2")] == ["moving"]
    assert [r.label for r in trace.read(app="edge", ue="ue1")] == ["moving"]
    assert [r.label for r in trace.read(2, app="edge", limit=1)] == ["moving"]
    assert trace.read(app="nobody") == []


async def test_a_waiter_wakes_on_the_next_record_or_times_out() -> None:
    trace = Trace()
    assert await trace.wait(0, 0.01) is False
    waiting = asyncio.create_task(trace.wait(0, 5.0))
    await asyncio.sleep(0)
    trace.add(TraceKind.API, "client", "mep:m", "GET /x")
    assert await waiting is True
    assert await trace.wait(0, 5.0) is True  # already newer: at once


# --- the feeds ------------------------------------------------------------------------------


async def test_api_calls_name_caller_platform_route_and_status(
    lab: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = lab
    edge = app.state.platforms.app_named("edge-app").app_instance_id
    assert (await http.get(RAB)).status_code == 200
    assert (await http.get(f"/hosts/mec-a{RAB}")).status_code == 200
    assert (await http.get("/hosts/nowhere/rni/v2/queries/rab_info")).status_code == 404
    assert (await http.get("/rni/v2/subscriptions/nope")).status_code == 404
    assert (await http.get(f"{AS}/applications/{edge}/traffic_rules")).status_code == 200
    # neither the control API (the dashboard's polls) nor the dashboard's assets
    assert (await http.get("/meclab/v1/terminals")).status_code == 200
    assert (await http.get("/ui/dashboard.js")).status_code == 200
    calls = traced(app, TraceKind.API)
    assert [(r.source, r.target, r.label, r.status, r.ok) for r in calls] == [
        ("client", "mep:mec-a", f"GET {RAB}", "200", True),
        ("client", "mep:mec-a", f"GET {RAB}", "200", True),
        ("client", "mep:nowhere", f"GET {RAB}", "404", False),
        ("client", "mep:mec-a", "GET /rni/v2/subscriptions/{subscriptionId}", "404", False),
        (
            "app:edge-app",
            "mep:mec-a",
            f"GET {AS}/applications/{{appInstanceId}}/traffic_rules",
            "200",
            True,
        ),
    ]
    assert calls[1].detail["path"] == f"/hosts/mec-a{RAB}"
    assert calls[3].detail["path"] == "/rni/v2/subscriptions/nope"
    assert calls[4].app == "edge-app" and calls[4].host == "mec-a"
    assert calls[0].detail["api"] == "rni" and calls[0].detail["duration_ms"] >= 0


async def test_an_instance_terminated_is_a_lifecycle_step(
    lab: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = lab
    command = {"type": "terminate", "app": "edge-app", "graceful_timeout_s": 0}
    assert (await http.post("/meclab/v1/events", json=command)).status_code == 201
    steps = traced(app, TraceKind.LIFECYCLE)
    assert (steps[0].source, steps[0].target, steps[0].label, steps[0].status) == (
        "mep:mec-a",
        "app:edge-app",
        "terminate",
        "TERMINATING",
    )


async def test_the_system_apis_are_the_systems(lab: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = lab
    assert (await http.get("/app_lcm/v1/app_instances")).status_code == 200
    (call,) = traced(app, TraceKind.API)
    assert (call.target, call.host, call.label) == ("system", None, "GET /app_lcm/v1/app_instances")


async def test_a_notification_attempt_goes_from_the_host_to_the_owner(
    lab: tuple[FastAPI, httpx.AsyncClient], receiver: Receiver
) -> None:
    app, _ = lab
    platforms = app.state.platforms
    edge = platforms.app_named("edge-app").app_instance_id
    sub = Subscription(
        id="s1",
        host="mec-a",
        api="test_api",
        type="TestSubscription",
        body={},
        href="http://meclab.test/subs/s1",
        owner=edge,
        callback=receiver.url("/cb"),
    )
    platforms.notifier.send(sub, {"notificationType": "TestNotification"})
    await receiver.wait_for(1)
    await nothing_pending(platforms.notifier)
    (note,) = traced(app, TraceKind.NOTIFICATION)
    assert (note.source, note.target, note.label, note.status, note.ok) == (
        "mep:mec-a",
        "app:edge-app",
        "TestNotification",
        "delivered",
        True,
    )
    assert note.app == "edge-app" and note.detail["subscription"] == "s1"
    assert note.detail["to"] == receiver.url("/cb") and note.detail["latency_ms"] > 0


async def test_a_handover_goes_from_cell_to_cell(
    lab: tuple[FastAPI, httpx.AsyncClient], runtime: Runtime
) -> None:
    app, http = lab
    assert runtime.world.serving_poa("ue-car") == "cell-a1"
    moved = await http.post(
        "/meclab/v1/events", json={"type": "move", "ue": "ue-car", "poa": "cell-b1"}
    )
    assert moved.status_code == 201, moved.text
    (handover,) = traced(app, TraceKind.HANDOVER)
    assert (handover.source, handover.target, handover.ue) == (
        "cell:cell-a1",
        "cell:cell-b1",
        "ue-car",
    )
    assert handover.t == runtime.world.state.t
    zones = traced(app, TraceKind.ZONE)
    assert {(r.source, r.target, r.label) for r in zones} == {
        ("ue:ue-car", "zone:zone-a", "leave zone"),
        ("ue:ue-car", "zone:zone-b", "enter zone"),
    }


# --- the routes -----------------------------------------------------------------------------


async def test_the_route_filters_and_pages(lab: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, http = lab
    trace: Trace = app.state.trace
    trace.add(TraceKind.HANDOVER, "cell:a", "cell:b", "handover ue1", ue="ue1")
    trace.add(TraceKind.API, "app:edge", "mep:m", "GET /x", app="edge")
    response = await http.get("/meclab/v1/trace", params={"ue": "ue1"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert [item["label"] for item in body["items"]] == ["handover ue1"]
    assert body["items"][0]["kind"] == "handover"
    assert body["last_seq"] == trace.last_seq and body["capacity"] == trace.capacity
    since = body["items"][0]["seq"]
    after = (await http.get("/meclab/v1/trace", params={"since": since, "app": "edge"})).json()
    assert [item["label"] for item in after["items"]] == ["GET /x"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "-1"}, "since"),
        ({"since": "x"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5001"}, "limit"),
        ({"app": ""}, "app"),
        ({"ue": ""}, "ue"),
    ],
)
async def test_bad_parameters_are_problems_naming_them(
    lab: tuple[FastAPI, httpx.AsyncClient], params: dict[str, str], field: str
) -> None:
    _, http = lab
    body = problem(await http.get("/meclab/v1/trace", params=params), 400)
    assert field in str(body)


async def test_a_stream_with_a_bad_last_event_id_is_a_problem(
    lab: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, http = lab
    response = await http.get("/meclab/v1/trace/stream", headers={"Last-Event-ID": "abc"})
    assert "Last-Event-ID" in problem(response, 400)["detail"]


async def test_in_secure_mode_the_caller_is_the_tokens_client(tmp_path: Path, lab_doc: Any) -> None:
    store = SqliteStore(tmp_path / "meclab.sqlite")
    runtime = Runtime(store, MemoryBus())
    await runtime.open(Scenario.model_validate(lab_doc))
    authority = Authority(tmp_path / "security")
    try:
        async with serve(runtime, security=authority) as (app, client):
            tokens = Tokens(client, authority)
            services = "/mec_service_mgmt/v1/services"
            assert (
                await client.get(services, headers=await tokens.app("edge-app"))
            ).status_code == 200
            assert (await client.get(services, headers=await tokens.operator())).status_code == 200
            assert (await client.get(services)).status_code == 401  # refused calls too
            calls = [r for r in traced(app, TraceKind.API) if r.label == f"GET {services}"]
            assert [(r.source, r.app, r.status) for r in calls] == [
                ("app:edge-app", "edge-app", "200"),
                ("operator", None, "200"),
                ("client", None, "401"),
            ]
            # the trace is the operator's, as the control API
            assert (await client.get("/meclab/v1/trace")).status_code == 401
            assert (
                await client.get("/meclab/v1/trace", headers=await tokens.operator())
            ).status_code == 200
    finally:
        await runtime.stop()
        await store.close()
