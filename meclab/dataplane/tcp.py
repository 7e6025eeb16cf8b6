"""The TCP relay: two sockets, two pipelines, two outboxes, per flow.

Each leg is an ``asyncio.Protocol`` that only forwards events to :class:`TcpRelay`, which reads,
asks the flow's pipeline, and hands the pieces to an :class:`~.outbox.Outbox` to write when due
(STYLE.md §1, §7). Nothing here decides anything about the network.

* **Backpressure.** A direction stops reading its source (``pause_reading``) when its queue
  (scheduled plus held bytes) passes the pipeline's buffer limit (the path's bandwidth-delay
  product, bounded), or when its sink's transport asks to stop (``pause_writing``); it reads
  again below half the limit. Nothing buffers without bound: the sender's kernel buffers fill
  and its writes block, as behind a real bottleneck.
* **Half-close.** A FIN from one side is passed on (``write_eof``) after the data queued before
  it; the connection closes when both sides have finished.
* **Resets.** A reset from one side (or a DROP rule, a ``reset_peer`` toxic, a UE out of
  coverage too long) resets the other with an RST: ``SO_LINGER`` zero, then close.
* **Stall.** While the UE is out of coverage the pipeline holds chunks; the relay keeps their
  bytes (they count against the buffer limit, so reading stops soon) and admits them again, in
  order, when coverage returns. The connection stays open.
* **Fast path.** A flow with nothing to shape writes what it reads at once.
* **Move.** A flow can be moved to another upstream (a relocated application instance) on the
  same client connection: between two exchanges, once nothing is in flight either way, the
  last answer is delivered and the upstream has been quiet a moment, the relay closes its
  connection to the old upstream (FIN), opens one to the new, and passes on what the client
  sent meanwhile. For request/response protocols (HTTP/1.1 keep-alive); a flow that does not
  pause in time is reset, so that its client reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections import deque
from collections.abc import Callable
from typing import cast

from meclab.dataplane.flows import Flow, Route
from meclab.dataplane.outbox import Outbox, Payload
from meclab.dataplane.shaping.piece import Ending
from meclab.dataplane.shaping.pipeline import Pipeline

UP, DOWN = 0, 1
MIRROR_BUFFER_BYTES = 4 * 1024 * 1024
"""A DUPLICATE_* rule's copy is skipped while this much waits unsent to the duplicate."""

CloseHook = Callable[[Flow, str], None]
MoveHook = Callable[[Flow, Route], None]


def reset_transport(transport: asyncio.BaseTransport | None) -> None:
    """Close with an RST rather than a FIN (SO_LINGER on, zero seconds: RFC 793 abort)."""
    if transport is None or transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class Leg(asyncio.Protocol):
    """One socket of a relayed connection; forwards its events to the relay.

    (Transports are ``cast``, not checked: Python 3.11's and uvloop's concrete transports do
    not all subclass the ``asyncio`` ABCs.)
    """

    side = UP

    def __init__(self) -> None:
        self.relay: TcpRelay | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.relay is not None:
            self.relay.received(self.side, data)

    def eof_received(self) -> bool:
        if self.relay is None:
            return False  # nothing relayed (yet): the client is done, close
        self.relay.eof(self.side)
        return True  # keep the transport open for the other direction (half-close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.relay is not None:
            self.relay.lost(self.side, exc)

    def pause_writing(self) -> None:
        if self.relay is not None:
            self.relay.sink_paused(self.side, True)

    def resume_writing(self) -> None:
        if self.relay is not None:
            self.relay.sink_paused(self.side, False)


class ClientLeg(Leg):
    """The accepted socket: what it reads goes up."""

    side = UP


class UpstreamLeg(Leg):
    """The socket to the application: what it reads goes down."""

    side = DOWN

    def __init__(self, relay: TcpRelay) -> None:
        super().__init__()
        self.relay = relay


class _Sink(asyncio.Protocol):
    """A duplicate's connection: what it answers is read and dropped."""

    def data_received(self, data: bytes) -> None:
        pass


class TcpRelay:
    """One TCP flow between a client transport and an upstream transport."""

    def __init__(
        self,
        flow: Flow,
        client: asyncio.Transport,
        on_close: CloseHook,
        *,
        hold_downlink: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.flow = flow
        self.holding = hold_downlink
        """Keep what the application sends until :meth:`release` (the SOCKS5 reply must reach
        the client first, even when the application speaks first)."""
        self.loop = asyncio.get_running_loop()
        self.clock = clock
        self.on_close = on_close
        self.transports: list[asyncio.Transport | None] = [client, None]
        """Source of each direction: the client for UP, the upstream for DOWN."""
        self.mirror: asyncio.Transport | None = None
        self.mirror_skipped = 0
        self.boxes = (
            Outbox(self.loop, self._write_up, eof=self._eof_up, after_flush=self._flushed),
            Outbox(self.loop, self._write_down, eof=self._eof_down, after_flush=self._flushed),
        )
        self.held: tuple[deque[bytes], deque[bytes]] = (deque(), deque())
        self.held_bytes = [0, 0]
        self.reading_paused = [False, False]
        self.sink_blocked = [False, False]
        """Sink of a direction asked to stop (pause_writing)."""
        self.ended = [False, False]
        """A toxic ended this direction (limit_data)."""
        self.eof_in = [False, False]
        self.eof_queued = [False, False]
        self.eof_out = [False, False]
        self.open_legs = 1
        self.finished = False
        self.reason = "closed"
        self.probe: tuple[float, float] | None = None
        self.upstream: UpstreamLeg | None = None
        self.awaiting = False
        """The client sent bytes the upstream has not answered yet."""
        self.last_down = 0.0
        """When the upstream last sent something (clock)."""
        self.moving: asyncio.Task[None] | None = None
        self.moves = 0
        """Times the flow was moved to another upstream."""
        self._ending: asyncio.TimerHandle | None = None
        self._ending_at = float("inf")
        flow.relay = self
        self._check_deadlines()

    # --- setting up ---------------------------------------------------------------------------

    async def connect(self, *, timeout_s: float = 10.0) -> None:
        """Connect to the flow's target (and a duplicate's); OSError when it cannot."""
        host, port = self.flow.route.target
        await self._dial(host, port, timeout_s)
        if self.finished:
            return
        self.open_legs += 1
        duplicate = self.flow.route.duplicate
        if duplicate is not None:
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(timeout_s):
                    mirror, _ = await self.loop.create_connection(_Sink, *duplicate[2])
                mirror = cast(asyncio.Transport, mirror)
                self.mirror = mirror

    async def _dial(self, host: str, port: int, timeout_s: float) -> None:
        async with asyncio.timeout(timeout_s):
            transport, leg = await self.loop.create_connection(
                lambda: UpstreamLeg(self), host, port
            )
        if self.finished:
            transport.close()
            return
        self.transports[DOWN] = cast(asyncio.Transport, transport)
        self.upstream = leg

    # --- data ---------------------------------------------------------------------------------

    def _pipe(self, side: int) -> Pipeline:
        return self.flow.up if side == UP else self.flow.down

    def received(self, side: int, data: bytes) -> None:
        """Bytes read from the source of direction ``side``."""
        if self.finished:
            return
        if self.ended[side]:  # a toxic half-closed this direction: the rest is dropped
            self._count_drop(side, len(data))
            return
        now = self.clock()
        self.awaiting = side == UP  # an answer coming down settles what went up
        if side == DOWN:
            self.last_down = now
        held = self.held[side]
        if held or self._holds(side):  # keep order: nothing overtakes the held
            held.append(data)
            self.held_bytes[side] += len(data)
            self._pressure(side)
            return
        self._admit(side, data, now)

    def _holds(self, side: int) -> bool:
        """Whether ``side``'s bytes wait: the application's until the SOCKS5 reply went, the
        client's while the flow moves to another upstream."""
        return self.holding if side == DOWN else self.moving is not None and self.upstream is None

    def _admit(self, side: int, data: bytes, now: float) -> None:
        pipe = self._pipe(side)
        box = self.boxes[side]
        marker = self._probe(side, now)
        if pipe.transparent and not box.queue:
            box.put(now, data, marker)
            return
        verdict = pipe.admit(now, len(data))
        if verdict.held:
            self.held[side].append(data)
            self.held_bytes[side] += len(data)
            self._pressure(side)
            return
        pieces = verdict.pieces
        if side == UP and self.probe is not None and self.probe[1] < 0:
            self.probe = (self.probe[0], pieces[0].at) if pieces else None
        size = len(data)
        view = memoryview(data) if len(pieces) > 1 or (pieces and pieces[0].size != size) else None
        for piece in pieces:
            chunk: Payload = data if view is None else view[piece.start : piece.end]
            box.put(piece.at, chunk, marker)
            marker = None
        if verdict.dropped:
            self._count_drop(side, verdict.dropped)
        ending = verdict.ending
        if ending is not None and ending.half:
            if not self.ended[side]:
                self.ended[side] = True
                self.eof_in[side] = True
                self._queue_eof(side, ending.at)
        elif ending is not None:
            self._schedule_ending(ending)
        self._pressure(side)

    def _probe(self, side: int, now: float) -> Callable[[float], None] | None:
        """RTT probes (see :mod:`.stats`): a request going up starts one; the first answer
        read after the request was delivered ends it when written to the client."""
        if side == UP:
            if self.probe is None:
                self.probe = (now, -1.0)  # delivery time set once scheduled
            return None
        probe = self.probe
        if probe is None or probe[1] < 0 or now < probe[1]:
            return None
        self.probe = None
        stats = self.flow.stats
        start = probe[0]
        return lambda sent: stats.rtt_sample(sent - start)

    def _count_drop(self, side: int, n: int) -> None:
        if side == UP:
            self.flow.stats.dropped_up += n
        else:
            self.flow.stats.dropped_down += n

    def _write_up(self, data: Payload) -> None:
        upstream = self.transports[DOWN]
        if upstream is None or upstream.is_closing():
            return
        upstream.write(data)
        mirror = self.mirror
        if mirror is not None and not mirror.is_closing():
            if mirror.get_write_buffer_size() <= MIRROR_BUFFER_BYTES:
                mirror.write(data)
            else:  # a slow duplicate must not make the relay buffer without bound: skip it
                self.mirror_skipped += len(data)
        n = len(data)
        self.flow.stats.sent_up(n, self.clock())
        if self.probe is not None and self.probe[1] < 0:
            self.probe = (self.probe[0], 0.0)  # delivered on the fast path

    def _write_down(self, data: Payload) -> None:
        client = self.transports[UP]
        if client is None or client.is_closing():
            return
        client.write(data)
        self.flow.stats.sent_down(len(data), self.clock())

    # --- flow control -------------------------------------------------------------------------

    def _queued(self, side: int) -> int:
        return self.boxes[side].queued_bytes + self.held_bytes[side]

    def _pressure(self, side: int) -> None:
        source = self.transports[side]
        if source is None or source.is_closing():
            return
        limit = self._pipe(side).buffer_limit(self.clock())
        queued = self._queued(side)
        if not self.reading_paused[side]:
            if queued > limit or self.sink_blocked[side]:
                source.pause_reading()
                self.reading_paused[side] = True
        elif not self.sink_blocked[side] and queued <= limit // 2:
            source.resume_reading()
            self.reading_paused[side] = False

    def _flushed(self) -> None:
        for side in (UP, DOWN):
            if self.reading_paused[side]:
                self._pressure(side)

    def sink_paused(self, leg_side: int, paused: bool) -> None:
        """A leg's transport asked to stop (or may resume) being written to: the direction it
        sinks is the other one."""
        side = DOWN if leg_side == UP else UP
        self.sink_blocked[side] = paused
        self._pressure(side)

    # --- control (the switch, the follower) ---------------------------------------------------

    def reshaped(self) -> None:
        """The flow's pipelines changed: admit held data, re-check deadlines and buffers."""
        if self.finished:
            return
        now = self.clock()
        for side in (UP, DOWN):
            moved = self._pipe(side).retime(now)
            if moved is not None:  # faster now: the queue goes at the new rate
                self.boxes[side].retime(moved)
            held = self.held[side]
            if self._holds(side):
                continue
            while held and not self._pipe(side).stalled:
                data = held.popleft()
                self.held_bytes[side] -= len(data)
                self._admit(side, data, now)
            if not held and self.eof_in[side]:
                self._queue_eof(side)
            self._pressure(side)
        self._check_deadlines()

    def release(self) -> None:
        """Start delivering what the application sends (see ``hold_downlink``)."""
        self.holding = False
        self.reshaped()

    def _check_deadlines(self) -> None:
        for pipe in (self.flow.up, self.flow.down):
            deadline = pipe.deadline()
            if deadline is not None:
                self._schedule_ending(deadline)

    def _schedule_ending(self, ending: Ending) -> None:
        if ending.at >= self._ending_at:
            return
        if self._ending is not None:
            self._ending.cancel()
        self._ending_at = ending.at
        self._ending = self.loop.call_at(ending.at, self._end, ending)

    def _end(self, ending: Ending) -> None:
        self.abort("toxic", reset=ending.reset)

    def move(self, route: Route, moved: MoveHook, *, quiet_s: float, within_s: float) -> None:
        """Move the flow to ``route`` (its ``target``) at its next pause (see the module
        docstring): nothing in flight either way, no request unanswered, the upstream quiet
        for ``quiet_s``; ``moved(flow, route)`` then, before the new upstream is dialled.
        Reset it when no pause comes within ``within_s``."""
        if self.finished:
            return
        if self.moving is not None:
            self.moving.cancel()
        self.moving = self.loop.create_task(self._move(route, moved, quiet_s, within_s))

    def _paused(self, quiet_s: float) -> bool:
        return (
            not self.awaiting
            and not any(box.queue for box in self.boxes)
            and not any(self.held)
            and not any(self.eof_in)
            and self.clock() - self.last_down >= quiet_s
        )

    async def _move(self, route: Route, moved: MoveHook, quiet_s: float, within_s: float) -> None:
        deadline = self.clock() + within_s
        try:
            while not self._paused(quiet_s):
                if self.finished:
                    return
                if self.clock() >= deadline:
                    self.abort("relocated", reset=True)
                    return
                await asyncio.sleep(max(quiet_s / 2, 0.001))
            old, leg = self.transports[DOWN], self.upstream
            if leg is not None:
                leg.relay = None  # its close is no end of the flow
            self.upstream = None  # the client's bytes wait from here (see _holds)
            if old is not None:
                old.close()
            moved(self.flow, route)
            try:
                await self._dial(*route.target, timeout_s=max(deadline - self.clock(), 1.0))
            except (OSError, TimeoutError):
                self.abort("relocated", reset=True)
                return
            self.moves += 1
        finally:
            if asyncio.current_task() is self.moving:
                self.moving = None
        self.reshaped()

    def abort(self, reason: str, *, reset: bool = True) -> None:
        """End the flow now: RST both sides, or flush what is due and close them."""
        if self.finished:
            return
        self.reason = reason
        for box in self.boxes:
            if not reset:
                box.flush()
            box.close()
        for transport in (*self.transports, self.mirror):
            if transport is None:
                continue
            if reset:
                reset_transport(transport)
            else:
                transport.close()
        self._finish()

    # --- ends of streams ----------------------------------------------------------------------

    def eof(self, side: int) -> None:
        """The source of ``side`` sent FIN: pass it on after what it sent before."""
        if self.eof_in[side]:
            return
        self.eof_in[side] = True
        if not self.held[side]:
            self._queue_eof(side)

    def _queue_eof(self, side: int, at: float | None = None) -> None:
        if not self.eof_queued[side]:
            self.eof_queued[side] = True
            self.boxes[side].put_eof(at)

    def _eof_up(self) -> None:
        self._send_eof(UP)

    def _eof_down(self) -> None:
        self._send_eof(DOWN)

    def _send_eof(self, side: int) -> None:
        self.eof_out[side] = True
        sink = self.transports[DOWN if side == UP else UP]
        if sink is not None and not sink.is_closing():
            if sink.can_write_eof():
                sink.write_eof()
            else:
                sink.close()
        if side == UP and self.mirror is not None:
            self.mirror.close()
        if self.eof_out[UP] and self.eof_out[DOWN]:
            for transport in self.transports:
                if transport is not None:
                    transport.close()

    def lost(self, side: int, exc: Exception | None) -> None:
        """The socket that is the source of ``side`` is gone."""
        self.open_legs -= 1
        if self.finished:
            return
        other = self.transports[DOWN if side == UP else UP]
        if exc is not None:  # reset or error: the peer learns it the same way
            self.reason = "reset"
            self.abort("reset", reset=True)
            return
        # closed cleanly: deliver what the gone side sent, then close towards the other side
        if not self.eof_in[side]:
            self.eof(side)
        self.boxes[DOWN if side == UP else UP].close()  # nobody is left to read these
        if other is None or self.open_legs <= 0:
            self._finish()
        elif not self.boxes[side].queue and not self.held[side]:
            other.close()
            self._finish()
        else:
            self.boxes[side].eof = lambda: (other.close(), self._finish())

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        if self._ending is not None:
            self._ending.cancel()
        for box in self.boxes:
            if not box.queue:
                box.close()
        self.on_close(self.flow, self.reason)
