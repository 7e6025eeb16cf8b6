"""ETSI GS MEC 013 v3.1.1 Location (``/location/v2``, clause 7), as a client.

Every operation of the API, typed with the bodies the server uses:

==========================================  ===============================================
queries (clauses 7.3 to 7.8)                :meth:`~LocationClient.users`, ``zones``,
                                            ``zone``, ``access_points``, ``access_point``,
                                            ``distance``
subscriptions (clauses 7.9 to 7.16)         ``subscriptions``, ``subscribe``,
                                            ``subscription``, ``update_subscription``,
                                            ``unsubscribe``
==========================================  ===============================================

MEC 013 bodies travel in root elements (``{"userList": {...}}``); the client unwraps answers and
wraps requests, so a caller sees :class:`~meclab.services.location.models.UserList`,
:class:`~meclab.services.location.models_v3.ZoneStatusSubscription` and so on. A subscription
goes to the collection of its type (users, zones, area, distance), and is named afterwards by
its URL. The v2.2.1 resources are :mod:`meclab.sdk.clients.location_v2`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

from meclab.platform.wire import WireModel
from meclab.sdk.errors import UnexpectedResponse
from meclab.sdk.http import Created, HttpClient, Reply, Tagged, segment
from meclab.services.location.models import (
    AccessPointInfo,
    AccessPointInfoBody,
    AccessPointList,
    AccessPointListBody,
    TerminalDistance,
    TerminalDistanceBody,
    UserList,
    UserListBody,
    ZoneInfo,
    ZoneInfoBody,
    ZoneList,
    ZoneListBody,
)
from meclab.services.location.models_v2 import (
    DistanceNotificationSubscription,
    DistanceSubscriptionBody,
    V2Subscription,
)
from meclab.services.location.models_v3 import (
    AreaSubscriptionBody,
    NotificationSubscriptionList,
    NotificationSubscriptionListBody,
    SubscriptionBase,
    UserAreaSubscription,
    UserDistanceSubscription,
    UserLocationEventSubscription,
    UserLocationPeriodicSubscription,
    UsersSubscriptionBody,
    Wrapper,
    ZoneLocationEventSubscription,
    ZonesSubscriptionBody,
    ZoneStatusSubscription,
    root_element,
)

BASE = "/location/v2"

Collection = Literal["users", "zones", "area", "distance"]
"""The v3.1.1 subscription collections (``/subscriptions/{collection}``)."""

S = TypeVar("S", bound=SubscriptionBase)
T = TypeVar("T", bound=WireModel)
Names = str | Sequence[str] | None

_COLLECTIONS: dict[str, tuple[Collection, type[Wrapper]]] = {
    UserLocationEventSubscription.TYPE: ("users", UsersSubscriptionBody),
    UserLocationPeriodicSubscription.TYPE: ("users", UsersSubscriptionBody),
    ZoneLocationEventSubscription.TYPE: ("zones", ZonesSubscriptionBody),
    ZoneStatusSubscription.TYPE: ("zones", ZonesSubscriptionBody),
    UserAreaSubscription.TYPE: ("area", AreaSubscriptionBody),
    UserDistanceSubscription.TYPE: ("distance", DistanceSubscriptionBody),
}
"""Each v3.1.1 subscription type: its collection and the root element its bodies travel in."""
_ROOTS: dict[str, type[Wrapper]] = {
    **{root_element(kind): wrapper for kind, (_, wrapper) in _COLLECTIONS.items()},
    # the shared distance collection also holds v2.2.1 subscriptions, in their own element
    root_element(DistanceNotificationSubscription.TYPE): DistanceSubscriptionBody,
}
"""Root element names of subscription answers, and the class that reads each."""


class LocationClient:
    """MEC 013 v3.1.1 Location on the platform ``http`` speaks to.

    ``base``: the API's base path; zones and distances answer alike under v2.2.1's
    (:class:`~meclab.sdk.clients.location_v2.LocationV2Client` reads them through this class).
    """

    def __init__(self, http: HttpClient, base: str = BASE) -> None:
        self.http = http
        self.base = base

    # --- queries -------------------------------------------------------------------------

    async def users(
        self, *, zone_id: Names = None, access_point_id: Names = None, address: Names = None
    ) -> UserList:
        """The located users, by zone, access point or address (values of one filter are
        alternatives; filters combine)."""
        params = {"zoneId": zone_id, "accessPointId": access_point_id, "address": address}
        body = await self.http.get(f"{self.base}/queries/users", UserListBody, params=params)
        return body.userList

    async def zones(self, *, zone_id: Names = None) -> ZoneList:
        """The zones, or those named."""
        body = await self.http.get(
            f"{self.base}/queries/zones", ZoneListBody, params={"zoneId": zone_id}
        )
        return body.zoneList

    async def zone(self, zone_id: str) -> ZoneInfo:
        """One zone (MecApiError 404 for a zone the platform does not cover)."""
        body = await self.http.get(f"{self.base}/queries/zones/{segment(zone_id)}", ZoneInfoBody)
        return body.zoneInfo

    async def access_points(
        self, zone_id: str, *, access_point_id: Names = None
    ) -> AccessPointList:
        """The access points of a zone, or those named."""
        body = await self.http.get(
            f"{self.base}/queries/zones/{segment(zone_id)}/accessPoints",
            AccessPointListBody,
            params={"accessPointId": access_point_id},
        )
        return body.accessPointList

    async def access_point(self, zone_id: str, access_point_id: str) -> AccessPointInfo:
        """One access point of a zone."""
        path = (
            f"{self.base}/queries/zones/{segment(zone_id)}/accessPoints/{segment(access_point_id)}"
        )
        return (await self.http.get(path, AccessPointInfoBody)).accessPointInfo

    async def distance(
        self,
        address: str,
        other: str | None = None,
        *,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> TerminalDistance:
        """The distance between two users, or from ``address`` to a point (``latitude`` and
        ``longitude``); MecApiError 404 for a user that cannot be located."""
        params = {
            "address": [address] if other is None else [address, other],
            "latitude": latitude,
            "longitude": longitude,
        }
        body = await self.http.get(
            f"{self.base}/queries/distance", TerminalDistanceBody, params=params
        )
        return body.terminalDistance

    # --- subscriptions -------------------------------------------------------------------

    async def subscriptions(
        self,
        collection: Collection,
        *,
        subscription_type: str | None = None,
        address: str | None = None,
        zone_id: str | None = None,
    ) -> NotificationSubscriptionList:
        """The subscriptions of a collection, by link. ``subscription_type`` (``event``,
        ``periodic`` for users; ``event``, ``status`` for zones; ``event`` for area),
        ``address`` (users) and ``zone_id`` (zones) narrow them."""
        params = {"subscription_type": subscription_type, "address": address, "zoneId": zone_id}
        body = await self.http.get(
            f"{self.base}/subscriptions/{collection}",
            NotificationSubscriptionListBody,
            params=params,
        )
        return body.notificationSubscriptionList

    async def subscribe(self, subscription: S) -> Created[S]:
        """Create ``subscription`` in the collection of its type: the body the platform
        settled on (with its ``_links.self``), its URL and ETag."""
        collection, wrapper = _COLLECTIONS[subscription.TYPE]
        reply = await self.http.request(
            "POST",
            f"{self.base}/subscriptions/{collection}",
            json_body=in_root_element(subscription),
            expect=(201,),
        )
        if not reply.location:
            raise UnexpectedResponse("POST", reply.url, 201, "201 without a Location header")
        return Created(
            same_type(reply, self._unwrap(reply, wrapper), subscription), reply.location, reply.etag
        )

    async def subscription(self, href: str) -> Tagged[WireModel]:
        """One subscription, by its URL, as the model its root element names (a v3.1.1
        subscription; on the shared distance collection, possibly a v2.2.1 one)."""
        reply = await self.http.request("GET", href)
        return Tagged(self._unwrap(reply, _root_of(reply)), reply.etag)

    async def update_subscription(
        self, href: str, subscription: S, *, if_match: str | None = None
    ) -> Tagged[S]:
        """Replace a subscription by one of the same type (422 otherwise); ``if_match`` guards
        it with its ETag (412 if stale)."""
        _, wrapper = _COLLECTIONS[subscription.TYPE]
        headers = {"If-Match": if_match} if if_match else None
        reply = await self.http.request(
            "PUT", href, json_body=in_root_element(subscription), headers=headers
        )
        return Tagged(same_type(reply, self._unwrap(reply, wrapper), subscription), reply.etag)

    async def unsubscribe(self, href: str, *, if_match: str | None = None) -> None:
        """Delete a subscription, by its URL (204)."""
        await self.http.delete(href, if_match=if_match)

    def _unwrap(self, reply: Reply, wrapper: type[Wrapper]) -> WireModel:
        return self.http.read(reply, wrapper).only()


def in_root_element(subscription: SubscriptionBase | V2Subscription) -> dict[str, object]:
    """A subscription of either version in its root element, as requests carry it."""
    return {root_element(subscription.TYPE): subscription.wire()}


def _root_of(reply: Reply) -> type[Wrapper]:
    """The root element class of a subscription answer, from its one member's name."""
    names = list(reply.body) if isinstance(reply.body, dict) else []
    wrapper = _ROOTS.get(names[0]) if len(names) == 1 else None
    if wrapper is None:
        raise UnexpectedResponse(
            reply.method,
            reply.url,
            reply.status,
            f"not a subscription in its root element (members: {', '.join(names) or 'none'})",
        )
    return wrapper


def same_type(reply: Reply, value: WireModel, sent: T) -> T:
    """``value`` if it is of the type of the subscription sent, else UnexpectedResponse."""
    if not isinstance(value, type(sent)):
        raise UnexpectedResponse(
            reply.method, reply.url, reply.status, f"answered a {type(value).__name__}"
        )
    return value
