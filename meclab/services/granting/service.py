"""MEC 010-2 granting (``granting/v1``) of the MEC system."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from meclab.platform.platform import Platforms
from meclab.services.app_lcm.owners import INSTANCES, Owners
from meclab.services.app_lcm.views import BASE_PATH as LCM_BASE_PATH
from meclab.services.granting.port import GrantPort

BASE_PATH = "/granting/v1"


class Granting:
    """granting/v1 over a lifecycle (:class:`GrantPort`), served once at the API root.

    Ownership (issue 12): a grant is about an app_lcm application instance, and only that
    instance's owner (:mod:`meclab.services.app_lcm.owners`; the operator for instances it or
    meclab made) may ask for one or read it: any other client is refused (403).
    """

    def __init__(self, platforms: Platforms, lifecycle: GrantPort) -> None:
        self.platforms = platforms
        self.lifecycle = lifecycle
        self.owners = Owners(platforms.store, INSTANCES)

    async def check(self, grant: Mapping[str, Any], what: str) -> None:
        """Forbidden unless the caller owns the instance a grant (or a request) is about."""
        await self.owners.check(str(grant["appInstanceId"]), what)

    def url(self, path: str) -> str:
        """Absolute URL of a granting/v1 resource."""
        return f"{self.platforms.base_url}{self.platforms.api_root}{BASE_PATH}/{path}"

    def lcm_url(self, path: str) -> str:
        """Absolute URL of an app_lcm/v1 resource (a grant's links)."""
        return f"{self.platforms.base_url}{self.platforms.api_root}{LCM_BASE_PATH}/{path}"

    def mount(self, app: FastAPI) -> None:
        """Serve the API at ``{api_root}/granting/v1``."""
        from meclab.services.granting.routes import build_router

        app.include_router(build_router(self), prefix=self.platforms.api_root)
