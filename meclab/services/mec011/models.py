"""The bodies of ETSI GS MEC 011 v3.1.1 (application support and service management).

Class names are the spec's schema names and attributes its wire names, so a model reads like
its table in the GS. Bodies travel bare (``{"serName": ...}``), as in the first-party 2.x files,
not wrapped in ``{"ServiceInfo": {...}}`` as the doc2oas-generated v3 files show them.

The bodies the platform core already owns (ServiceInfo, TransportInfo, DnsRule, TrafficRule and
their parts, TimeStamp, LinkType, SubscriptionLinkList) are re-exported here under their spec
names. Where the v3 file says ``SEE_DESCRIPTION`` or types a single value as an array (a doc2oas
artefact), the values and shapes come from the GS text and the 2.1.1 files.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from meclab.lifecycle.appd import (
    FeatureDependency,
    ServiceDependency,
    TransportDependency,
    TransportDescriptor,
)
from meclab.platform.apps import OperationAction
from meclab.platform.rules import (
    DestinationInterface,
    DnsRule,
    TrafficFilter,
    TrafficRule,
    TunnelInfo,
    TunnelType,
)
from meclab.platform.service_info import (
    Address,
    CategoryRef,
    ChangeType,
    EndPointInfo,
    OAuth2Info,
    SecurityInfo,
    ServiceInfo,
    ServiceLinks,
    ServiceState,
    TransportInfo,
)
from meclab.platform.wire import (
    LinkType,
    ProblemDetails,
    SelfLink,
    SubscriptionLink,
    SubscriptionLinkList,
    SubscriptionLinks,
    TimeStamp,
    WireModel,
)
from meclab.types import (
    FilterType,
    InterfaceType,
    IpAddressType,
    LocalityType,
    RuleState,
    SerializerType,
    TrafficAction,
    TransportType,
)

__all__ = [
    "Address",
    "Addresses",
    "AppInfo",
    "AppProfile",
    "AppReadyConfirmation",
    "AppTerminationConfirmation",
    "AppTerminationNotification",
    "AppTerminationNotificationLinks",
    "AppTerminationNotificationSubscription",
    "AuthenticationOption",
    "CategoryRef",
    "ChangeType",
    "CurrentTime",
    "DestinationInterface",
    "DnsRule",
    "EndPointInfo",
    "FeatureDependency",
    "FilterType",
    "FilteringCriteria",
    "InterfaceType",
    "IpAddressType",
    "LinkType",
    "LocalityType",
    "NtpServerAddrType",
    "NtpServers",
    "OAuth2Info",
    "OperationActionType",
    "ProblemDetails",
    "PtpMasters",
    "RuleState",
    "SecurityInfo",
    "SelfLink",
    "SerAvailabilityNotificationSubscription",
    "SerializerType",
    "ServiceAvailabilityNotification",
    "ServiceAvailabilityNotificationLinks",
    "ServiceDependency",
    "ServiceInfo",
    "ServiceLinks",
    "ServiceLivenessInfo",
    "ServiceLivenessUpdate",
    "ServiceReferences",
    "ServiceState",
    "SubscriptionLink",
    "SubscriptionLinkList",
    "SubscriptionLinks",
    "Subscriptions",
    "TimeSourceStatus",
    "TimeStamp",
    "TimingCaps",
    "TrafficAction",
    "TrafficFilter",
    "TrafficRule",
    "TransportDependency",
    "TransportDescriptor",
    "TransportInfo",
    "TransportType",
    "TransportTypes",
    "TunnelInfo",
    "TunnelType",
]

# Spec schema names for types the platform core names otherwise.
Addresses = Address
"""MEC 011 ``Addresses``: one host and port of an EndPointInfo."""
Subscriptions = SubscriptionLink
"""MEC 011 ``Subscriptions``: one entry of a SubscriptionLinkList."""
TransportTypes = TransportType
"""MEC 011 ``TransportTypes`` (clause 8.1.6.4), as the AppSupport file names it."""
OperationActionType = OperationAction
"""MEC 011 OperationActionType (clause 7.1.5.2): STOPPING or TERMINATING."""

APP_TERMINATION_SUBSCRIPTION = "AppTerminationNotificationSubscription"
APP_TERMINATION_NOTIFICATION = "AppTerminationNotification"
SER_AVAILABILITY_SUBSCRIPTION = "SerAvailabilityNotificationSubscription"
SER_AVAILABILITY_NOTIFICATION = "SerAvailabilityNotification"
"""``notificationType`` of a ServiceAvailabilityNotification (MEC 011 clause 8.1.4.2)."""


def _http_uri(value: str) -> str:
    # Notifications are POSTed to it (MEC 011 clauses 7.1.3.2, 8.1.3.2: format uri).
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http:// or https:// URI")
    return value


CallbackUri = Annotated[str, AfterValidator(_http_uri)]


# --- timing (clause 7.1.2.4, 7.1.2.5) -------------------------------------------------------


class TimeSourceStatus(StrEnum):
    """Whether the platform's time source is locked to UTC (clause 7.1.2.5)."""

    TRACEABLE = "TRACEABLE"
    NONTRACEABLE = "NONTRACEABLE"


class CurrentTime(WireModel):
    """The platform's time of day."""

    seconds: int = Field(ge=0)
    nanoSeconds: int = Field(ge=0, le=999_999_999)
    timeSourceStatus: TimeSourceStatus


class NtpServerAddrType(StrEnum):
    IP_ADDRESS = "IP_ADDRESS"
    DNS_NAME = "DNS_NAME"


class AuthenticationOption(StrEnum):
    NONE = "NONE"
    SYMMETRIC_KEY = "SYMMETRIC_KEY"
    AUTO_KEY = "AUTO_KEY"


class NtpServers(WireModel):
    """One NTP server the platform offers (clause 7.1.2.4; one value per attribute)."""

    ntpServerAddrType: NtpServerAddrType
    ntpServerAddr: str
    minPollingInterval: int = Field(ge=3, le=17)
    """Seconds, as a power of two."""
    maxPollingInterval: int = Field(ge=3, le=17)
    localPriority: int = Field(ge=0)
    authenticationOption: AuthenticationOption
    authenticationKeyNum: int | None = Field(None, ge=0)
    """Present with SYMMETRIC_KEY authentication."""


class PtpMasters(WireModel):
    """One PTP master the platform offers (clause 7.1.2.4)."""

    ptpMasterIpAddress: str
    ptpMasterLocalPriority: int = Field(ge=0)
    delayReqMaxRate: int = Field(ge=0)
    """Delay_Req messages per second, at most."""


class TimingCaps(WireModel):
    """The platform's timing capabilities."""

    timeStamp: TimeStamp | None = None
    ntpServers: list[NtpServers] | None = None
    ptpMasters: list[PtpMasters] | None = None


# --- application start-up and termination (clauses 7.1.3, 7.1.4) ---------------------------


class AppReadyConfirmation(WireModel):
    """The instance is up and running (clause 7.1.4.4)."""

    indication: Literal["READY"]


class AppTerminationConfirmation(WireModel):
    """The instance has finished its own termination or stop (clause 7.1.4.3)."""

    operationAction: OperationActionType
    """Shall match the one of the AppTerminationNotification."""


class AppTerminationNotificationSubscription(WireModel):
    """A subscription to an instance's termination (clause 7.1.3.2)."""

    subscriptionType: Literal["AppTerminationNotificationSubscription"]
    callbackReference: CallbackUri
    links: SelfLink | None = Field(None, alias="_links")
    """Set by the platform in responses."""
    appInstanceId: str = Field(min_length=1)
    """The instance whose termination is reported."""


class AppTerminationNotificationLinks(WireModel):
    subscription: LinkType
    confirmTermination: LinkType | None = None


class AppTerminationNotification(WireModel):
    """The platform is about to terminate or stop the instance (clause 7.1.4.2)."""

    notificationType: Literal["AppTerminationNotification"]
    operationAction: OperationActionType
    maxGracefulTimeout: int = Field(ge=1)
    """Seconds the instance has to confirm before the platform goes on without it."""
    links: AppTerminationNotificationLinks = Field(alias="_links")


# --- registration (clause 7.1.2.6 AppInfo, with the MEC 010-2 types it uses) ----------------


class AppProfile(WireModel):
    """An EAS profile (ETSI TS 129 558): kept as given, since MEC 011 does not define it."""

    model_config = ConfigDict(extra="allow")


class AppInfo(WireModel):
    """An application instance's registration (clause 7.1.2.6)."""

    appName: str = Field(min_length=1)
    appProvider: str | None = None
    appCategory: CategoryRef | None = None
    appDId: str | None = None
    appInstanceId: str | None = Field(None, min_length=1)
    endpoint: EndPointInfo | None = None
    """The application server's endpoint; required when isInsByMec is false."""
    appServiceRequired: list[ServiceDependency] | None = None
    appServiceOptional: list[ServiceDependency] | None = None
    appFeatureRequired: list[FeatureDependency] | None = None
    appFeatureOptional: list[FeatureDependency] | None = None
    isInsByMec: bool | None = None
    """Whether MEC management instantiated the instance; false when absent."""
    appProfile: AppProfile | None = None


# --- service availability (clauses 8.1.3.2, 8.1.4.2) -----------------------------------------


class FilteringCriteria(WireModel):
    """Which services a SerAvailabilityNotificationSubscription reports; all must match."""

    serInstanceIds: list[str] | None = None
    serNames: list[str] | None = None
    serCategories: list[CategoryRef] | None = None
    states: list[ServiceState] | None = None
    """States after the change."""
    isLocal: bool | None = None

    @model_validator(mode="after")
    def _one_selector(self) -> FilteringCriteria:
        # Clause 8.1.3.2 note: "mutually-exclusive alternatives ... Only one of them may be
        # present". An empty list selects nothing more than an absent one, so it is not counted.
        given = [n for n in ("serInstanceIds", "serNames", "serCategories") if getattr(self, n)]
        if len(given) > 1:
            raise ValueError(f"{' and '.join(given)} are mutually exclusive: give only one")
        return self


class SerAvailabilityNotificationSubscription(WireModel):
    """A subscription to changes of the services a host sees (clause 8.1.3.2)."""

    subscriptionType: Literal["SerAvailabilityNotificationSubscription"]
    callbackReference: CallbackUri
    links: SelfLink | None = Field(None, alias="_links")
    """Set by the platform in responses."""
    filteringCriteria: FilteringCriteria | None = None


class ServiceReferences(WireModel):
    """One changed service in a ServiceAvailabilityNotification."""

    link: LinkType | None = None
    """Absent when the service was REMOVED."""
    serName: str
    serInstanceId: str
    state: ServiceState
    """State after the change."""
    changeType: ChangeType


class ServiceAvailabilityNotificationLinks(WireModel):
    subscription: LinkType


class ServiceAvailabilityNotification(WireModel):
    """Services a subscription covers were added, removed or changed (clause 8.1.4.2)."""

    notificationType: Literal["SerAvailabilityNotification"]
    serviceReferences: list[ServiceReferences]
    links: ServiceAvailabilityNotificationLinks = Field(alias="_links")


# --- service liveness (clauses 8.1.2.4, 8.1.2.5) ----------------------------------------------


class ServiceLivenessInfo(WireModel):
    """A service's liveness as the platform sees it."""

    state: ServiceState
    timeStamp: TimeStamp
    """When the last heartbeat (or the registration) arrived."""
    interval: int = Field(ge=0)
    """Seconds between two heartbeats, as the platform decided."""


class ServiceLivenessUpdate(WireModel):
    """A heartbeat: ``{"state": "ACTIVE"}``."""

    state: ServiceState
