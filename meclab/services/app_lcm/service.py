"""MEC 010-2 application lifecycle management (``app_lcm/v1``) of the MEC system."""

from __future__ import annotations

from fastapi import FastAPI

from meclab.lifecycle.records import LcmInstance, OpOcc
from meclab.platform.platform import Platforms
from meclab.services.app_lcm.notifications import SUBSCRIPTION_API, Notifications
from meclab.services.app_lcm.owners import INSTANCES, Owners
from meclab.services.app_lcm.port import LcmPort
from meclab.services.app_lcm.views import Urls


class AppLcm:
    """app_lcm/v1 over a lifecycle (:class:`LcmPort`), served once at the API root.

    Its subscriptions are kept in the platforms' registry under the MEC system's name; the
    lifecycle's changes reach the subscribers through the platforms' notifier.

    Ownership (issue 12, :mod:`.owners`): an instance belongs to the client that created it,
    and so do its operation occurrences and its subscriptions; another client is refused
    (403) every operation on them and sees none of them in listings. Instances made by the
    operator or by meclab (scenario, control API, relocation) are the operator's alone.
    """

    def __init__(self, platforms: Platforms, lifecycle: LcmPort) -> None:
        self.platforms = platforms
        self.lifecycle = lifecycle
        self.urls = Urls(platforms)
        self.notifications = Notifications(platforms, self.urls)
        self.owners = Owners(platforms.store, INSTANCES)
        platforms.subscriptions.register_api(SUBSCRIPTION_API)
        platforms.reset_listeners.append(self.owners.clear)
        lifecycle.on_change(self.notifications.on_change)
        lifecycle.on_change(self._changed)

    async def _changed(self, kind: str, instance: LcmInstance, _: OpOcc | None) -> None:
        if kind == "identifier_deleted":
            await self.owners.forget(instance.id)

    def mount(self, app: FastAPI) -> None:
        """Serve the API at ``{api_root}/app_lcm/v1``."""
        from meclab.services.app_lcm.routes import build_router

        app.include_router(build_router(self), prefix=self.platforms.api_root)
