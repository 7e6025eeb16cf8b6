"""Resources an application instance owns on one MEC host, kept in the store: one registry for
every such kind (MTS sessions, BWM allocations ...).

A record belongs to its application instance (its ``owner``): only that instance and the
operator see and change it in secure mode (:mod:`meclab.platform.access`), and it ends with the
instance. A registry is restored when meclab resumes its stored world (dropping the records
whose instance is gone) and emptied when a new scenario is loaded. Records keep their creation
order, through restarts too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

from meclab.platform.access import visible
from meclab.platform.errors import NotFound
from meclab.store.base import Store


class Record(Protocol):
    """What a registry keeps: an id, the host it was made on, its owner, its body."""

    @property
    def id(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def app_name(self) -> str | None: ...
    def body(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=Record)


class HostRecords(Generic[R]):
    """Every host's records of one kind by id, in creation order, mirrored in the store
    collection ``collection``; ``load(host, body)`` makes a record again from what was stored;
    ``noun`` names one in errors ("MTS session")."""

    def __init__(
        self, store: Store, collection: str, load: Callable[[str, Any], R], noun: str
    ) -> None:
        self.store = store
        self.collection = collection
        self.load = load
        self.noun = noun
        self._records: dict[str, R] = {}
        self._seq: dict[str, int] = {}
        """Each record's creation number: the stored records come back in creation order."""

    async def restore(self, live_apps: Iterable[str]) -> list[R]:
        """Reload the stored records of instances that still exist (the others are deleted);
        returns those reloaded."""
        live = set(live_apps)
        self._records.clear()
        self._seq.clear()
        stored = await self.store.items(self.collection)
        for record_id, data in sorted(stored, key=lambda item: item[1]["seq"]):
            record = self.load(data["host"], data["info"])
            if record.owner in live:
                self._records[record_id] = record
                self._seq[record_id] = data["seq"]
            else:
                await self.store.delete(self.collection, record_id)
        return list(self._records.values())

    async def clear(self) -> None:
        self._records.clear()
        self._seq.clear()
        await self.store.clear(self.collection)

    def on_host(self, host: str) -> list[R]:
        """The records created on ``host``, oldest first."""
        return [r for r in self._records.values() if r.host == host]

    def listed(
        self,
        host: str,
        *,
        owners: set[str] | None = None,
        app_names: set[str] | None = None,
        ids: set[str] | None = None,
    ) -> list[R]:
        """The records of ``host`` the caller may see (:func:`meclab.platform.access.visible`)
        whose owner, application name and id are each among the values given (None: any)."""
        wanted = (
            (owners, lambda r: r.owner),
            (app_names, lambda r: r.app_name),
            (ids, lambda r: r.id),
        )
        return [
            r
            for r in self.on_host(host)
            if visible(r.owner) and all(v is None or field(r) in v for v, field in wanted)
        ]

    def of_instance(self, app_instance_id: str) -> list[R]:
        return [r for r in self._records.values() if r.owner == app_instance_id]

    def get(self, host: str, record_id: str) -> R:
        """A record of ``host``; NotFound for an unknown id or one of another host."""
        record = self._records.get(record_id)
        if record is None or record.host != host:
            raise NotFound(f"no {self.noun} {record_id!r} on {host}")
        return record

    async def put(self, record: R) -> None:
        """Keep a new record, or replace one (it keeps its place in the order)."""
        seq = self._seq.setdefault(record.id, max(self._seq.values(), default=-1) + 1)
        self._records[record.id] = record
        data = {"host": record.host, "info": record.body(), "seq": seq}
        await self.store.put(self.collection, record.id, data)

    async def remove(self, record_id: str) -> None:
        self._seq.pop(record_id, None)
        if self._records.pop(record_id, None) is not None:
            await self.store.delete(self.collection, record_id)
