"""MEC 012 V2.2.1 radio network information (base ``/rni/v2``): queries (clauses 7.3 to
7.5a) and subscriptions (7.6, 7.7); data types in clause 6."""

from __future__ import annotations

from meclab.conformance.catalogue.common import link_type, self_links, time_stamp
from meclab.conformance.catalogue.model import Api, Operation, schemas
from meclab.conformance.schema import Schema, opt, req

C = "MEC 012 §"

RNI = Api(
    key="rni",
    title="MEC 012 radio network information",
    spec="ETSI GS MEC 012 V2.2.1",
    base="/rni/v2",
    probe="/subscriptions",
    operations={
        "rab_info": Operation("GET", "/queries/rab_info", 200, f"{C}7.3.3.1", "RabInfo"),
        "plmn_info": Operation("GET", "/queries/plmn_info", 200, f"{C}7.4.3.1", "[PlmnInfo]"),
        "s1_bearer_info": Operation(
            "GET", "/queries/s1_bearer_info", 200, f"{C}7.5.3.1", "S1BearerInfo"
        ),
        "layer2_meas": Operation("GET", "/queries/layer2_meas", 200, f"{C}7.5a.3.1", "L2Meas"),
        "subscriptions": Operation(
            "GET", "/subscriptions", 200, f"{C}7.6.3.1", "SubscriptionLinkList"
        ),
        "subscribe": Operation(
            "POST", "/subscriptions", 201, f"{C}7.6.3.4", "CellChangeSubscription"
        ),
        "subscription": Operation(
            "GET", "/subscriptions/{subscriptionId}", 200, f"{C}7.7.3.1", "CellChangeSubscription"
        ),
        "update_subscription": Operation(
            "PUT",
            "/subscriptions/{subscriptionId}",
            200,
            f"{C}7.7.3.2",
            "CellChangeSubscription",
            conditional=True,
        ),
        "unsubscribe": Operation("DELETE", "/subscriptions/{subscriptionId}", 204, f"{C}7.7.3.5"),
        "notify_test": Operation(
            "POST", "{callbackReference}", 204, f"{C}6.4.9 (TestNotification)", "TestNotification"
        ),
    },
    schemas=schemas(
        time_stamp(f"{C}6.5.3"),
        link_type(f"{C}6.5.2"),
        Schema("Plmn", f"{C}6.6.2", req("mcc"), req("mnc")),
        Schema("Ecgi", f"{C}6.5.6", req("plmn", "object", schema="Plmn"), req("cellId")),
        Schema(
            "PlmnInfo",
            f"{C}6.2.2",
            opt("timeStamp", "object", schema="TimeStamp"),
            req("appInstanceId"),
            req("plmn", "array", schema="Plmn"),
        ),
        Schema(
            "CellUserInfo",
            f"{C}6.2.3",
            req("ecgi", "object", schema="Ecgi"),
            req("ueInfo", "array"),
        ),
        Schema(
            "RabInfo",
            f"{C}6.2.3",
            opt("timeStamp", "object", schema="TimeStamp"),
            req("appInstanceId"),
            req("requestId"),
            opt("cellUserInfo", "array", schema="CellUserInfo"),
        ),
        Schema(
            "S1BearerInfo",
            f"{C}6.2.4",
            opt("timeStamp", "object", schema="TimeStamp"),
            req("s1UeInfo", "array"),
        ),
        Schema(
            "L2Meas",
            f"{C}6.2.4a",
            opt("timeStamp", "object", schema="TimeStamp"),
            opt("cellInfo", "array"),
            opt("cellUEInfo", "array"),
        ),
        self_links("SubscriptionLinks", f"{C}6.3.2"),
        Schema(
            "CellChangeSubscription",
            f"{C}6.3.2",
            req("subscriptionType", enum=("CellChangeSubscription",)),
            opt("callbackReference"),
            opt("requestTestNotification", "boolean"),
            opt("websockNotifConfig", "object"),
            req("_links", "object", schema="SubscriptionLinks"),
            req("filterCriteriaAssocHo", "object"),
            opt("expiryDeadline", "object", schema="TimeStamp"),
        ),
        Schema("SubscriptionLinkEntry", f"{C}6.3.10", req("href"), req("subscriptionType")),
        Schema(
            "SubscriptionListLinks",
            f"{C}6.3.10",
            req("self", "object", schema="LinkType"),
            opt("subscription", "array", schema="SubscriptionLinkEntry"),
        ),
        Schema(
            "SubscriptionLinkList",
            f"{C}6.3.10",
            req("_links", "object", schema="SubscriptionListLinks"),
        ),
        Schema("NotificationLinks", f"{C}6.4.9", req("subscription", "object", schema="LinkType")),
        Schema(
            "TestNotification",
            f"{C}6.4.9",
            req("notificationType", enum=("TestNotification",)),
            req("_links", "object", schema="NotificationLinks"),
        ),
    ),
)
