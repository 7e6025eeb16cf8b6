"""The trace API the dashboard's sequence diagram reads: ``GET /meclab/v1/trace`` and its
live form ``GET /meclab/v1/trace/stream`` (server-sent events, one ``trace`` event per record,
its ``seq`` as the event id, resuming after ``Last-Event-ID``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from meclab.http.problem import ProblemError
from meclab.observe.trace import CAPACITY, Trace, TraceKind

PREFIX = "/meclab/v1/trace"
PING_S = 15.0
"""Seconds between keep-alive comments on a quiet stream (as the event stream's)."""
BACKLOG = 300
"""Records a new stream starts with when it names no ``since``: what the page draws."""


class TraceItem(BaseModel):
    """One arrow of the sequence diagram (:class:`meclab.observe.trace.TraceRecord`)."""

    seq: int
    wall: float = Field(description="Unix time, seconds.")
    t: float | None = Field(description="World time, seconds (null before a world).")
    kind: TraceKind
    source: str = Field(description="Participant the arrow starts at: `kind:name`.")
    target: str = Field(description="Participant it ends at.")
    label: str
    status: str = Field(description="HTTP status, delivery outcome, procedure state ...")
    ok: bool = Field(description="Whether the outcome is a success.")
    app: str | None = Field(description="The app instance it concerns (name, else id).")
    ue: str | None = Field(description="The terminal it concerns.")
    host: str | None = Field(description="The MEC host it concerns.")
    detail: dict[str, Any]


class TracePage(BaseModel):
    """Records after ``since``, oldest first."""

    items: list[TraceItem]
    last_seq: int = Field(description="The newest record's seq (of all, filtered or not).")
    capacity: int = Field(description="Records the trace keeps; older ones are gone.")


SINCE = Annotated[int, Query(ge=0, description="Only records with a greater seq.")]
APP = Annotated[
    str | None,
    Query(min_length=1, description="Only records about this app instance (name or id)."),
]
LIMIT = Annotated[
    int | None, Query(ge=1, le=CAPACITY, description="At most this many, the newest.")
]
UE = Annotated[str | None, Query(min_length=1, description="Only records about this terminal.")]


def build_trace_router(trace: Trace) -> APIRouter:
    """The routes reading ``trace``."""
    router = APIRouter(prefix=PREFIX, tags=["trace"])

    @router.get(
        "",
        summary="MEC API calls, notifications, handovers and relocation steps, as they happened",
        response_model=TracePage,
    )
    async def get_trace(
        since: SINCE = 0,
        limit: LIMIT = None,
        app: APP = None,
        ue: UE = None,
    ) -> dict[str, Any]:
        """The trace behind the dashboard's sequence diagram: every ETSI API call (caller,
        MEC host, route template, status), every notification delivery attempt, the engine's
        handovers, attachments and zone changes, app mobility steps and app instances'
        lifecycle steps. Only the newest `capacity` records are kept."""
        records = trace.read(since, limit, app=app, ue=ue)
        return {
            "items": [r.to_dict() for r in records],
            "last_seq": trace.last_seq,
            "capacity": trace.capacity,
        }

    @router.get(
        "/stream",
        summary="The trace live, as server-sent events (resumes after Last-Event-ID)",
        description="Each record is a `trace` event whose data is the record's JSON and whose id "
        f"is its seq. Without `since` or `Last-Event-ID` the stream starts with the newest "
        f"{BACKLOG} records. A `Last-Event-ID` beyond the newest record (one from an earlier "
        "meclab) starts again from the oldest kept.",
        response_class=EventSourceResponse,
    )
    async def stream_trace(
        since: Annotated[int | None, Query(ge=0, description="Start after this seq.")] = None,
        app: APP = None,
        ue: UE = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> EventSourceResponse:
        start = since
        if last_event_id is not None:
            if not last_event_id.isdigit():
                raise ProblemError(
                    400, f"Last-Event-ID must be a record's seq, not {last_event_id!r}"
                )
            start = int(last_event_id)
            if start > trace.last_seq:
                start = 0
        return EventSourceResponse(_follow(trace, start, app, ue), ping=int(PING_S))

    return router


async def _follow(
    trace: Trace, start: int | None, app: str | None, ue: str | None
) -> AsyncIterator[dict[str, str]]:
    last = start if start is not None else 0
    backlog = BACKLOG if start is None else None
    while True:
        records = trace.read(last, backlog, app=app, ue=ue)
        backlog = None
        # filtered out records still move the cursor on
        last = max(trace.last_seq, last)
        for record in records:
            yield {"id": str(record.seq), "event": "trace", "data": json.dumps(record.to_dict())}
        await trace.wait(last, PING_S)
