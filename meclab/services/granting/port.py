"""What the granting/v1 routes need of the MEC system's lifecycle."""

from __future__ import annotations

from typing import Any, Protocol

from meclab.lifecycle.records import LcmInstance


class GrantPort(Protocol):
    """Grants of lifecycle operations; errors are :mod:`meclab.platform.errors`."""

    async def grant(self, request: dict[str, Any]) -> dict[str, Any]:
        """Decide a GrantRequest (wire dict, validated): the Grant (wire dict, with its ``id``,
        without ``_links``). NotFound for an unknown instance or occurrence; Conflict
        (e.g. :class:`meclab.lifecycle.capacity.InsufficientCapacity`) when it is refused."""
        ...

    def instance(self, instance_id: str) -> LcmInstance:
        """The application instance a grant is asked for; NotFound."""
        ...

    def grant_of(self, grant_id: str) -> dict[str, Any]:
        """A grant made earlier (as :meth:`grant` returned it); NotFound."""
        ...
