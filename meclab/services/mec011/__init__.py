"""MEC 011 application enablement (scaffold: being written; see the helper's brief)."""

from __future__ import annotations

from fastapi import FastAPI

from meclab.platform.apps import AppInstance, OperationAction
from meclab.platform.platform import Platforms


class Mec011:
    """MEC 011 app support and service management on every MEC host."""

    def __init__(self, platforms: Platforms) -> None:
        self.platforms = platforms

    def mount(self, app: FastAPI) -> None:
        """Serve both APIs on every host."""

    async def terminate(
        self, instance: AppInstance, action: OperationAction, graceful_timeout_s: int
    ) -> None:
        """Start the graceful termination of an instance."""
        raise NotImplementedError
