"""The history API the dashboard's charts read: ``GET /meclab/v1/history/...``.

Each answer is ``{"t": [...], "series": {name: [...]}, "units": {name: unit}}``: ``t`` holds
wall-clock times (Unix seconds) one :data:`~.history.INTERVAL_S` apart, each series one value
per time (null where there is none: no delivery in that second, out of coverage...). With
``since=<t>`` only the samples after ``t`` come back, for incremental fetches.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from meclab.http.problem import ProblemError
from meclab.observe.history import (
    CELL_UNITS,
    PLATFORM_UNITS,
    TERMINAL_UNITS,
    History,
    Ring,
)

PREFIX = "/meclab/v1/history"


class HistoryBody(BaseModel):
    """Samples of some series, oldest first."""

    name: str | None = Field(None, description="The cell or terminal; null for the platform.")
    t: list[float] = Field(description="Sample times, Unix seconds, ascending.")
    series: dict[str, list[float | None]] = Field(
        description="Each series' value at each time of `t` (null: no value then)."
    )
    units: dict[str, str] = Field(description="Each series' unit.")
    interval_s: float = Field(description="Seconds between two samples.")
    window_s: float = Field(description="How far back the history goes at most, in seconds.")


SINCE = Annotated[
    float | None,
    Query(description="Only samples taken after this time (Unix seconds, as in `t`)."),
]


def build_history_router(history: History, interval_s: float) -> APIRouter:
    """The routes reading ``history`` (sampled every ``interval_s``)."""
    router = APIRouter(prefix=PREFIX, tags=["history"])
    window_s = history.window * interval_s

    def body(
        ring: Ring,
        units: dict[str, str],
        since: float | None,
        name: str | None = None,
        column: int | None = None,
    ) -> HistoryBody:
        if since is not None and not math.isfinite(since):
            raise ProblemError(
                400, "query parameter 'since' must be a finite number", title="Bad Request"
            )
        t, series = ring.read(since, column)
        return HistoryBody(
            name=name,
            t=t,
            series=series,
            units=units,
            interval_s=interval_s,
            window_s=window_s,
        )

    @router.get(
        "/platform",
        summary="Platform-wide history: notification and API request rates, delivery latency",
        response_model=HistoryBody,
    )
    async def platform_history(since: SINCE = None) -> HistoryBody:
        """Notifications delivered, given up (``undelivered``) and failed attempts per
        second; the p50/p95/p99 latency of the notifications delivered in each second
        (queueing to the subscriber's 2xx); API requests per second (all, and the ETSI APIs'
        alone) and 4xx and 5xx answers per second."""
        return body(history.platform, PLATFORM_UNITS, since)

    @router.get(
        "/cells/{name}",
        summary="A cell's history: terminals served, load, mean signal",
        response_model=HistoryBody,
        responses={404: {"description": "No point of access has this name."}},
    )
    async def cell_history(name: str, since: SINCE = None) -> HistoryBody:
        """Every point of access is sampled: its served terminals, its load per direction
        (0 to 1: what the data plane measured where it carries flows on the cell,
        ``load_measured`` = 1; otherwise the traffic model RNIS reports) and the mean RSRP
        (RSSI for Wi-Fi) of the terminals it serves."""
        try:
            ring, column = history.cell(name)
        except KeyError:
            raise ProblemError(404, f"no point of access named {name!r}") from None
        return body(ring, CELL_UNITS, since, name, column)

    @router.get(
        "/terminals/{name}",
        summary="A terminal's history (kept from the first time it is asked for)",
        response_model=HistoryBody,
        responses={404: {"description": "No terminal has this name."}},
    )
    async def terminal_history(name: str, since: SINCE = None) -> HistoryBody:
        """RSRP and RSRQ of its serving cell (RSSI on Wi-Fi), throughput of its data plane
        flows and the one-way latency of its path to the MEC host serving it.

        Not every terminal is recorded: a terminal's history starts the first time it is
        asked for here, and is kept for the last 64 terminals asked for (the one asked for
        least recently is dropped first, and its history starts again when asked anew)."""
        try:
            ring = history.watch(name)
        except KeyError:
            raise ProblemError(404, f"no terminal named {name!r}") from None
        return body(ring, TERMINAL_UNITS, since, name)

    return router
