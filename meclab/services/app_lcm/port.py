"""What the app_lcm/v1 routes need of the MEC system's lifecycle (the lifecycle manager).

Errors are :mod:`meclab.platform.errors` (NotFound 404, Conflict 409, InvalidField 400 ...),
which the routes answer as problem details unchanged. Requests arrive as their wire dicts,
already validated against the models of :mod:`meclab.services.app_lcm.models`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

from meclab.lifecycle.records import LcmInstance, OpOcc

ChangeKind = Literal["identifier_created", "identifier_deleted", "instance_state", "op_state"]
"""What changed: an instance was created or deleted, its state changed, or an operation's."""

ChangeListener = Callable[[str, LcmInstance, OpOcc | None], Awaitable[None]]
"""``listener(kind, instance, op)``: ``kind`` is a :data:`ChangeKind`; ``op`` is the operation
occurrence concerned (for ``op_state``, and for ``instance_state`` when an operation caused
it), else None. For ``identifier_deleted`` the instance is as it was before deletion."""


class LcmPort(Protocol):
    """Application instances and their lifecycle operation occurrences."""

    def instances(self) -> list[LcmInstance]:
        """Every instance, oldest first."""
        ...

    def instance(self, instance_id: str) -> LcmInstance:
        """One instance; NotFound."""
        ...

    async def create(
        self,
        app_d_id: str,
        name: str | None,
        description: str | None,
        placement: dict[str, Any] | None,
    ) -> LcmInstance:
        """A new NOT_INSTANTIATED instance of an onboarded package; NotFound (no package with
        that appDId), Conflict (the package is disabled). ``placement``: appPlacementInfo."""
        ...

    async def delete(self, instance_id: str) -> None:
        """Remove an instance; NotFound, Conflict unless NOT_INSTANTIATED."""
        ...

    async def instantiate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        """Start instantiating (an InstantiateAppRequest); the occurrence, at once."""
        ...

    async def terminate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        """Start terminating (a TerminateAppRequest); the occurrence, at once."""
        ...

    async def operate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        """Start or stop (an OperateAppRequest); the occurrence, at once."""
        ...

    def occurrences(self) -> list[OpOcc]:
        """Every operation occurrence, oldest first."""
        ...

    def occurrence(self, op_id: str) -> OpOcc:
        """One occurrence; NotFound."""
        ...

    async def cancel(self, op_id: str, mode: str) -> None:
        """Cancel an ongoing occurrence (``mode`` GRACEFUL or FORCED); Conflict when it is
        not STARTING, PROCESSING or FAILED_TEMP."""
        ...

    async def fail(self, op_id: str) -> OpOcc:
        """Mark a FAILED_TEMP occurrence FAILED for good; Conflict otherwise."""
        ...

    async def retry(self, op_id: str) -> None:
        """Retry a FAILED_TEMP occurrence; Conflict otherwise."""
        ...

    async def configure_platform(self, instance_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Apply a ConfigPlatformForAppRequest to the instance's MEC platform; what was
        applied. Conflict unless INSTANTIATED."""
        ...

    def on_change(self, listener: ChangeListener) -> None:
        """Tell ``listener`` of every change (see :data:`ChangeListener`), awaited in order."""
        ...
