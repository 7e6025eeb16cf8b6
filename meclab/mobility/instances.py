"""What application mobility asks of the lifecycle: a target instance started, idle ones let go.

Instance relocation starts a new instance of the source's package on the target host and waits
until it is READY (:meth:`Instances.start`); after a relocation, an instance the lifecycle
deployed that no terminal needs any more is terminated once the policy's keep-warm time has
passed (:meth:`Instances.release_later`, then :meth:`Instances.due` each housekeeping round),
unless something pinned it again meanwhile. Scenario instances are never started or stopped
here: they are the scenario's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from meclab.lifecycle.manager import Lifecycle
from meclab.lifecycle.records import OperationState
from meclab.platform.apps import AppInstance
from meclab.platform.errors import NotFound

log = logging.getLogger("meclab.mobility")

TERMINATE_GRACE_S = 5
"""The graceful termination an idle instance gets."""


class StartFailed(Exception):
    """A target instance that did not start; ``reason`` says why, in a sentence."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(slots=True)
class _Release:
    """An instance to terminate once ``at`` has passed, if it still serves no one."""

    instance: str
    at: float


class Instances:
    """The lifecycle's part in relocation (see the module docstring).

    ``busy(instance_id)``: whether an instance still serves or is about to serve a terminal
    (pinned, or in an open procedure): such an instance is never terminated here."""

    def __init__(
        self,
        lifecycle: Lifecycle | None,
        busy: Callable[[str], bool],
        wall: Callable[[], float],
    ) -> None:
        self.lifecycle = lifecycle
        self.busy = busy
        self.wall = wall
        self._releases: dict[str, _Release] = {}

    def app_d_id(self, app: AppInstance) -> str:
        """The descriptor an instance was deployed from; its appName for a scenario one."""
        if self.lifecycle is not None:
            with contextlib.suppress(NotFound):
                return self.lifecycle.instance(app.app_instance_id).app_d_id
        return app.app_name

    def deployed(self, instance_id: str) -> bool:
        """Whether the lifecycle deployed ``instance_id`` (else the scenario declares it)."""
        if self.lifecycle is None:
            return False
        try:
            self.lifecycle.instance(instance_id)
        except NotFound:
            return False
        return True

    def cannot_start(self, source: AppInstance, allowed: bool) -> str | None:
        """Why no instance of ``source``'s package can be started elsewhere (``allowed``: the
        policy relocates instances); None when one can."""
        if not allowed:
            return "the policy does not relocate instances"
        if self.lifecycle is None:
            return "meclab runs no lifecycle"
        if not self.deployed(source.app_instance_id):
            return "it was not deployed from a package (the scenario declares it)"
        return None

    async def start(
        self,
        app_d_id: str,
        host: str,
        *,
        description: str,
        users: list[str],
        timeout_s: float,
        created: Callable[[str], None],
    ) -> str:
        """A new instance of ``app_d_id`` on ``host``, READY; ``created(id)`` as soon as it
        exists. :class:`StartFailed` when the lifecycle refuses or it does not become READY
        within ``timeout_s`` (nothing of the attempt is left behind)."""
        lifecycle = self.lifecycle
        assert lifecycle is not None
        try:
            instance = await lifecycle.create(app_d_id, description=description, users=users)
            created(instance.id)
            op = await lifecycle.instantiate(
                instance.id, {"selectedMECHostInfo": [{"hostId": host}]}
            )
            ended = await lifecycle.settled(op, timeout_s)
        except Exception as exc:  # any refusal of the lifecycle, told why
            detail = getattr(exc, "detail", None) or str(exc)
            raise StartFailed(f"the lifecycle refused: {detail}") from exc
        if ended.state is not OperationState.COMPLETED:
            detail = (ended.error or {}).get("detail", ended.state)
            with contextlib.suppress(Exception):
                if ended.state is OperationState.FAILED_TEMP:
                    await lifecycle.fail(ended.id)
                await lifecycle.delete(instance.id)
            raise StartFailed(f"the target did not start: {detail}")
        return instance.id

    def release_later(self, instance_id: str, keep_warm_s: float | None) -> None:
        """Terminate ``instance_id`` after ``keep_warm_s`` (None: never) if it is one the
        lifecycle deployed and no terminal needs it by then."""
        if keep_warm_s is not None and self.deployed(instance_id):
            self._releases[instance_id] = _Release(instance_id, self.wall() + keep_warm_s)

    def due(self, spawn: Callable[[Awaitable[None]], None]) -> None:
        """Start, with ``spawn``, the terminations whose time has come."""
        now = self.wall()
        for release in list(self._releases.values()):
            if release.at <= now:
                del self._releases[release.instance]
                spawn(self._release(release.instance))

    def clear(self) -> None:
        """Forget the terminations planned (a new world)."""
        self._releases.clear()

    async def _release(self, instance_id: str) -> None:
        assert self.lifecycle is not None
        if self.busy(instance_id):
            return
        with contextlib.suppress(NotFound):
            instance = self.lifecycle.instance(instance_id)
            if instance.instantiation_state.value != "INSTANTIATED":
                return
            log.info("terminating %s: no terminal left on it after relocation", instance_id)
            op = await self.lifecycle.terminate(
                instance_id,
                {"terminationType": "GRACEFUL", "gracefulTerminationTimeout": TERMINATE_GRACE_S},
            )
            ended = await self.lifecycle.settled(op, 30.0)
            if ended.state is OperationState.COMPLETED:
                with contextlib.suppress(Exception):
                    await self.lifecycle.delete(instance_id)
