"""MEC 011 traffic rules acting in the relay: DROP, FORWARD, DUPLICATE, live changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers import until

from meclab.dataplane.socks5 import Reply
from meclab.platform.rules import TrafficRule

from .conftest import (
    CELL_B,
    Env,
    SocksRefused,
    close,
    dp_document,
    round_trips,
    socks_connect,
    socks_handshake,
    start_env,
    stop_env,
)
from .test_udp_relay import socks_udp_name_header, udp_client

BREAKOUT = "198.51.100.7"
"""A remote server's address that a rule steers to the edge application."""


class Sink(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.got: list[bytes] = []

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        self.got.append(data)


@pytest.fixture
async def sink() -> AsyncIterator[tuple[Sink, int]]:
    transport, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
        Sink, local_addr=("127.0.0.1", 0)
    )
    try:
        yield protocol, transport.get_extra_info("sockname")[1]
    finally:
        transport.close()


@pytest.fixture
async def ruled(
    tmp_path: Path, echo: tuple[str, int], sink: tuple[Sink, int]
) -> AsyncIterator[Env]:
    doc = dp_document(echo)
    mec_a: dict[str, Any] = doc["domains"][0]["zones"][0]["mec_hosts"][0]
    mec_a["apps"][0]["traffic_rules"] = [
        {
            "id": "tr-no-telnet",
            "priority": 0,
            "filters": [{"dst_port": ["23"], "protocol": ["TCP"]}],
            "action": "DROP",
        },
        {
            "id": "tr-breakout",
            "priority": 1,
            "filters": [{"dst_address": [f"{BREAKOUT}/32"]}],
            "action": "FORWARD_DECAPSULATED",
            "dst_interface": {"dst_ip_address": "10.1.0.10"},
        },
        {
            "id": "tr-mirror",
            "priority": 2,
            "filters": [{"dst_port": ["7"], "protocol": ["UDP"]}],
            "action": "DUPLICATE_DECAPSULATED",
            "dst_interface": {"dst_ip_address": "10.1.0.50"},
        },
    ]
    mec_a["apps"].append(
        {"name": "mirror", "address": "10.1.0.50", "endpoint": f"127.0.0.1:{sink[1]}"}
    )
    env = await start_env(tmp_path, doc)
    try:
        yield env
    finally:
        await stop_env(env)


async def test_drop_refuses_a_matching_tcp_flow(ruled: Env) -> None:
    with pytest.raises(SocksRefused) as refused:
        await socks_connect(ruled.socks, "ue-1", "cloud-echo", 23)
    assert refused.value.code == Reply.NOT_ALLOWED
    reader, writer = await socks_connect(ruled.socks, "ue-1", "cloud-echo", 7)  # other ports pass
    await round_trips(reader, writer, 1)
    await close(writer)


async def test_rules_are_those_of_the_serving_mec_host(ruled: Env) -> None:
    await ruled.move("ue-1", CELL_B)  # zone-b: mec-b has no rules
    reader, writer = await socks_connect(ruled.socks, "ue-1", "cloud-echo", 23)
    await round_trips(reader, writer, 1)
    await close(writer)


async def test_forward_steers_a_remote_address_to_the_edge_app(ruled: Env) -> None:
    reader, writer = await socks_connect(ruled.socks, "ue-1", BREAKOUT, 80)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    answer = await asyncio.wait_for(reader.read(), 2)
    assert b'"app": "edge-a"' in answer
    assert f'"address": "{BREAKOUT}:80"'.encode() in answer
    row = ruled.plane.flows(include_closed=True)[-1]
    assert row["rule"] == {"id": "tr-breakout", "action": "FORWARD_DECAPSULATED"}
    assert row["app"] == "edge-a" and row["destination"] == f"{BREAKOUT}:80"
    await close(writer)


async def test_duplicate_copies_udp_uplink_to_the_mirror(
    ruled: Env, sink: tuple[Sink, int]
) -> None:
    _, writer, relay = await socks_handshake(ruled.socks, "ue-1", 3, "0.0.0.0", 0)
    client = await udp_client(relay)
    header = socks_udp_name_header("cloud-echo", 7)
    assert client.transport is not None
    for i in range(3):
        client.transport.sendto(header + b"copy %d" % i)
        assert await asyncio.wait_for(client.received.get(), 2) == header + b"copy %d" % i
    await asyncio.sleep(0.05)
    assert sink[0].got == [b"copy 0", b"copy 1", b"copy 2"]
    client.transport.close()
    await close(writer)


async def test_a_rule_changed_to_drop_resets_the_open_flow(ruled: Env) -> None:
    reader, writer = await socks_connect(ruled.socks, "ue-1", BREAKOUT, 7)
    await round_trips(reader, writer, 1)  # the responder echoes what is not HTTP
    instance = ruled.platforms.app_named("edge-a")
    rule = instance.traffic_rules["tr-breakout"]
    dropping = TrafficRule.model_validate({**rule.wire(), "action": "DROP"})
    await ruled.platforms.put_traffic_rule(instance, dropping)
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        writer.write(b"more")
        await asyncio.wait_for(reader.readexactly(4), 2)
    assert ruled.plane.registry.closed[-1].closed_reason == "rule"
    with pytest.raises(SocksRefused):
        await socks_connect(ruled.socks, "ue-1", BREAKOUT, 7)
    await close(writer)


async def test_an_inactive_rule_no_longer_acts(ruled: Env) -> None:
    instance = ruled.platforms.app_named("edge-a")
    rule = instance.traffic_rules["tr-no-telnet"]
    await ruled.platforms.put_traffic_rule(
        instance, TrafficRule.model_validate({**rule.wire(), "state": "INACTIVE"})
    )
    reader, writer = await socks_connect(ruled.socks, "ue-1", "cloud-echo", 23)
    await round_trips(reader, writer, 1)
    await close(writer)


async def test_duplicate_mirrors_a_tcp_uplink_and_drops_the_mirrors_answers(
    tmp_path: Path, echo: tuple[str, int]
) -> None:
    received: list[bytes] = []

    async def mirror(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.read())
        writer.write(b"ignored by the relay")
        writer.close()

    server = await asyncio.start_server(mirror, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    doc = dp_document(echo)
    mec_a: dict[str, Any] = doc["domains"][0]["zones"][0]["mec_hosts"][0]
    mec_a["apps"].append({"name": "tap", "address": "10.1.0.60", "endpoint": f"127.0.0.1:{port}"})
    mec_a["apps"][0]["traffic_rules"] = [
        {
            "id": "tr-tap",
            "filters": [{"dst_port": ["7"], "protocol": ["TCP"]}],
            "action": "DUPLICATE_ENCAPSULATED",
            "dst_interface": {"dst_ip_address": "10.1.0.60"},
        }
    ]
    env = await start_env(tmp_path, doc)
    try:
        reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
        assert await round_trips(reader, writer, 2, size=5)  # answers come from the echo only
        await close(writer)
        await until(lambda: received != [], "the duplicated bytes", timeout_s=1.0)
        assert received == [bytes([0]) * 5 + bytes([1]) * 5]
    finally:
        await stop_env(env)
        server.close()
