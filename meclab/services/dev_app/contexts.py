"""The application contexts device applications created, and what they are told.

A context is kept as a record of the shared subscription registry (``platforms.subscriptions``,
API ``dev_app``, type ``AppContext``, host :data:`~meclab.lifecycle.SYSTEM_HOST`): its id is the
``contextId``, its body the AppContext as answered, its callback the ``callbackReference``. So
contexts survive a restart with the registry's store, and their notifications go through the
platform's notifier with its ordering, retries and durable outbox, as a subscription's do (the
notifier serves only records of that registry). A context without ``callbackReference`` is told
nothing. They are not listed with any MEC host's subscriptions, and a new scenario clears them
with every other subscription.

What is notified (ETSI GS MEC 016 clause 6.4), when the lifecycle reports a change of an
instance contexts use (:class:`~meclab.lifecycle.device_apps.ReferenceChange`), or a PUT moves a
context:

* the same instance at another reference URI: AddressChangeNotification;
* another instance (relocation, or a new appLocation): ApplicationContextUpdateNotification;
* the instance ended with nothing in its place: ApplicationContextDeleteNotification, and the
  context is deleted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from meclab.lifecycle import SYSTEM_HOST
from meclab.lifecycle.device_apps import ContextPlacement, ReferenceChange
from meclab.platform.errors import NotFound
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.subscriptions import SubscriptionApi
from meclab.services.dev_app.models import (
    AddressChangeNotification,
    AppContext,
    ApplicationContextDeleteNotification,
    ApplicationContextUpdateNotification,
    LocationConstraints,
    UpdatedInstanceInfo,
    UserAppInstanceInfo,
)

API = "dev_app"
KIND = "AppContext"
BASE_PATH = "/dev_app/v1"


def _parse(_: str, body: dict[str, Any]) -> AppContext:
    return AppContext.model_validate(_answered(body))


def _answered(body: dict[str, Any]) -> dict[str, Any]:
    """A stored body as answered: without the registry's ``_links``."""
    return {k: v for k, v in body.items() if k != "_links"}


def instance_of(context: AppContext) -> str | None:
    """The appInstanceId a context uses (meclab gives each context one instance)."""
    return context.appInfo.userAppInstanceInfo[0].appInstanceId


class Contexts:
    """Every application context, over the subscription registry (module docstring)."""

    def __init__(
        self,
        platforms: Platforms,
        location_of: Callable[[str], LocationConstraints | None],
    ) -> None:
        """``location_of(host)``: a host's location, for the instances' ``appLocation``."""
        self.platforms = platforms
        self.registry = platforms.subscriptions
        self.location_of = location_of
        self.registry.register_api(SubscriptionApi(API, parse=_parse))

    def href(self, context_id: str) -> str:
        root = f"{self.platforms.base_url}{self.platforms.api_root}{BASE_PATH}"
        return f"{root}/app_contexts/{context_id}"

    # --- reading --------------------------------------------------------------------------

    def get(self, context_id: str) -> Subscription:
        """A context's record for a request; NotFound if none, Forbidden unless the caller
        made it."""
        try:
            record = self.registry.get(SYSTEM_HOST, API, context_id)
        except NotFound:
            raise NotFound(f"no application context {context_id!r}") from None
        return self.registry.checked(record, "application context")

    def all(self) -> list[Subscription]:
        return self.registry.subscribers(API, SYSTEM_HOST)

    def users(self) -> dict[str, str]:
        """contextId -> the appInstanceId it uses, for every context that has one."""
        return {
            r.id: instance
            for r in self.all()
            if (instance := instance_of(self.context(r))) is not None
        }

    @staticmethod
    def context(record: Subscription) -> AppContext:
        context: AppContext = record.criteria
        return context

    # --- writing --------------------------------------------------------------------------

    async def create(
        self,
        request: AppContext,
        place: Callable[[str], Awaitable[ContextPlacement]],
        app_d_id: str,
    ) -> AppContext:
        """Record a new context for ``request``; ``place(context_id)`` gives its instance.

        The record exists (under its id) while ``place`` runs, without its instance; if
        ``place`` fails, it goes and the error propagates: no half-made context is left.
        """
        record = await self.registry.create(
            host=SYSTEM_HOST,
            api=API,
            type=KIND,
            body=request.wire(),
            href=self.href,
            criteria=request,
            callback=request.callbackReference,
        )
        try:
            placement = await place(record.id)
        except BaseException:
            await self.registry.delete(record, reason="application context not created")
            raise
        info = request.appInfo.model_copy(
            update={"appDId": app_d_id, "userAppInstanceInfo": [self._instance(placement)]}
        )
        context = request.model_copy(update={"contextId": record.id, "appInfo": info})
        await self._store(record, context)
        return context

    async def set_callback(self, record: Subscription, callback: str | None) -> None:
        context = self.context(record).model_copy(update={"callbackReference": callback})
        await self._store(record, context)

    async def move(self, record: Subscription, placement: ContextPlacement) -> None:
        """The context is served by ``placement`` now: store it, and tell its callback."""
        context = self.context(record)
        before = instance_of(context)
        current = context.appInfo.userAppInstanceInfo[0]
        if before == placement.app_instance_id and current.referenceURI == placement.reference_uri:
            return
        info = context.appInfo.model_copy(
            update={"userAppInstanceInfo": [self._instance(placement)]}
        )
        await self._store(record, context.model_copy(update={"appInfo": info}))
        if before == placement.app_instance_id:
            note: dict[str, Any] = AddressChangeNotification(
                notificationType="AddressChangeNotification",
                contextId=record.id,
                appInstanceId=placement.app_instance_id,
                referenceURI=placement.reference_uri,
            ).wire()
        else:
            entry = self._instance(placement)
            note = ApplicationContextUpdateNotification(
                notificationType="ApplicationContextUpdateNotification",
                contextId=record.id,
                userAppInstanceInfo=[UpdatedInstanceInfo.model_validate(entry.wire())],
            ).wire()
        self._notify(record, note)

    async def delete(self, record: Subscription, *, by_system: bool) -> None:
        """Remove a context; ``by_system``: meclab ended it, and its callback is told."""
        if by_system:
            self._notify(
                record,
                ApplicationContextDeleteNotification(
                    notificationType="ApplicationContextDeleteNotification", contextId=record.id
                ).wire(),
                final=True,
            )
        await self.registry.delete(
            record,
            reason="application context ended" if by_system else "application context deleted",
        )

    async def changed(self, change: ReferenceChange) -> None:
        """The lifecycle's news about an instance (module docstring)."""
        for record in self.all():
            if instance_of(self.context(record)) != change.app_instance_id:
                continue
            if change.placement is None:
                await self.delete(record, by_system=True)
            else:
                await self.move(record, change.placement)

    # --- internals ------------------------------------------------------------------------

    def _instance(self, placement: ContextPlacement) -> UserAppInstanceInfo:
        return UserAppInstanceInfo(
            appInstanceId=placement.app_instance_id,
            referenceURI=placement.reference_uri,
            appLocation=self.location_of(placement.host),
        )

    async def _store(self, record: Subscription, context: AppContext) -> None:
        await self.registry.replace(
            record,
            body=context.wire(),
            criteria=context,
            callback=context.callbackReference,
            websocket=False,
            expiry=None,
        )

    def _notify(
        self, record: Subscription, payload: dict[str, Any], *, final: bool = False
    ) -> None:
        # Without a callback there is nobody to tell (delivery would retry for ever).
        if record.callback is not None:
            self.registry.notify(record, payload, final=final)
