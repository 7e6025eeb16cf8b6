"""meclab's own control API: the scenario, the world, network characteristics and events.

Mounted at ``/meclab/v1``. Reads go straight to the engine's latest state; changes go through
the runtime so that they are numbered, stored and published like any other event.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Protocol

import numpy as np
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sse_starlette.sse import EventSourceResponse

from meclab.bus.base import EventRecord, StreamLagged
from meclab.control import views
from meclab.control.models import NotificationReport
from meclab.control.positions import PositionsCache
from meclab.control.wire import (
    AppInfo,
    Command,
    CommandResult,
    ElementInfo,
    EventPage,
    MoveCommand,
    NetCharCommand,
    NodeInfo,
    PathInfo,
    PauseCommand,
    PoaInfo,
    ReleaseCommand,
    ResumeCommand,
    ScenarioLoaded,
    SpeedCommand,
    TerminalDetail,
    TerminalPage,
    TerminalPositions,
    TerminateCommand,
    WorldInfo,
    ZoneInfo,
)
from meclab.engine.area import OutsideArea
from meclab.engine.events import EventKind
from meclab.engine.netchar import Unreachable
from meclab.engine.prediction import predict_zone_change
from meclab.engine.world import NotHeld, UnknownElement
from meclab.http.problem import ProblemError, describe_invalid, invalid_params
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.runtime import Runtime
from meclab.scenario.errors import ScenarioError
from meclab.scenario.loader import dump_yaml, parse_document, validate_document
from meclab.scenario.model import Scenario
from meclab.store.base import MAX_QUERY_LIMIT, EventQuery

PREFIX = "/meclab/v1"
MAX_SEQ = 2**63 - 1
"""Sequence numbers are SQLite integers."""
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def _not_found(kind: str, name: str) -> ProblemError:
    return ProblemError(404, f"no {kind} named {name!r}")


def _records(records: list[EventRecord]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in records]


class PlatformControl(Protocol):
    """What the control API asks of the MEC platforms (given by the app assembly)."""

    async def terminate(self, app: str, action: str, graceful_timeout_s: int) -> None:
        """Start terminating an application instance; NotFound for an unknown one."""

    def app_states(self) -> dict[str, str]:
        """Platform state of each edge application instance, by scenario name."""

    def notification_report(self) -> NotificationReport:
        """Delivery counts and the notifications given up."""

    def platform_url(self, host: str) -> tuple[str, str]:
        """Where MEC host ``host``'s ETSI APIs are: base URL and API root."""


def build_router(runtime: Runtime, platform: PlatformControl | None = None) -> APIRouter:
    """The control API's routes, bound to one runtime (and the platforms, when there are)."""
    router = PrefixedRouter(
        prefix=PREFIX, tags=["meclab control"], dependencies=[Depends(reject_unknown_query)]
    )
    positions = PositionsCache()

    # --- world and scenario -----------------------------------------------------------------

    @router.get("/world", response_model=WorldInfo, summary="The running world at a glance")
    async def get_world() -> WorldInfo:
        world = runtime.world
        return WorldInfo(
            scenario=world.scenario.name,
            time_s=world.state.t,
            speed=runtime.clock.speed,
            paused=runtime.clock.paused,
            tick_hz=runtime.tick_hz,
            ticks=runtime.tick_count,
            last_tick_ms=runtime.last_tick_s * 1000.0,
            counts=views.counts(world),
        )

    @router.get(
        "/scenario",
        response_model=Scenario,
        response_model_exclude_defaults=True,
        summary="The active scenario (YAML when the Accept header asks for it)",
        responses={200: {"content": {"application/yaml": {}}}},
    )
    async def get_scenario(accept: Annotated[str | None, Header()] = None) -> Any:
        scenario = runtime.scenario
        if accept and any(t in accept for t in YAML_TYPES):
            return Response(dump_yaml(scenario), media_type="application/yaml")
        return scenario

    @router.put(
        "/scenario",
        response_model=ScenarioLoaded,
        summary="Load a scenario (JSON or YAML body): its stored world is resumed if it holds the "
        "same document; the running one stays if it is invalid",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Scenario"}},
                    "application/yaml": {"schema": {"$ref": "#/components/schemas/Scenario"}},
                },
            }
        },
    )
    async def put_scenario(
        request: Request, content_type: Annotated[str | None, Header()] = None
    ) -> ScenarioLoaded:
        media = (content_type or "").split(";")[0].strip().lower()
        if media not in ("application/json", *YAML_TYPES):
            raise ProblemError(415, "send the scenario as application/json or application/yaml")
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProblemError(400, "the body is not UTF-8 text") from exc
        source = "body.json" if media == "application/json" else "body.yaml"
        try:
            scenario = validate_document(parse_document(text, source), None, text)
        except ScenarioError as exc:
            errors = [{"path": i.path, "message": i.message, "line": i.line} for i in exc.issues]
            raise ProblemError(
                400,
                f"the scenario has {len(errors)} error(s); the running scenario is unchanged: "
                + "; ".join(f"{e['path'] or 'document'}: {e['message']}" for e in errors[:5]),
                errors=errors,
            ) from exc
        records = await runtime.load(scenario)
        world = runtime.world
        return ScenarioLoaded(
            scenario=scenario.name,
            opened=runtime.opened or "loaded",
            time_s=world.state.t,
            terminals=len(world.ue_names),
            poas=len(world.poa_names),
            events=_records(records[:100]),
        )

    # --- terminals, PoAs, zones, nodes, apps ----------------------------------------------

    @router.get(
        "/terminals",
        response_model=TerminalPage,
        summary="Terminals, filtered and paged",
        responses={404: {"description": "The zone, point of access or domain does not exist"}},
    )
    async def list_terminals(
        zone: str | None = None,
        poa: str | None = None,
        domain: str | None = None,
        connected: bool | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    ) -> TerminalPage:
        world = runtime.world
        serving = world.state.serving
        mask = np.ones(len(serving), dtype=bool)
        if zone is not None:
            if zone not in world.top.zones:
                raise _not_found("zone", zone)
            mask &= world.serving_zones() == world.top.zones.index(zone)
        if poa is not None:
            try:
                mask &= serving == world.poa(poa)
            except UnknownElement as exc:
                raise _not_found("point of access", poa) from exc
        if domain is not None:
            if domain not in world.top.domains:
                raise _not_found("domain", domain)
            mask &= world.ue_domain == world.top.domains.index(domain)
        if connected is not None:
            mask &= (serving >= 0) == connected
        selected = np.flatnonzero(mask)
        page = selected[offset : offset + limit]
        items = [views.terminal_info(world, v) for v in world.terminals(page.tolist())]
        return TerminalPage(total=len(selected), offset=offset, items=items)

    # Declared before /terminals/{name}, which would otherwise take "positions" for a name.
    @router.get(
        "/terminals/positions",
        response_model=TerminalPositions,
        summary="Every terminal's position and serving point of access, as compact arrays",
    )
    async def terminal_positions() -> Response:
        """One entry per terminal in each array, from the engine's arrays at once (O(n), no
        per-terminal object), for a page that polls several times a second: encoded once per
        world state and shared by every page (:mod:`meclab.control.positions`)."""
        # Serialised there, not through the response model: no validation of 4 x n values.
        return Response(positions.body(runtime.world), media_type="application/json")

    @router.get(
        "/terminals/{name}",
        response_model=TerminalDetail,
        summary="One terminal, with its measurements",
    )
    async def get_terminal(name: str) -> TerminalDetail:
        try:
            return views.terminal_detail(runtime.world, name)
        except UnknownElement as exc:
            raise _not_found("terminal", name) from exc

    @router.get(
        "/terminals/{name}/prediction",
        summary="The terminal's next zone change, predicted along its path",
        responses={404: {"description": "No terminal of that name"}},
    )
    async def get_prediction(
        name: str,
        horizon_s: Annotated[float, Query(gt=0, le=3600)] = 120.0,
        resolution_s: Annotated[float, Query(ge=0.01, le=60)] = 0.5,
    ) -> dict[str, Any]:
        """When the terminal's serving cell is expected in another zone, which cell and zone,
        and how sure meclab is (``meclab.engine.prediction``); ``change`` is null when none is
        expected within the horizon."""
        try:
            change = predict_zone_change(
                runtime.world, name, horizon_s=horizon_s, resolution_s=resolution_s
            )
        except UnknownElement as exc:
            raise _not_found("terminal", name) from exc
        return {"ue": name, "horizon_s": horizon_s, "change": change.to_dict() if change else None}

    @router.get("/poas", response_model=list[PoaInfo], summary="Points of access")
    async def list_poas() -> list[PoaInfo]:
        world = runtime.world
        return [views.poa_info(world, name) for name in world.poa_names]

    @router.get("/poas/{name}", response_model=PoaInfo, summary="One point of access")
    async def get_poa(name: str) -> PoaInfo:
        try:
            return views.poa_info(runtime.world, name)
        except UnknownElement as exc:
            raise _not_found("point of access", name) from exc

    @router.get("/zones", response_model=list[ZoneInfo], summary="Zones")
    async def list_zones() -> list[ZoneInfo]:
        world = runtime.world
        return [views.zone_info(world, name) for name in world.top.zones]

    @router.get("/zones/{name}", response_model=ZoneInfo, summary="One zone")
    async def get_zone(name: str) -> ZoneInfo:
        world = runtime.world
        if name not in world.top.zones:
            raise _not_found("zone", name)
        return views.zone_info(world, name)

    def node_info(name: str) -> NodeInfo:
        info = views.node_info(runtime.world, name)
        if platform is None or info.kind != "mec_host":
            return info
        base, root = platform.platform_url(name)
        return info.model_copy(update={"platform_url": f"{base}{root}", "api_root": root})

    @router.get("/nodes", response_model=list[NodeInfo], summary="MEC hosts, fog nodes and clouds")
    async def list_nodes() -> list[NodeInfo]:
        return [node_info(name) for name in runtime.world.top.nodes]

    @router.get("/nodes/{name}", response_model=NodeInfo, summary="One compute node")
    async def get_node(name: str) -> NodeInfo:
        world = runtime.world
        if name not in world.top.nodes:
            raise _not_found("compute node", name)
        return node_info(name)

    @router.get(
        "/apps", response_model=list[AppInfo], summary="Applications (terminal, edge, cloud)"
    )
    async def list_apps() -> list[AppInfo]:
        apps = views.app_infos(runtime.world)
        if platform is not None:
            states = platform.app_states()
            apps = [a.model_copy(update={"state": states.get(a.name)}) for a in apps]
        return apps

    @router.get(
        "/notifications",
        response_model=NotificationReport,
        summary="Notification delivery: counts and what was given up",
        responses={404: {"description": "No MEC platform is running"}},
    )
    async def get_notifications() -> NotificationReport:
        if platform is None:
            raise ProblemError(404, "no MEC platform is running")
        return platform.notification_report()

    @router.get(
        "/elements/{name}",
        response_model=ElementInfo,
        summary="Any element and its network characteristics",
    )
    async def get_element(name: str) -> ElementInfo:
        element = runtime.world.top.elements.get(name)
        if element is None:
            raise _not_found("element", name)
        return ElementInfo(
            name=name, kind=element.kind.value, parent=element.parent, netchar=element.netchar
        )

    @router.get(
        "/netchar",
        response_model=PathInfo,
        summary="End-to-end network characteristics between two endpoints",
        responses={
            404: {"description": "No element of that name"},
            409: {"description": "No path between them now (out of coverage)"},
        },
    )
    async def get_path(
        source: Annotated[str, Query(alias="from", min_length=1)],
        destination: Annotated[str, Query(alias="to", min_length=1)],
    ) -> PathInfo:
        try:
            return views.path_info(runtime.world.path(source, destination))
        except KeyError as exc:
            raise _not_found("element", str(exc.args[0])) from exc
        except ValueError as exc:
            raise ProblemError(
                400,
                str(exc),
                invalidParams=[{"name": "from/to", "in": "query", "reason": str(exc)}],
            ) from exc
        except Unreachable as exc:
            raise ProblemError(409, f"no path now: {exc}") from exc

    # --- events -----------------------------------------------------------------------------

    @router.post(
        "/events",
        response_model=CommandResult,
        status_code=201,
        summary="Inject an event: move or release a terminal, change netchar, pause, resume, "
        "speed, terminate an app instance",
        responses={
            404: {"description": "No element of that name, or no MEC platform running"},
            409: {"description": "Releasing a terminal no move holds, or terminating again"},
        },
    )
    async def post_event(command: Command, response: Response) -> CommandResult:
        records = await _apply(runtime, command, platform)
        response.headers["Location"] = f"{PREFIX}/events/{records[0].seq}"
        return CommandResult(event=records[0].to_dict(), consequences=_records(records[1:]))

    @router.get("/events", response_model=EventPage, summary="The event history, filtered")
    async def list_events(
        type: Annotated[
            list[EventKind] | None, Query(description="Event types; repeat for several")
        ] = None,
        subject: Annotated[
            str | None, Query(description="Terminal or element the event is about")
        ] = None,
        after: Annotated[
            int | None, Query(ge=0, le=MAX_SEQ, description="Only records with a greater seq")
        ] = None,
        since_t: Annotated[float | None, Query(description="Simulation time, from")] = None,
        until_t: Annotated[float | None, Query(description="Simulation time, up to")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_QUERY_LIMIT)] = 100,
        newest_first: bool = False,
    ) -> EventPage:
        query = EventQuery(
            types=tuple(map(str, type or ())),
            subject=subject,
            after_seq=after,
            since_t=since_t,
            until_t=until_t,
            limit=limit,
            newest_first=newest_first,
        )
        records = await runtime.store.events(query)
        return EventPage(items=_records(records), last_seq=await runtime.store.last_seq())

    @router.get(
        "/events/stream",
        summary="Live events as server-sent events (resumes after Last-Event-ID from the history)",
        description="A `Last-Event-ID` beyond the history's last event (one from a meclab with "
        "another store) replays the whole history, so that a client reconnecting to a fresh "
        "meclab misses nothing.",
        response_class=EventSourceResponse,
    )
    async def stream_events(
        type: Annotated[
            list[EventKind] | None, Query(description="Event types; repeat for several")
        ] = None,
        after: Annotated[
            int | None, Query(ge=0, le=MAX_SEQ, description="Replay history after this seq first")
        ] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> EventSourceResponse:
        start = after
        if last_event_id is not None and last_event_id.isdigit():
            start = int(last_event_id)
            # An id this store never gave: the client followed a meclab whose store was
            # replaced (another data dir). Everything here is new to it.
            if start > await runtime.store.last_seq():
                start = 0
        return EventSourceResponse(_sse(runtime, set(map(str, type or ())), start), ping=15)

    @router.get("/events/{seq}", summary="One event record")
    async def get_event(seq: int) -> dict[str, Any]:
        if not 1 <= seq <= MAX_SEQ:
            raise ProblemError(404, f"no event with seq {seq} in the history")
        records = await runtime.store.events(EventQuery(after_seq=seq - 1, limit=1))
        if not records or records[0].seq != seq:
            raise ProblemError(404, f"no event with seq {seq} in the history")
        return records[0].to_dict()

    return router


async def _apply(
    runtime: Runtime, command: Any, platform: PlatformControl | None
) -> list[EventRecord]:
    if isinstance(command, TerminateCommand):
        if platform is None:
            raise ProblemError(404, "no MEC platform is running")
        action, timeout = command.action, command.graceful_timeout_s
        return await runtime.record(
            "terminate",
            {"app": command.app, "action": action, "graceful_timeout_s": timeout},
            lambda: platform.terminate(command.app, action, timeout),
        )
    try:
        if isinstance(command, MoveCommand):
            if command.to is not None:
                lon, lat = command.to.lon, command.to.lat
                return await runtime.move_terminal(command.ue, lon, lat, force=command.force)
            assert command.poa is not None
            return await runtime.move_terminal_to_poa(command.ue, command.poa)
        if isinstance(command, ReleaseCommand):
            return await runtime.release_terminal(command.ue)
        if isinstance(command, NetCharCommand):
            return await runtime.set_netchar(command.element, command.netchar.changes())
        if isinstance(command, PauseCommand):
            return await runtime.pause()
        if isinstance(command, ResumeCommand):
            return await runtime.resume()
        if isinstance(command, SpeedCommand):
            return await runtime.set_speed(command.speed)
    except UnknownElement as exc:
        raise ProblemError(404, str(exc)) from exc
    except NotHeld as exc:
        raise ProblemError(409, str(exc)) from exc
    except ValidationError as exc:
        params = invalid_params(
            [{**e, "loc": ("body", "netchar", *e["loc"])} for e in exc.errors()]
        )
        raise ProblemError(400, describe_invalid(params), invalidParams=params) from exc
    except OutsideArea as exc:
        raise ProblemError(
            400,
            f'{exc}; to move there all the same, send "force": true (meclab event move --force)',
            invalidParams=[{"name": "to", "in": "body", "reason": str(exc)}],
        ) from exc
    except ValueError as exc:
        raise ProblemError(400, str(exc)) from exc
    raise ProblemError(
        400, f"unsupported command {command!r}"
    )  # pragma: no cover - union is closed


async def _sse(
    runtime: Runtime, types: set[str], after: int | None
) -> AsyncIterator[dict[str, str]]:
    stream = runtime.bus.stream()  # opened before reading history, so nothing falls in between
    try:
        last = after
        if after is not None:
            while True:
                query = EventQuery(types=tuple(types), after_seq=last, limit=MAX_QUERY_LIMIT)
                backlog = await runtime.store.events(query)
                for record in backlog:
                    last = record.seq
                    yield _sse_item(record)
                if len(backlog) < MAX_QUERY_LIMIT:
                    break
        try:
            async for record in stream:
                if (last is not None and record.seq <= last) or (
                    types and record.type not in types
                ):
                    continue
                yield _sse_item(record)
        except StreamLagged as exc:
            yield {
                "event": "lagged",
                "data": json.dumps({"last_seq": exc.last_seq}),
                "retry": "1000",
            }
    finally:
        stream.close()


def _sse_item(record: EventRecord) -> dict[str, str]:
    return {"id": str(record.seq), "event": record.type, "data": json.dumps(record.to_dict())}
