"""MEC 010-2 granting (``granting/v1``) of the MEC system."""

from __future__ import annotations

from fastapi import FastAPI

from meclab.platform.platform import Platforms
from meclab.services.app_lcm.views import BASE_PATH as LCM_BASE_PATH
from meclab.services.granting.port import GrantPort

BASE_PATH = "/granting/v1"


class Granting:
    """granting/v1 over a lifecycle (:class:`GrantPort`), served once at the API root."""

    def __init__(self, platforms: Platforms, lifecycle: GrantPort) -> None:
        self.platforms = platforms
        self.lifecycle = lifecycle

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
