"""Behaviour tests of MEC 028 (WLAN information), MEC 014 (UE identity) and MEC 021
(application mobility)."""

from __future__ import annotations

import uuid
from typing import Any

from meclab.conformance.catalogue.ams import AMS
from meclab.conformance.catalogue.location import LOCATION
from meclab.conformance.catalogue.ueid import UEID
from meclab.conformance.catalogue.wai import WAI
from meclab.conformance.session import Session
from meclab.conformance.suite.common import created_at, every_item, member_equals, need_ok
from meclab.conformance.suite.subscriptions import subscription_life

NO_APP = "no app instance (see app_instance_id in the settings file)"


def _list_links(body: Any) -> Any:
    """The link entries of a MEC 028 SubscriptionLinkList (``subscription`` beside
    ``_links``)."""
    return body.get("subscription") if isinstance(body, dict) else None


async def wlan(session: Session) -> None:
    """AP and station information, and an AssocSta subscription on an AP through its life."""
    aps = need_ok(await session.call(WAI, "ap_information", "AP information"))
    await session.call(WAI, "sta_information", "station information")
    bssid = session.settings.wai.bssid
    if bssid is None:
        found = [a.get("apId", {}).get("bssid") for a in aps.body or [] if isinstance(a, dict)]
        bssid = next((b for b in found if isinstance(b, str)), None)
    if bssid is None:
        session.skip(
            WAI,
            "subscribe",
            "create an AssocStaSubscription",
            "no AP and no wai.bssid in the settings",
        )
        return
    callback = session.receiver.callback("assoc-sta")
    body = {
        "subscriptionType": "AssocStaSubscription",
        "callbackReference": callback,
        "requestTestNotification": True,
        "apId": {"bssid": bssid},
        "notificationPeriod": 60,
    }
    await subscription_life(
        session, WAI, "AssocStaSubscription", body, callback=callback, links=_list_links
    )


async def _terminal(session: Session) -> str | None:
    """A terminal's address for MEC 014: the settings', the one MEC 013 gave, or the first
    user MEC 013 lists (asked now, recorded only if MEC 013 is under test)."""
    if session.settings.ueid.tag:
        return session.settings.ueid.tag
    if "address" not in session.facts:
        users = await session.call(LOCATION, "users", "list the users")
        listed = (
            ((users.body or {}).get("userList") or {}).get("user")
            if isinstance(users.body, dict)
            else None
        )
        first = next((u.get("address") for u in listed or [] if isinstance(u, dict)), None)
        if isinstance(first, str):
            session.facts["address"] = first
    return session.facts.get("address")


async def ue_identity(session: Session) -> None:
    """A UE identity tag registered for the app instance (If-Match), read, deregistered."""
    app_id = session.facts.get("app_instance_id")
    tag = await _terminal(session)
    if not app_id or not tag:
        why = NO_APP if not app_id else "no terminal: set ueid.tag in the settings file"
        session.skip(UEID, "register", "register a UE identity tag", why)
        return
    params = {"appInstanceId": app_id}
    query = {"ueIdentityTag": tag}
    state = lambda b: ((b or {}).get("ueIdentityTags") or [{}])[0]  # noqa: E731
    clause = UEID.op("tags").clause
    before = need_ok(
        await session.call(UEID, "tags", "read a tag's state", params=params, query=query)
    )
    etag = before.headers.get("etag")
    body = {"ueIdentityTags": [{"ueIdentityTag": tag, "state": 1}]}
    url = session.url(UEID, "register", params)
    await session.stale_if_match(
        UEID, "register", "register with a stale If-Match: 412", url=url, body=body, etag=etag
    )
    await session.call(
        UEID,
        "register",
        "register the tag",
        params=params,
        body=body,
        headers={"If-Match": etag} if etag else None,
        judge=member_equals("state", 1, UEID.op("register").clause, state),
    )
    await session.call(
        UEID,
        "tags",
        "read the registered tag",
        params=params,
        query=query,
        judge=member_equals("state", 1, clause, state),
    )
    body = {"ueIdentityTags": [{"ueIdentityTag": tag, "state": 0}]}
    await session.call(
        UEID,
        "register",
        "deregister the tag",
        params=params,
        body=body,
        judge=member_equals("state", 0, UEID.op("register").clause, state),
    )


async def mobility(session: Session) -> None:
    """A registration with the AMS through its life, adjacent instances, and a
    MobilityProcedure subscription through its life."""
    app_id = session.facts.get("app_instance_id")
    await session.call(AMS, "services", "list the registrations")
    if not app_id:
        session.skip(AMS, "register", "register with the AMS", NO_APP)
        session.skip(AMS, "subscribe", "create a MobilityProcedureSubscription", NO_APP)
        return
    adjacent = await session.call(AMS, "adjacent", "adjacent app instances")
    found = (
        [a.get("appDId") for a in adjacent.body or [] if isinstance(a, dict)]
        if isinstance(adjacent.body, list)
        else []
    )
    if found and isinstance(found[0], str):
        appd = found[0]
        await session.call(
            AMS,
            "adjacent",
            "adjacent app instances, filtered (MEC 009 filter)",
            query={"filter": f"(eq,appDId,{appd})"},
            judge=every_item(
                lambda a: a.get("appDId") == appd, f"only appDId {appd}", AMS.op("adjacent").clause
            ),
        )
    consumer = {"appInstanceId": app_id}
    created = need_ok(
        await session.call(
            AMS, "register", "register with the AMS", body={"serviceConsumerId": consumer}
        )
    )
    url = created_at(created)
    read = need_ok(
        await session.call(
            AMS,
            "service",
            "read the registration",
            url=url,
            judge=member_equals("serviceConsumerId", consumer, AMS.op("service").clause),
        )
    )
    etag = read.headers.get("etag")
    await session.stale_if_match(
        AMS,
        "update_service",
        "update with a stale If-Match: 412",
        url=url,
        body=read.body,
        etag=etag,
    )
    need_ok(await session.call(AMS, "deregister", "delete the registration", url=url))
    await session.call(AMS, "service", "read after delete: 404", url=url, expect=404)
    await session.call(
        AMS,
        "subscription",
        "read an unknown subscription: 404",
        params={"subscriptionId": f"unknown-{uuid.uuid4().hex}"},
        expect=404,
    )
    callback = session.receiver.callback("mobility-procedure")
    body = {
        "subscriptionType": "MobilityProcedureSubscription",
        "callbackReference": callback,
        "requestTestNotification": True,
        "filterCriteria": {"appInstanceId": app_id},
    }
    await subscription_life(
        session,
        AMS,
        "MobilityProcedureSubscription",
        body,
        callback=callback,
        links=lambda b: (b or {}).get("_links", {}).get("subscription"),
    )


WAI_CASES = (wlan,)
UEID_CASES = (ue_identity,)
AMS_CASES = (mobility,)
