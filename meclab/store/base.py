"""The store interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from meclab.bus.base import EventRecord

MAX_QUERY_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which records of the history to read. Every filter given must match."""

    types: Sequence[str] = ()
    subject: str | None = None
    """A terminal (``ue``) or element (``element``) name the event is about."""
    after_seq: int | None = None
    since_t: float | None = None
    until_t: float | None = None
    limit: int = 100
    newest_first: bool = False


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A notification queued for a subscriber and not yet delivered, as the store keeps it."""

    id: int
    """Queueing order, across every subscription; never reused."""
    subscription: str
    api: str
    host: str
    body: bytes
    """The JSON body, as it goes on the wire."""
    notification_type: str
    final: bool = False
    """The subscription's last notification (an ExpiryNotification ...)."""


class Store(ABC):
    """Documents (JSON-able values) by collection and key, the event history, and the
    notification outbox.

    Outbox changes are staged (no I/O) and committed together, by :meth:`flush_outbox` or with
    the next :meth:`append_events`, so that the notifications a tick's events caused are
    stored in the very transaction that records the events.
    """

    @abstractmethod
    async def get(self, collection: str, key: str) -> Any | None:
        """The value stored at (collection, key), or None."""

    @abstractmethod
    async def put(self, collection: str, key: str, value: Any) -> None:
        """Store ``value`` at (collection, key), replacing what was there."""

    @abstractmethod
    async def delete(self, collection: str, key: str) -> bool:
        """Remove (collection, key); whether it existed."""

    @abstractmethod
    async def items(self, collection: str) -> list[tuple[str, Any]]:
        """Every (key, value) of a collection, by key."""

    @abstractmethod
    async def clear(self, collection: str) -> None:
        """Remove every key of a collection."""

    @abstractmethod
    async def append_events(
        self, records: Sequence[EventRecord], *, t: float | None = None
    ) -> None:
        """Add records to the history and, in the same transaction, note ``t``: the simulation
        time the history has reached (a tick gives it even when it brought no events)."""

    @abstractmethod
    async def recorded_t(self) -> float | None:
        """The last ``t`` noted by :meth:`append_events`, None when none was."""

    @abstractmethod
    async def events(self, query: EventQuery) -> list[EventRecord]:
        """Records matching ``query``, by sequence number (newest first if asked)."""

    @abstractmethod
    async def last_seq(self) -> int:
        """Highest sequence number ever stored, 0 when none."""

    @abstractmethod
    def stage_outbox(
        self,
        *,
        added: Sequence[OutboxEntry] = (),
        removed: Sequence[int] = (),
        given_up: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Note, for the next commit: entries ``added`` to the outbox, ids ``removed`` from it
        (delivered or given up), and JSON-able records of notifications ``given_up``."""

    @abstractmethod
    async def flush_outbox(self) -> None:
        """Commit what was staged; on return, everything staged before the call is stored."""

    @abstractmethod
    async def outbox(self) -> list[OutboxEntry]:
        """Every stored outbox entry, by id."""

    @abstractmethod
    async def given_up(self, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """How many notifications were ever given up, and the latest ``limit`` records,
        oldest first."""

    @abstractmethod
    async def close(self) -> None:
        """Flush and release the store."""
