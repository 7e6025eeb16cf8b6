"""Counting API requests by API and status class, in a pure ASGI middleware.

Every HTTP request whose path belongs to an API is counted once, when its response starts,
under ``api`` (the control API is ``control``; an ETSI API is the first segment of its base
path, after the API root and any ``/hosts/{host}``: ``rni`` for ``/rni/v2``, ``mec_service_mgmt``
...; any other path under an explicit API root or ``/hosts`` is ``other``) and ``code``
(``2xx``, ``4xx``, ``5xx``...). Paths outside the
APIs (the dashboard's assets, ``/metrics``, ``/docs``) are not counted. A request that raised
before answering counts as ``5xx`` (the server's error handler answers it 500).

It sits on the ETSI routes' hot path, so it does no more than a dictionary look-up per request
on top of the counter's own increment: the API of a path is found from a few string splits and
one set look-up, and each (api, code) pair's counter child is made once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL = "control"
OTHER = "other"
CONTROL_PREFIX = "/meclab/v1/"


SCOPE_KEY = "meclab.api"
"""Where :meth:`ApiClassifier.of_scope` files a request's ``api`` label in its ASGI scope."""


class ApiClassifier:
    """The ``api`` label of a request path: :data:`CONTROL`, an ETSI API's name, :data:`OTHER`,
    or None for no API request.

    ``apis`` gives the ETSI APIs' base paths under ``api_root`` (``/rni/v2``; the version tells
    MEC 014's ``/ui/v1`` from the dashboard's ``/ui/<asset>``); it is read when the first
    request arrives, so it may be filled in after the app is built.
    """

    def __init__(self, apis: Callable[[], Iterable[str]], api_root: str = "") -> None:
        self._apis_source = apis
        self._apis: frozenset[str] | None = None
        self._root = api_root

    def of_scope(self, scope: Scope) -> str | None:
        """The ``api`` label of the request of ``scope``, worked out once per request: the
        first layer to ask files it in the scope for the others (the request counter and the
        trace, built from the same APIs)."""
        if SCOPE_KEY in scope:
            api: str | None = scope[SCOPE_KEY]
            return api
        api = scope[SCOPE_KEY] = self(scope["path"])
        return api

    def __call__(self, path: str) -> str | None:
        if path.startswith(CONTROL_PREFIX):
            return CONTROL
        root = self._root
        if root:
            if not path.startswith(root) or path[len(root) : len(root) + 1] != "/":
                return None
            path = path[len(root) :]
        parts = path.split("/", 6)  # "", name, version, ... or "", "hosts", host, name, version
        hosted = parts[1] == "hosts" if len(parts) > 1 else False
        if hosted:
            parts = parts[2:]
        if len(parts) < 3:
            return OTHER if root or hosted else None
        if self._apis is None:
            self._apis = frozenset(self._apis_source())
        if f"/{parts[1]}/{parts[2]}" in self._apis:
            return parts[1]
        # not an API: under the default root, meclab's own pages (not counted); under an
        # explicit root or /hosts, a wrong path to some API
        return OTHER if root or hosted else None


class RequestCounter:
    """ASGI middleware: ``count(api, code_class)`` for every API request, as it is answered.

    ``apis`` and ``api_root`` name the APIs as :class:`ApiClassifier` takes them. ``count``
    gets a label pair and returns the thing to ``inc()`` (a prometheus counter's ``labels``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        child: Callable[[str, str], Any],
        apis: Callable[[], Iterable[str]],
        api_root: str = "",
    ) -> None:
        self.app = app
        self._child = child
        self.api_of = ApiClassifier(apis, api_root)
        """The ``api`` label of a request to a path, or None when it is no API request."""
        self._children: dict[tuple[str, int], Any] = {}

    def _counter(self, api: str, status: int) -> Any:
        key = (api, status // 100)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._child(api, f"{status // 100}xx")
        return child

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = self.api_of.of_scope(scope)
        if api is None:
            await self.app(scope, receive, send)
            return
        answered = False

        async def counted(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                self._counter(api, message["status"]).inc()
            await send(message)

        try:
            await self.app(scope, receive, counted)
        except Exception:
            if not answered:
                self._counter(api, 500).inc()
            raise
