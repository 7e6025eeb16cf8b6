"""Who created which MEC 010-2 resource: application instances and onboarded packages.

The MEC 010-2 APIs (app_pkgm, app_lcm, granting) are the MEC system's, called by an OSS or a
client the operator enrolled with their scopes (issue 12). A resource such a client creates is
its own: the others are refused (403) what only the owner may do, and see only their own in
listings. What the operator or meclab itself created (scenario, control API, relocation) has
no owner here: only the operator may change it.

The records the lifecycle keeps (:mod:`meclab.lifecycle.records`) are not this API's to extend,
so the owner of each is kept beside them, in the platform's store (one collection per kind of
resource), where it survives a restart as they do. An :class:`Owners` holds no state of its
own: two over one collection agree (granting reads app_lcm's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from meclab.platform.access import check_owner, owner_for_new, visible
from meclab.store.base import Store

INSTANCES = "app_lcm_owners"
"""appInstanceId of a MEC 010-2 application instance -> the client that created it."""

PACKAGES = "app_pkgm_owners"
"""appPkgId of an onboarded package -> the client that created it."""

T = TypeVar("T")


class Owners:
    """The owners of one kind of resource, by id (module docstring)."""

    def __init__(self, store: Store, collection: str) -> None:
        self.store = store
        self.collection = collection

    async def created(self, key: str) -> None:
        """Resource ``key`` was just made by the caller: record the caller as its owner."""
        owner = owner_for_new()
        if owner is not None:
            await self.store.put(self.collection, key, owner)

    async def of(self, key: str) -> str | None:
        """The owner of ``key``; None when the operator or meclab made it."""
        owner = await self.store.get(self.collection, key)
        return None if owner is None else str(owner)

    async def check(self, key: str, what: str) -> None:
        """Forbidden (403) unless the caller may act on ``what``, the resource ``key``."""
        check_owner(await self.of(key), what)

    async def visible(self, items: Iterable[T], key: Callable[[T], str]) -> list[T]:
        """``items`` the caller may see in a listing, in their order."""
        owners = dict(await self.store.items(self.collection))
        return [item for item in items if visible(owners.get(key(item)))]

    async def forget(self, key: str) -> None:
        """Resource ``key`` is gone."""
        await self.store.delete(self.collection, key)

    async def clear(self) -> None:
        """Every resource is gone (a new scenario)."""
        await self.store.clear(self.collection)
