"""Tracing MEC API calls, in a pure ASGI middleware: who called which platform, how, and what
it answered.

Every request to an ETSI API (as :class:`meclab.http.requests.ApiClassifier` tells them; not
the control API, whose polls the dashboard makes, nor the dashboard's assets) adds one
:class:`~.trace.TraceRecord` when its response starts:

* **caller**: the app instance the access token names (secure mode), else the app instance
  whose id is in the path (``/applications/{appInstanceId}/...``), else ``client``; the
  operator's token is ``operator``;
* **platform**: the MEC host of ``/hosts/{host}/...``, else the default host; the MEC system's
  own APIs (MEC 010-2, MEC 016) are ``system``;
* **label**: method and route template (``GET /rni/v2/queries/rab_info``), the raw path in the
  detail.

It sits outside the authentication layer, so refused calls are traced too, and reads the
caller the layer puts in the scope (:data:`meclab.http.auth.CLIENT`) when the response starts.
Bodies are not read (that would cost a copy of every request on the hot path).
``bench/trace_calls.py`` measures what it adds per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meclab.http.auth import CLIENT as AUTHENTICATED
from meclab.http.requests import CONTROL, ApiClassifier
from meclab.observe.trace import Trace, TraceKind
from meclab.security.credentials import OPERATOR

HOSTED = "/hosts/{host}"
SYSTEM = "system"
CLIENT = "client"


class TraceCalls:
    """ASGI middleware: one ``api`` record in ``trace`` per ETSI API request.

    ``apis`` and ``api_root`` as :class:`ApiClassifier` takes them; ``system_apis``: the names
    of the APIs the MEC system serves rather than a host (``app_lcm``); ``default_host()``: the
    host the paths without ``/hosts/{host}`` address; ``app_name(id)``: an app instance's name
    (its id when it has none or is unknown).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        trace: Trace,
        apis: Callable[[], Iterable[str]],
        system_apis: Iterable[str],
        default_host: Callable[[], str | None],
        app_name: Callable[[str], str],
        api_root: str = "",
    ) -> None:
        self.app = app
        self.trace = trace
        self._api_of = ApiClassifier(apis, api_root)
        self._system = frozenset(system_apis)
        self._default_host = default_host
        self._app_name = app_name
        self._root = api_root

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = self._api_of.of_scope(scope)
        if api is None or api == CONTROL:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def traced(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._record(scope, api, message["status"], time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, traced)

    def _record(self, scope: Scope, api: str, status: int, duration_s: float) -> None:
        path: str = scope["path"]
        route = scope.get("route")
        template: str = getattr(route, "path", None) or path
        params: dict[str, str] = scope.get("path_params") or {}
        template = template.removeprefix(self._root).removeprefix(HOSTED)
        if api in self._system:
            host, target = None, SYSTEM
        else:
            host = params.get("host") or self._default_host()
            target = f"mep:{host}"
        caller: str | None = scope.get(AUTHENTICATED)
        if caller is not None and caller != OPERATOR:
            app: str | None = self._app_name(caller)
            source = f"app:{app}"
        else:  # the operator, or no token: the app the path names, if any
            instance = params.get("appInstanceId")
            app = self._app_name(instance) if instance is not None else None
            source = CLIENT if app is None else f"app:{app}"
            if caller == OPERATOR:
                source = OPERATOR
        method: str = scope["method"]
        self.trace.add(
            TraceKind.API,
            source,
            target,
            f"{method} {template}",
            str(status),
            ok=status < 400,
            app=app,
            host=host,
            detail={
                "api": api,
                "method": method,
                "route": template,
                "path": path,
                "duration_ms": round(duration_s * 1000, 3),
            },
        )
