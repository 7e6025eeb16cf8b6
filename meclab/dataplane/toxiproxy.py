"""toxiproxy's HTTP API, so that existing toxiproxy clients (Python, Go, Node ...) drive faults.

Served on a port of its own (toxiproxy's 8474 by default), at the root paths clients expect,
with toxiproxy's routes, bodies, status codes and error shape (Shopify/toxiproxy ``api.go``)::

    GET    /version                           {"version": ...}
    POST   /reset                             204: every proxy enabled, every toxic removed
    GET    /proxies                           {name: proxy, ...}
    POST   /proxies                           201 proxy   (409 exists, 400 missing name/upstream)
    POST   /populate                          201 {"proxies": [...]}
    GET    /proxies/{proxy}                   proxy       (404 "proxy not found")
    POST   /proxies/{proxy}  (or PATCH)       proxy       (listen, upstream, enabled)
    DELETE /proxies/{proxy}                   204
    GET    /proxies/{proxy}/toxics            [toxic, ...]
    POST   /proxies/{proxy}/toxics            toxic       (400 invalid type/stream, 409 exists)
    GET    /proxies/{proxy}/toxics/{toxic}    toxic       (404 "toxic not found")
    POST   /proxies/{proxy}/toxics/{toxic}    toxic       (attributes, toxicity; PATCH too)
    DELETE /proxies/{proxy}/toxics/{toxic}    204

Errors are ``{"error": message, "status": code}``. Toxic types: ``latency`` (latency, jitter
in ms), ``bandwidth`` (rate in KB/s), ``slicer`` (average_size, size_variation, delay in µs),
``timeout`` (ms), ``reset_peer`` (timeout in ms), ``limit_data`` (bytes). A proxy with
``enabled: false`` is down. Which flows a proxy's toxics act on: :mod:`.proxies`.

Like toxiproxy, the API refuses requests from web browsers (a ``Mozilla/`` user agent): a page
on another origin must not be able to break connections.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from meclab import __version__
from meclab.dataplane.proxies import (
    PROXY_EXISTS,
    ProxyError,
    ProxyRecord,
    ProxyTable,
    missing,
)

API_VERSION = "2.12.0"
"""The toxiproxy release whose API this one follows."""
VERSION = f"{API_VERSION}-meclab.{__version__}"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ProxyHooks(Protocol):
    """What the data plane does when proxies change."""

    async def listen(self, proxy: ProxyRecord) -> None:
        """Start (or restart) the proxy's listener; ProxyError when it cannot bind."""

    async def unlisten(self, proxy: ProxyRecord) -> None:
        """Stop the proxy's listener and close the flows that came through it."""

    def changed(self, proxy: ProxyRecord, *, down: bool) -> None:
        """Toxics or state changed: refresh (``down``: close) the flows it acts on."""

    def prepare(self, proxy: ProxyRecord) -> None:
        """A new proxy: tell which application and UE its name and upstream stand for."""


class ToxiproxyService:
    """The API's operations on the proxy table, with toxiproxy's semantics."""

    def __init__(self, table: ProxyTable, hooks: ProxyHooks, default_host: str = "127.0.0.1"):
        self.table = table
        self.hooks = hooks
        self.default_host = default_host

    async def create(self, body: Any) -> ProxyRecord:
        if not isinstance(body, dict):
            raise ProxyError("bad request body: expected a JSON object", 400)
        name, upstream = body.get("name"), body.get("upstream")
        if not isinstance(name, str) or not name:
            raise missing("name")
        if not isinstance(upstream, str) or not upstream:
            raise missing("upstream")
        if name in self.table.proxies:
            raise PROXY_EXISTS
        listen = body.get("listen") or f"{self.default_host}:0"
        enabled = body.get("enabled", True)
        if not isinstance(listen, str) or not isinstance(enabled, bool):
            raise ProxyError("bad request body: listen is a string, enabled a boolean", 400)
        _check_address(upstream, "upstream")
        _check_address(listen, "listen")
        proxy = ProxyRecord(name=name, listen=listen, upstream=upstream, enabled=enabled)
        self.hooks.prepare(proxy)
        if enabled:
            await self.hooks.listen(proxy)
        self.table.proxies[name] = proxy
        self.hooks.changed(proxy, down=False)
        return proxy

    async def update(self, name: str, body: Any) -> ProxyRecord:
        proxy = self.table.get(name)
        if not isinstance(body, dict):
            raise ProxyError("bad request body: expected a JSON object", 400)
        listen = body.get("listen", proxy.listen)
        upstream = body.get("upstream", proxy.upstream)
        enabled = body.get("enabled", proxy.enabled)
        if (
            not isinstance(listen, str)
            or not isinstance(upstream, str)
            or not isinstance(enabled, bool)
        ):
            raise ProxyError("bad request body: listen, upstream strings, enabled a boolean", 400)
        _check_address(upstream, "upstream")
        _check_address(listen, "listen")
        moved = listen != proxy.listen or upstream != proxy.upstream
        if moved or (proxy.enabled and not enabled):
            await self.hooks.unlisten(proxy)
            proxy.enabled = False
            self.hooks.changed(proxy, down=True)
        proxy.listen, proxy.upstream = listen, upstream
        if moved:
            self.hooks.prepare(proxy)
        if enabled and not proxy.enabled:
            await self.hooks.listen(proxy)
            proxy.enabled = True
            self.hooks.changed(proxy, down=False)
        return proxy

    async def delete(self, name: str) -> None:
        proxy = self.table.get(name)
        await self.hooks.unlisten(proxy)
        del self.table.proxies[name]
        self.hooks.changed(proxy, down=not proxy.builtin)

    async def reset(self) -> None:
        for proxy in list(self.table.proxies.values()):
            proxy.toxics.clear()
            if not proxy.enabled:
                await self.hooks.listen(proxy)
                proxy.enabled = True
            self.hooks.changed(proxy, down=False)

    async def populate(self, body: Any) -> list[ProxyRecord]:
        if not isinstance(body, list):
            raise ProxyError("bad request body: expected a list of proxies", 400)
        made = []
        for item in body:
            if not isinstance(item, dict):
                raise ProxyError("bad request body: expected a list of proxies", 400)
            existing = self.table.proxies.get(str(item.get("name")))
            if existing is not None and (
                existing.listen != item.get("listen", existing.listen)
                or existing.upstream != item.get("upstream")
            ):
                await self.delete(existing.name)
                existing = None
            made.append(existing if existing is not None else await self.create(item))
        return made

    def add_toxic(self, name: str, body: Any) -> dict[str, Any]:
        proxy = self.table.get(name)
        spec = proxy.add_toxic(body)
        self.hooks.changed(proxy, down=False)
        return spec.to_json()

    def update_toxic(self, name: str, toxic: str, body: Any) -> dict[str, Any]:
        proxy = self.table.get(name)
        spec = proxy.update_toxic(toxic, body)
        self.hooks.changed(proxy, down=False)
        return spec.to_json()

    def delete_toxic(self, name: str, toxic: str) -> None:
        proxy = self.table.get(name)
        if proxy.toxics.pop(toxic, None) is None:
            raise ProxyError("toxic not found", 404)
        self.hooks.changed(proxy, down=False)


def _check_address(value: str, field_name: str) -> None:
    _, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ProxyError(f"bad request body: {field_name} {value!r} is not host:port", 400)


def _error(exc: ProxyError) -> web.Response:
    return web.json_response({"error": exc.message, "status": exc.status}, status=exc.status)


async def _body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw or b"null")
    except ValueError as exc:
        raise ProxyError(f"bad request body: {exc}", 400) from exc


def build_app(service: ToxiproxyService) -> web.Application:
    """The aiohttp application serving toxiproxy's API over ``service``."""

    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("User-Agent", "").startswith("Mozilla/"):
            return web.Response(status=403, text="User agent not allowed\n")
        try:
            return await handler(request)
        except ProxyError as exc:
            return _error(exc)

    table = service.table

    async def version(_: web.Request) -> web.Response:
        return web.Response(
            text=json.dumps({"version": VERSION}) + "\n",
            content_type="application/json",
            charset="utf-8",
        )

    async def reset(_: web.Request) -> web.Response:
        await service.reset()
        return web.Response(status=204)

    async def proxy_index(_: web.Request) -> web.Response:
        return web.json_response({n: p.to_json() for n, p in table.proxies.items()})

    async def proxy_create(request: web.Request) -> web.Response:
        proxy = await service.create(await _body(request))
        return web.json_response(proxy.to_json(), status=201)

    async def populate(request: web.Request) -> web.Response:
        made = await service.populate(await _body(request))
        return web.json_response({"proxies": [p.to_json() for p in made]}, status=201)

    async def proxy_show(request: web.Request) -> web.Response:
        return web.json_response(table.get(request.match_info["proxy"]).to_json())

    async def proxy_update(request: web.Request) -> web.Response:
        proxy = await service.update(request.match_info["proxy"], await _body(request))
        return web.json_response(proxy.to_json())

    async def proxy_delete(request: web.Request) -> web.Response:
        await service.delete(request.match_info["proxy"])
        return web.Response(status=204)

    async def toxic_index(request: web.Request) -> web.Response:
        proxy = table.get(request.match_info["proxy"])
        return web.json_response([t.to_json() for t in proxy.toxics.values()])

    async def toxic_create(request: web.Request) -> web.Response:
        body = await _body(request)
        return web.json_response(service.add_toxic(request.match_info["proxy"], body))

    async def toxic_show(request: web.Request) -> web.Response:
        proxy = table.get(request.match_info["proxy"])
        toxic = proxy.toxics.get(request.match_info["toxic"])
        if toxic is None:
            raise ProxyError("toxic not found", 404)
        return web.json_response(toxic.to_json())

    async def toxic_update(request: web.Request) -> web.Response:
        body = await _body(request)
        info = request.match_info
        return web.json_response(service.update_toxic(info["proxy"], info["toxic"], body))

    async def toxic_delete(request: web.Request) -> web.Response:
        service.delete_toxic(request.match_info["proxy"], request.match_info["toxic"])
        return web.Response(status=204)

    app = web.Application(middlewares=[errors])
    r = app.router
    r.add_get("/version", version)
    r.add_post("/reset", reset)
    r.add_get("/proxies", proxy_index)
    r.add_post("/proxies", proxy_create)
    r.add_post("/populate", populate)
    r.add_get("/proxies/{proxy}", proxy_show)
    r.add_post("/proxies/{proxy}", proxy_update)
    r.add_patch("/proxies/{proxy}", proxy_update)
    r.add_delete("/proxies/{proxy}", proxy_delete)
    r.add_get("/proxies/{proxy}/toxics", toxic_index)
    r.add_post("/proxies/{proxy}/toxics", toxic_create)
    r.add_get("/proxies/{proxy}/toxics/{toxic}", toxic_show)
    r.add_post("/proxies/{proxy}/toxics/{toxic}", toxic_update)
    r.add_patch("/proxies/{proxy}/toxics/{toxic}", toxic_update)
    r.add_delete("/proxies/{proxy}/toxics/{toxic}", toxic_delete)
    return app
