"""MEC 011 V3.1.1 (Mp1): service management (clause 8) and application support (clause 7).

Clause numbers of operations follow the GS layout: resource clause, then ``.3.1`` GET,
``.3.2`` PUT, ``.3.3`` PATCH, ``.3.4`` POST, ``.3.5`` DELETE. Where this catalogue is not sure
of a resource's number it names the resource instead (``§7.2 timing/current_time``).
"""

from __future__ import annotations

from meclab.conformance.catalogue.common import link_type, self_links, time_stamp
from meclab.conformance.catalogue.model import Api, Operation, schemas
from meclab.conformance.schema import Schema, opt, req

SERVICE_STATES = ("ACTIVE", "INACTIVE", "SUSPENDED")
TRANSPORT_TYPES = (
    "REST_HTTP",
    "MB_TOPIC_BASED",
    "MB_ROUTING",
    "MB_PUBSUB",
    "RPC",
    "RPC_STREAMING",
    "WEBSOCKET",
)
SERIALIZERS = ("JSON", "XML", "PROTOBUF3")
LOCALITIES = ("MEC_SYSTEM", "MEC_HOST", "NFVI_POP", "ZONE", "ZONE_GROUP", "NFVI_NODE")

SM = "MEC 011 §8"
AS = "MEC 011 §7"

SERVICE_MGMT = Api(
    key="mec011-sm",
    title="MEC 011 service management",
    spec="ETSI GS MEC 011 V3.1.1",
    base="/mec_service_mgmt/v1",
    probe="/services",
    operations={
        "services": Operation("GET", "/services", 200, f"{SM}.2.3.3.1", "[ServiceInfo]"),
        "service": Operation("GET", "/services/{serviceId}", 200, f"{SM}.2.4.3.1", "ServiceInfo"),
        "transports": Operation("GET", "/transports", 200, f"{SM}.2.5.3.1", "[TransportInfo]"),
        "app_services": Operation(
            "GET", "/applications/{appInstanceId}/services", 200, f"{SM}.2.6.3.1", "[ServiceInfo]"
        ),
        "register": Operation(
            "POST", "/applications/{appInstanceId}/services", 201, f"{SM}.2.6.3.4", "ServiceInfo"
        ),
        "app_service": Operation(
            "GET",
            "/applications/{appInstanceId}/services/{serviceId}",
            200,
            f"{SM}.2.7.3.1",
            "ServiceInfo",
        ),
        "update": Operation(
            "PUT",
            "/applications/{appInstanceId}/services/{serviceId}",
            200,
            f"{SM}.2.7.3.2",
            "ServiceInfo",
            conditional=True,
        ),
        "deregister": Operation(
            "DELETE", "/applications/{appInstanceId}/services/{serviceId}", 204, f"{SM}.2.7.3.5"
        ),
        "subscriptions": Operation(
            "GET",
            "/applications/{appInstanceId}/subscriptions",
            200,
            f"{SM}.2.8.3.1",
            "SubscriptionLinkList",
        ),
        "subscribe": Operation(
            "POST",
            "/applications/{appInstanceId}/subscriptions",
            201,
            f"{SM}.2.8.3.4",
            "SerAvailabilityNotificationSubscription",
        ),
        "subscription": Operation(
            "GET",
            "/applications/{appInstanceId}/subscriptions/{subscriptionId}",
            200,
            f"{SM}.2.9.3.1",
            "SerAvailabilityNotificationSubscription",
        ),
        "unsubscribe": Operation(
            "DELETE",
            "/applications/{appInstanceId}/subscriptions/{subscriptionId}",
            204,
            f"{SM}.2.9.3.5",
        ),
        "notify": Operation(
            "POST", "{callbackReference}", 204, f"{SM}.1.4.2", "ServiceAvailabilityNotification"
        ),
    },
    schemas=schemas(
        Schema(
            "CategoryRef",
            f"{SM}.1.5.2",
            req("href"),
            req("id"),
            req("name"),
            req("version"),
        ),
        Schema("EndPointInfo", f"{SM}.1.5.3", opt("uris", "array", items="string")),
        Schema(
            "TransportInfo",
            f"{SM}.1.2.3",
            req("id"),
            req("name"),
            opt("description"),
            req("type", enum=TRANSPORT_TYPES),
            req("protocol"),
            req("version"),
            req("endpoint", "object", schema="EndPointInfo"),
            req("security", "object"),
        ),
        link_type(f"{SM}.1.5.4"),
        self_links("ServiceLinks", f"{SM}.1.2.2"),
        Schema(
            "ServiceInfo",
            f"{SM}.1.2.2",
            opt("serInstanceId"),
            req("serName"),
            opt("serCategory", "object", schema="CategoryRef"),
            req("version"),
            req("state", enum=SERVICE_STATES),
            opt("transportId"),
            opt("transportInfo", "object", schema="TransportInfo"),
            req("serializer", enum=SERIALIZERS),
            opt("scopeOfLocality", enum=LOCALITIES),
            opt("consumedLocalOnly", "boolean"),
            opt("isLocal", "boolean"),
            opt("livenessInterval", "integer"),
            req("_links", "object", schema="ServiceLinks"),
        ),
        Schema(
            "SerAvailabilityNotificationSubscription",
            f"{SM}.1.3.2",
            req("subscriptionType", enum=("SerAvailabilityNotificationSubscription",)),
            req("callbackReference"),
            req("_links", "object", schema="ServiceLinks"),
            opt("filteringCriteria", "object"),
        ),
        Schema(
            "SubscriptionLinkEntry",
            f"{SM}.1.2.2",
            req("href"),
            req("subscriptionType"),
        ),
        Schema(
            "SubscriptionListLinks",
            f"{SM}.1.2.2",
            req("self", "object", schema="LinkType"),
            opt("subscriptions", "array", schema="SubscriptionLinkEntry"),
        ),
        Schema(
            "SubscriptionLinkList",
            f"{SM}.1.2.2 (MEC 011 SubscriptionLinkList)",
            req("_links", "object", schema="SubscriptionListLinks"),
        ),
        Schema(
            "ServiceReference",
            f"{SM}.1.4.2",
            req("serName"),
            req("serInstanceId"),
            req("state", enum=SERVICE_STATES),
            req("changeType", enum=("ADDED", "REMOVED", "STATE_CHANGED", "ATTRIBUTES_CHANGED")),
        ),
        Schema(
            "NotificationLinks", f"{SM}.1.4.2", req("subscription", "object", schema="LinkType")
        ),
        Schema(
            "ServiceAvailabilityNotification",
            f"{SM}.1.4.2",
            req("notificationType", enum=("SerAvailabilityNotification",)),
            req("serviceReferences", "array", schema="ServiceReference"),
            req("_links", "object", schema="NotificationLinks"),
        ),
    ),
)

APP_SUPPORT = Api(
    key="mec011-as",
    title="MEC 011 application support",
    spec="ETSI GS MEC 011 V3.1.1",
    base="/mec_app_support/v1",
    probe="/timing/current_time",
    operations={
        "current_time": Operation(
            "GET", "/timing/current_time", 200, f"{AS}.2 timing/current_time GET", "CurrentTime"
        ),
        "timing_caps": Operation(
            "GET", "/timing/timing_caps", 200, f"{AS}.2 timing/timing_caps GET", "TimingCaps"
        ),
        "register": Operation("POST", "/registrations", 201, f"{AS}.2.13.3.4", "AppInfo"),
        "registration": Operation(
            "GET", "/registrations/{appInstanceId}", 200, f"{AS}.2.14.3.1", "AppInfo"
        ),
        "update_registration": Operation(
            "PUT", "/registrations/{appInstanceId}", 204, f"{AS}.2.14.3.2", conditional=True
        ),
        "deregister": Operation("DELETE", "/registrations/{appInstanceId}", 204, f"{AS}.2.14.3.5"),
        "confirm_ready": Operation(
            "POST", "/applications/{appInstanceId}/confirm_ready", 204, f"{AS}.2.12.3.4"
        ),
        "dns_rules": Operation(
            "GET",
            "/applications/{appInstanceId}/dns_rules",
            200,
            f"{AS}.2 dns_rules GET",
            "[DnsRule]",
        ),
        "dns_rule": Operation(
            "GET",
            "/applications/{appInstanceId}/dns_rules/{dnsRuleId}",
            200,
            f"{AS}.2 dns_rules/{{dnsRuleId}} GET",
            "DnsRule",
        ),
        "update_dns_rule": Operation(
            "PUT",
            "/applications/{appInstanceId}/dns_rules/{dnsRuleId}",
            200,
            f"{AS}.2 dns_rules/{{dnsRuleId}} PUT",
            "DnsRule",
            conditional=True,
        ),
        "traffic_rules": Operation(
            "GET",
            "/applications/{appInstanceId}/traffic_rules",
            200,
            f"{AS}.2 traffic_rules GET",
            "[TrafficRule]",
        ),
        "traffic_rule": Operation(
            "GET",
            "/applications/{appInstanceId}/traffic_rules/{trafficRuleId}",
            200,
            f"{AS}.2 traffic_rules/{{trafficRuleId}} GET",
            "TrafficRule",
        ),
        "update_traffic_rule": Operation(
            "PUT",
            "/applications/{appInstanceId}/traffic_rules/{trafficRuleId}",
            200,
            f"{AS}.2 traffic_rules/{{trafficRuleId}} PUT",
            "TrafficRule",
            conditional=True,
        ),
        "subscriptions": Operation(
            "GET",
            "/applications/{appInstanceId}/subscriptions",
            200,
            f"{AS}.2.9.3.1",
            "SubscriptionLinkList",
        ),
        "subscribe": Operation(
            "POST",
            "/applications/{appInstanceId}/subscriptions",
            201,
            f"{AS}.2.9.3.4",
            "AppTerminationNotificationSubscription",
        ),
        "subscription": Operation(
            "GET",
            "/applications/{appInstanceId}/subscriptions/{subscriptionId}",
            200,
            f"{AS}.2.10.3.1",
            "AppTerminationNotificationSubscription",
        ),
        "unsubscribe": Operation(
            "DELETE",
            "/applications/{appInstanceId}/subscriptions/{subscriptionId}",
            204,
            f"{AS}.2.10.3.5",
        ),
    },
    schemas=schemas(
        time_stamp(f"{AS}.1.5.2"),
        link_type(f"{AS}.1.5.3"),
        Schema(
            "CurrentTime",
            f"{AS}.1.2.5",
            req("seconds", "integer"),
            req("nanoSeconds", "integer"),
            req("timeSourceStatus", enum=("TRACEABLE", "NONTRACEABLE")),
        ),
        Schema(
            "TimingCaps",
            f"{AS}.1.2.4",
            req("timeStamp", "object", schema="TimeStamp"),
            opt("ntpServers", "array"),
            opt("ptpMasters", "array"),
        ),
        Schema(
            "AppInfo",
            f"{AS}.1.2.6",
            req("appName"),
            opt("appProvider"),
            opt("appInstanceId"),
            opt("endpoint", "object"),
            opt("isInsByMec", "boolean"),
        ),
        Schema(
            "DnsRule",
            f"{AS}.1.2.3",
            req("dnsRuleId"),
            req("domainName"),
            req("ipAddressType", enum=("IP_V6", "IP_V4")),
            req("ipAddress"),
            opt("ttl", "integer"),
            req("state", enum=("ACTIVE", "INACTIVE")),
        ),
        Schema(
            "TrafficRule",
            f"{AS}.1.2.2",
            req("trafficRuleId"),
            req("filterType", enum=("FLOW", "PACKET")),
            req("priority", "integer"),
            req("trafficFilter", "array"),
            req(
                "action",
                enum=(
                    "DROP",
                    "FORWARD_DECAPSULATED",
                    "FORWARD_ENCAPSULATED",
                    "PASSTHROUGH",
                    "DUPLICATE_DECAPSULATED",
                    "DUPLICATE_ENCAPSULATED",
                ),
            ),
            opt("dstInterface", "object"),
            req("state", enum=("ACTIVE", "INACTIVE")),
        ),
        self_links("SubscriptionLinks", f"{AS}.1.3.2"),
        Schema(
            "AppTerminationNotificationSubscription",
            f"{AS}.1.3.2",
            req("subscriptionType", enum=("AppTerminationNotificationSubscription",)),
            req("callbackReference"),
            req("_links", "object", schema="SubscriptionLinks"),
            req("appInstanceId"),
        ),
        Schema("SubscriptionLinkEntry", f"{AS}.1.2", req("href"), req("subscriptionType")),
        Schema(
            "SubscriptionListLinks",
            f"{AS}.1.2",
            req("self", "object", schema="LinkType"),
            opt("subscriptions", "array", schema="SubscriptionLinkEntry"),
        ),
        Schema(
            "SubscriptionLinkList",
            f"{AS}.1.2 (MecAppSuptApiSubscriptionLinkList)",
            req("_links", "object", schema="SubscriptionListLinks"),
        ),
    ),
)
