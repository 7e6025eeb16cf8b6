"""Serving an API on every MEC host.

Every host's APIs live under ``/hosts/{host}``; the first host's are also at the root, so that
standard clients and test tools reach ``/mec_service_mgmt/v1/...`` unchanged::

    /mec_service_mgmt/v1/services                     the default (first) MEC host
    /hosts/mec-condamine/mec_service_mgmt/v1/services  any MEC host by name

Routes are built once per mount point; the per-host copies stay out of the OpenAPI document
(it would list every path twice) and differ only by their prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request

from meclab.platform.errors import NotFound
from meclab.platform.platform import Platforms

HOSTS_PREFIX = "/hosts/{host}"


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


def mount_per_host(app: FastAPI, build: Callable[[], APIRouter]) -> None:
    """Include the routes ``build()`` makes at the root and under ``/hosts/{host}``."""
    app.include_router(build())
    app.include_router(build(), prefix=HOSTS_PREFIX, include_in_schema=False)
