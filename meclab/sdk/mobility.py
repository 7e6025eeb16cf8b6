"""Following an edge instance's users across MEC hosts: MEC 021 plus the sealed context push.

An instance that keeps per-user state (a :class:`~meclab.sdk.context.ContextStore`) makes a
:class:`UserMobility` before it serves, and calls :meth:`UserMobility.serve` for each user it
takes on. From then on the SDK does, with the platform's Application Mobility Service:

* at start, a registration of the instance (``serviceConsumerId.appInstanceId``) and a
  MobilityProcedureSubscription for it (every status), removed again when the instance stops;
* per user, a device of that registration (its AssociateId from the user's ``acr:`` address),
  with the service level of the mode:

  - ``Mode.ASSISTED`` (MEC-assisted, APP_MOBILITY_WITH_CONFIRMATION): on
    INTERHOST_MOVEOUT_TRIGGERED the context is pushed to the target instance
    (``targetAppInfo``), then reported transferred (``contextTransferState`` 1); the platform
    switches the user's traffic only then, so the target never serves the user without it;
  - ``Mode.SELF`` (application self-controlled, APP_MOBILITY_WITHOUT_CONFIRMATION): the
    platform switches at once; the app pushes the context itself as soon as it learns of the
    move, over its own channel, and the target serves meanwhile without it;
  - ``Mode.STAY`` (APP_MOBILITY_NOT_ALLOWED): the instance keeps its users wherever they go,
    the platform steering their traffic back to it;

* on INTERHOST_MOVEOUT_COMPLETED, a last push when the context changed since (the user was
  still served here, say after a predicted move), then the user is released here: its context
  leaves the store and its device the registration;
* on INTERHOST_MOVEOUT_FAILED, nothing: the user stays here, context and all;
* at the target, a context that arrives makes its user one of the instance's (:meth:`serve`),
  so that the next move is followed from there.

``on_relocation`` hooks (:class:`~meclab.sdk.relocation.RelocationEvent`) tell the app each
context sent or received. The notifications of one user are handled one after the other.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable

from meclab.sdk.app import EdgeApp
from meclab.sdk.clients.ams import AmsClient
from meclab.sdk.context import ContextStore
from meclab.sdk.errors import MecApiError, SdkError
from meclab.sdk.notifications import Api
from meclab.sdk.relocation import (
    Direction,
    Hook,
    RelocationEvent,
    RelocationFailed,
    RelocationRefused,
    UserContextRelocation,
)
from meclab.sdk.sealing import ContextKey
from meclab.services.ams.models import (
    AppMobilityServiceLevel,
    AssociateId,
    DeviceInformation,
    MobilityProcedureFilter,
    MobilityProcedureNotification,
    MobilityProcedureSubscription,
    MobilityStatus,
    RegistrationInfo,
    ServiceConsumerId,
)

log = logging.getLogger(__name__)

UE_IPV4_ADDRESS = 1
"""MEC 012 AssociateId type of a UE's IPv4 address."""


class Mode(enum.StrEnum):
    """Who moves a user's context, and whether the platform waits for it."""

    ASSISTED = "assisted"
    SELF = "self"
    STAY = "stay"
    """APP_MOBILITY_NOT_ALLOWED: the instance keeps its users wherever they go."""


LEVELS = {
    Mode.ASSISTED: AppMobilityServiceLevel.APP_MOBILITY_WITH_CONFIRMATION,
    Mode.SELF: AppMobilityServiceLevel.APP_MOBILITY_WITHOUT_CONFIRMATION,
    Mode.STAY: AppMobilityServiceLevel.APP_MOBILITY_NOT_ALLOWED,
}


def associate_of(user: str) -> AssociateId:
    """The AssociateId of user ``acr:10.0.0.1`` (type UE_IPv4_ADDRESS, value ``10.0.0.1``)."""
    return AssociateId(type=UE_IPV4_ADDRESS, value=user.removeprefix("acr:"))


def user_of(associate: AssociateId) -> str:
    """The store's key for a device: its ``acr:`` address."""
    return f"acr:{associate.value}"


class UserMobility:
    """The users of one edge instance, followed across hosts (see the module docstring).

    ``key`` seals contexts in transit (default: ``MECLAB_CONTEXT_KEY``); ``relocation`` is the
    channel to use, when the app made one (else one is made here, with ``plane`` and
    ``direct`` as :class:`~meclab.sdk.relocation.UserContextRelocation` takes them).
    """

    def __init__(
        self,
        app: EdgeApp,
        store: ContextStore,
        key: ContextKey | None = None,
        *,
        mode: Mode = Mode.ASSISTED,
        relocation: UserContextRelocation | None = None,
        **channel: object,
    ) -> None:
        self.app = app
        self.store = store
        self.mode = mode
        self.relocation = relocation or UserContextRelocation(
            app,
            store,
            key or ContextKey.from_env(),
            **channel,  # type: ignore[arg-type]
        )
        self.registration_id: str | None = None
        self.registered = asyncio.Event()
        """Set once the instance is registered with the AMS and subscribed to its moves."""
        self.users: set[str] = set()
        """The users this instance serves (registered with its AMS)."""
        self.failures = 0
        """Relocations that could not be carried out here (logged; the user stayed)."""
        self._locks: dict[str, asyncio.Lock] = {}
        self._registry = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.relocation.on_relocation(self._arrived)
        app.on_start(self._started)

    def on_relocation(self, hook: Hook) -> Hook:
        """Decorator: ``hook(event)`` after each context pushed from here or imported here."""
        return self.relocation.on_relocation(hook)

    @property
    def ams(self) -> AmsClient:
        return AmsClient(self.app.http)

    # --- users --------------------------------------------------------------------------------

    async def serve(self, user: str) -> None:
        """Take ``user`` (``acr:10.0.0.1``) on: register it with the AMS (once serving)."""
        if user in self.users:
            return
        self.users.add(user)
        if self.registration_id is not None:
            await self._write()

    async def release(self, user: str) -> None:
        """No longer follow ``user`` (its context stays in the store)."""
        if user not in self.users:
            return
        self.users.discard(user)
        if self.registration_id is not None:
            await self._write()

    async def _write(self) -> None:
        """The registration's devices made those of :attr:`users` (read, changed, written
        under its ETag, one writer at a time)."""
        async with self._registry:
            assert self.registration_id is not None
            current = await self.ams.registration(self.registration_id)
            kept = {
                user_of(d.associateId): d
                for d in current.value.deviceInformation or []
                if user_of(d.associateId) in self.users
            }
            devices = [
                kept.get(user)
                or DeviceInformation(
                    associateId=associate_of(user), appMobilityServiceLevel=LEVELS[self.mode]
                )
                for user in sorted(self.users)
            ]
            info = current.value.model_copy(update={"deviceInformation": devices or None})
            await self.ams.update_registration(info, if_match=current.etag)

    # --- start ----------------------------------------------------------------------------------

    async def _started(self, app: EdgeApp) -> None:
        me = app.app_instance_id
        devices = [
            DeviceInformation(
                associateId=associate_of(u), appMobilityServiceLevel=LEVELS[self.mode]
            )
            for u in sorted(self.users)
        ]
        created = await self.ams.register(
            RegistrationInfo(
                serviceConsumerId=ServiceConsumerId(appInstanceId=me),
                deviceInformation=devices or None,
            )
        )
        self.registration_id = created.value.appMobilityServiceId
        app.unsubscribe_on_exit(created.location)  # a DELETE of the registration, at the end
        callback = app.notifications.callback_url(Api.AMS, self._notified)
        subscription = await self.ams.subscribe(
            MobilityProcedureSubscription(
                subscriptionType="MobilityProcedureSubscription",
                callbackReference=callback,
                filterCriteria=MobilityProcedureFilter(
                    appInstanceId=me, mobilityStatus=list(MobilityStatus)
                ),
            )
        )
        app.unsubscribe_on_exit(subscription.location)
        self.registered.set()

    # --- notifications --------------------------------------------------------------------------

    def _notified(self, note: object) -> None:
        if not isinstance(note, MobilityProcedureNotification):
            log.debug("ignored a %s", type(note).__name__)
            return
        for associate in note.associateId:
            self._spawn(self._handle(user_of(associate), associate, note))

    async def _handle(
        self, user: str, associate: AssociateId, note: MobilityProcedureNotification
    ) -> None:
        async with self._locks.setdefault(user, asyncio.Lock()):
            try:
                if note.mobilityStatus is MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED:
                    await self._move_out(user, associate, note)
                elif note.mobilityStatus is MobilityStatus.INTERHOST_MOVEOUT_COMPLETED:
                    await self._moved_out(user, note)
                else:
                    log.info("relocation of %s failed; it stays here", user)
            except (SdkError, ValueError) as exc:
                self.failures += 1
                log.warning("relocation of %s: %s", user, exc)

    async def _move_out(
        self, user: str, associate: AssociateId, note: MobilityProcedureNotification
    ) -> None:
        if user not in self.store or not self._push_target(note):
            return
        await self._push(user, note)
        if self.mode is Mode.ASSISTED and self.registration_id is not None:
            async with self._registry:
                await self.ams.report_transferred(self.registration_id, associate)

    async def _moved_out(self, user: str, note: MobilityProcedureNotification) -> None:
        # The user was served here up to the switch: what changed since the first push (the
        # app may change a context in place) goes too, as a newer revision.
        if user in self.store and self._push_target(note):
            try:
                await self._push(user, note)
            except RelocationRefused as exc:
                if exc.status != 409:  # 409: the target holds as new a revision already
                    raise
        self.store.remove(user)
        await self.release(user)

    def _push_target(self, note: MobilityProcedureNotification) -> bool:
        target = note.targetAppInfo
        ok = (
            target is not None
            and target.commInterface is not None
            and bool(target.commInterface.ipAddresses)
        )
        if not ok:
            log.warning("no target address to move the context to")
        return ok

    async def _push(self, user: str, note: MobilityProcedureNotification) -> RelocationEvent:
        target = note.targetAppInfo
        assert target is not None and target.commInterface is not None
        address = (target.commInterface.ipAddresses or [])[0]
        return await self.relocation.push(user, target.appInstanceId, address.host, address.port)

    async def _arrived(self, event: RelocationEvent) -> None:
        if event.direction is Direction.IN:
            try:
                await self.serve(event.user)
            except (MecApiError, RelocationFailed, SdkError) as exc:
                self.failures += 1
                log.warning("could not register %s after its context arrived: %s", event.user, exc)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
