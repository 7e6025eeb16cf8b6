"""Flows an edge or cloud application sends through SOCKS5 (meclab/dataplane/appsource.py).

The ``dp`` world with its metro, core and public networks given latencies, so that the path
edge-a → cloud-echo crosses each: mec-a 1 + zone-a 2 + op 3 + dp 4 + cloud 10 = 20 ms one way.
edge-a's instance carries a DROP rule for TCP port 23, a FORWARD rule steering port 443 of
203.0.113.0/24 to itself, and a DNS rule ``store.example`` → cloud-echo's address.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest

from meclab.dataplane.socks5 import Reply

from .conftest import (
    Env,
    SocksRefused,
    check_rtt,
    close,
    dp_document,
    round_trips,
    socks_connect,
    start_env,
    stop_env,
)

CLOUD_ECHO_IP = "203.0.113.7"
EDGE_A_ID = "edge-a-instance-1"


def app_document(echo: tuple[str, int]) -> dict[str, Any]:
    doc = dp_document(echo)
    doc["netchar"] = {"latency_ms": 4.0}  # the public network
    domain = doc["domains"][0]
    domain["netchar"] = {"latency_ms": 3.0}  # the operator's core
    zone_a = domain["zones"][0]
    zone_a["netchar"] = {"latency_ms": 2.0}  # zone-a's metro network
    doc["clouds"][0]["apps"][0]["address"] = CLOUD_ECHO_IP
    edge_a = zone_a["mec_hosts"][0]["apps"][0]
    edge_a["app_instance_id"] = EDGE_A_ID
    edge_a["dns_rules"].append(
        {"id": "dns-store", "domain_name": "store.example", "ip_address": CLOUD_ECHO_IP}
    )
    edge_a["traffic_rules"] = [
        {
            "id": "tr-no-telnet",
            "priority": 0,
            "filters": [{"dst_port": ["23"], "protocol": ["TCP"]}],
            "action": "DROP",
        },
        {
            "id": "tr-to-edge",
            "priority": 1,
            "filters": [{"dst_address": ["203.0.113.0/24"], "dst_port": ["443"]}],
            "action": "FORWARD_DECAPSULATED",
            "dst_interface": {"dst_ip_address": "10.1.0.10"},
        },
    ]
    return doc


@pytest.fixture
async def apps(tmp_path: Path, echo: tuple[str, int]) -> AsyncIterator[Env]:
    env = await start_env(tmp_path, app_document(echo))
    try:
        yield env
    finally:
        await stop_env(env)


async def rtt_via(env: Env, user: str, host: str, port: int, expected_s: float) -> list[float]:
    reader, writer = await socks_connect(env.socks, user, host, port)
    try:
        return await check_rtt(lambda n: round_trips(reader, writer, n), expected_s)
    finally:
        await close(writer)


async def test_edge_to_cloud_feels_metro_core_and_public_networks(apps: Env) -> None:
    path = apps.runtime.world.path("edge-a", "cloud-echo")
    assert path.hops == ("edge-a", "mec-a", "zone-a", "op", "dp", "cloud", "cloud-echo")
    assert path.latency_ms == 20.0
    await rtt_via(apps, "edge-a", "cloud-echo", 7, 2 * path.latency_ms / 1000)


async def test_an_app_is_named_by_its_app_instance_id_too(apps: Env) -> None:
    reader, writer = await socks_connect(apps.socks, EDGE_A_ID, "cloud-echo", 7)
    await round_trips(reader, writer, 1)
    (row,) = apps.plane.flows()
    assert row["source_app"] == "edge-a" and row["ue"] is None and row["app"] == "cloud-echo"
    assert row["shaping"]["up"]["latency_ms"] == 20.0
    assert row["hops"] == ["edge-a", "mec-a", "zone-a", "op", "dp", "cloud", "cloud-echo"]
    await close(writer)


async def test_a_netchar_change_on_the_path_reshapes_the_open_flow(apps: Env) -> None:
    reader, writer = await socks_connect(apps.socks, "edge-a", "cloud-echo", 7)
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.040)
    await apps.runtime.set_netchar("op", {"latency_ms": 13.0})  # the core: +10 ms one way
    (flow,) = apps.plane.registry.open.values()
    assert flow.up.shape.latency_s == pytest.approx(0.030) == flow.down.shape.latency_s
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.060)
    await close(writer)


async def test_an_unknown_app_fails_authentication_and_the_log_names_it(
    apps: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="meclab.dataplane")
    with pytest.raises(SocksRefused) as refused:
        await socks_connect(apps.socks, "no-such-app", "cloud-echo", 7)
    assert refused.value.code == -1  # RFC 1929 status 1: the connection is closed
    lines = [r.getMessage() for r in caplog.records if r.name == "meclab.dataplane"]
    assert any("'no-such-app' names no terminal, terminal app or application" in x for x in lines)
    assert not apps.plane.registry.open


async def test_names_resolve_with_the_dns_rules_of_the_app_host(apps: Env) -> None:
    await rtt_via(apps, "edge-a", "store.example", 7, 0.040)  # mec-a's rule: cloud-echo
    # a cloud has no MEC platform: no DNS rules for its applications
    with pytest.raises(SocksRefused) as refused:
        await socks_connect(apps.socks, "cloud-app", "store.example", 7)
    assert refused.value.code == Reply.HOST_UNREACHABLE
    # <app> and <app>.meclab.local always work: cloud-app -> cloud -> cloud-echo
    one_way_ms = apps.runtime.world.path("cloud-app", "cloud-echo").latency_ms
    assert one_way_ms == 10.0
    await rtt_via(apps, "cloud-app", "cloud-echo.meclab.local", 7, 2 * one_way_ms / 1000)


async def test_the_traffic_rules_of_the_app_host_act_on_what_it_sends(apps: Env) -> None:
    with pytest.raises(SocksRefused) as refused:
        await socks_connect(apps.socks, "edge-a", "cloud-echo", 23)
    assert refused.value.code == Reply.NOT_ALLOWED
    # a cloud application sends outside every MEC host's data plane
    reader, writer = await socks_connect(apps.socks, "cloud-app", "cloud-echo", 23)
    await round_trips(reader, writer, 1)
    await close(writer)


async def test_a_rule_steering_to_the_sender_itself_passes_through(apps: Env) -> None:
    # a UE's flow for 203.0.113.7:443 is steered to edge-a; edge-a's own reaches cloud-echo
    reader, writer = await socks_connect(apps.socks, "edge-a", CLOUD_ECHO_IP, 443)
    await round_trips(reader, writer, 1)
    (row,) = apps.plane.flows()
    assert row["app"] == "cloud-echo" and row["rule"] == {
        "id": "tr-to-edge",
        "action": "FORWARD_DECAPSULATED",
    }
    await close(writer)
    _, ue_writer = await socks_connect(apps.socks, "ue-1", CLOUD_ECHO_IP, 443)
    assert [r["app"] for r in apps.plane.flows() if r["ue"] == "ue-1"] == ["edge-a"]
    await close(ue_writer)


async def test_app_flows_are_listed_and_counted_with_their_source_app(apps: Env) -> None:
    reader, writer = await socks_connect(apps.socks, "edge-a", "cloud-echo", 7)
    await round_trips(reader, writer, 2, size=50)
    text = generate_latest(apps.metrics.registry).decode()
    labels = 'app="cloud-echo",protocol="TCP",source_app="edge-a",ue=""'
    assert f"meclab_dataplane_flows_total{{{labels}}} 1.0" in text
    up = 'app="cloud-echo",direction="up",protocol="TCP",source_app="edge-a",ue=""'
    assert f"meclab_dataplane_bytes_total{{{up}}} 100.0" in text
    await close(writer)
