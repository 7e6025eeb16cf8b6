"""Graceful termination and stop of an application instance (MEC 011 clause 5.2.3).

::

    terminate(instance, action, timeout)          (the control API, MEC management's part)
      │  state -> TERMINATING (409 if it already is)
      │  AppTerminationNotification {operationAction, maxGracefulTimeout,
      │      _links {subscription, confirmTermination}} to its AppTermination subscribers
      ▼
    wait until POST .../confirm_termination {operationAction}   or the timeout
      ▼
    remove the instance: its subscriptions, its services (REMOVED to their subscribers),
    its rules; subscriptions of others to its termination go too

An instance meclab plays (``emulated``) confirms at once. A timeout of 0 is no grace period:
the instance is removed at once and not notified (``maxGracefulTimeout`` is non-zero, clause
7.1.4.2). STOPPING is handled like TERMINATING here: the MEC 011 instance goes. An instance the
lifecycle deployed keeps its MEC 010-2 record, host and address while STOPPED, and MEC 010-2
operate STARTED gives it a new MEC 011 instance with the same appInstanceId
(:mod:`meclab.lifecycle.manager`).

The deadline is stored, so a termination under way when meclab stops resumes, with the time
left, when it starts again; the notification is not sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from meclab.platform.apps import AppAction, AppInstance, AppState, OperationAction
from meclab.platform.errors import Conflict, InvalidField
from meclab.platform.platform import Platforms
from meclab.platform.wire import LinkType
from meclab.services.mec011.models import (
    APP_TERMINATION_NOTIFICATION,
    AppTerminationNotification,
    AppTerminationNotificationLinks,
)
from meclab.services.mec011.routing import APP_SUPPORT, APP_SUPPORT_API

log = logging.getLogger("meclab.mec011")

TERMINATIONS = "mec011_terminations"
"""Store collection: appInstanceId -> {"deadline": Unix time} of terminations under way."""


class Terminations:
    """Terminations under way, each a background task."""

    def __init__(self, platforms: Platforms) -> None:
        self.platforms = platforms
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._confirmed: dict[str, asyncio.Event] = {}

    # --- the procedure ------------------------------------------------------------------

    async def start(self, app: AppInstance, action: OperationAction, timeout_s: int) -> None:
        """Begin terminating ``app``; returns at once, the rest goes on in the background."""
        await self.platforms.transition(app, AppAction.TERMINATE)  # IllegalTransition: 409
        app.operation = action
        app.termination_confirmed = app.emulated
        await self.platforms.save_app(app)
        deadline = self.platforms.wall() + timeout_s
        await self.platforms.store.put(TERMINATIONS, app.app_instance_id, {"deadline": deadline})
        if timeout_s > 0:
            self._notify(app, action, timeout_s)
        log.info(
            "application instance %s (%s): %s, %d s to confirm",
            app.app_instance_id,
            app.app_name,
            action.value,
            timeout_s,
        )
        self._spawn(app, float(timeout_s))

    async def confirm(self, app: AppInstance, action: OperationAction) -> None:
        """The instance's AppTerminationConfirmation (clause 7.2.11.3.4)."""
        if app.state is AppState.TERMINATING:
            if app.termination_confirmed:
                raise Conflict(f"application instance {app.app_instance_id} already confirmed")
            if action is not app.operation:
                # Clause 7.1.4.3: "shall match that sent in the AppTerminationNotification".
                raise InvalidField(
                    "operationAction", f"the platform asked for {app.operation}, not {action}"
                )
        await self.platforms.transition(app, AppAction.CONFIRM_TERMINATION)  # 409 otherwise
        app.termination_confirmed = True
        await self.platforms.save_app(app)
        event = self._confirmed.get(app.app_instance_id)
        if event is not None:
            event.set()
        else:  # nothing is waiting (should not happen): finish now
            self._spawn(app, 0.0)

    async def remove(self, app: AppInstance) -> None:
        """Remove an instance now, with everything that belongs to it (see module docstring)."""
        task = self._tasks.get(app.app_instance_id)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._confirmed.pop(app.app_instance_id, None)
        if self.platforms.apps.get(app.app_instance_id) is app:
            await self.platforms.remove_app(app)
        registry = self.platforms.subscriptions
        for sub in registry.subscribers(APP_SUPPORT_API, app.host):
            if sub.criteria == app.app_instance_id:
                await registry.delete(
                    sub, reason=f"application instance {app.app_instance_id} gone"
                )
        await self.platforms.store.delete(TERMINATIONS, app.app_instance_id)

    def _notify(self, app: AppInstance, action: OperationAction, timeout_s: int) -> None:
        registry = self.platforms.subscriptions
        confirm = self.platforms.url(
            app.host, f"{APP_SUPPORT}/applications/{app.app_instance_id}/confirm_termination"
        )
        for sub in registry.subscribers(APP_SUPPORT_API, app.host):
            if sub.criteria != app.app_instance_id:
                continue
            payload = AppTerminationNotification(
                notificationType=APP_TERMINATION_NOTIFICATION,
                operationAction=action,
                maxGracefulTimeout=timeout_s,
                links=AppTerminationNotificationLinks(
                    subscription=LinkType(href=sub.href),
                    confirmTermination=LinkType(href=confirm),
                ),
            ).wire()
            # Its last notification: the subscription ends with the instance, and delivery
            # must go on (for a while) after that.
            self.platforms.notifier.send(sub, payload, final=True)

    def _spawn(self, app: AppInstance, wait_s: float) -> None:
        app_id = app.app_instance_id
        event = self._confirmed.setdefault(app_id, asyncio.Event())
        if app.termination_confirmed:
            event.set()
        task = asyncio.get_running_loop().create_task(
            self._run(app, wait_s, event), name=f"mec011-terminate-{app_id}"
        )
        self._tasks[app_id] = task  # a reference until it is done

        def done(finished: asyncio.Task[None]) -> None:
            if self._tasks.get(app_id) is finished:
                del self._tasks[app_id]

        task.add_done_callback(done)

    async def _run(self, app: AppInstance, wait_s: float, event: asyncio.Event) -> None:
        try:
            if not event.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), wait_s)
            if not event.is_set():
                log.info("application instance %s did not confirm in time", app.app_instance_id)
            await self.remove(app)
        except asyncio.CancelledError:
            raise
        except Exception:  # logged: a failed removal must not go unnoticed
            log.exception("terminating application instance %s failed", app.app_instance_id)

    # --- lifecycle ------------------------------------------------------------------------

    async def resume(self) -> None:
        """Go on with terminations a previous run left under way (at start-up)."""
        now = self.platforms.wall()
        store = self.platforms.store
        for app_id, _ in await store.items(TERMINATIONS):
            app = self.platforms.apps.get(app_id)
            if app is None or app.state is not AppState.TERMINATING:
                await store.delete(TERMINATIONS, app_id)  # stopped after removing, before this
        for app in list(self.platforms.apps.values()):
            if app.state is not AppState.TERMINATING or app.app_instance_id in self._tasks:
                continue
            stored = await store.get(TERMINATIONS, app.app_instance_id) or {}
            left = max(0.0, float(stored.get("deadline", now)) - now)
            log.info("resuming termination of %s: %.1f s left", app.app_instance_id, left)
            self._spawn(app, left)

    async def close(self) -> None:
        """Stop waiting (shutting down); a later start resumes the terminations."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._confirmed.clear()

    async def reset(self) -> None:
        """A new scenario replaced every platform: forget every termination."""
        await self.close()
        await self.platforms.store.clear(TERMINATIONS)
