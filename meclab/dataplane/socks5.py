"""The SOCKS5 entry point (RFC 1928), with username/password (RFC 1929) naming the sender.

::

    curl -x socks5h://car-circuit-1@127.0.0.1:1080 http://ar-guide-backend/
    curl -x socks5h://car-circuit-1@127.0.0.1:1080 http://ar.guide.meclab.example:8080/

The username names the UE the client acts as: a terminal's name, one of its terminal apps'
names (the path then starts at that app), or its scenario address (``10.0.0.1``). It may also
name an edge or cloud application, by scenario name or appInstanceId: the flow is then that
application's, on the path between the two applications (:mod:`.appsource`). The password is
ignored (curl sends an empty one). A name that is neither fails the authentication (RFC 1929
status 1, then the connection closes; meclab's log names the name). A client offering no
authentication is accepted when it connects from a UE's loopback alias
(``curl --interface 127.64.0.1``); otherwise its requests are refused, since the flow would
have no UE to shape it for.

Commands: CONNECT (TCP) and UDP ASSOCIATE (RFC 1928 §7: each datagram carries a header naming
its destination; fragments are dropped, as the RFC allows). BIND is not supported (reply 7).
Names are resolved here (``socks5h``: the client sends the name) as the MEC DNS server would
answer the UE (see :mod:`.resolve`); a client that resolves names itself should use meclab's
DNS server or the applications' addresses.

Reply codes (RFC 1928 §6) for flows meclab refuses:

=================  ====  ======================================================
no UE identified   2     connection not allowed by ruleset
no application     4     host unreachable
out of coverage    3     network unreachable
traffic rule DROP  2     connection not allowed by ruleset
proxy down         5     connection refused (toxiproxy ``enabled: false``)
upstream refuses   5     connection refused (the application's process is not there)
=================  ====  ======================================================

A TCP CONNECT's success reply is sent one emulated round trip after the upstream connection
is made: the three-way handshake crosses the emulated network too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import cast

from meclab.dataplane.gate import Gate
from meclab.dataplane.outbox import Payload
from meclab.dataplane.switch import FlowRequest, Identity, Refused, RefuseReason
from meclab.dataplane.tcp import ClientLeg
from meclab.dataplane.udp import MAX_DATAGRAM, PURGE_AT, UdpRelay
from meclab.sockets import listen_tcp

log = logging.getLogger("meclab.dataplane")

VERSION = 5
AUTH_VERSION = 1
"""RFC 1929 §2: the subnegotiation's version."""


class Method(IntEnum):
    NO_AUTH = 0x00
    USERNAME_PASSWORD = 0x02
    NONE_ACCEPTABLE = 0xFF


class Command(IntEnum):
    CONNECT = 1
    BIND = 2
    UDP_ASSOCIATE = 3


class Atyp(IntEnum):
    IPV4 = 1
    DOMAIN = 3
    IPV6 = 4


class Reply(IntEnum):
    SUCCEEDED = 0
    GENERAL_FAILURE = 1
    NOT_ALLOWED = 2
    NETWORK_UNREACHABLE = 3
    HOST_UNREACHABLE = 4
    CONNECTION_REFUSED = 5
    TTL_EXPIRED = 6
    COMMAND_NOT_SUPPORTED = 7
    ADDRESS_TYPE_NOT_SUPPORTED = 8


REPLY_FOR: dict[RefuseReason, Reply] = {
    RefuseReason.UNKNOWN_UE: Reply.NOT_ALLOWED,
    RefuseReason.UNRESOLVED: Reply.HOST_UNREACHABLE,
    RefuseReason.NO_COVERAGE: Reply.NETWORK_UNREACHABLE,
    RefuseReason.RULE_DROP: Reply.NOT_ALLOWED,
    RefuseReason.PROXY_DOWN: Reply.CONNECTION_REFUSED,
    RefuseReason.UPSTREAM_FAILED: Reply.CONNECTION_REFUSED,
}


class ProtocolError(Exception):
    """The client broke RFC 1928/1929; the connection is closed."""


@dataclass(frozen=True, slots=True)
class Greeting:
    methods: bytes


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class Request:
    command: int
    atyp: int
    host: str
    port: int


Event = Greeting | Credentials | Request


def parse_address(data: bytes, offset: int) -> tuple[int, str, int, int] | None:
    """(atyp, host, port, end offset) of an RFC 1928 address at ``offset``; None if incomplete.

    Raises ProtocolError for an unknown address type.
    """
    if len(data) < offset + 1:
        return None
    atyp = data[offset]
    start = offset + 1
    if atyp == Atyp.IPV4:
        end = start + 4
        if len(data) < end + 2:
            return None
        host = socket.inet_ntop(socket.AF_INET, data[start:end])
    elif atyp == Atyp.IPV6:
        end = start + 16
        if len(data) < end + 2:
            return None
        host = socket.inet_ntop(socket.AF_INET6, data[start:end])
    elif atyp == Atyp.DOMAIN:
        if len(data) < start + 1:
            return None
        end = start + 1 + data[start]
        if len(data) < end + 2:
            return None
        try:  # a name on the wire is ASCII: internationalised names travel as A-labels
            host = data[start + 1 : end].decode("ascii")
        except UnicodeDecodeError as exc:
            raise ProtocolError("a domain name that is not ASCII") from exc
    else:
        raise ProtocolError(f"address type {atyp}")
    (port,) = struct.unpack_from("!H", data, end)
    return atyp, host, port, end + 2


def encode_address(host: str, port: int) -> bytes:
    """An RFC 1928 address: IPv4, IPv6 or a domain name."""
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        name = host.encode("idna")[:255]
        return bytes([Atyp.DOMAIN, len(name)]) + name + struct.pack("!H", port)
    if addr.version == 4:
        return bytes([Atyp.IPV4]) + addr.packed + struct.pack("!H", port)
    return bytes([Atyp.IPV6]) + addr.packed + struct.pack("!H", port)


class Handshake:
    """The client's side of the handshake as a pure parser: feed bytes, take events.

    Three messages in order: the greeting (RFC 1928 §3), the credentials when username and
    password was chosen (RFC 1929 §2), the request (RFC 1928 §4). Bytes after the request are
    kept in :attr:`rest` (they belong to the relayed stream).
    """

    def __init__(self) -> None:
        self.buffer = b""
        self.stage = "greeting"
        self.rest = b""

    def choose(self, method: Method) -> None:
        """The server chose ``method``: what follows the greeting depends on it."""
        self.stage = "credentials" if method is Method.USERNAME_PASSWORD else "request"

    def feed(self, data: bytes) -> list[Event]:
        if self.stage == "done":
            self.rest += data
            return []
        self.buffer += data
        events: list[Event] = []
        while True:
            event = self._next()
            if event is None:
                return events
            events.append(event)

    def _next(self) -> Event | None:
        b = self.buffer
        if self.stage == "greeting":
            if len(b) < 2:
                return None
            if b[0] != VERSION:
                raise ProtocolError(f"SOCKS version {b[0]}, expected 5")
            if len(b) < 2 + b[1]:
                return None
            self.buffer = b[2 + b[1] :]
            self.stage = "method"  # what comes next depends on the server's choice
            return Greeting(b[2 : 2 + b[1]])
        if self.stage == "credentials":
            if len(b) < 2:
                return None
            if b[0] != AUTH_VERSION:
                raise ProtocolError(f"username/password version {b[0]}, expected 1")
            ulen = b[1]
            if len(b) < 3 + ulen:
                return None
            plen = b[2 + ulen]
            if len(b) < 3 + ulen + plen:
                return None
            user = b[2 : 2 + ulen].decode("utf-8", errors="replace")
            password = b[3 + ulen : 3 + ulen + plen].decode("utf-8", errors="replace")
            self.buffer = b[3 + ulen + plen :]
            self.stage = "request"
            return Credentials(user, password)
        if self.stage == "request":
            if len(b) < 4:
                return None
            if b[0] != VERSION:
                raise ProtocolError(f"SOCKS version {b[0]} in request")
            parsed = parse_address(b, 3)
            if parsed is None:
                return None
            atyp, host, port, end = parsed
            self.rest = b[end:]
            self.buffer = b""
            self.stage = "done"
            return Request(b[1], atyp, host, port)
        return None


def reply(code: Reply, host: str = "0.0.0.0", port: int = 0) -> bytes:
    """A request reply (RFC 1928 §6)."""
    return bytes([VERSION, code, 0]) + encode_address(host, port)


class Socks5Connection(ClientLeg):
    """One client of the SOCKS5 proxy: the handshake, then a relayed TCP flow (CONNECT) or the
    control connection of a UDP association."""

    def __init__(self, gate: Gate, bind_host: str) -> None:
        super().__init__()
        self.gate = gate
        self.bind_host = bind_host
        self.handshake = Handshake()
        self.identity: Identity | None = None
        self.peer: tuple[str, int] = ("", 0)
        self.association: UdpAssociation | None = None
        self._task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        self.peer = (str(peer[0]), int(peer[1])) if peer else ("", 0)

    def data_received(self, data: bytes) -> None:
        if self.relay is not None:
            self.relay.received(0, data)
            return
        if self.handshake.stage == "done":
            self.handshake.rest += data  # before the reply: part of the stream to relay
            return
        try:
            events = self.handshake.feed(data)
            while events:  # a client may send greeting, credentials and request at once
                for event in events:
                    self._on(event)
                if self.transport is None or self.transport.is_closing():
                    return
                events = self.handshake.feed(b"") if self.handshake.buffer else []
        except ProtocolError as exc:
            log.info("SOCKS5 client %s:%d: %s", *self.peer, exc)
            self._close()

    def _on(self, event: Event) -> None:
        assert self.transport is not None
        if isinstance(event, Greeting):
            if Method.USERNAME_PASSWORD in event.methods:
                self.transport.write(bytes([VERSION, Method.USERNAME_PASSWORD]))
                self.handshake.choose(Method.USERNAME_PASSWORD)
            elif Method.NO_AUTH in event.methods:
                self.identity = self.gate.identify_address(self.peer[0])
                self.transport.write(bytes([VERSION, Method.NO_AUTH]))
                self.handshake.choose(Method.NO_AUTH)
            else:
                self.transport.write(bytes([VERSION, Method.NONE_ACCEPTABLE]))
                self._close()
        elif isinstance(event, Credentials):
            self.identity = self.gate.identify_name(event.username)
            if self.identity is None:
                log.info(
                    "SOCKS5: %r names no terminal, terminal app or application of the scenario: "
                    "authentication refused",
                    event.username,
                )
                self.transport.write(bytes([AUTH_VERSION, 1]))  # RFC 1929: failure, close
                self._close()
                return
            self.transport.write(bytes([AUTH_VERSION, 0]))
        else:
            self._request(event)

    def _request(self, request: Request) -> None:
        assert self.transport is not None
        if self.identity is None:
            log.info(
                "SOCKS5 client %s:%d names no UE: use a UE's or an application's name as "
                "username (socks5h://<ue>@host:port) or bind a UE's loopback alias",
                *self.peer,
            )
            self._refuse(Reply.NOT_ALLOWED)
            return
        if request.command == Command.CONNECT:
            self._task = asyncio.get_running_loop().create_task(self._connect(request))
        elif request.command == Command.UDP_ASSOCIATE:
            self._task = asyncio.get_running_loop().create_task(self._associate())
        else:
            self._refuse(Reply.COMMAND_NOT_SUPPORTED)

    def who(self) -> str:
        """Who this client acts as, for log lines: ``ue``, ``ue (as terminal-app)``, or
        ``app <name>``."""
        assert self.identity is not None  # requests are refused before, without one
        ue, source = self.identity
        if ue is None:
            return f"app {source}"
        return ue if source == ue else f"{ue} (as {source})"

    def _flow_request(
        self, protocol: str, host: str, port: int, client: tuple[str, int]
    ) -> FlowRequest:
        assert self.identity is not None
        ue, source = self.identity
        return FlowRequest(protocol, ue, source, host, port, client, "socks5")

    async def _connect(self, request: Request) -> None:
        assert self.transport is not None
        client = self.transport
        try:
            relay = await self.gate.open_tcp(
                self._flow_request("TCP", request.host, request.port, self.peer),
                client,
                hold_downlink=True,
            )
        except Refused as exc:
            code = REPLY_FOR[exc.reason]
            # curl shows only "Can't complete SOCKS5 connection ... (3)" and exits 97: this
            # line is where the user learns which terminal, which target and why
            log.info(
                "SOCKS5 %s -> %s:%d refused with reply %d (%s): %s",
                self.who(),
                request.host,
                request.port,
                code,
                code.name.lower().replace("_", " "),
                exc,
            )
            self._refuse(code)
            return
        if client.is_closing():
            relay.abort("client_gone")
            return
        flow = relay.flow
        # the handshake crosses the emulated network: one round trip (SYN, SYN-ACK)
        rtt = flow.up.delay.sample(flow.up.rng) + flow.down.delay.sample(flow.down.rng)
        bound = client.get_extra_info("sockname") or ("0.0.0.0", 0)
        message = reply(Reply.SUCCEEDED, str(bound[0]), int(bound[1]))
        if rtt > 0:
            await asyncio.sleep(rtt)
        if client.is_closing() or relay.finished:
            relay.abort("client_gone")
            return
        client.write(message)
        self.relay = relay  # from now on the client's bytes go to the relay
        relay.release()  # what the application said first follows the reply
        rest, self.handshake.rest = self.handshake.rest, b""
        if rest:
            relay.received(0, rest)

    async def _associate(self) -> None:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        # bind where the client reached us: with a wildcard listen address, the reply's
        # BND.ADDR must still be an address the client can send to
        local = self.transport.get_extra_info("sockname")
        host = str(local[0]) if local else self.bind_host
        try:
            transport, association = await loop.create_datagram_endpoint(
                lambda: UdpAssociation(self), local_addr=(host, 0)
            )
        except OSError:
            self._refuse(Reply.GENERAL_FAILURE)
            return
        self.association = association
        host, port = transport.get_extra_info("sockname")[:2]
        self.transport.write(reply(Reply.SUCCEEDED, host, port))

    def _refuse(self, code: Reply) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(reply(code))
        self._close()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.association is not None:  # RFC 1928 §7: the association ends with its TCP
            self.association.close()
        if self._task is not None and not self._task.done():
            self._task.cancel()


class UdpAssociation(asyncio.DatagramProtocol):
    """A SOCKS5 UDP association: one UDP socket, one flow per destination."""

    def __init__(self, control: Socks5Connection) -> None:
        self.control = control
        self.transport: asyncio.DatagramTransport | None = None
        self.client: tuple[str, int] | None = None
        self.flows: dict[tuple[str, int], UdpRelay] = {}
        self.headers: dict[tuple[str, int], bytes] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.DatagramTransport, transport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        # RFC 1928 §7: only datagrams from the client that made the association are relayed
        if addr[0] != self.control.peer[0] and not _same_host(addr[0], self.control.peer[0]):
            return
        if self.client is None:
            self.client = (addr[0], addr[1])
        elif addr[:2] != self.client:
            return
        if len(data) < 4 or data[2] != 0:  # FRAG other than 0: dropped (RFC 1928 §7)
            return
        try:
            parsed = parse_address(data, 3)
        except ProtocolError:
            return
        if parsed is None:
            return
        _, host, port, end = parsed
        key = (host, port)
        relay = self.flows.get(key)
        if relay is None or relay.finished:
            header = data[:end]
            self.headers[key] = header
            request = self.control._flow_request("UDP", host, port, self.client)
            try:
                relay = self.control.gate.open_udp(request, self._sender(header))
            except Refused as exc:
                log.info("SOCKS5 UDP %s -> %s:%d dropped: %s", self.control.who(), host, port, exc)
                return
            if len(self.flows) >= PURGE_AT:  # forget finished flows of gone clients
                self.flows = {k: r for k, r in self.flows.items() if not r.finished}
            self.flows[key] = relay
        relay.from_client(data[end:])

    def _sender(self, header: bytes) -> Callable[[Payload], None]:
        def send(payload: Payload) -> None:
            fits = len(payload) + len(header) <= MAX_DATAGRAM
            if self.transport is not None and self.client is not None and fits:
                self.transport.sendto(header + bytes(payload), self.client)

        return send

    def close(self) -> None:
        for relay in self.flows.values():
            relay.abort("association_closed")
        self.flows.clear()
        if self.transport is not None:
            self.transport.close()


def _same_host(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


async def serve(gate: Gate, host: str, port: int) -> asyncio.Server:
    """Start the SOCKS5 proxy on ``host:port``."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: Socks5Connection(gate, host), sock=listen_tcp(host, port)
    )
