"""Per-proxy listeners: a TCP (and, for applications, UDP) port that relays to one upstream.

Every application gets one such port (its toxiproxy proxy's ``listen``): a client that cannot
speak SOCKS5 (a UDP client, a gRPC channel, a database driver) connects there, and is the UE
whose loopback alias it binds (``curl --interface 127.64.0.3 http://127.0.0.1:<port>/``;
:mod:`.identity`). A client from any other address has no UE: its flow reaches the application
with nothing emulated but the proxy's toxics. A ``<ue>@<app>`` proxy's port makes every client
that UE. The UDP socket shares the TCP port's number.

The flow's emulated destination is the proxy's upstream ``address:port``: an application proxy
shows the application's real endpoint, or its emulated address and port 80 for the responder.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import cast

from meclab.dataplane.gate import Gate, close_server
from meclab.dataplane.outbox import Payload
from meclab.dataplane.proxies import ProxyError, ProxyRecord
from meclab.dataplane.resolve import AppEntry, parse_endpoint
from meclab.dataplane.switch import FlowRequest, Identity, Refused
from meclab.dataplane.tcp import ClientLeg, reset_transport
from meclab.dataplane.udp import PURGE_AT, UdpRelay
from meclab.sockets import listen_tcp

log = logging.getLogger("meclab.dataplane")


class _Direct(ClientLeg):
    """A client of a proxy's TCP port."""

    def __init__(self, listener: ProxyListener) -> None:
        super().__init__()
        self.listener = listener
        self._task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        assert self.transport is not None
        self.transport.pause_reading()  # until the upstream is connected
        peer = transport.get_extra_info("peername")
        client = (str(peer[0]), int(peer[1])) if peer else ("", 0)
        request = self.listener.request("TCP", client)
        self._task = asyncio.get_running_loop().create_task(self._open(request))

    async def _open(self, request: FlowRequest) -> None:
        assert self.transport is not None
        client = self.transport
        try:
            relay = await self.listener.gate.open_tcp(request, client)
        except Refused as exc:
            log.info("%s: %s:%d refused: %s", request.entry, *request.client, exc)
            reset_transport(client)
            return
        if client.is_closing():
            relay.abort("client_gone")
            return
        self.relay = relay
        client.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._task is not None and not self._task.done() and self.relay is None:
            self._task.cancel()


class _DirectUdp(asyncio.DatagramProtocol):
    """Clients of an application's UDP port, one flow per client address."""

    def __init__(self, listener: ProxyListener) -> None:
        self.listener = listener
        self.transport: asyncio.DatagramTransport | None = None
        self.flows: dict[tuple[str, int], UdpRelay] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.DatagramTransport, transport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        client = (str(addr[0]), int(addr[1]))
        relay = self.flows.get(client)
        if relay is None or relay.finished:
            request = self.listener.request("UDP", client)
            try:
                relay = self.listener.gate.open_udp(request, self._sender(client))
            except Refused as exc:
                log.info("%s: UDP from %s:%d dropped: %s", request.entry, *client, exc)
                return
            if len(self.flows) >= PURGE_AT:  # forget finished flows of gone clients
                self.flows = {k: r for k, r in self.flows.items() if not r.finished}
            self.flows[client] = relay
        relay.from_client(data)

    def _sender(self, client: tuple[str, int]) -> Callable[[Payload], None]:
        def send(payload: Payload) -> None:
            if self.transport is not None:
                self.transport.sendto(payload, client)

        return send

    def close(self) -> None:
        for relay in list(self.flows.values()):
            relay.abort("proxy_closed")
        self.flows.clear()
        if self.transport is not None:
            self.transport.close()


class ProxyListener:
    """The sockets of one proxy."""

    def __init__(self, gate: Gate, proxy: ProxyRecord, app: AppEntry | None, udp: bool) -> None:
        self.gate = gate
        self.proxy = proxy
        self.app = app
        self.udp = udp
        self.server: asyncio.Server | None = None
        self.udp_endpoint: _DirectUdp | None = None

    def request(self, protocol: str, client: tuple[str, int]) -> FlowRequest:
        """The flow a client of this proxy asks for."""
        proxy = self.proxy
        identity: Identity | None
        if proxy.ue is not None:
            identity = (proxy.ue, proxy.ue)
        else:
            identity = self.gate.identify_address(client[0])
        host, port = parse_endpoint(proxy.upstream)
        if self.app is not None and proxy.builtin:
            host = self.app.address
        return FlowRequest(
            protocol,
            identity[0] if identity else None,
            identity[1] if identity else None,
            host,
            port,
            client,
            f"proxy:{proxy.name}",
            proxy=proxy.name,
            app=self.app,
            external=self.app is None,
        )

    async def start(self) -> None:
        """Listen on the proxy's address; ProxyError (500, as toxiproxy) when it cannot."""
        loop = asyncio.get_running_loop()
        host, port = parse_endpoint(self.proxy.listen)
        try:
            self.server = await loop.create_server(
                lambda: _Direct(self), sock=listen_tcp(host, port)
            )
        except OSError as exc:
            raise ProxyError(f"listen tcp {self.proxy.listen}: {exc.strerror or exc}", 500) from exc
        bound = self.server.sockets[0].getsockname()
        shown = f"[{bound[0]}]" if ":" in str(bound[0]) else str(bound[0])
        self.proxy.listen = f"{shown}:{bound[1]}"
        if self.udp:
            try:
                _, endpoint = await loop.create_datagram_endpoint(
                    lambda: _DirectUdp(self), local_addr=(str(bound[0]), int(bound[1]))
                )
                self.udp_endpoint = endpoint
            except OSError as exc:
                log.warning("no UDP on %s for %s: %s", self.proxy.listen, self.proxy.name, exc)

    async def stop(self) -> None:
        if self.udp_endpoint is not None:
            self.udp_endpoint.close()
            self.udp_endpoint = None
        server, self.server = self.server, None
        await close_server(server)
