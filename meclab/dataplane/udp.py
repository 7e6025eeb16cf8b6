"""The UDP relay: datagrams from a client to an application and back, one flow per pair.

A UDP "flow" is a client address talking to one destination (a SOCKS5 UDP association and one
``DST.ADDR:DST.PORT``, or a client address on an application's port). Each has an upstream
socket connected to where the application really runs, and a pipeline per direction in datagram
mode: a datagram is dropped whole with the path's loss probability, never sliced, and delivered
whole when due.

Differences from TCP, each for a reason:

* no backpressure exists in UDP, so a direction whose queue is over its buffer limit drops the
  datagram (tail drop, as a router queue does), counted as dropped;
* while the UE is out of coverage datagrams are dropped (a radio with no cell carries nothing
  and UDP does not retransmit), where TCP holds its bytes;
* a traffic rule's DROP drops each datagram (the flow exists, so it is counted); DUPLICATE_*
  also sends each uplink datagram to the duplicate's application, whose answers are dropped;
* a flow whose destination is a name that, after a handover, resolves to another application
  instance is closed quietly, so the next datagram goes to the new zone's instance (a TCP
  connection stays with the instance it connected to);
* a flow idle for :data:`UDP_IDLE_TIMEOUT_S` is closed (SOCKS5 associations also end with their
  TCP connection, RFC 1928 §7).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable

from meclab.dataplane.flows import Flow
from meclab.dataplane.outbox import Outbox, Payload
from meclab.dataplane.shaping.piece import Ending
from meclab.dataplane.shaping.pipeline import Pipeline
from meclab.scenario.model import TrafficAction

UDP_IDLE_TIMEOUT_S = 120.0
"""Linux conntrack's timeout for an assured UDP stream (nf_conntrack_udp_timeout_stream)."""
MAX_DATAGRAM = 65535
PURGE_AT = 256
"""Entry points forget finished UDP flows once they track this many."""
PRE_CONNECT_LIMIT = 64
"""Datagrams kept while the upstream socket is being set up."""

CloseHook = Callable[[Flow, str], None]


class _UpstreamUdp(asyncio.DatagramProtocol):
    def __init__(self, relay: UdpRelay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        self.relay.from_upstream(data)

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP port unreachable and friends: UDP gives no guarantee, nor does the relay


class UdpRelay:
    """One UDP flow."""

    def __init__(
        self,
        flow: Flow,
        send_to_client: Callable[[Payload], None],
        on_close: CloseHook,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.flow = flow
        self.loop = asyncio.get_running_loop()
        self.clock = clock
        self.on_close = on_close
        self.send_to_client = send_to_client
        self.upstream: asyncio.DatagramTransport | None = None
        self.mirror: socket.socket | None = None
        self.pending: list[Payload] = []
        self.up = Outbox(self.loop, self._write_up, datagrams=True)
        self.down = Outbox(self.loop, self._write_down, datagrams=True)
        self.finished = False
        self.last_activity = clock()
        self.probe: tuple[float, float] | None = None
        self._ending: asyncio.TimerHandle | None = None
        self._idle: asyncio.TimerHandle | None = None
        flow.relay = self
        self._arm_idle()

    async def connect(self) -> None:
        """Open the upstream socket (and the duplicate's)."""
        transport, _ = await self.loop.create_datagram_endpoint(
            lambda: _UpstreamUdp(self), remote_addr=self.flow.route.target
        )
        if self.finished:
            transport.close()
            return
        self.upstream = transport
        duplicate = self.flow.route.duplicate
        if duplicate is not None:
            with contextlib.suppress(OSError):
                family = socket.AF_INET6 if ":" in duplicate[2][0] else socket.AF_INET
                mirror = socket.socket(family, socket.SOCK_DGRAM)
                mirror.setblocking(False)
                mirror.connect(duplicate[2])
                self.mirror = mirror
        for data in self.pending:
            self._write_up(data)
        self.pending.clear()
        self.reshaped()

    # --- datagrams ----------------------------------------------------------------------------

    def from_client(self, data: bytes) -> None:
        if self.finished:
            return
        now = self.clock()
        self.last_activity = now
        decision = self.flow.decision
        if decision is not None and decision.action is TrafficAction.DROP:
            self.flow.stats.dropped_up += len(data)
            return
        if self.probe is None:
            self.probe = (now, -1.0)
        self._admit(self.flow.up, self.up, data, now, up=True)

    def from_upstream(self, data: bytes) -> None:
        if self.finished:
            return
        now = self.clock()
        self.last_activity = now
        self._admit(self.flow.down, self.down, data, now, up=False)

    def _admit(self, pipe: Pipeline, box: Outbox, data: bytes, now: float, *, up: bool) -> None:
        stats = self.flow.stats
        if box.queued_bytes + len(data) > pipe.buffer_limit(now):
            self._drop(up, len(data))
            return
        verdict = pipe.admit(now, len(data))
        if verdict.held or not verdict.pieces:
            self._drop(up, len(data))
            if up and self.probe is not None and self.probe[1] < 0:
                self.probe = None
        else:
            at = verdict.pieces[0].at
            marker = None
            if up and self.probe is not None and self.probe[1] < 0:
                self.probe = (self.probe[0], at)
            elif not up and self.probe is not None and 0 <= self.probe[1] <= now:
                start = self.probe[0]
                self.probe = None
                marker = lambda sent: stats.rtt_sample(sent - start)  # noqa: E731
            box.put(at, data, marker)
        if verdict.ending is not None:
            self._schedule_ending(verdict.ending)

    def _drop(self, up: bool, n: int) -> None:
        if up:
            self.flow.stats.dropped_up += n
        else:
            self.flow.stats.dropped_down += n

    def _write_up(self, data: Payload) -> None:
        if self.upstream is None:
            if len(self.pending) < PRE_CONNECT_LIMIT:
                self.pending.append(data)
            else:
                self._drop(True, len(data))
            return
        self.upstream.sendto(data)
        if self.mirror is not None:
            with contextlib.suppress(OSError):
                self.mirror.send(data)
        self.flow.stats.sent_up(len(data), self.clock())

    def _write_down(self, data: Payload) -> None:
        self.send_to_client(data)
        self.flow.stats.sent_down(len(data), self.clock())

    # --- control ------------------------------------------------------------------------------

    def reshaped(self) -> None:
        now = self.clock()
        for pipe, box in ((self.flow.up, self.up), (self.flow.down, self.down)):
            moved = pipe.retime(now)
            if moved is not None:  # faster now: the queue goes at the new rate, as for TCP
                box.retime(moved)
            deadline = pipe.deadline()
            if deadline is not None:
                self._schedule_ending(deadline)

    def _schedule_ending(self, ending: Ending) -> None:
        if self._ending is None:
            self._ending = self.loop.call_at(ending.at, lambda: self.abort("toxic"))

    def _arm_idle(self) -> None:
        self._idle = self.loop.call_later(UDP_IDLE_TIMEOUT_S / 4, self._check_idle)

    def _check_idle(self) -> None:
        if self.finished:
            return
        if self.clock() - self.last_activity >= UDP_IDLE_TIMEOUT_S:
            self.abort("idle")
        else:
            self._arm_idle()

    def abort(self, reason: str, *, reset: bool = True) -> None:
        """Close the flow (UDP has nothing to reset); the client's next datagram opens anew."""
        if self.finished:
            return
        self.finished = True
        for timer in (self._ending, self._idle):
            if timer is not None:
                timer.cancel()
        self.up.close()
        self.down.close()
        if self.upstream is not None:
            self.upstream.close()
        if self.mirror is not None:
            self.mirror.close()
        self.on_close(self.flow, reason)
