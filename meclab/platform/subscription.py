"""One subscription, of any API, and the states it goes through.

::

    ACTIVE --delete-----> DELETED   (the subscriber or the platform removed it)
    ACTIVE --expire-----> EXPIRED   (its expiryDeadline passed)

Both ends are final; the registry forgets the subscription once it gets there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from meclab.platform.errors import Conflict


class SubscriptionState(StrEnum):
    ACTIVE = "ACTIVE"
    DELETED = "DELETED"
    EXPIRED = "EXPIRED"


TRANSITIONS: dict[tuple[SubscriptionState, SubscriptionState], str] = {
    (SubscriptionState.ACTIVE, SubscriptionState.DELETED): "delete",
    (SubscriptionState.ACTIVE, SubscriptionState.EXPIRED): "expire",
}


@dataclass(slots=True)
class Subscription:
    """A subscription as the platform keeps it."""

    id: str
    host: str
    """MEC host whose platform manages it."""
    api: str
    """Name of the API it belongs to (e.g. ``mec011_service_mgmt``, ``rni``)."""
    type: str
    """Its ``subscriptionType``."""
    body: dict[str, Any]
    """The resource as the API returns it (wire form, with ``_links`` and server-set values)."""
    href: str
    """Absolute URL of the resource."""
    owner: str | None = None
    """appInstanceId of the subscriber, where the API names it (MEC 011)."""
    callback: str | None = None
    websocket: bool = False
    expiry: float | None = None
    """Unix time of its expiryDeadline."""
    created: float = 0.0
    state: SubscriptionState = SubscriptionState.ACTIVE
    criteria: Any = field(default=None, compare=False)
    """The API's parsed form of the body, for matching events (not stored; rebuilt on restore)."""

    def end(self, state: SubscriptionState) -> None:
        """Move to DELETED or EXPIRED; Conflict if the table does not allow it."""
        if (self.state, state) not in TRANSITIONS:
            raise Conflict(f"subscription {self.id} is {self.state.value.lower()}")
        self.state = state

    def to_store(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "host": self.host,
            "api": self.api,
            "type": self.type,
            "body": self.body,
            "href": self.href,
            "owner": self.owner,
            "callback": self.callback,
            "websocket": self.websocket,
            "expiry": self.expiry,
            "created": self.created,
        }

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> Subscription:
        return cls(**data)
