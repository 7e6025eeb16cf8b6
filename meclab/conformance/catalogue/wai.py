"""MEC 028 V2.3.1 WLAN access information (base ``/wai/v2``): AP and station queries and
AssocSta subscriptions; data types in clause 6, resources in clause 7 (named by path)."""

from __future__ import annotations

from meclab.conformance.catalogue.common import link_type, self_links, time_stamp
from meclab.conformance.catalogue.model import Api, Operation, schemas
from meclab.conformance.schema import Schema, opt, req

C = "MEC 028 §"

WAI = Api(
    key="wai",
    title="MEC 028 WLAN access information",
    spec="ETSI GS MEC 028 V2.3.1",
    base="/wai/v2",
    probe="/subscriptions",
    operations={
        "ap_information": Operation(
            "GET",
            "/queries/ap/ap_information",
            200,
            f"{C}7 queries/ap/ap_information GET",
            "[ApInfo]",
        ),
        "sta_information": Operation(
            "GET",
            "/queries/sta/sta_information",
            200,
            f"{C}7 queries/sta/sta_information GET",
            "[StaInfo]",
        ),
        "subscriptions": Operation(
            "GET", "/subscriptions", 200, f"{C}7 subscriptions GET", "SubscriptionLinkList"
        ),
        "subscribe": Operation(
            "POST", "/subscriptions", 201, f"{C}7 subscriptions POST", "AssocStaSubscription"
        ),
        "subscription": Operation(
            "GET",
            "/subscriptions/{subscriptionId}",
            200,
            f"{C}7 subscriptions/{{id}} GET",
            "AssocStaSubscription",
        ),
        "update_subscription": Operation(
            "PUT",
            "/subscriptions/{subscriptionId}",
            200,
            f"{C}7 subscriptions/{{id}} PUT",
            "AssocStaSubscription",
            conditional=True,
        ),
        "unsubscribe": Operation(
            "DELETE", "/subscriptions/{subscriptionId}", 204, f"{C}7 subscriptions/{{id}} DELETE"
        ),
        "notify_test": Operation(
            "POST", "{callbackReference}", 204, f"{C}6.4 (TestNotification)", "TestNotification"
        ),
    },
    schemas=schemas(
        time_stamp(f"{C}6.5.2"),
        link_type(f"{C}6.5.1"),
        Schema("ApIdentity", f"{C}6.5.3", req("bssid"), opt("ssid", "array", items="string")),
        Schema("StaIdentity", f"{C}6.5.4", req("macId")),
        Schema(
            "ApInfo",
            f"{C}6.2.2",
            opt("timeStamp", "object", schema="TimeStamp"),
            req("apId", "object", schema="ApIdentity"),
            opt("channel", "integer"),
        ),
        Schema(
            "StaInfo",
            f"{C}6.2.3",
            opt("timeStamp", "object", schema="TimeStamp"),
            req("staId", "object", schema="StaIdentity"),
            opt("channel", "integer"),
        ),
        self_links("SubscriptionLinks", f"{C}6.3.2"),
        Schema(
            "AssocStaSubscription",
            f"{C}6.3.2",
            req("subscriptionType", enum=("AssocStaSubscription",)),
            opt("callbackReference"),
            opt("requestTestNotification", "boolean"),
            req("_links", "object", schema="SubscriptionLinks"),
            req("apId", "object", schema="ApIdentity"),
            opt("notificationPeriod", "integer"),
            opt("expiryDeadline", "object", schema="TimeStamp"),
        ),
        Schema("SubscriptionLinkEntry", f"{C}6.3.5", req("href"), req("subscriptionType")),
        Schema(
            "SubscriptionLinkList",
            f"{C}6.3.5",
            req("_links", "object", schema="SubscriptionLinks"),
            opt("subscription", "array", schema="SubscriptionLinkEntry"),
        ),
        Schema("NotificationLinks", f"{C}6.4", req("subscription", "object", schema="LinkType")),
        Schema(
            "TestNotification",
            f"{C}6.4",
            req("notificationType", enum=("TestNotification",)),
            req("_links", "object", schema="NotificationLinks"),
        ),
    ),
)
