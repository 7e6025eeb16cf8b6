"""What the data plane implements to enforce MTS sessions (and the MTS service needs of it).

The MTS service keeps the sessions (:mod:`.sessions`); once a :class:`SteeringPort` is attached
(:attr:`meclab.services.mts.service.Mts.port`), it hands it every session created, replaced or
restored (``apply``) and every session ended (``release``: deleted, or its instance removed).
The port then steers each matched flow's bytes over the access(es) that
:func:`meclab.services.mts.choice.choose` picks, again on every change of the terminal's radio
context. Without a port (today) sessions are kept and served, and steer nothing.
"""

from __future__ import annotations

from typing import Protocol

from meclab.services.mts.sessions import MtsSession


class SteeringPort(Protocol):
    """The data plane, as the MTS service of every host sees it."""

    async def apply(self, host: str, session: MtsSession) -> None:
        """Steer ``session``'s traffic from now on (a replaced session: by its new terms)."""
        ...

    async def release(self, host: str, session_id: str) -> None:
        """Stop steering the traffic of session ``session_id``: it is gone."""
        ...
