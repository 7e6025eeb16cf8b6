"""Routers that turn away, at once, the requests outside their path prefix.

FastAPI tries the routes of every included router in turn, with a regular expression each.
With every ETSI API mounted at the root and under ``/hosts/{host}``, a request paid some sixty
route matches before reaching its handler: about 80 µs, half the cost of a service discovery
request in process (bench/mec011.py). A router whose prefix does not occur in the path cannot
match, so it answers "no match" without looking at its routes.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter, Request, Response
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from meclab.errors import StatusError
from meclab.http.problem import status_error_response


class PrefixedRouter(APIRouter):
    """An APIRouter that declines requests whose path does not contain its prefix."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # The prefix may follow an include prefix (/hosts/{host}): look for it anywhere; a
        # false hit only falls through to the ordinary matching.
        if self.prefix and self.prefix not in get_route_path(scope):
            return Match.NONE, {}
        return super().matches(scope)


class HotRoutes:
    """ASGI middleware serving a few hot ``GET`` routes before FastAPI's routing.

    For the route on every client's path (MEC 011 service discovery): FastAPI's per-request
    machinery (matching, request and response handling) cost more than the handler itself
    (bench/mec011.py: ~35 of ~57 µs in process). The same endpoint stays declared as an ordinary
    FastAPI route, so the OpenAPI document and every other client path are unchanged; this only
    reaches it sooner. A route template may name path parameters (``/hosts/{host}/...``);
    errors become problem details exactly as the app's handlers make them.
    """

    def __init__(
        self,
        app: ASGIApp,
        routes: Sequence[tuple[str, Callable[[Request], Awaitable[Response]]]],
    ) -> None:
        self.app = app
        self.routes = [(_template(path), endpoint) for path, endpoint in routes]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = get_route_path(scope)
            for pattern, endpoint in self.routes:
                match = pattern.fullmatch(path)
                if match is not None:
                    scope["path_params"] = match.groupdict()
                    request = Request(scope, receive)
                    try:
                        response = await endpoint(request)
                    except StatusError as exc:
                        response = status_error_response(request, exc)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", path)
    regex = "".join(
        f"(?P<{part}>[^/]+)" if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return re.compile(regex)
