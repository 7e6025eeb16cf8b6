"""The trace behind the dashboard's sequence diagram: a bounded ring of who did what to whom.

Each :class:`TraceRecord` is one arrow between two participants: an MEC API call (an app or a
client to a MEC platform), a notification delivery attempt (a platform to an app), a handover
(one cell to another), a zone change, a relocation step or an app instance's lifecycle change.
Participants are named ``kind:name`` (``ue:ue1``, ``cell:poa-4g1``, ``mep:mep1``,
``app:edge-app``, ``zone:zone1``, ``system``, ``client``) so that the page can draw one lifeline
per name and its kind.

The ring keeps the newest :data:`CAPACITY` records; :meth:`Trace.read` filters by app and by
terminal, and :meth:`Trace.wait` lets a stream sleep until something newer arrives. Adding is on
the ETSI routes' hot path (one record per request), so it builds a slotted record, appends it to
a deque and wakes a waiter only if one waits.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import Any, NamedTuple

CAPACITY = 5000
"""Records kept: about a minute of a busy lab at 80 calls/s, hours of a quiet one."""


class TraceKind(StrEnum):
    """What a record shows."""

    API = "api"
    NOTIFICATION = "notification"
    HANDOVER = "handover"
    ATTACH = "attach"
    ZONE = "zone"
    RELOCATION = "relocation"
    LIFECYCLE = "lifecycle"


class TraceRecord(NamedTuple):
    """One arrow of the sequence diagram.

    A named tuple rather than a frozen dataclass: one is made per API request, and a frozen
    dataclass's ``__init__`` (one ``object.__setattr__`` per field) took twice as long
    (bench/trace_calls.py).
    """

    seq: int
    """Position in this run's trace, strictly increasing from 1."""
    wall: float
    """Unix time (seconds) it happened."""
    t: float | None
    """World (simulation) time in seconds; None before a world is loaded."""
    kind: TraceKind
    source: str
    """Participant the arrow starts at (``kind:name``)."""
    target: str
    """Participant it ends at."""
    label: str
    """What the arrow says: ``GET /rni/v2/queries/rab_info``, a notification type, ..."""
    status: str = ""
    """Outcome: an HTTP status, ``delivered``/``failed``/``given_up``, a procedure state."""
    ok: bool = True
    """Whether the outcome is a success (the page colours failures)."""
    app: str | None = None
    """The app instance it concerns (its name, or its id when it has none), for filtering."""
    ue: str | None = None
    """The terminal it concerns, for filtering."""
    host: str | None = None
    """The MEC host it concerns."""
    detail: dict[str, Any] | None = None
    """Anything else worth showing on a click (route, path, latency, error, ...)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "seq": self.seq,
            "wall": self.wall,
            "t": self.t,
            "kind": self.kind.value,
            "source": self.source,
            "target": self.target,
            "label": self.label,
            "status": self.status,
            "ok": self.ok,
            "app": self.app,
            "ue": self.ue,
            "host": self.host,
            "detail": self.detail or {},
        }


class Trace:
    """The newest ``capacity`` records, with filters and a way to wait for more.

    ``world_time()`` gives the world's time now (None without a world); ``wall()`` the Unix
    time.
    """

    def __init__(
        self,
        capacity: int = CAPACITY,
        *,
        wall: Callable[[], float] = time.time,
        world_time: Callable[[], float | None] = lambda: None,
    ) -> None:
        if capacity < 1:
            raise ValueError("a trace keeps at least one record")
        self.capacity = capacity
        self._ring: deque[TraceRecord] = deque(maxlen=capacity)
        self._seq = itertools.count(1)
        self._wall = wall
        self._world_time = world_time
        self._newer: asyncio.Future[None] | None = None

    @property
    def last_seq(self) -> int:
        """The newest record's seq; 0 while there is none."""
        return self._ring[-1].seq if self._ring else 0

    def add(
        self,
        kind: TraceKind,
        source: str,
        target: str,
        label: str,
        status: str = "",
        *,
        ok: bool = True,
        app: str | None = None,
        ue: str | None = None,
        host: str | None = None,
        t: float | None = None,
        detail: dict[str, Any] | None = None,
    ) -> TraceRecord:
        """Append a record (``t``: its world time, default the world's time now)."""
        record = TraceRecord(
            next(self._seq),
            self._wall(),
            self._world_time() if t is None else t,
            kind,
            source,
            target,
            label,
            status,
            ok,
            app,
            ue,
            host,
            detail,
        )
        self._ring.append(record)
        newer = self._newer
        if newer is not None:
            self._newer = None
            if not newer.done():
                newer.set_result(None)
        return record

    def read(
        self,
        since: int = 0,
        limit: int | None = None,
        *,
        app: str | None = None,
        ue: str | None = None,
    ) -> list[TraceRecord]:
        """Records after seq ``since``, oldest first, that concern ``app`` (as its record's
        ``app`` or as either end) and ``ue``; with ``limit``, the newest ``limit`` of them."""
        ring = self._ring
        if since >= self.last_seq:
            return []
        # the ring's seqs are consecutive, so the first record after `since` is found by index
        start = max(0, len(ring) - (self.last_seq - since))
        matching = self._matcher(app, ue)
        records = [r for r in itertools.islice(ring, start, None) if matching(r)]
        if limit is not None and len(records) > limit:
            records = records[len(records) - limit :]
        return records

    @staticmethod
    def _matcher(app: str | None, ue: str | None) -> Callable[[TraceRecord], bool]:
        apps = {app, f"app:{app}"}

        def matching(record: TraceRecord) -> bool:
            if ue is not None and record.ue != ue:
                return False
            return app is None or (
                record.app in apps or record.source in apps or record.target in apps
            )

        return matching

    async def wait(self, after: int, timeout_s: float) -> bool:
        """Wait until a record newer than seq ``after`` exists (True) or ``timeout_s`` passes."""
        if self.last_seq > after:
            return True
        if self._newer is None or self._newer.done():
            self._newer = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(asyncio.shield(self._newer), timeout_s)
        except TimeoutError:
            return False
        return True
