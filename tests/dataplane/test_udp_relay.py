"""UDP through the relay: SOCKS5 UDP ASSOCIATE and per-application ports; loss and latency."""

from __future__ import annotations

import asyncio
import math
import socket
import struct
import time

from helpers import until

from .conftest import Env, check_rtt, close, socks_handshake


class UdpClient(asyncio.DatagramProtocol):
    """Collects datagrams as they come."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        self.received.put_nowait(data)


async def udp_client(
    remote: tuple[str, int], local: tuple[str, int] = ("127.0.0.1", 0)
) -> UdpClient:
    _, client = await asyncio.get_running_loop().create_datagram_endpoint(
        UdpClient, local_addr=local, remote_addr=remote
    )
    return client


def socks_udp_header(host: str, port: int) -> bytes:
    return b"\x00\x00\x00\x01" + socket.inet_aton(host) + struct.pack("!H", port)


def socks_udp_name_header(name: str, port: int) -> bytes:
    raw = name.encode()
    return b"\x00\x00\x00\x03" + bytes([len(raw)]) + raw + struct.pack("!H", port)


async def test_udp_associate_echo_feels_the_path(env: Env) -> None:
    _, writer, relay = await socks_handshake(env.socks, "ue-1", 3, "0.0.0.0", 0)
    client = await udp_client(relay)
    header = socks_udp_name_header("cloud-echo", 7)
    assert client.transport is not None
    sent = 0

    async def pings(n: int) -> list[float]:
        nonlocal sent
        rtts = []
        for i in range(n):
            started = time.monotonic()
            client.transport.sendto(header + b"ping %d" % i)  # type: ignore[union-attr]
            reply = await asyncio.wait_for(client.received.get(), 2)
            rtts.append(time.monotonic() - started)
            assert reply == header + b"ping %d" % i  # RFC 1928 §7: the reply names its source
            sent += len(b"ping %d" % i)
        return rtts

    await check_rtt(pings, 0.030)
    flow = env.plane.registry.of_ue("ue-1")[0]
    assert flow.protocol == "UDP" and flow.route.app == "cloud-echo"
    assert flow.stats.bytes_up == sent
    client.transport.close()
    await close(writer)
    await asyncio.sleep(0.05)
    assert not env.plane.registry.open  # the association ended with its TCP connection


async def test_udp_loss_rate_matches_the_configured_rate(env: Env) -> None:
    """The relay drops each datagram with the cell's loss rate, each way; the rest arrive."""
    await env.runtime.set_netchar("cell-a", {"loss_pct": 20.0})
    host, port = env.app_port("cloud-echo")
    client = await udp_client((host, port), ("127.64.0.1", 0))  # ue-1's alias
    assert client.transport is not None
    n, size = 1000, 4
    for i in range(n):
        client.transport.sendto(b"%04d" % i)
        if i % 20 == 19:
            await asyncio.sleep(0.002)  # keep the loopback's socket buffers far from full
    s = env.plane.registry.of_ue("ue-1")[0].stats
    seen: list[tuple[int, ...]] = []

    def settled() -> bool:
        # Quiet for 0.2 s with every forwarded datagram answered: waiting for that rather than a
        # fixed time keeps a loaded machine from failing the test.
        seen.append(
            (s.bytes_up, s.dropped_up, s.bytes_down, s.dropped_down, client.received.qsize())
        )
        quiet = len(seen) > 40 and len(set(seen[-40:])) == 1
        return quiet and s.bytes_down + s.dropped_down == s.bytes_up

    await until(settled, "the relay to decide every datagram it received", timeout_s=10)
    # The relay's own decisions, out of what reached it (a kernel may drop a datagram on a
    # loaded machine before the relay reads it, which says nothing about the relay).
    decided_up = (s.bytes_up + s.dropped_up) // size
    assert decided_up > 0.95 * n
    forwarded_up, lost_up, lost_down = (
        s.bytes_up // size,
        s.dropped_up // size,
        s.dropped_down // size,
    )
    # 4 sd of a binomial: about 6e-5 two-sided for each
    assert abs(lost_up - decided_up * 0.2) < 4 * math.sqrt(decided_up * 0.2 * 0.8), lost_up
    assert abs(lost_down - forwarded_up * 0.2) < 4 * math.sqrt(forwarded_up * 0.2 * 0.8)
    assert client.received.qsize() * size == s.bytes_down  # what it forwarded arrived
    client.transport.close()


async def test_udp_out_of_coverage_drops_datagrams(env: Env) -> None:
    host, port = env.app_port("cloud-echo")
    client = await udp_client((host, port), ("127.64.0.1", 0))
    assert client.transport is not None
    client.transport.sendto(b"before")
    assert await asyncio.wait_for(client.received.get(), 2) == b"before"
    await env.move("ue-1", (0.05, 0.0))
    client.transport.sendto(b"lost")
    await asyncio.sleep(0.1)
    assert client.received.empty()
    await env.move("ue-1", (0.0, 0.0))
    client.transport.sendto(b"after")
    assert await asyncio.wait_for(client.received.get(), 2) == b"after"
    client.transport.close()


async def test_a_udp_name_follows_the_ue_to_its_new_zones_instance(env: Env) -> None:
    _, writer, relay = await socks_handshake(env.socks, "ue-1", 3, "0.0.0.0", 0)
    client = await udp_client(relay)
    header = socks_udp_name_header("edge.example", 7)
    assert client.transport is not None
    client.transport.sendto(header + b"one")
    assert await asyncio.wait_for(client.received.get(), 2) == header + b"one"
    assert [f.route.app for f in env.plane.registry.of_ue("ue-1")] == ["edge-a"]
    await env.move("ue-1", (0.01, 0.0))  # zone-b: edge.example is edge-b there
    client.transport.sendto(header + b"two")
    assert await asyncio.wait_for(client.received.get(), 2) == header + b"two"
    assert [f.route.app for f in env.plane.registry.of_ue("ue-1")] == ["edge-b"]
    assert env.plane.registry.closed[-1].closed_reason == "resolved_elsewhere"
    client.transport.close()
    await close(writer)
