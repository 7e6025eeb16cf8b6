"""MTS sessions enforced by the relay, with real relayed flows (MEC 015 through the data plane).

The dp world gains a Wi-Fi AP beside cell-a and a terminal, ue-m, that uses 4G and Wi-Fi at
once (``multi_access``); it prefers 4G, so cell-a serves it and default routing goes there::

    ue-m ─┬─ cell-a  4G    5 ms, uplink  8 Mbit/s ─┐
          └─ wifi-a  WIFI  1 ms, uplink 32 Mbit/s ─┴─ zone-a ─ mec-a (1 ms) ─ edge-a (echo)

One-way ue-m → edge-a: 6 ms over cell-a, 2 ms over wifi-a. Sessions are made through the MTS
service (its port the data plane's steering), as a POST would make them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from helpers import BASE_URL, until

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.dataplane import DataPlane
from meclab.dataplane.flows import Flow
from meclab.dataplane.shaping.loss import TCP_RTO_MIN_S
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.services.mts.models import MtsMode, MtsSessionInfo
from meclab.services.mts.service import Mts
from meclab.services.mts.sessions import MtsSession
from meclab.store.sqlite import SqliteStore

from .conftest import (
    CELL_A,
    Env,
    check_rtt,
    close,
    dp_document,
    round_trips,
    socks_connect,
    start_env,
    stop_env,
)
from .test_shared_capacity import Loop, rates_mbps

CELL_MS, WIFI_MS, MEC_MS = 5.0, 1.0, 1.0
CELL_MBPS, WIFI_MBPS = 8.0, 32.0
VIA_CELL_S = 2 * (CELL_MS + MEC_MS) / 1000
VIA_WIFI_S = 2 * (WIFI_MS + MEC_MS) / 1000
ECHO_PORT = 7
BEYOND_WIFI = (CELL_A[0] + 0.00225, CELL_A[1])
"""About 250 m east of both: outside wifi-a's 200 m, inside cell-a's 300 m."""


def steering_document(echo: tuple[str, int]) -> dict[str, Any]:
    document = dp_document(echo)
    operator = document["domains"][0]
    zone_a = operator["zones"][0]
    zone_a["mec_hosts"][0]["apps"][0]["endpoint"] = f"{echo[0]}:{echo[1]}"  # edge-a echoes
    cell_a = zone_a["poas"][0]
    cell_a["netchar"] = {"latency_ms": CELL_MS, "throughput_ul_mbps": CELL_MBPS}
    zone_a["poas"].append(
        {
            "name": "wifi-a",
            "type": "WIFI",
            "bssid": "02:00:00:00:00:0a",
            "position": list(CELL_A),
            "radius_m": 200.0,
            "netchar": {"latency_ms": WIFI_MS, "throughput_ul_mbps": WIFI_MBPS},
        }
    )
    operator["terminals"].append(
        {
            "name": "ue-m",
            "address": "acr:10.0.0.7",
            "path": [list(CELL_A)],
            "radio_priority": ["4G", "WIFI"],
            "multi_access": ["4G", "WIFI"],
        }
    )
    return document


class Steered:
    """The dp world with ue-m, and the MTS service whose port is the data plane's steering."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.mts = Mts(env.platforms, env.runtime)
        self.mts.port = env.plane.steering
        (self.edge,) = [a for a in env.platforms.apps.values() if a.name == "edge-a"]

    async def session(self, mode: MtsMode, **body: Any) -> MtsSession:
        info = MtsSessionInfo.model_validate(
            {
                "appInsId": self.edge.app_instance_id,
                "requestType": 0,
                "flowFilter": [],
                "qosD": {},
                "mtsMode": int(mode),
                "trafficDirection": "10",
                **body,
            }
        )
        return await self.mts.keep(self.edge.host, info, self.edge)

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await socks_connect(self.env.socks, "ue-m", "edge-a", ECHO_PORT)

    def flow(self) -> Flow:
        (flow,) = self.env.plane.registry.of_ue("ue-m")
        return flow


@pytest.fixture
async def steered(tmp_path: Path, echo: tuple[str, int]) -> AsyncIterator[Steered]:
    started = await start_env(tmp_path, steering_document(echo))
    started.runtime.start()
    try:
        yield Steered(started)
    finally:
        await stop_env(started)


def rtts(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Any:
    return lambda n: round_trips(reader, writer, n)


async def test_the_world_gives_ue_m_both_accesses(steered: Steered) -> None:
    world = steered.env.runtime.world
    assert world.serving_poa("ue-m") == "cell-a"
    assert world.accesses("ue-m") == ["cell-a", "wifi-a"]


async def test_low_latency_takes_the_faster_access_and_switches_when_it_degrades(
    steered: Steered,
) -> None:
    reader, writer = await steered.connect()
    await check_rtt(rtts(reader, writer), VIA_CELL_S)  # default: the serving PoA
    session = await steered.session(MtsMode.LOW_LATENCY)
    flow = steered.flow()
    assert flow.steer is not None and flow.steer.poas == ("wifi-a",)
    await check_rtt(rtts(reader, writer), VIA_WIFI_S)
    row = next(r for r in steered.env.plane.flows() if r["id"] == flow.id)
    assert row["steering"]["session_id"] == session.id
    assert row["steering"]["poas"] == ["wifi-a"] and "wifi-a" in row["hops"]

    slower_ms = CELL_MS + 10.0
    await steered.env.runtime.set_netchar("wifi-a", {"latency_ms": slower_ms})
    assert flow.steer.poas == ("cell-a",)  # within the event's handling
    await check_rtt(rtts(reader, writer), VIA_CELL_S)  # the same TCP connection, open
    assert steered.flow() is flow
    await close(writer)


async def test_high_throughput_takes_the_access_with_more_throughput(steered: Steered) -> None:
    # Wi-Fi made the slower in latency: only its throughput can make it the choice
    await steered.env.runtime.set_netchar("wifi-a", {"latency_ms": CELL_MS + 10.0})
    reader, writer = await steered.connect()
    loop = Loop(reader, writer)
    await until(lambda: bool(steered.env.plane.registry.of_ue("ue-m")), "the flow to open")
    (default,) = await rates_mbps([loop])
    assert default == pytest.approx(CELL_MBPS, rel=0.05)
    await steered.session(MtsMode.HIGH_THROUGHPUT, trafficDirection="01")
    flow = steered.flow()
    assert flow.steer is not None and flow.steer.poas == ("wifi-a",)
    (measured,) = await rates_mbps([loop])
    assert measured == pytest.approx(WIFI_MBPS, rel=0.05)
    capacity = steered.env.plane.switch.capacity  # type: ignore[union-attr]
    assert capacity.load("wifi-a")["up"]["flows"] == 1  # its claim moved with it
    assert capacity.load("cell-a")["up"]["flows"] == 0
    await loop.stop()


async def test_redundancy_survives_the_loss_of_one_access_without_a_gap(steered: Steered) -> None:
    reader, writer = await steered.connect()
    session = await steered.session(MtsMode.REDUNDANCY)
    flow = steered.flow()
    assert flow.steer is not None and set(flow.steer.poas) == {"cell-a", "wifi-a"}
    await check_rtt(rtts(reader, writer), VIA_WIFI_S)  # the first copy is Wi-Fi's

    await steered.env.runtime.set_netchar("wifi-a", {"loss_pct": 100.0})
    assert set(flow.steer.poas) == {"cell-a", "wifi-a"}  # both still carry every byte
    started = time.monotonic()
    samples = await round_trips(reader, writer, 40)
    elapsed = time.monotonic() - started
    # every byte came over cell-a: no retransmission stall (one RTO would be 200 ms)
    await check_rtt(rtts(reader, writer), VIA_CELL_S)
    assert max(samples) < VIA_CELL_S + 0.060, samples
    assert elapsed < 40 * (VIA_CELL_S + 0.030)

    # the control: LOW_LATENCY keeps to the lossy Wi-Fi alone, and every piece waits an RTO
    await steered.session(MtsMode.LOW_LATENCY, sessionId=session.id)
    assert flow.steer.poas == ("wifi-a",)
    (stalled,) = await round_trips(reader, writer, 1)
    assert stalled >= TCP_RTO_MIN_S, stalled
    await close(writer)


async def test_redundancy_rides_out_an_access_lost_from_coverage(steered: Steered) -> None:
    reader, writer = await steered.connect()
    await steered.session(MtsMode.REDUNDANCY)
    flow = steered.flow()
    samples: list[float] = []
    stop = asyncio.Event()

    async def keep_echoing() -> None:
        while not stop.is_set():
            samples.extend(await round_trips(reader, writer, 1))

    echoing = asyncio.create_task(keep_echoing())
    await asyncio.sleep(0.2)
    await steered.env.move("ue-m", BEYOND_WIFI)  # out of wifi-a's 200 m, within cell-a's 300
    assert steered.env.runtime.world.accesses("ue-m") == ["cell-a"]
    # cell-a still serves: no engine event, the next tick re-decides
    await until(lambda: flow.steer is not None and flow.steer.poas == ("cell-a",), "cell-a alone")
    await asyncio.sleep(0.3)
    stop.set()
    await echoing
    assert len(samples) > 10
    assert max(samples) < VIA_CELL_S + 0.060, samples  # no stall at the loss of the access
    assert steered.flow() is flow
    await close(writer)


async def test_release_restores_default_routing(steered: Steered) -> None:
    reader, writer = await steered.connect()
    session = await steered.session(MtsMode.LOW_LATENCY)
    await check_rtt(rtts(reader, writer), VIA_WIFI_S)
    await steered.mts.end(session)
    flow = steered.flow()
    assert flow.steer is None and flow.copies == ()
    assert flow.path is not None and "cell-a" in flow.path.hops
    await check_rtt(rtts(reader, writer), VIA_CELL_S)
    row = next(r for r in steered.env.plane.flows() if r["id"] == flow.id)
    assert row["steering"] is None
    await close(writer)


async def test_a_flow_filter_steers_only_the_flows_it_names(steered: Steered) -> None:
    await steered.session(
        MtsMode.LOW_LATENCY, requestType=1, flowFilter=[{"sourceIp": "10.0.0.7", "protocol": 17}]
    )
    reader, writer = await steered.connect()  # TCP: the UDP filter does not name it
    assert steered.flow().steer is None
    await check_rtt(rtts(reader, writer), VIA_CELL_S)
    await close(writer)


async def test_a_session_steers_flows_opened_after_it(steered: Steered) -> None:
    await steered.session(
        MtsMode.LOW_LATENCY, requestType=1, flowFilter=[{"sourceIp": "10.0.0.0/24", "protocol": 6}]
    )
    reader, writer = await steered.connect()
    flow = steered.flow()
    assert flow.steer is not None and flow.steer.poas == ("wifi-a",)
    await check_rtt(rtts(reader, writer), VIA_WIFI_S)
    await close(writer)


@contextlib.asynccontextmanager
async def _app_with_plane(
    store_path: Path, scenario: Scenario | None
) -> AsyncIterator[tuple[FastAPI, DataPlane, httpx.AsyncClient]]:
    """meclab as ``meclab up`` assembles it (the data plane given to create_app), over a
    SQLite file (``scenario`` None resumes it)."""
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(scenario)
    plane = DataPlane(socks_port=0, dns_port=None, toxiproxy_port=0)
    app = create_app(runtime, tick=False, base_url=BASE_URL, dataplane=plane)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http,
        ):
            yield app, plane, http
    finally:
        await runtime.stop()
        await store.close()


async def _steered_poas(plane: DataPlane) -> tuple[str, ...] | None:
    host, _, port = (plane.entry_points().socks5 or "").rpartition(":")
    reader, writer = await socks_connect((host, int(port)), "ue-m", "edge-a", ECHO_PORT)
    await round_trips(reader, writer, 1)
    (flow,) = plane.registry.of_ue("ue-m")
    poas = flow.steer.poas if flow.steer is not None else None
    await close(writer)
    return poas


async def test_the_app_wires_the_steering_and_resume_applies_stored_sessions(
    tmp_path: Path, echo: tuple[str, int]
) -> None:
    store_path = tmp_path / "meclab.sqlite"
    scenario = Scenario.model_validate(steering_document(echo))
    async with _app_with_plane(store_path, scenario) as (app, plane, http):
        assert app.state.services["mts"].port is plane.steering
        edge = next(a for a in app.state.platforms.apps.values() if a.name == "edge-a")
        body = {
            "appInsId": edge.app_instance_id,
            "requestType": 0,
            "flowFilter": [],
            "qosD": {},
            "mtsMode": int(MtsMode.LOW_LATENCY),
            "trafficDirection": "10",
        }
        created = await http.post(f"/hosts/{edge.host}/mts/v1/mts_sessions", json=body)
        assert created.status_code == 201, created.text
        assert await _steered_poas(plane) == ("wifi-a",)
    async with _app_with_plane(store_path, None) as (app, plane, http):  # resumed
        assert [s.id for s in plane.steering.sessions] == [created.json()["sessionId"]]
        assert await _steered_poas(plane) == ("wifi-a",)
