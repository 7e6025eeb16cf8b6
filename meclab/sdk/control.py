"""A typed client of meclab's own control API (``/meclab/v1``): the world, its elements, the
network characteristics between two endpoints, the event history, and injected events.

It reads the answers with the very models the routes declare (:mod:`meclab.control.wire`,
which holds nothing of the server side), through :class:`~meclab.sdk.http.HttpClient`, so its
errors are the SDK's: :class:`~meclab.sdk.errors.MecApiError` with the ProblemDetails for an
unknown name or a refused command, :class:`~meclab.sdk.errors.PlatformUnreachable` for no
answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Any, Self

from meclab.control.wire import (
    AppInfo,
    CommandResult,
    EventPage,
    NodeInfo,
    PathInfo,
    PoaInfo,
    TerminalDetail,
    WorldInfo,
    ZoneInfo,
)
from meclab.scenario.model import Scenario
from meclab.sdk.config import PlatformConfig
from meclab.sdk.http import HttpClient, segment

CONTROL_ROOT = "/meclab/v1"
EVENT_PAGE = 500
"""Records asked for per page when following the event history."""


class ControlClient:
    """meclab's control API at ``config.url`` (async context manager).

    The config's API root is not used: the control API lives at ``/meclab/v1`` of the server.
    """

    def __init__(self, config: PlatformConfig) -> None:
        self.http = HttpClient(config.with_api_root(CONTROL_ROOT))

    async def __aenter__(self) -> Self:
        self.http.session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.http.close()

    # --- reads ---------------------------------------------------------------------------------

    async def world(self) -> WorldInfo:
        """The running world at a glance."""
        return await self.http.get("/world", WorldInfo)

    async def scenario(self) -> Scenario:
        """The active scenario."""
        return await self.http.get("/scenario", Scenario)

    async def nodes(self) -> list[NodeInfo]:
        """MEC hosts, fog nodes and clouds, with their compute and their platform URL."""
        return await self.http.get_list("/nodes", NodeInfo)

    async def node(self, name: str) -> NodeInfo:
        """One compute node."""
        return await self.http.get(f"/nodes/{segment(name)}", NodeInfo)

    async def poas(self) -> list[PoaInfo]:
        """Points of access."""
        return await self.http.get_list("/poas", PoaInfo)

    async def zones(self) -> list[ZoneInfo]:
        """Zones."""
        return await self.http.get_list("/zones", ZoneInfo)

    async def terminal(self, name: str) -> TerminalDetail:
        """One terminal now, with its measurements, compute and energy model."""
        return await self.http.get(f"/terminals/{segment(name)}", TerminalDetail)

    async def apps(self) -> list[AppInfo]:
        """Applications (terminal, edge, cloud)."""
        return await self.http.get_list("/apps", AppInfo)

    async def netchar(self, source: str, destination: str) -> PathInfo:
        """End-to-end network characteristics from ``source`` to ``destination`` now
        (409 :class:`~meclab.sdk.errors.MecApiError` when there is no path)."""
        params = {"from": source, "to": destination}
        return await self.http.get("/netchar", PathInfo, params=params)

    async def events_page(
        self,
        *,
        types: Sequence[str] = (),
        subject: str | None = None,
        after: int | None = None,
        limit: int = EVENT_PAGE,
    ) -> EventPage:
        """One page of the event history: records with a seq greater than ``after``."""
        params: dict[str, Any] = {
            "type": list(types) or None,
            "subject": subject,
            "after": after,
            "limit": limit,
        }
        return await self.http.get("/events", EventPage, params=params)

    async def events(
        self,
        *,
        types: Sequence[str] = (),
        subject: str | None = None,
        after: int | None = None,
        page: int = EVENT_PAGE,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every event record after ``after`` (all when None), oldest first, page by page:
        each page asks for the records after the last seq it has seen."""
        while True:
            got = await self.events_page(types=types, subject=subject, after=after, limit=page)
            for record in got.items:
                yield record
            if len(got.items) < page:
                return
            after = int(got.items[-1]["seq"])

    # --- commands ------------------------------------------------------------------------------

    async def post_event(self, command: dict[str, Any]) -> CommandResult:
        """Inject an event as the API takes it (``{"type": ...}``)."""
        created = await self.http.post("/events", command, CommandResult)
        return created.value

    async def move(self, ue: str, poa: str) -> CommandResult:
        """Hold terminal ``ue`` at point of access ``poa``, attached to it."""
        return await self.post_event({"type": "move", "ue": ue, "poa": poa})

    async def terminate(self, app: str, graceful_timeout_s: int = 10) -> CommandResult:
        """Terminate application instance ``app`` (scenario name or appInstanceId)."""
        command = {"type": "terminate", "app": app, "graceful_timeout_s": graceful_timeout_s}
        return await self.post_event(command)
