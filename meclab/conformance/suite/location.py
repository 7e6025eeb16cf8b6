"""MEC 013 behaviour tests: zones and their access points, users and their filters, distance,
and the life of user and zone event subscriptions."""

from __future__ import annotations

import uuid
from typing import Any

from meclab.conformance.catalogue.location import LOCATION as LOC
from meclab.conformance.catalogue.model import Api
from meclab.conformance.session import Session
from meclab.conformance.suite.common import every_item, member_equals, need_ok
from meclab.conformance.suite.subscriptions import subscription_life


def _items(body: Any, wrapper: str, member: str) -> list[dict[str, Any]]:
    inner = body.get(wrapper) if isinstance(body, dict) else None
    items = inner.get(member) if isinstance(inner, dict) else None
    return [i for i in items or [] if isinstance(i, dict)]


async def zones(session: Session, api: Api = LOC) -> None:
    """Every zone, one zone, its access points, one access point, an unknown zone."""
    listed = need_ok(await session.call(api, "zones", "list the zones"))
    found = _items(listed.body, "zoneList", "zone")
    zone_id = session.settings.location.zone_id or (found[0].get("zoneId") if found else None)
    await session.call(
        api,
        "zone",
        "read an unknown zone: 404",
        params={"zoneId": f"unknown-{uuid.uuid4().hex}"},
        expect=404,
    )
    if not isinstance(zone_id, str):
        session.skip(
            api, "zone", "read a zone", "the platform lists no zones and the settings name none"
        )
        return
    session.facts["zone_id"] = zone_id
    inner = lambda b: (b or {}).get("zoneInfo")  # noqa: E731
    await session.call(
        api,
        "zone",
        "read a zone",
        params={"zoneId": zone_id},
        judge=member_equals("zoneId", zone_id, api.op("zone").clause, inner),
    )
    aps = need_ok(
        await session.call(
            api, "access_points", "list a zone's access points", params={"zoneId": zone_id}
        )
    )
    points = _items(aps.body, "accessPointList", "accessPoint")
    if not points:
        session.skip(
            api, "access_point", "read an access point", f"zone {zone_id} lists no access points"
        )
        return
    ap = points[0].get("accessPointId")
    await session.call(
        api,
        "access_point",
        "read an access point",
        params={"zoneId": zone_id, "accessPointId": str(ap)},
        judge=member_equals(
            "accessPointId",
            ap,
            api.op("access_point").clause,
            lambda b: (b or {}).get("accessPointInfo"),
        ),
    )


async def users(session: Session, api: Api = LOC) -> None:
    """Every user, one user by address, the users of a zone, the distance between two."""
    listed = need_ok(await session.call(api, "users", "list the users"))
    found = _items(listed.body, "userList", "user")
    address = session.settings.location.address or (found[0].get("address") if found else None)
    if not isinstance(address, str):
        session.skip(
            api, "users", "one user (address)", "no users and no location.address in the settings"
        )
        return
    session.facts["address"] = address
    clause = api.op("users").clause
    of_list = lambda b: ((b or {}).get("userList") or {}).get("user")  # noqa: E731
    await session.call(
        api,
        "users",
        "one user (address)",
        query={"address": address},
        judge=every_item(lambda u: u.get("address") == address, f"only {address}", clause, of_list),
    )
    zone_id = session.facts.get("zone_id")
    if isinstance(zone_id, str):
        await session.call(
            api,
            "users",
            "the users of a zone (zoneId)",
            query={"zoneId": zone_id},
            judge=every_item(
                lambda u: u.get("zoneId") == zone_id,
                f"only zone {zone_id}",
                clause,
                of_list,
                at_least_one=False,
            ),
        )
    others = [u.get("address") for u in found if u.get("address") != address]
    if others and isinstance(others[0], str):
        await session.call(
            api, "distance", "distance between two users", query={"address": [address, others[0]]}
        )
    else:
        session.skip(api, "distance", "distance between two users", "fewer than two users")


async def user_subscription(session: Session) -> None:
    """A UserLocationEventSubscription on the user :func:`users` found, through its life."""
    address = session.facts.get("address")
    if not address:
        session.skip(LOC, "users.subscribe", "create a UserLocationEventSubscription", "no user")
        return
    callback = session.receiver.callback("user-location")
    body = {
        "subscriptionType": "UserLocationEventSubscription",
        "callbackReference": callback,
        "address": address,
        "requestTestNotification": True,
        "clientCorrelator": f"conformance-{uuid.uuid4().hex[:8]}",
    }
    await subscription_life(
        session,
        LOC,
        "UserLocationEventSubscription",
        body,
        callback=callback,
        links=_references,
        wrapper="userLocationEventSubscription",
        prefix="users.",
    )


async def zone_subscription(session: Session) -> None:
    """A ZoneLocationEventSubscription on the zone :func:`zones` found, through its life."""
    zone_id = session.facts.get("zone_id")
    if not zone_id:
        session.skip(LOC, "zones.subscribe", "create a ZoneLocationEventSubscription", "no zone")
        return
    callback = session.receiver.callback("zone-location")
    body = {
        "subscriptionType": "ZoneLocationEventSubscription",
        "callbackReference": callback,
        "zoneId": zone_id,
        "requestTestNotification": True,
    }
    await subscription_life(
        session,
        LOC,
        "ZoneLocationEventSubscription",
        body,
        callback=callback,
        links=_references,
        wrapper="zoneLocationEventSubscription",
        prefix="zones.",
    )


def _references(body: Any) -> Any:
    inner = body.get("notificationSubscriptionList") if isinstance(body, dict) else None
    return inner.get("subscription") if isinstance(inner, dict) else None


CASES = (zones, users, user_subscription, zone_subscription)
"""The tests of MEC 013, in order."""
