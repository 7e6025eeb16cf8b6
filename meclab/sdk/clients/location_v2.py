"""ETSI GS MEC 013 v2.2.1 Location (``/location/v2.2.1`` on meclab), as a client.

For applications written against the v2.2.1 resources (the ETSI MEC Sandbox, AdvantEDGE), in
v2.2.1's own shapes:

==========================================  ===============================================
queries                                     :meth:`~LocationV2Client.users`, ``zones``,
                                            ``zone``, ``access_points``, ``access_point``,
                                            ``distance``
subscriptions (``userTracking``,            ``subscriptions``, ``subscribe``,
``zonalTraffic``, ``zoneStatus``,           ``subscription``, ``update_subscription``,
``area/circle``, ``periodic``, ``distance``) ``unsubscribe``
==========================================  ===============================================

Zones and distances have the same bodies in both versions
(:class:`~meclab.sdk.clients.location.LocationClient` reads them); users and access points name
cell sizes here, where v3.1.1 names radio technologies. v2.2.1 subscriptions have no
``subscriptionType``: the root element names the type, and the list of a collection holds the
full bodies. ``base`` is the API's base path: meclab serves v2.2.1 at ``/location/v2.2.1``, the
ETSI sandbox at ``/location/v2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar

from pydantic import BaseModel

from meclab.sdk.clients.location import LocationClient, in_root_element, same_type
from meclab.sdk.errors import UnexpectedResponse
from meclab.sdk.http import Created, HttpClient, Reply, Tagged, segment
from meclab.services.location.models import TerminalDistance, ZoneInfo, ZoneList
from meclab.services.location.models_v2 import (
    CircleBody,
    CircleNotificationSubscription,
    DistanceBody,
    DistanceNotificationSubscription,
    NotificationSubscriptionListBodyV2,
    NotificationSubscriptionListV2,
    PeriodicBody,
    PeriodicNotificationSubscription,
    UserTrackingBody,
    UserTrackingSubscription,
    V2Subscription,
    ZonalTrafficBody,
    ZonalTrafficSubscription,
    ZoneStatusBody,
    ZoneStatusSubscriptionV2,
)
from meclab.services.location.models_v2_queries import (
    AccessPointInfoBodyV2,
    AccessPointInfoV2,
    AccessPointListBodyV2,
    AccessPointListV2,
    UserListBodyV2,
    UserListV2,
)
from meclab.services.location.models_v3 import root_element

BASE_V2 = "/location/v2.2.1"

CollectionV2 = Literal[
    "userTracking", "zonalTraffic", "zoneStatus", "area/circle", "periodic", "distance"
]
"""The v2.2.1 subscription collections (``/subscriptions/{collection}``)."""

V = TypeVar("V", bound=V2Subscription)
Names = str | Sequence[str] | None

_COLLECTIONS: dict[str, tuple[CollectionV2, type[BaseModel]]] = {
    UserTrackingSubscription.TYPE: ("userTracking", UserTrackingBody),
    ZonalTrafficSubscription.TYPE: ("zonalTraffic", ZonalTrafficBody),
    ZoneStatusSubscriptionV2.TYPE: ("zoneStatus", ZoneStatusBody),
    CircleNotificationSubscription.TYPE: ("area/circle", CircleBody),
    PeriodicNotificationSubscription.TYPE: ("periodic", PeriodicBody),
    DistanceNotificationSubscription.TYPE: ("distance", DistanceBody),
}
"""Each v2.2.1 subscription type: its collection and its root element."""
_ROOTS = {root_element(kind): body for kind, (_, body) in _COLLECTIONS.items()}


class LocationV2Client:
    """MEC 013 v2.2.1 Location on the platform ``http`` speaks to, under ``base``."""

    def __init__(self, http: HttpClient, base: str = BASE_V2) -> None:
        self.http = http
        self.base = base
        self._alike = LocationClient(http, base)

    # --- queries -------------------------------------------------------------------------

    async def users(
        self, *, zone_id: Names = None, access_point_id: Names = None, address: Names = None
    ) -> UserListV2:
        """The located users, by zone, access point or address."""
        params = {"zoneId": zone_id, "accessPointId": access_point_id, "address": address}
        body = await self.http.get(f"{self.base}/queries/users", UserListBodyV2, params=params)
        return body.userList

    async def zones(self, *, zone_id: Names = None) -> ZoneList:
        """The zones, or those named."""
        return await self._alike.zones(zone_id=zone_id)

    async def zone(self, zone_id: str) -> ZoneInfo:
        """One zone."""
        return await self._alike.zone(zone_id)

    async def access_points(
        self, zone_id: str, *, access_point_id: Names = None, interest_realm: str | None = None
    ) -> AccessPointListV2:
        """The access points of a zone, or those named (or of an interest realm)."""
        body = await self.http.get(
            f"{self.base}/queries/zones/{segment(zone_id)}/accessPoints",
            AccessPointListBodyV2,
            params={"accessPointId": access_point_id, "interestRealm": interest_realm},
        )
        return body.accessPointList

    async def access_point(self, zone_id: str, access_point_id: str) -> AccessPointInfoV2:
        """One access point of a zone."""
        path = (
            f"{self.base}/queries/zones/{segment(zone_id)}/accessPoints/{segment(access_point_id)}"
        )
        return (await self.http.get(path, AccessPointInfoBodyV2)).accessPointInfo

    async def distance(
        self,
        address: str,
        other: str | None = None,
        *,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> TerminalDistance:
        """The distance between two terminals, or from ``address`` to a point."""
        return await self._alike.distance(address, other, latitude=latitude, longitude=longitude)

    # --- subscriptions -------------------------------------------------------------------

    async def subscriptions(self, collection: CollectionV2) -> NotificationSubscriptionListV2:
        """The subscriptions of a collection, as full bodies (under the member named after
        the collection's type, e.g. ``zoneStatusSubscription``)."""
        body = await self.http.get(
            f"{self.base}/subscriptions/{collection}", NotificationSubscriptionListBodyV2
        )
        return body.notificationSubscriptionList

    async def subscribe(self, subscription: V) -> Created[V]:
        """Create ``subscription`` in the collection of its type: the body the platform
        settled on (with its ``resourceURL``), its URL and ETag."""
        collection, root = _COLLECTIONS[subscription.TYPE]
        reply = await self.http.request(
            "POST",
            f"{self.base}/subscriptions/{collection}",
            json_body=in_root_element(subscription),
            expect=(201,),
        )
        if not reply.location:
            raise UnexpectedResponse("POST", reply.url, 201, "201 without a Location header")
        value = same_type(reply, self._unwrap(reply, root), subscription)
        return Created(value, reply.location, reply.etag)

    async def subscription(self, href: str) -> Tagged[V2Subscription]:
        """One subscription, by its URL, as the model its root element names."""
        reply = await self.http.request("GET", href)
        names = list(reply.body) if isinstance(reply.body, dict) else []
        root = _ROOTS.get(names[0]) if len(names) == 1 else None
        if root is None:
            raise UnexpectedResponse(
                "GET", reply.url, reply.status, f"no v2.2.1 root element among {names}"
            )
        return Tagged(self._unwrap(reply, root), reply.etag)

    async def update_subscription(
        self, href: str, subscription: V, *, if_match: str | None = None
    ) -> Tagged[V]:
        """Replace a subscription by one of the same type; ``if_match`` guards it."""
        _, root = _COLLECTIONS[subscription.TYPE]
        headers = {"If-Match": if_match} if if_match else None
        reply = await self.http.request(
            "PUT", href, json_body=in_root_element(subscription), headers=headers
        )
        return Tagged(same_type(reply, self._unwrap(reply, root), subscription), reply.etag)

    async def unsubscribe(self, href: str, *, if_match: str | None = None) -> None:
        """Delete a subscription, by its URL (204)."""
        await self.http.delete(href, if_match=if_match)

    def _unwrap(self, reply: Reply, root: type[BaseModel]) -> V2Subscription:
        value: V2Subscription = next(iter(dict(self.http.read(reply, root)).values()))
        return value
