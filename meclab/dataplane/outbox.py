"""The waiting: pieces scheduled by a pipeline, written when their time comes.

The only part of the shaping that touches the event loop. Pieces arrive in departure order
(the pipeline's FIFO clamp guarantees it), so a deque and one timer for its head suffice.

Timer resolution, measured on this machine (2 cores, Linux, Python 3.11; 300 timers each,
lateness of ``loop.call_at`` against ``time.monotonic``)::

                    p50      p90      p99
    asyncio        +0.65    +1.03    +1.9   ms
    uvloop         +0.65    +1.17    +1.5   ms   (and up to 0.25 ms early)

Both wait in ``epoll_wait`` with a timeout in whole milliseconds, so a timer fires up to 1 ms
late, about uniformly. The outbox therefore writes every piece due within a slack of half that
millisecond (:data:`TIMER_SLACK_S`): the error becomes about ±0.5 ms around the due time
instead of 0..+1 ms after it, which halves the median error of every delay (measured with the
outbox: p50 +0.08 ms, p99 +0.6 ms, never more than 0.5 ms early).

uvloop needs more care: its clock is libuv's millisecond time of the iteration's start (up to
a millisecond behind ``time.monotonic``) and its timers count whole milliseconds on it, so a
timer aimed between two milliseconds fires early, finds nothing due, and re-arming it spun
the loop (measured: 12 wake-ups per piece). There the outbox aims at the first whole
millisecond not before the due time minus :data:`UVLOOP_SLACK_S` and releases what is due
within that slack (measured: one wake-up per piece, p50 +0.05 ms, at most 1 ms early).

Pieces due now are written at once, without a timer (the zero-delay fast path).

Consecutive due pieces of a stream are joined into one write (one system call).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from meclab.dataplane.shaping.piece import Ending

TIMER_SLACK_S = 0.0005
"""Half the measured 1 ms timer granularity (see the module docstring)."""
UVLOOP_SLACK_S = 0.001
"""uvloop's timers sit on whole milliseconds of a clock up to 1 ms behind (see ``_arm``): aiming
a millisecond early and releasing what is due within it centres the error there."""

Payload = bytes | memoryview
_EOF = "eof"


class Outbox:
    """One direction's scheduled pieces and the timer that releases them.

    ``write`` receives data to deliver; ``eof`` is called when a half-close (the source's FIN)
    is due; ``after_flush`` after each release, so the relay can resume reading its source.
    ``datagrams`` writes each piece on its own (UDP), a stream joins them.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        write: Callable[[Payload], None],
        *,
        eof: Callable[[], None] | None = None,
        after_flush: Callable[[], None] | None = None,
        datagrams: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.loop = loop
        self.write = write
        self.eof = eof
        self.after_flush = after_flush
        self.datagrams = datagrams
        self.clock = clock
        self.queue: deque[tuple[float, Any, Callable[[float], None] | None]] = deque()
        self.queued_bytes = 0
        self.last_at = float("-inf")
        self._timer: asyncio.TimerHandle | None = None
        self._ms_clock = type(loop).__module__.startswith("uvloop")
        self.slack = UVLOOP_SLACK_S if self._ms_clock else TIMER_SLACK_S
        self.closed = False

    def put(self, at: float, data: Payload, on_sent: Callable[[float], None] | None = None) -> None:
        """Deliver ``data`` at ``at`` (not before anything put earlier); ``on_sent`` is told
        the time it was actually written."""
        if self.closed:
            return
        if not self.queue and at <= self.clock() + self.slack:
            self.write(data)
            if on_sent is not None:
                on_sent(self.clock())
            return
        self.queue.append((at, data, on_sent))
        self.queued_bytes += len(data)
        self.last_at = max(self.last_at, at)
        if self._timer is None:
            self._arm()

    def put_eof(self, at: float | None = None) -> None:
        """Half-close the sink after everything queued (and not before ``at``)."""
        when = max(self.last_at, at if at is not None else self.clock())
        if not self.queue and when <= self.clock() + self.slack:
            if self.eof is not None:
                self.eof()
            return
        self.queue.append((when, _EOF, None))
        if self._timer is None:
            self._arm()

    def retime(self, moved: Callable[[float], float]) -> None:
        """Give every queued piece the due time ``moved`` maps its own to (an order-keeping
        map: :meth:`Pipeline.retime`), and aim the timer again."""
        if not self.queue:
            return
        self.queue = deque((moved(at), data, on_sent) for at, data, on_sent in self.queue)
        self.last_at = moved(self.last_at)
        if self._timer is not None:
            self._timer.cancel()
        self._arm()

    def _arm(self) -> None:
        at = self.queue[0][0] - self.slack
        loop = self.loop
        if self._ms_clock:
            # uvloop's clock is libuv's millisecond time of the iteration's start (behind
            # time.monotonic by up to a millisecond) and its timers are whole milliseconds on
            # it: aiming at the first millisecond not before ``at`` keeps the timer from firing
            # early, which re-arming would turn into a spin (measured: 12 wake-ups per piece).
            target = math.ceil(at * 1000.0) / 1000.0
            self._timer = loop.call_later(max(0.0, target - loop.time()), self.flush)
        else:
            self._timer = loop.call_at(at, self.flush)

    def flush(self) -> None:
        """Write what is due (the timer's callback)."""
        self._timer = None
        if self.closed:
            return
        due = self.clock() + self.slack
        queue = self.queue
        batch: list[Payload] = []
        markers: list[Callable[[float], None]] = []
        while queue and queue[0][0] <= due:
            _, data, on_sent = queue.popleft()
            if data is _EOF:
                self._write_batch(batch)
                batch = []
                if self.eof is not None:
                    self.eof()
                continue
            self.queued_bytes -= len(data)
            if self.datagrams:
                self.write(data)
            else:
                batch.append(data)
            if on_sent is not None:
                markers.append(on_sent)
        self._write_batch(batch)
        if markers:
            sent = self.clock()
            for marker in markers:
                marker(sent)
        if queue and not self.closed:
            self._arm()
        if self.after_flush is not None:
            self.after_flush()

    def _write_batch(self, batch: list[Payload]) -> None:
        if not batch:
            return
        self.write(batch[0] if len(batch) == 1 else b"".join(batch))

    def drop_all(self) -> int:
        """Forget everything queued (the flow was reset); returns the bytes forgotten."""
        dropped = self.queued_bytes
        self.queue.clear()
        self.queued_bytes = 0
        return dropped

    def close(self) -> None:
        """Stop: cancel the timer and forget the queue."""
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.drop_all()


def schedule_ending(
    loop: asyncio.AbstractEventLoop, ending: Ending, act: Callable[[Ending], None]
) -> asyncio.TimerHandle:
    """Call ``act(ending)`` at the ending's time."""
    return loop.call_at(ending.at, act, ending)
