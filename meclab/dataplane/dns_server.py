"""The MEC DNS server's sockets: UDP and TCP around the answer logic of :mod:`.dns`.

It learns which UE asks from the query's source address (each UE has a loopback alias,
:mod:`meclab.dataplane.identity`), answers from the platform's rules at query time, and forwards
other names to an upstream resolver. See :mod:`.dns` for the behaviour and its reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import struct
from collections import Counter

from dnslib import RCODE, DNSRecord

from meclab.dataplane.dns import (
    TCP_IDLE_TIMEOUT_S,
    TCP_MESSAGE_MAX_LEN,
    UPSTREAM_TIMEOUT_S,
    Rejected,
    answer,
    forwardable,
    lower_labels,
    parse_query,
    servfail,
    to_wire,
)
from meclab.dataplane.identity import ue_by_address
from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.sockets import listen_tcp

ANY_PORT_ATTEMPTS = 20
"""Ports tried for the DNS server on port 0 before giving up (see :meth:`DnsServer.start`)."""

log = logging.getLogger("meclab.dataplane.dns")


class DnsServer:
    """The DNS server on ``host:port`` (UDP and TCP) around the pure logic above.

    ``host`` should be a specific address (``127.0.0.1``): a UDP socket bound to a wildcard
    address may answer from another source address than the one asked, which clients reject.
    ``port=0`` picks a free port; :attr:`port` tells which once started.
    ``upstream`` is ``(address, port)`` of the resolver names without a rule go to (None:
    NXDOMAIN for them). The world is read from ``platforms.world`` at each query, so a new
    scenario needs no restart.

    Limits: forwarding is over UDP only, also for queries that came over TCP, so an upstream
    reply with TC set passes through as it is; there is no cache, no DNSSEC, no zone transfer.
    """

    def __init__(
        self,
        platforms: Platforms,
        *,
        host: str = "127.0.0.1",
        port: int = 5353,
        upstream: tuple[str, int] | None = None,
        upstream_timeout_s: float = UPSTREAM_TIMEOUT_S,
        tcp: bool = True,
    ) -> None:
        self.platforms = platforms
        self.host = host
        self.port = port
        self.upstream = upstream
        self.upstream_timeout_s = upstream_timeout_s
        self.tcp = tcp
        self.counts: Counter[str] = Counter()
        """Queries by outcome: rules, forwarded, servfail, nxdomain, rejected, dropped."""
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._connections: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Bind the UDP socket (and the TCP one on the same port).

        With port 0 the kernel picks the UDP port, which another process may hold for TCP:
        then another port is picked, up to :data:`ANY_PORT_ATTEMPTS` times."""
        any_port = self.port == 0
        for attempt in range(1, ANY_PORT_ATTEMPTS + 1):
            try:
                await self._bind(0 if any_port else self.port)
                break
            except OSError as exc:
                if not any_port or exc.errno != errno.EADDRINUSE or attempt == ANY_PORT_ATTEMPTS:
                    raise
        log.info("DNS server on %s:%d (upstream %s)", self.host, self.port, self.upstream)

    async def _bind(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(self), local_addr=(self.host, port)
        )
        self._udp = transport
        self.port = transport.get_extra_info("sockname")[1]
        if self.tcp:
            try:
                self._tcp = await asyncio.start_server(
                    self._serve_tcp, sock=listen_tcp(self.host, self.port)
                )
            except OSError:
                transport.close()
                self._udp = None
                await asyncio.sleep(0)  # the transport lets its socket go on the next loop turn
                raise

    async def stop(self) -> None:
        """Close the sockets and cancel forwarding in flight."""
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            # Since Python 3.12 wait_closed() also waits for open connections: close them.
            for writer in list(self._connections):
                writer.close()
            await self._tcp.wait_closed()
            self._tcp = None
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- one query ------------------------------------------------------------------------

    def _identify(self, source: str) -> tuple[str | None, World | None]:
        world = self.platforms.world
        return (ue_by_address(world, source) if world is not None else None), world

    def respond(
        self, data: bytes, source: str, *, limit: int | None = None
    ) -> tuple[bytes | None, DNSRecord | None]:
        """Answer what can be answered at once: ``(reply, None)``, the reply (None: send
        nothing); or ``(None, request)`` when the query must go to the upstream first."""
        parsed = parse_query(data)
        if isinstance(parsed, Rejected):
            self.counts["rejected" if parsed.reply else "dropped"] += 1
            log.debug("DNS query from %s rejected: %s", source, parsed.reason)
            return parsed.reply, None
        ue, world = self._identify(source)
        forwarding = self.upstream is not None
        reply = answer(parsed, ue, world, self.platforms, recursion_available=forwarding)
        if forwarding and forwardable(reply):
            return None, parsed
        self.counts[_outcome(reply)] += 1
        return to_wire(reply, parsed, limit=limit), None

    async def handle(self, data: bytes, source: str, *, limit: int | None = None) -> bytes | None:
        """The reply bytes to a query from ``source`` (None: send nothing), forwarded if need be."""
        reply, pending = self.respond(data, source, limit=limit)
        if pending is None:
            return reply
        forwarded = await self._forward(data, pending)
        if forwarded is None:
            self.counts["servfail"] += 1
            return to_wire(servfail(pending), pending, limit=limit)
        upstream_reply, upstream_bytes = forwarded
        ue, world = self._identify(source)  # read again: a rule may have come in meanwhile
        final = answer(
            pending,
            ue,
            world,
            self.platforms,
            upstream_answer=upstream_reply,
            recursion_available=True,
        )
        if final is upstream_reply:
            self.counts["forwarded"] += 1
            return upstream_bytes
        self.counts[_outcome(final)] += 1
        return to_wire(final, pending, limit=limit)

    async def _forward(self, data: bytes, request: DNSRecord) -> tuple[DNSRecord, bytes] | None:
        """The upstream's matching reply to ``data`` (parsed and raw), or None on failure."""
        assert self.upstream is not None
        loop = asyncio.get_running_loop()
        done: asyncio.Future[tuple[DNSRecord, bytes] | None] = loop.create_future()
        try:
            # A fresh socket per query: a new random source port each time (RFC 5452 §9.2).
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _UpstreamProtocol(request, done), remote_addr=self.upstream
            )
        except OSError as exc:
            log.warning("DNS upstream %s unreachable: %s", self.upstream, exc)
            return None
        try:
            transport.sendto(data)
            return await asyncio.wait_for(done, self.upstream_timeout_s)
        except TimeoutError:
            log.debug("DNS upstream %s timed out", self.upstream)
            return None
        finally:
            transport.close()

    def _datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            reply, pending = self.respond(data, addr[0])
        except Exception:  # one bad query must not stop the server
            log.exception("DNS query from %s failed", addr[0])
            return
        if pending is None:
            if reply is not None and self._udp is not None:
                self._udp.sendto(reply, addr)
            return
        task = asyncio.get_running_loop().create_task(self._forward_udp(data, addr))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _forward_udp(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            reply = await self.handle(data, addr[0])
        except Exception:
            log.exception("DNS query from %s failed", addr[0])
            return
        if reply is not None and self._udp is not None:
            self._udp.sendto(reply, addr)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # RFC 1035 §4.2.2: each message is preceded by its length in two octets.
        peer = writer.get_extra_info("peername")
        source = peer[0] if peer else ""
        self._connections.add(writer)
        try:
            while True:
                prefix = await asyncio.wait_for(reader.readexactly(2), TCP_IDLE_TIMEOUT_S)
                (length,) = struct.unpack("!H", prefix)
                data = await asyncio.wait_for(reader.readexactly(length), TCP_IDLE_TIMEOUT_S)
                reply = await self.handle(data, source, limit=TCP_MESSAGE_MAX_LEN)
                if reply is None:
                    break
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def _outcome(reply: DNSRecord) -> str:
    if reply.header.aa:
        return "rules"
    return "nxdomain" if reply.header.rcode == RCODE.NXDOMAIN else "error"


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: DnsServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        self.server._datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        # An ICMP error for an earlier reply (the client went away): nothing to do.
        log.debug("DNS socket error: %s", exc)


class _UpstreamProtocol(asyncio.DatagramProtocol):
    """Waits for the upstream's reply to one forwarded query."""

    def __init__(
        self, request: DNSRecord, done: asyncio.Future[tuple[DNSRecord, bytes] | None]
    ) -> None:
        self.request = request
        self.done = done

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        try:
            reply = DNSRecord.parse(data)
        except Exception:
            return  # garbage: keep waiting for the real reply until the timeout
        q = self.request.q
        if (
            reply.header.id != self.request.header.id
            or not reply.header.qr
            or len(reply.questions) != 1
            or reply.q.qtype != q.qtype
            or reply.q.qclass != q.qclass
            or lower_labels(reply.q.qname.label) != lower_labels(q.qname.label)
        ):
            return  # not the reply to this query (RFC 5452 §9.1): ignore it
        if not self.done.done():
            self.done.set_result((reply, data))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like: fail now rather than at the timeout.
        if not self.done.done():
            self.done.set_result(None)
