"""A store that stands for whichever world is open.

The platforms, the subscriptions and the services are given one store when they are built and
keep it; when the runtime opens another world (``PUT /meclab/v1/scenario``), this store simply
starts passing their calls to that world's store, so none of them has to be rebuilt or told.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meclab.bus.base import EventRecord
from meclab.store.base import EventQuery, Store


class CurrentStore(Store):
    """Passes every call to the store set by :meth:`switch`."""

    def __init__(self) -> None:
        self._target: Store | None = None

    @property
    def target(self) -> Store:
        """The open world's store; RuntimeError before one is open."""
        if self._target is None:
            raise RuntimeError("no world is open")
        return self._target

    def switch(self, store: Store) -> None:
        """Pass calls to ``store`` from now on (closing the previous one is the caller's job)."""
        self._target = store

    async def get(self, collection: str, key: str) -> Any | None:
        return await self.target.get(collection, key)

    async def put(self, collection: str, key: str, value: Any) -> None:
        await self.target.put(collection, key, value)

    async def delete(self, collection: str, key: str) -> bool:
        return await self.target.delete(collection, key)

    async def items(self, collection: str) -> list[tuple[str, Any]]:
        return await self.target.items(collection)

    async def clear(self, collection: str) -> None:
        await self.target.clear(collection)

    async def append_events(self, records: Sequence[EventRecord]) -> None:
        await self.target.append_events(records)

    async def events(self, query: EventQuery) -> list[EventRecord]:
        return await self.target.events(query)

    async def last_seq(self) -> int:
        return await self.target.last_seq()

    async def close(self) -> None:
        """Close the open world's store, if one is open."""
        if self._target is not None:
            await self._target.close()
            self._target = None
