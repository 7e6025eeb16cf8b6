"""MEC 021 V2.2.1 application mobility (base ``/amsi/v1``): registrations, adjacent instances
and MobilityProcedure subscriptions; data types in clause 6, resources in clause 7 (by path)."""

from __future__ import annotations

from meclab.conformance.catalogue.common import link_type, self_links, time_stamp
from meclab.conformance.catalogue.model import Api, Operation, schemas
from meclab.conformance.schema import Schema, opt, req

C = "MEC 021 §"

AMS = Api(
    key="ams",
    title="MEC 021 application mobility",
    spec="ETSI GS MEC 021 V2.2.1",
    base="/amsi/v1",
    probe="/subscriptions",
    operations={
        "services": Operation(
            "GET",
            "/app_mobility_services",
            200,
            f"{C}7 app_mobility_services GET",
            "[RegistrationInfo]",
        ),
        "register": Operation(
            "POST",
            "/app_mobility_services",
            201,
            f"{C}7 app_mobility_services POST",
            "RegistrationInfo",
        ),
        "service": Operation(
            "GET",
            "/app_mobility_services/{appMobilityServiceId}",
            200,
            f"{C}7 app_mobility_services/{{id}} GET",
            "RegistrationInfo",
        ),
        "update_service": Operation(
            "PUT",
            "/app_mobility_services/{appMobilityServiceId}",
            200,
            f"{C}7 app_mobility_services/{{id}} PUT",
            "RegistrationInfo",
            conditional=True,
        ),
        "deregister": Operation(
            "DELETE",
            "/app_mobility_services/{appMobilityServiceId}",
            204,
            f"{C}7 app_mobility_services/{{id}} DELETE",
        ),
        "adjacent": Operation(
            "GET",
            "/queries/adjacent_app_instances",
            200,
            f"{C}7 queries/adjacent_app_instances GET",
            "[AdjacentAppInstanceInfo]",
        ),
        "subscriptions": Operation(
            "GET", "/subscriptions", 200, f"{C}7 subscriptions GET", "SubscriptionLinkList"
        ),
        "subscribe": Operation(
            "POST",
            "/subscriptions",
            201,
            f"{C}7 subscriptions POST",
            "MobilityProcedureSubscription",
        ),
        "subscription": Operation(
            "GET",
            "/subscriptions/{subscriptionId}",
            200,
            f"{C}7 subscriptions/{{id}} GET",
            "MobilityProcedureSubscription",
        ),
        "update_subscription": Operation(
            "PUT",
            "/subscriptions/{subscriptionId}",
            200,
            f"{C}7 subscriptions/{{id}} PUT",
            "MobilityProcedureSubscription",
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
        time_stamp(f"{C}6.5"),
        link_type(f"{C}6.5"),
        Schema("ServiceConsumerId", f"{C}6.2.2", opt("appInstanceId"), opt("mepId")),
        Schema(
            "RegistrationInfo",
            f"{C}6.2.2",
            opt("appMobilityServiceId"),
            req("serviceConsumerId", "object", schema="ServiceConsumerId"),
            opt("deviceInformation", "array"),
            opt("expiryTime", "integer"),
        ),
        Schema(
            "AdjacentAppInstanceInfo",
            f"{C}6.2.4",
            req("appInstanceId"),
            req("appDId"),
            req("appInstanceCommLink", "array"),
            opt("mecHostInformation", "object"),
        ),
        self_links("SubscriptionLinks", f"{C}6.3.2"),
        Schema(
            "MobilityProcedureSubscription",
            f"{C}6.3.2",
            req("subscriptionType", enum=("MobilityProcedureSubscription",)),
            opt("callbackReference"),
            opt("requestTestNotification", "boolean"),
            req("_links", "object", schema="SubscriptionLinks"),
            req("filterCriteria", "object"),
            opt("expiryDeadline", "object", schema="TimeStamp"),
        ),
        Schema("SubscriptionLinkEntry", f"{C}6.3.4", req("href"), req("subscriptionType")),
        Schema(
            "SubscriptionListLinks",
            f"{C}6.3.4",
            req("self", "object", schema="LinkType"),
            opt("subscription", "array", schema="SubscriptionLinkEntry"),
        ),
        Schema(
            "SubscriptionLinkList",
            f"{C}6.3.4",
            req("_links", "object", schema="SubscriptionListLinks"),
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
