"""Bandwidth on demand: ask MEC 015 BWM for a fixed allocation when the throughput an app
measures falls below what it needs, and give it back when the need is gone.

::

    need = BandwidthNeed(BwmClient(app.http), app.app_instance_id, direction=Direction.DOWNLINK,
                         session=SessionFilter(sourceIp=ue_ip, dstAddress=my_ip))
    meter = ThroughputMeter()
    ...
    meter.add(len(overlay))                 # what the app delivered
    need.set_need(10 * 64_000 * 8)          # what it needs now, bit/s (0: nothing)
    await need.observe(meter.rate_bps())    # every second or so
    ...
    await need.close()                      # the allocation, if any, is released

**The rule.** With no allocation, once every observation for :attr:`BandwidthNeed.below_s`
has been under ``margin x need`` (counted afresh from a change of the need: make ``below_s``
at least the window the throughput is measured over) it creates one of ``need``
(session-level when a ``session`` filter is given, else for all the app's traffic). With one,
a changed need replaces it (PUT) and a need of 0 releases it (DELETE), as does
:meth:`BandwidthNeed.close`. An allocation the
platform refuses (409: the cell or host cannot honour it) is not asked again for
:attr:`BandwidthNeed.retry_s`; the refusal is kept in :attr:`BandwidthNeed.refused`.
Observations above the need never release an allocation: they are what it bought.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Self

from meclab.sdk.clients.bwm import BwmClient
from meclab.sdk.errors import MecApiError
from meclab.services.bwm.models import AllocationDirection, BwInfo, RequestType, SessionFilter

Direction = AllocationDirection


class ThroughputMeter:
    """Bytes counted over a sliding window: the rate an app delivered (or received)."""

    def __init__(self, window_s: float = 1.0, *, clock: Callable[[], float] = time.monotonic):
        if not window_s > 0:
            raise ValueError(f"window_s must be positive, got {window_s}")
        self.window_s = window_s
        self.clock = clock
        self._samples: deque[tuple[float, int]] = deque()
        self._started = clock()

    def add(self, size: int) -> None:
        """``size`` bytes went now."""
        now = self.clock()
        self._samples.append((now, size))
        self._forget(now)

    def rate_bps(self) -> float:
        """Bits per second over the last window (over the time since the meter started, when
        it is younger than a window)."""
        now = self.clock()
        self._forget(now)
        span = min(self.window_s, now - self._started)
        return 0.0 if span <= 0 else sum(s for _, s in self._samples) * 8 / span

    def _forget(self, now: float) -> None:
        while self._samples and self._samples[0][0] <= now - self.window_s:
            self._samples.popleft()


class BandwidthNeed:
    """One app's bandwidth need, kept met through BWM (module docstring)."""

    def __init__(
        self,
        bwm: BwmClient,
        app_instance_id: str,
        *,
        direction: AllocationDirection = AllocationDirection.DOWNLINK,
        session: SessionFilter | None = None,
        need_bps: float = 0.0,
        margin: float = 0.9,
        below_s: float = 1.0,
        retry_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < margin <= 1:
            raise ValueError(f"margin must be in (0, 1], got {margin}")
        self.bwm = bwm
        self.app_instance_id = app_instance_id
        self.direction = direction
        self.session = session
        self.margin = margin
        self.below_s = below_s
        self.retry_s = retry_s
        self.clock = clock
        self.need_bps = 0.0
        self.allocation: BwInfo | None = None
        """The allocation in force, as the platform answered it; None without one."""
        self.refused: MecApiError | None = None
        """The platform's last refusal, until an allocation is made."""
        self._below_since: float | None = None
        self._retry_at = -float("inf")
        self._pending_need = need_bps

    def set_need(self, bps: float) -> None:
        """What the app needs from now on, bit/s; :meth:`observe` acts on it."""
        if not bps >= 0:
            raise ValueError(f"a need is a non-negative rate, got {bps}")
        self._pending_need = float(bps)

    async def observe(self, throughput_bps: float) -> None:
        """The throughput the app measured just now: ask, replace or release as the rule says."""
        now = self.clock()
        need = self._pending_need
        if need != self.need_bps:  # a throughput measured for the old need says nothing yet
            self._below_since = None
        self.need_bps = need
        if self.allocation is not None:
            if need == 0:
                await self.release()
            elif int(need) != int(self.allocation.fixedAllocation):
                self.allocation = (await self.bwm.replace(self._info(need, self.allocation))).value
            return
        if need == 0 or throughput_bps >= self.margin * need:
            self._below_since = None
            return
        if self._below_since is None:
            self._below_since = now
        if now - self._below_since < self.below_s or now < self._retry_at:
            return
        try:
            self.allocation = (await self.bwm.create(self._info(need))).value
        except MecApiError as exc:
            if exc.status != 409:
                raise
            self.refused = exc
            self._retry_at = now + self.retry_s
            return
        self.refused = None
        self._below_since = None

    async def release(self) -> None:
        """Give the allocation back, if there is one (an allocation already gone is fine)."""
        allocation, self.allocation = self.allocation, None
        if allocation is None or allocation.allocationId is None:
            return
        try:
            await self.bwm.delete(allocation.allocationId)
        except MecApiError as exc:
            if exc.status != 404:
                raise

    async def close(self) -> None:
        """The app no longer needs anything: release."""
        self._pending_need = self.need_bps = 0.0
        await self.release()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _info(self, need: float, current: BwInfo | None = None) -> BwInfo:
        level = RequestType.APPLICATION_SPECIFIC_BW_ALLOCATION
        if self.session is not None:
            level = RequestType.SESSION_SPECIFIC_BW_ALLOCATION
        return BwInfo(
            allocationId=current.allocationId if current is not None else None,
            appInsId=self.app_instance_id,
            requestType=level,
            sessionFilter=[self.session] if self.session is not None else None,
            fixedAllocation=str(int(need)),
            allocationDirection=self.direction,
        )
