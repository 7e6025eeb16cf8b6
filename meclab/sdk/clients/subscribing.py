"""The subscription operations MEC 012 and MEC 028 share (MEC 009's pattern): a collection
listed by link and filtered by ``subscription_type``, bodies typed by ``subscriptionType``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel

from meclab.sdk.http import Created, HttpClient, Tagged, model_named, short_type

M = TypeVar("M", bound=BaseModel)
L = TypeVar("L", bound=BaseModel)
"""The API's subscription list."""
A = TypeVar("A")
"""The union of the API's subscription models."""


class TypedSubscriptions(Generic[L, A]):
    """Subscriptions under ``{BASE}/subscriptions``; a client sets the four class variables."""

    BASE: ClassVar[str]
    MODELS: ClassVar[Mapping[str, type[BaseModel]]]
    """The subscription model of each ``subscriptionType``."""
    SHORT_TYPES: ClassVar[Mapping[str, str]]
    """``subscription_type`` query values and the types they name."""
    LIST_MODEL: ClassVar[type[Any]]

    http: HttpClient

    async def subscriptions(self, subscription_type: str | None = None) -> L:
        """The platform's subscriptions, by link; ``subscription_type`` (a short name of
        ``SHORT_TYPES`` or the full one) narrows them to one type."""
        wanted = short_type(subscription_type, self.SHORT_TYPES)
        listed: L = await self.http.get(
            f"{self.BASE}/subscriptions", self.LIST_MODEL, params={"subscription_type": wanted}
        )
        return listed

    async def subscribe(self, subscription: M) -> Created[M]:
        """Create ``subscription``: the body the platform settled on (with its
        ``_links.self``), its URL and ETag."""
        return await self.http.post(f"{self.BASE}/subscriptions", subscription, type(subscription))

    async def subscription(self, href: str) -> Tagged[A]:
        """One subscription, by its URL, as the model of its ``subscriptionType``."""
        reply = await self.http.request("GET", href)
        model = model_named(reply, self.MODELS, "subscriptionType")
        return Tagged(cast(A, self.http.read(reply, model)), reply.etag)

    async def update_subscription(
        self, href: str, subscription: M, *, if_match: str | None = None
    ) -> Tagged[M]:
        """Replace a subscription by one of the same type (422 otherwise); ``if_match`` guards
        it with its ETag (412 if stale)."""
        return await self.http.put_tagged(href, subscription, type(subscription), if_match=if_match)

    async def unsubscribe(self, href: str, *, if_match: str | None = None) -> None:
        """Delete a subscription, by its URL (204)."""
        await self.http.delete(href, if_match=if_match)
