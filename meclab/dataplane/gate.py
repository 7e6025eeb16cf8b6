"""What every entry point shares: open a flow, connect it, relay it, close it.

The SOCKS5 proxy (:mod:`.socks5`) and the per-proxy listeners (:mod:`.listeners`) only speak
their protocol; they hand a :class:`~.switch.FlowRequest` to the gate, which asks the switch,
builds the relay, connects it to the application and registers it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from meclab.dataplane.flows import Flow, FlowRegistry
from meclab.dataplane.identity import ue_by_address
from meclab.dataplane.outbox import Payload
from meclab.dataplane.switch import FlowRequest, Identity, Refused, RefuseReason, Switch
from meclab.dataplane.tcp import TcpRelay
from meclab.dataplane.udp import UdpRelay

log = logging.getLogger("meclab.dataplane")

CONNECT_TIMEOUT_S = 10.0


class Gate:
    """Opens and closes flows for the entry points."""

    def __init__(
        self,
        switch: Switch,
        registry: FlowRegistry,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.switch = switch
        self.registry = registry
        self.clock = clock
        self.by_upstream: dict[tuple[str, int], Flow] = {}
        """Open TCP flows by the local address of their upstream socket (the responder asks)."""
        self._upstream_of: dict[int, tuple[str, int]] = {}

    def identify_address(self, ip: str) -> Identity | None:
        """(UE, source) a client address stands for (its loopback alias), or None."""
        world = self.switch.world
        if world is None:
            return None
        ue = ue_by_address(world, ip)
        return (ue, ue) if ue is not None else None

    def identify_name(self, name: str) -> Identity | None:
        """Who a SOCKS5 username names: a UE (or its terminal app), or an application."""
        return self.switch.identify(name)

    async def open_tcp(
        self, request: FlowRequest, client: asyncio.Transport, *, hold_downlink: bool = False
    ) -> TcpRelay:
        """A connected relay for ``request``; Refused when the flow may not, or cannot, open.

        ``hold_downlink``: keep the application's bytes until ``relay.release()``.
        """
        flow = self.switch.open(request)
        relay = TcpRelay(flow, client, self.closed, hold_downlink=hold_downlink, clock=self.clock)
        try:
            await relay.connect(timeout_s=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            relay.transports[0] = None  # the entry point answers its client itself
            relay.abort("upstream_failed")
            host, port = flow.route.target
            target = f"{host}:{port}"
            raise Refused(RefuseReason.UPSTREAM_FAILED, f"{target}: {exc}") from exc
        upstream = relay.transports[1]
        if upstream is not None and not relay.finished:
            local = upstream.get_extra_info("sockname")
            if local is not None:
                key = (str(local[0]), int(local[1]))
                self.by_upstream[key] = flow
                self._upstream_of[flow.id] = key
        return relay

    def open_udp(self, request: FlowRequest, send: Callable[[Payload], None]) -> UdpRelay:
        """A UDP relay for ``request`` (its upstream socket opens in the background)."""
        flow = self.switch.open(request)
        relay = UdpRelay(flow, send, self.closed, clock=self.clock)
        task = asyncio.get_running_loop().create_task(relay.connect())
        task.add_done_callback(lambda t: self._connected(relay, t))
        return relay

    def _connected(self, relay: UdpRelay, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is not None:
            if not task.cancelled():
                log.warning("UDP flow %d: no upstream: %s", relay.flow.id, task.exception())
            relay.abort("upstream_failed")

    def closed(self, flow: Flow, reason: str) -> None:
        """A relay finished: forget its flow."""
        key = self._upstream_of.pop(flow.id, None)
        if key is not None:
            self.by_upstream.pop(key, None)
        self.registry.remove(flow, reason, self.clock())

    def close_all(self, reason: str) -> None:
        """End every open flow (stop, a new scenario)."""
        for flow in list(self.registry.open.values()):
            if flow.relay is not None:
                flow.relay.abort(reason)
            else:
                self.closed(flow, reason)


async def close_server(server: asyncio.Server | None, *, timeout_s: float = 2.0) -> None:
    """Stop listening and wait (a little) for the server to close.

    From Python 3.12 ``wait_closed`` also waits for the server's connections, which the relay
    ends itself; the wait is bounded so that stopping never hangs on a slow peer.
    """
    if server is None:
        return
    server.close()
    try:
        async with asyncio.timeout(timeout_s):
            await server.wait_closed()
    except TimeoutError:
        log.debug("server %s still had connections when stopped", server)
