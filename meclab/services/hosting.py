"""Serving an API on every MEC host, under the API root.

Every host's APIs live under ``<root>/hosts/{host}``; the first host's are also at ``<root>``,
so that standard clients and test tools reach ``/mec_service_mgmt/v1/...`` unchanged. The root
is empty by default; ``meclab up --api-root /sbx1/mep`` puts every ETSI API under it, as
deployments behind a gateway and the ETSI sandbox serve them::

    <root>/mec_service_mgmt/v1/services                     the default (first) MEC host
    <root>/hosts/mec-condamine/mec_service_mgmt/v1/services  any MEC host by name

meclab's own endpoints (control API ``/meclab/v1``, its notification websocket, ``/docs``,
``/openapi.json``, ``/metrics``) stay at the root whatever the API root: they are meclab's, not
a MEC host's, and the CLI finds them there.

Each API's routes are built once and included at both mount points; the per-host copies stay
out of the OpenAPI document (it would list every path twice) and differ only by their prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request

from meclab.platform.errors import NotFound
from meclab.platform.platform import Platforms

HOSTS_PREFIX = "/hosts/{host}"

_SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")
"""A path segment of plain characters (RFC 3986 ``pchar`` without percent-encoding)."""


def api_root_path(value: str) -> str:
    """``value`` as an API root: ``/a/b`` (no trailing slash), or ``""`` for ``""`` and ``/``.

    ValueError naming the fault for anything else: a relative path, an empty, ``.`` or ``..``
    segment, a character that is not plain in a URL path (``?``, ``#``, ``%``, ``{`` ...), or
    a path under ``/meclab``, which is meclab's own.
    """
    if value in ("", "/"):
        return ""
    if not value.startswith("/"):
        raise ValueError(f"{value!r} must start with '/' (e.g. /sbx1/mep)")
    if value.split("/")[1] == "meclab":
        raise ValueError(f"{value!r}: /meclab is meclab's own (control API, websocket)")
    for segment in value.removesuffix("/")[1:].split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"{value!r} has an empty, '.' or '..' segment")
        if not _SEGMENT.fullmatch(segment):
            raise ValueError(
                f"{value!r}: segment {segment!r} may hold only letters, digits "
                "and -._~!$&'()*+,;=:@"
            )
    return value.removesuffix("/")


def host_resolver(platforms: Platforms) -> Callable[[Request], str]:
    """A dependency giving the MEC host a request addresses (404 for an unknown one)."""

    async def current_host(request: Request) -> str:
        name = request.path_params.get("host") or platforms.default_host
        if name is None:
            raise NotFound("this scenario has no MEC host")
        platforms.host(name)  # NotFound for an unknown name
        return name

    return current_host


def host_param(platforms: Platforms) -> object:
    """``Annotated[str, Depends(...)]`` for route signatures: the addressed MEC host."""
    return Annotated[str, Depends(host_resolver(platforms))]


def host_paths(platforms: Platforms, path: str) -> tuple[str, str]:
    """The route templates of ``path`` (``/rni/v2/...``): on the default host and on any host."""
    return f"{platforms.api_root}{path}", f"{platforms.api_root}{HOSTS_PREFIX}{path}"


def mount_per_host(app: FastAPI, platforms: Platforms, build: Callable[[], APIRouter]) -> None:
    """Include the routes ``build()`` makes at the API root and under ``<root>/hosts/{host}``;
    :func:`host_apis` lists the API's base path."""
    default, any_host = host_paths(platforms, "")
    router = build()
    app.include_router(router, prefix=default)
    app.include_router(router, prefix=any_host, include_in_schema=False)
    host_apis(app).append(f"{default}{router.prefix}")


def host_apis(app: FastAPI) -> list[str]:
    """Base paths of the APIs :func:`mount_per_host` serves on ``app``, e.g. ``/rni/v2``."""
    if not hasattr(app.state, "host_apis"):
        app.state.host_apis = []
    apis: list[str] = app.state.host_apis
    return apis
