"""TCP through the relay, end to end on the loopback: latency, rate, handover, coverage."""

from __future__ import annotations

import asyncio
import time

import pytest
from helpers import until

from meclab.dataplane.flows import FlowState
from meclab.dataplane.tcp import TcpRelay

from .conftest import (
    CELL_A,
    CELL_B,
    LOADED_S,
    NOWHERE,
    Env,
    check_rtt,
    close,
    median,
    round_trips,
    socks_connect,
)


async def test_rtt_through_the_relay_is_twice_the_one_way_latency(env: Env) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    # ue-1 → cloud-echo: cell-a 5 ms + cloud 10 ms, one way
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.030, 15)
    flow = next(iter(env.plane.registry.open.values()))
    assert flow.stats.rtt_samples >= 10 and flow.stats.rtt_last_s is not None
    # the relay's own measurement (request in to answer out) sees the same
    assert flow.stats.rtt_s == pytest.approx(0.030, abs=LOADED_S)
    await close(writer)


async def test_throughput_limit_holds(env: Env) -> None:
    await env.runtime.set_netchar("cell-a", {"throughput_ul_mbps": 40.0})
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    total = 3_000_000
    block = b"x" * 65536

    async def send() -> None:
        sent = 0
        while sent < total:
            piece = block[: min(len(block), total - sent)]
            writer.write(piece)
            sent += len(piece)
            await writer.drain()

    sender = asyncio.create_task(send())
    first = await reader.readexactly(1)
    started = time.monotonic()
    received = len(first)
    while received < total:
        received += len(await reader.read(1 << 20))
    elapsed = time.monotonic() - started
    await sender
    rate_mbps = (total - 1) * 8 / elapsed / 1e6
    # the uplink's 40 Mbit/s is the bottleneck of the echo loop; ±5 %
    assert rate_mbps == pytest.approx(40.0, rel=0.05)
    await close(writer)


async def test_handover_changes_the_rtt_of_an_open_connection(env: Env) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "edge.example", 7)
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.012)  # cell-a 5 + mec-a 1, twice
    flow = next(iter(env.plane.registry.open.values()))
    assert flow.route.app == "edge-a"

    await env.move("ue-1", CELL_B)  # handover to zone-b; the connection stays on edge-a
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.042)  # cell-b 20 + mec-a 1, twice
    assert flow.id in env.plane.registry.open and flow.path is not None
    assert flow.path.hops[:2] == ("ue-1", "cell-b")

    await env.move("ue-1", CELL_A)
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.012)
    await close(writer)


async def test_a_new_connection_after_handover_reaches_the_new_zones_instance(env: Env) -> None:
    await env.move("ue-1", CELL_B)
    reader, writer = await socks_connect(env.socks, "ue-1", "edge.example", 7)
    await round_trips(reader, writer, 1)
    flows = env.plane.registry.of_ue("ue-1")
    assert [f.route.app for f in flows] == ["edge-b"]
    await close(writer)


async def test_an_open_flow_moved_to_the_new_zones_instance_carries_on(env: Env) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "edge.example", 7)
    await round_trips(reader, writer, 3)
    [flow] = env.plane.registry.of_ue("ue-1")
    sent = flow.stats.bytes_up
    await env.move("ue-1", CELL_B)
    switch = env.plane.switch
    assert switch is not None and flow.route.app == "edge-a"  # open flows stay (by default)
    route = switch.rerouted(flow)
    assert route is not None and route.app == "edge-b"
    relay = flow.relay
    assert isinstance(relay, TcpRelay)
    relay.move(route, switch.moved, quiet_s=0.005, within_s=2.0)
    await until(lambda: relay.moves == 1, "the flow to move")
    await round_trips(reader, writer, 3)  # the same connection, to edge-b now
    assert flow.route.app == "edge-b" and env.plane.registry.of_app("edge-b") == [flow]
    assert env.plane.registry.of_app("edge-a") == []
    # what it moved to edge-a stays counted there; edge-b's counters start at the move
    assert env.plane.registry.totals[("ue-1", "", "edge-a", "TCP")].bytes_up == sent
    assert flow.stats.bytes_up == 3 * 32
    await close(writer)


async def test_out_of_coverage_stalls_then_recovers_without_loss(env: Env) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    await round_trips(reader, writer, 2)
    flow = env.plane.registry.of_ue("ue-1")[0]

    await env.move("ue-1", NOWHERE)
    assert flow.state is FlowState.STALLED
    writer.write(b"held while out of coverage")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.readexactly(1), 0.2)

    await env.move("ue-1", CELL_A)
    assert flow.state is FlowState.OPEN
    got = await asyncio.wait_for(reader.readexactly(len(b"held while out of coverage")), 2)
    assert got == b"held while out of coverage"
    await round_trips(reader, writer, 2)  # the same connection goes on
    assert flow.id in env.plane.registry.open
    await close(writer)


async def test_out_of_coverage_too_long_resets_the_connection(env: Env) -> None:
    env.plane.follower.stall_timeout_s = 0.05  # type: ignore[union-attr]
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    await round_trips(reader, writer, 1)
    await env.move("ue-1", NOWHERE)
    await asyncio.sleep(0.1)
    env.plane.follower.check_stalls()  # type: ignore[union-attr]
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        await asyncio.wait_for(reader.readexactly(1), 2)
    assert not env.plane.registry.open
    assert env.plane.registry.closed[-1].closed_reason == "no_coverage_timeout"
    await close(writer)


async def test_half_close_is_passed_on_after_the_data(env: Env) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    writer.write(b"last words")
    writer.write_eof()
    got = await asyncio.wait_for(reader.read(), 2)  # until the echo server closes in turn
    assert got == b"last words"
    await close(writer)
    await until(lambda: not env.plane.registry.open, "the flow to close", timeout_s=0.5)
    assert not env.plane.registry.open


async def test_per_app_port_identifies_the_ue_by_its_loopback_alias(env: Env) -> None:
    host, port = env.app_port("cloud-echo")
    reader, writer = await asyncio.open_connection(host, port, local_addr=("127.64.0.1", 0))
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.030)
    flow = env.plane.registry.of_ue("ue-1")[0]
    assert flow.entry == "proxy:cloud-echo"
    await close(writer)


async def test_per_app_port_without_a_ue_is_not_emulated(env: Env) -> None:
    host, port = env.app_port("cloud-echo")
    reader, writer = await asyncio.open_connection(host, port)
    rtts = await round_trips(reader, writer, 3)
    assert median(rtts) < 0.005
    assert [f.route.ue for f in env.plane.registry.open.values()] == [None]
    await close(writer)
