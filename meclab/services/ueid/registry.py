"""Which UE identity tags each application instance has registered, and whom they name.

What a registration means in meclab (ETSI GS MEC 014 clause 5): an application instance
registers a tag to tell its MEC platform "the UE this tag identifies is one of mine", so that
the platform applies the instance's **tag-based traffic rules** (MEC 011 ``TrafficFilter.tag``)
to that UE's traffic. meclab keeps the registrations per instance (and so per host) in the store
and offers the data plane two answers: :meth:`TagRegistry.ues_of` (the terminals an instance's
registered tags name now) and :meth:`TagRegistry.tag_applies` (whether a traffic filter's
``tag`` entry covers a terminal's traffic for that instance). Nothing else changes: DNS,
routing and the other APIs ignore registrations, and whether traffic rules consult them is the
data plane's business.

A tag names a terminal of the world when it equals its scenario name, its address
(``acr:10.0.0.1``), the IP address in it (``10.0.0.1``) or its IMSI. Registering a tag that
names no terminal is refused (400): in an emulated world there is no one else it could mean.
Deregistering any tag is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable

from meclab.engine.world import World
from meclab.store.base import Store

COLLECTION = "ue_identity_tags"


def tag_index(world: World) -> dict[str, str]:
    """Every spelling of a terminal's identity (module docstring) -> its name."""
    index: dict[str, str] = {}
    for terminal in world.top.terminals:
        spellings = [terminal.name, terminal.address, terminal.address.removeprefix("acr:")]
        if terminal.imsi:
            spellings.append(terminal.imsi)
        for spelling in spellings:
            index.setdefault(spelling, terminal.name)
    return index


class TagRegistry:
    """Registered tags per application instance, kept in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._tags: dict[str, set[str]] = {}
        self._hosts: dict[str, str] = {}
        self._index: dict[str, str] = {}

    # --- lifecycle ------------------------------------------------------------------------

    def use_world(self, world: World) -> None:
        self._index = tag_index(world)

    async def restore(self, live_apps: Iterable[str]) -> None:
        """Reload stored registrations, dropping those of instances that no longer exist."""
        live = set(live_apps)
        self._tags.clear()
        self._hosts.clear()
        for app_id, data in await self.store.items(COLLECTION):
            if app_id in live:
                self._tags[app_id] = set(data["tags"])
                self._hosts[app_id] = data["host"]
            else:
                await self.store.delete(COLLECTION, app_id)

    async def clear(self) -> None:
        self._tags.clear()
        self._hosts.clear()
        await self.store.clear(COLLECTION)

    async def forget(self, app_id: str) -> None:
        """An instance was removed: its registrations go with it."""
        if self._tags.pop(app_id, None) is not None:
            self._hosts.pop(app_id, None)
            await self.store.delete(COLLECTION, app_id)

    # --- reading --------------------------------------------------------------------------

    def resolve(self, tag: str) -> str | None:
        """The terminal a tag names, or None."""
        return self._index.get(tag)

    def state(self, app_id: str, tag: str) -> int:
        """1 when the instance registered ``tag``, else 0."""
        return 1 if tag in self._tags.get(app_id, ()) else 0

    def registered(self, app_id: str) -> list[str]:
        """An instance's registered tags, sorted."""
        return sorted(self._tags.get(app_id, ()))

    def ues_of(self, app_id: str) -> set[str]:
        """Terminals the instance's registered tags name."""
        return {ue for tag in self._tags.get(app_id, ()) if (ue := self.resolve(tag))}

    def tag_applies(self, app_id: str, tag: str, ue: str) -> bool:
        """Whether a traffic filter ``tag`` of the instance covers terminal ``ue``'s traffic:
        the instance registered the tag and the tag names that terminal."""
        return self.state(app_id, tag) == 1 and self.resolve(tag) == ue

    # --- writing --------------------------------------------------------------------------

    async def apply(self, app_id: str, host: str, states: dict[str, int]) -> None:
        """Set the state of each tag given (PUT: the tags not given keep theirs)."""
        tags = set(self._tags.get(app_id, ()))
        for tag, state in states.items():
            if state == 1:
                tags.add(tag)
            else:
                tags.discard(tag)
        if tags:
            self._tags[app_id] = tags
            self._hosts[app_id] = host
            await self.store.put(COLLECTION, app_id, {"host": host, "tags": sorted(tags)})
        else:
            self._tags.pop(app_id, None)
            self._hosts.pop(app_id, None)
            await self.store.delete(COLLECTION, app_id)
