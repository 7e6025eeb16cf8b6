"""What the AMS service needs from the MEC system's mobility manager (and nothing more).

:class:`meclab.mobility.manager.Mobility` implements it; tests may use a fake. The AMS service
validates REST bodies, resolves AssociateIds to terminals and shapes notifications; the port
keeps the registrations and runs the procedures.

Ownership (issue 12): a registration belongs to its consumer instance
(:attr:`~meclab.mobility.registry.Registration.owner`). In a request, the port lists the
caller's own registrations only, and refuses (Forbidden, 403) to give, change or remove
another's, or to register (or re-register) for an instance other than the caller; the
operator, and meclab's own work outside requests, may do all of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from meclab.mobility.notices import AdjacentChange, AdjacentInstance, ProcedureNotice
from meclab.mobility.registry import Device, Registration

NoticeListener = Callable[[ProcedureNotice | AdjacentChange], Awaitable[None]]


class AmsPort(Protocol):
    """The mobility manager, as the AMS of each host sees it."""

    def registrations(self, host: str) -> list[Registration]:
        """The registrations made on ``host``."""
        ...

    def registration(self, host: str, registration_id: str) -> Registration:
        """One registration of ``host``; NotFound otherwise."""
        ...

    async def register(
        self,
        host: str,
        app_instance_id: str | None,
        mep_id: str | None,
        devices: list[Device],
        expiry_s: int | None,
    ) -> Registration:
        """A new registration. NotFound (404) when ``app_instance_id`` is no instance of
        ``host``; Unprocessable (422) when a device is registered twice, or by another
        instance of the same application for the same terminal."""
        ...

    async def update(
        self,
        host: str,
        registration_id: str,
        app_instance_id: str | None,
        mep_id: str | None,
        devices: list[Device],
        expiry_s: int | None,
    ) -> Registration:
        """Replace a registration's consumer, devices and expiry (a device whose
        contextTransferState becomes USER_CONTEXT_TRANSFER_COMPLETED confirms its transfer
        to a procedure waiting for it). Same errors as :meth:`register`."""
        ...

    async def deregister(self, host: str, registration_id: str) -> None:
        """Remove a registration now; NotFound otherwise."""
        ...

    async def deregister_task(self, host: str, registration_id: str) -> None:
        """Arm the registration's timer: it is removed once its expiryTime has run out
        (at once when it has none or it has already run out)."""
        ...

    def adjacent(self, host: str) -> list[AdjacentInstance]:
        """Instances on other hosts of the applications that have an instance on ``host``."""
        ...

    def on_notice(self, listener: NoticeListener) -> None:
        """Call ``listener`` with every procedure step and adjacent-instance change."""
        ...
