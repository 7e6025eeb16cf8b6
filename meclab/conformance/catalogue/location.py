"""MEC 013 V3.1.1 location (base ``/location/v2``): queries and user/zone event subscriptions.

Bodies travel in OMA-style root elements (``{"userList": {...}}``), which the operations name
as their ``wrapper``. Data types are in clause 6 (6.2 queries, 6.3 subscriptions, 6.4
notifications); resources in clause 7, named here by path.
"""

from __future__ import annotations

from meclab.conformance.catalogue.common import link_type, self_links, time_stamp
from meclab.conformance.catalogue.model import Api, Operation, schemas
from meclab.conformance.schema import Schema, opt, req

C = "MEC 013 §"


def _sub_ops(kind: str, schema: str, wrapper: str) -> dict[str, Operation]:
    base = f"/subscriptions/{kind}"
    clause = f"{C}7 subscriptions/{kind}"
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
            "GET",
            f"{base}/{{subscriptionId}}",
            200,
            f"{clause}/{{id}} GET",
            schema,
            wrapper=wrapper,
        ),
        f"{kind}.update_subscription": Operation(
            "PUT",
            f"{base}/{{subscriptionId}}",
            200,
            f"{clause}/{{id}} PUT",
            schema,
            wrapper=wrapper,
            conditional=True,
        ),
        f"{kind}.unsubscribe": Operation(
            "DELETE", f"{base}/{{subscriptionId}}", 204, f"{clause}/{{id}} DELETE"
        ),
    }


def _subscription(name: str, clause: str, *members: object) -> Schema:
    return Schema(
        name,
        clause,
        req("subscriptionType", enum=(name,)),
        opt("callbackReference"),
        opt("clientCorrelator"),
        opt("requestTestNotification", "boolean"),
        opt("websockNotifConfig", "object"),
        opt("expiryDeadline", "object", schema="TimeStamp"),
        req("_links", "object", schema="SubscriptionLinks"),
        *members,  # type: ignore[arg-type]
    )


LOCATION = Api(
    key="location",
    title="MEC 013 location",
    spec="ETSI GS MEC 013 V3.1.1",
    base="/location/v2",
    probe="/queries/zones",
    operations={
        "users": Operation(
            "GET", "/queries/users", 200, f"{C}7 queries/users GET", "UserList", wrapper="userList"
        ),
        "zones": Operation(
            "GET", "/queries/zones", 200, f"{C}7 queries/zones GET", "ZoneList", wrapper="zoneList"
        ),
        "zone": Operation(
            "GET",
            "/queries/zones/{zoneId}",
            200,
            f"{C}7 queries/zones/{{zoneId}} GET",
            "ZoneInfo",
            wrapper="zoneInfo",
        ),
        "access_points": Operation(
            "GET",
            "/queries/zones/{zoneId}/accessPoints",
            200,
            f"{C}7 queries/zones/{{zoneId}}/accessPoints GET",
            "AccessPointList",
            wrapper="accessPointList",
        ),
        "access_point": Operation(
            "GET",
            "/queries/zones/{zoneId}/accessPoints/{accessPointId}",
            200,
            f"{C}7 queries/zones/{{zoneId}}/accessPoints/{{accessPointId}} GET",
            "AccessPointInfo",
            wrapper="accessPointInfo",
        ),
        "distance": Operation(
            "GET",
            "/queries/distance",
            200,
            f"{C}7 queries/distance GET",
            "TerminalDistance",
            wrapper="terminalDistance",
        ),
        **_sub_ops("users", "UserLocationEventSubscription", "userLocationEventSubscription"),
        **_sub_ops("zones", "ZoneLocationEventSubscription", "zoneLocationEventSubscription"),
        "notify_test": Operation(
            "POST",
            "{callbackReference}",
            204,
            f"{C}6.4.3 (TestNotification)",
            "TestNotification",
            wrapper="testNotification",
        ),
    },
    schemas=schemas(
        time_stamp(f"{C}6.5.2"),
        link_type(f"{C}6.5.1"),
        Schema(
            "LocationInfo",
            f"{C}6.5.3",
            req("latitude", "array", items="number"),
            req("longitude", "array", items="number"),
            req("shape", "integer", enum=(1, 2, 3, 4, 5, 6, 7)),
        ),
        Schema(
            "UserInfo",
            f"{C}6.2.2",
            req("address"),
            req("accessPointId"),
            req("zoneId"),
            req("resourceURL"),
            req("timestamp", "object", schema="TimeStamp"),
            opt("locationInfo", "object", schema="LocationInfo"),
        ),
        Schema(
            "UserList", f"{C}6.2.5", req("resourceURL"), opt("user", "array", schema="UserInfo")
        ),
        Schema(
            "ZoneInfo",
            f"{C}6.2.3",
            req("zoneId"),
            req("numberOfAccessPoints", "integer"),
            req("numberOfUnserviceableAccessPoints", "integer"),
            req("numberOfUsers", "integer"),
            req("resourceURL"),
        ),
        Schema(
            "ZoneList", f"{C}6.2.6", req("resourceURL"), opt("zone", "array", schema="ZoneInfo")
        ),
        Schema(
            "AccessPointInfo",
            f"{C}6.2.4",
            req("accessPointId"),
            req("connectionType", enum=("LTE", "Wifi", "Wimax", "5G NR", "UNKNOWN")),
            req("operationStatus", enum=("Serviceable", "Unserviceable", "Unknown")),
            req("numberOfUsers", "integer"),
            req("resourceURL"),
            opt("locationInfo", "object", schema="LocationInfo"),
        ),
        Schema(
            "AccessPointList",
            f"{C}6.2.7",
            req("zoneId"),
            req("resourceURL"),
            opt("accessPoint", "array", schema="AccessPointInfo"),
        ),
        Schema(
            "TerminalDistance", f"{C}6.2.8", req("distance", "integer"), opt("accuracy", "integer")
        ),
        self_links("SubscriptionLinks", f"{C}6.3.4"),
        _subscription("UserLocationEventSubscription", f"{C}6.3.4", req("address")),
        _subscription("ZoneLocationEventSubscription", f"{C}6.3.6", req("zoneId")),
        Schema("SubscriptionReference", f"{C}6.3.3", req("href"), req("subscriptionType")),
        Schema(
            "NotificationSubscriptionList",
            f"{C}6.3.3",
            req("resourceURL", "object", schema="LinkType"),
            opt("subscription", "array", schema="SubscriptionReference"),
        ),
        Schema("NotificationLinks", f"{C}6.4.3", req("subscription", "object", schema="LinkType")),
        Schema(
            "TestNotification",
            f"{C}6.4.3",
            req("notificationType", enum=("TestNotification",)),
            req("_links", "object", schema="NotificationLinks"),
        ),
    ),
)
