"""Following an edge instance's users across MEC hosts: MEC 021 plus the sealed context push.

An instance that keeps per-user state (a :class:`~meclab.sdk.context.ContextStore`) makes a
:class:`UserMobility` before it serves, and handles each request of a user in a
:meth:`UserMobility.session`::

    mobility = UserMobility(app, store)

    @app.get("/frame")
    async def frame(request: web.Request) -> web.Response:
        try:
            async with mobility.session(user_of_request(request)) as context:
                context["frames"] = context.get("frames", 0) + 1
        except UserRelocated as moved:
            return moved.response()                  # 503, Retry-After: 0: ask the target
        ...

From then on the SDK does, with the platform's Application Mobility Service:

* at start, a registration of the instance (``serviceConsumerId.appInstanceId``) and a
  MobilityProcedureSubscription for it (every status), removed again when the instance stops;
* per user, a device of that registration (its AssociateId from the user's ``acr:`` address),
  with the service level of the mode:

  - ``Mode.ASSISTED`` (MEC-assisted, APP_MOBILITY_WITH_CONFIRMATION): on
    INTERHOST_MOVEOUT_TRIGGERED the context is pushed to the target instance
    (``targetAppInfo``), then reported transferred (``contextTransferState`` 1); the platform
    switches the user's traffic only then;
  - ``Mode.SELF`` (application self-controlled, APP_MOBILITY_WITHOUT_CONFIRMATION): the
    platform switches at once; the app pushes the context itself as soon as it learns of the
    move, over its own channel, and the target serves meanwhile without it;
  - ``Mode.STAY`` (APP_MOBILITY_NOT_ALLOWED): the instance keeps its users wherever they go,
    the platform steering their traffic back to it;

* the push at INTERHOST_MOVEOUT_TRIGGERED is *provisional*: the source goes on serving the user
  until the platform switches its traffic (after a predicted move, for seconds). On
  INTERHOST_MOVEOUT_COMPLETED (or as soon as the target says the user reached it, if that is
  sooner) the source serves the requests still on their way, for ``drain_s`` (not once the
  user is at the target) and until those in progress ended, then holds new ones, pushes
  the *final* copy and releases the user: its context leaves the store and its device the
  registration; the sessions it held raise :class:`UserRelocated`. The target,
  holding a provisional copy, makes the user's sessions wait for the final one (at most
  ``hold_s``), so that it never serves the user from a context older than the source's last;
* on INTERHOST_MOVEOUT_FAILED, nothing: the user stays here, context and all (as when the
  final push fails);
* at the target, a context that arrives makes its user one of the instance's (:meth:`serve`),
  so that the next move is followed from there.

``on_relocation`` hooks (:class:`~meclab.sdk.relocation.RelocationEvent`) tell the app each
context sent or received. The notifications of one user are handled one after the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from aiohttp import web

from meclab.sdk.app import EdgeApp
from meclab.sdk.clients.ams import AmsClient
from meclab.sdk.context import ContextStore
from meclab.sdk.errors import MecApiError, SdkError
from meclab.sdk.notifications import Api
from meclab.sdk.problem import problem_response
from meclab.sdk.relocation import (
    Direction,
    Hook,
    RelocationEvent,
    RelocationFailed,
    RelocationRefused,
    Stage,
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
HOLD_S = 2.0
"""How long a session waits, by default, for a context in transit."""
DRAIN_S = 0.05
"""How long, by default, the source goes on serving a user after it is told of the switch,
before the final copy goes: requests routed here before the switch are still on their way (one
trip of the old path), and serving them here is quicker for the user than sending them on."""


class UserRelocated(SdkError):
    """The user's context left this instance for ``target`` (an appInstanceId) while this
    session waited: the platform sends the user's traffic there now."""

    def __init__(self, user: str, target: str) -> None:
        self.user = user
        self.target = target
        super().__init__(f"{user} is served by {target} now")

    def response(self) -> web.Response:
        """503 problem details with ``Retry-After: 0``, the connection closed after it: the
        client asks again on a new flow, which reaches the target (a kept-alive one would
        come back here)."""
        answer = problem_response(503, str(self), title="User relocated")
        answer.headers["Retry-After"] = "0"
        answer.force_close()
        return answer


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


Target = tuple[str, str, int]
"""Where a user's context goes: the target's appInstanceId, host and port."""


def _target(note: MobilityProcedureNotification) -> Target | None:
    """The target a notification names (``targetAppInfo``); None, logged, when it names none
    with an address."""
    target = note.targetAppInfo
    addresses = target.commInterface.ipAddresses if target and target.commInterface else None
    if target is None or not addresses:
        log.warning("no target address to move the context to")
        return None
    return target.appInstanceId, addresses[0].host, addresses[0].port


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
        hold_s: float = HOLD_S,
        drain_s: float = DRAIN_S,
        relocation: UserContextRelocation | None = None,
        **channel: object,
    ) -> None:
        self.app = app
        self.store = store
        self.mode = mode
        self.hold_s = hold_s
        self.drain_s = drain_s
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
        self.held_too_long = 0
        """Sessions that stopped waiting for a context in transit after ``hold_s``."""
        self._incoming: dict[str, asyncio.Event] = {}  # set when the final copy is in
        self._leaving: dict[str, asyncio.Event] = {}  # set when the final push is done
        self._left: dict[str, tuple[str, float]] = {}  # user: (target, when it left)
        self._busy: dict[str, int] = {}
        self._reached: dict[str, asyncio.Event] = {}  # set when the target saw the user
        self._watchers: dict[str, asyncio.Task[None]] = {}
        self._idle: dict[str, asyncio.Event] = {}
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

    # --- sessions -----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def session(self, user: str) -> AsyncIterator[dict[str, Any]]:
        """The context of ``user`` for one request (change it in place), the user taken on
        (:meth:`serve`) the first time.

        Waits, at most ``hold_s``, while a relocation of the user into this instance awaits
        its final copy; raises :class:`UserRelocated` when the user's context left while it
        waited, or left within ``hold_s`` before (a request sent before the switch)."""
        await self._await_transit(user)
        self._busy[user] = self._busy.get(user, 0) + 1
        self._idle.setdefault(user, asyncio.Event())  # set when the last one ends
        try:
            context = self.store.get(user)
            await self.serve(user)
            yield context
        finally:
            self._busy[user] -= 1
            if not self._busy[user]:
                del self._busy[user]
                self._idle.pop(user).set()

    async def _await_transit(self, user: str) -> None:
        if user in self._incoming:
            self.relocation.arrived(user)  # the source, told, sends the final copy at once
        waited = self._incoming.get(user) or self._leaving.get(user)
        if waited is not None:
            try:
                await asyncio.wait_for(waited.wait(), self.hold_s)
            except TimeoutError:
                # No final copy came (the relocation failed, or its source went): the copy
                # held is what there is, and the next session need not wait again.
                if self._incoming.get(user) is waited:
                    del self._incoming[user]
                self.held_too_long += 1
                log.warning("%s: served after %g s without the final context", user, self.hold_s)
        left = self._left.get(user)
        if left is not None:
            target, when = left
            if time.monotonic() - when <= self.hold_s:
                raise UserRelocated(user, target)
            del self._left[user]

    async def _drained(self, user: str, told: float) -> None:
        """Until ``drain_s`` has passed since the switch was ``told`` (monotonic) and the
        user's sessions here have ended: at most half of ``hold_s``, which the target waits."""
        deadline = time.monotonic() + self.hold_s / 2
        reached = self._reached.setdefault(user, asyncio.Event())
        while (left := deadline - time.monotonic()) > 0:
            idle = self._idle.get(user)
            if idle is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(idle.wait(), left)
                continue
            early = told + self.drain_s - time.monotonic()
            if early <= 0 or reached.is_set():  # the user is at the target: nothing is to come
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reached.wait(), min(early, left))

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
                    self._unwatch(user)
                    self._reached.pop(user, None)
                    log.info("relocation of %s failed; it stays here", user)
            except (SdkError, ValueError) as exc:
                self.failures += 1
                log.warning("relocation of %s: %s", user, exc)

    async def _move_out(
        self, user: str, associate: AssociateId, note: MobilityProcedureNotification
    ) -> None:
        where = _target(note)
        if user not in self.store or where is None:
            return
        sent = await self._push(user, where, Stage.PROVISIONAL)
        self._watch(user, note, where, sent.revision)
        if self.mode is Mode.ASSISTED and self.registration_id is not None:
            async with self._registry:
                await self.ams.report_transferred(self.registration_id, associate)

    def _watch(
        self, user: str, note: MobilityProcedureNotification, where: Target, revision: int
    ) -> None:
        """Ask the target to say when the user reaches it, and then move the user out at
        once: the user's own arrival there is the surest sign of the switch, and comes
        sooner than the platform's word of it."""

        async def watch() -> None:
            try:
                while user in self.store:
                    arrived = await self.relocation.await_arrival(user, *where, revision)
                    if arrived:
                        self._reached.setdefault(user, asyncio.Event()).set()
                        async with self._locks.setdefault(user, asyncio.Lock()):
                            await self._moved_out(user, note)
                        return
            except (SdkError, ValueError) as exc:  # the platform's word will do
                log.debug("no word of %s's arrival from %s: %s", user, where[0], exc)
            finally:
                if self._watchers.get(user) is asyncio.current_task():
                    del self._watchers[user]

        self._unwatch(user)
        self._watchers[user] = asyncio.ensure_future(watch())

    def _unwatch(self, user: str) -> None:
        watcher = self._watchers.pop(user, None)
        if watcher is not None and watcher is not asyncio.current_task():
            watcher.cancel()

    async def _moved_out(self, user: str, note: MobilityProcedureNotification) -> None:
        told = time.monotonic()
        # The user was served here up to the switch, and requests routed before it may still
        # come: the final copy goes drain_s later, once none is in progress; sessions after
        # that wait for it, then learn where the user went.
        where = _target(note)
        if user not in self.store or where is None:
            self._unwatch(user)
            self.store.remove(user)
            await self.release(user)
            return
        await self._drained(user, told)
        leaving = self._leaving[user] = asyncio.Event()  # set before any other await
        try:
            try:
                await self._push(user, where, Stage.FINAL)
            except RelocationRefused as exc:
                if exc.status != 409:  # 409: the target holds as new a revision already
                    raise
            self._left[user] = (where[0], time.monotonic())
            self.store.remove(user)
        finally:
            del self._leaving[user]
            leaving.set()
            self._reached.pop(user, None)
        self._unwatch(user)
        await self.release(user)

    async def _push(self, user: str, where: Target, stage: Stage) -> RelocationEvent:
        return await self.relocation.push(user, *where, stage=stage)

    async def _arrived(self, event: RelocationEvent) -> None:
        if event.direction is Direction.IN:
            self._left.pop(event.user, None)  # back here
            if event.stage is Stage.PROVISIONAL:
                self._incoming.setdefault(event.user, asyncio.Event())
            else:
                incoming = self._incoming.pop(event.user, None)
                if incoming is not None:
                    incoming.set()
            try:
                await self.serve(event.user)
            except (MecApiError, RelocationFailed, SdkError) as exc:
                self.failures += 1
                log.warning("could not register %s after its context arrived: %s", event.user, exc)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
