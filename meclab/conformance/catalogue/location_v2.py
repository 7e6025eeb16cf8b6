"""MEC 013 V2.2.1 location, as meclab and older platforms serve it beside V3.1.1 (base
``/location/v2.2.1`` here; an older platform serves it at ``/location/v2``: use --api-root
or a platform of its own). Its queries are V3.1.1's but for the access points' connection
types; its subscriptions are OMA-style: ``callbackReference.notifyURL``, a ``resourceURL``
instead of ``_links``, and lists that hold whole subscriptions."""

from __future__ import annotations

import dataclasses

from meclab.conformance.catalogue.location import LOCATION
from meclab.conformance.catalogue.model import Api, Operation, schemas
from meclab.conformance.schema import Schema, opt, req

C = "MEC 013 V2.2.1 §"
QUERIES = ("users", "zones", "zone", "access_points", "access_point", "distance")
CONNECTION_TYPES = (
    "Femto", "LTE-femto", "Smallcell", "LTE-smallcell", "Wifi", "Pico", "Micro", "Macro",
    "Wimax", "Unknown",
)  # fmt: skip


def _v2(op: Operation) -> Operation:
    return dataclasses.replace(op, clause=op.clause.replace("MEC 013 §", C))


def _sub_ops(kind: str, schema: str, wrapper: str) -> dict[str, Operation]:
    base = f"/subscriptions/{kind}"
    clause = f"{C}7 subscriptions/{kind}"
    one = f"{base}/{{subscriptionId}}"
    return {
        f"{kind}.subscriptions": Operation(
            "GET",
            base,
            200,
            f"{clause} GET",
            "NotificationSubscriptionList",
            wrapper="notificationSubscriptionList",
        ),
        f"{kind}.subscribe": Operation(
            "POST", base, 201, f"{clause} POST", schema, wrapper=wrapper
        ),
        f"{kind}.subscription": Operation(
            "GET", one, 200, f"{clause}/{{id}} GET", schema, wrapper=wrapper
        ),
        f"{kind}.update_subscription": Operation(
            "PUT", one, 200, f"{clause}/{{id}} PUT", schema, wrapper=wrapper, conditional=True
        ),
        f"{kind}.unsubscribe": Operation("DELETE", one, 204, f"{clause}/{{id}} DELETE"),
    }


_SHARED = ("TimeStamp", "LinkType", "LocationInfo", "UserInfo", "UserList", "ZoneInfo", "ZoneList",
           "AccessPointList", "TerminalDistance")  # fmt: skip

LOCATION_V2 = Api(
    key="location-v2",
    title="MEC 013 location",
    spec="ETSI GS MEC 013 V2.2.1",
    base="/location/v2.2.1",
    probe="/queries/zones",
    operations={
        **{key: _v2(LOCATION.op(key)) for key in QUERIES},
        **_sub_ops("userTracking", "UserTrackingSubscription", "userTrackingSubscription"),
        **_sub_ops("zonalTraffic", "ZonalTrafficSubscription", "zonalTrafficSubscription"),
    },
    schemas={
        **{name: LOCATION.schemas[name] for name in _SHARED},
        **schemas(
            Schema(
                "AccessPointInfo",
                f"{C}6.2.4",
                req("accessPointId"),
                req("connectionType", enum=CONNECTION_TYPES),
                req("operationStatus", enum=("Serviceable", "Unserviceable", "Unknown")),
                req("numberOfUsers", "integer"),
                req("resourceURL"),
            ),
            Schema("CallbackReference", f"{C}6.4.1", req("notifyURL"), opt("callbackData")),
            Schema(
                "UserTrackingSubscription",
                f"{C}6.3.2",
                req("callbackReference", "object", schema="CallbackReference"),
                req("address"),
                opt("clientCorrelator"),
                opt("resourceURL"),
            ),
            Schema(
                "ZonalTrafficSubscription",
                f"{C}6.3.3",
                req("callbackReference", "object", schema="CallbackReference"),
                req("zoneId"),
                opt("clientCorrelator"),
                opt("resourceURL"),
            ),
            Schema(
                "NotificationSubscriptionList",
                f"{C}6.3.1",
                req("resourceURL"),
                opt("userTrackingSubscription", "array", schema="UserTrackingSubscription"),
                opt("zonalTrafficSubscription", "array", schema="ZonalTrafficSubscription"),
            ),
        ),
    },
)
