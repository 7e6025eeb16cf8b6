"""The bodies of ETSI GS MEC 010-2 v3.1.1 application lifecycle management (``app_lcm/v1``).

Class names are the spec's schema names and attributes its wire names. Bodies travel bare, not
wrapped in ``{"CreateAppInstanceRequest": {...}}`` as the doc2oas-generated v3.1.1 file shows
them (INVENTORY §3.10). Where that file says ``SEE_DESCRIPTION``, the values come from its
descriptions and the 2.1.1 file.

Choices where the file leaves room (each checked in tests/conformance/test_app_lcm.py):

* ``selectedMECHostInfo`` needs at least one entry. ``hostId`` is "deployment-specific": in
  meclab it is the MEC host's name (a string, or an object whose ``name`` or ``id`` is it). Several
  entries let meclab choose among them; the one hostId :data:`ANY_HOST` (``"auto"``) lets it
  choose among every host (placement by the AppD's latency and the users, MEC 010-2 clause
  5.3.1's "selected host" being then meclab's).
* ``appInstSelectorType`` is an integer 0-4 in the v3.1.1 file, a name (``VOID`` ...
  ``APP_FROM_PROVIDER``) in the 2.1.1 file and in the GS notes; both are accepted and kept as
  sent.
* Filter attributes the files type as one string (``operationTypes``, ``operationStates``,
  ``notificationTypes``, ``appInstanceState``) take one value or a list of them.
* ``CancelMode`` is ``{"CancelMode": GRACEFUL|FORCED}`` in the file; ``cancelMode`` (the
  NFV-SOL 013 spelling) and FORCEFUL are accepted too.
* ``AppLcmOpOcc.error`` is meclab's addition (as in NFV-SOL 003 VnfLcmOpOcc): the
  ProblemDetails of a failed operation, which MEC 010-2 has no attribute for.
* The AppD parts that requests may override (``virtualComputeDescriptor``, the service,
  DNS and traffic rule descriptors of ConfigPlatformForAppRequest ...) are passed through as JSON
  objects: the lifecycle validates them with the AppD models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, ConfigDict, Field, model_validator

from meclab.lifecycle.records import (
    InstantiationState,
    LcmOperation,
    OperationalState,
    OperationState,
)
from meclab.platform.wire import LinkType, ProblemDetails, SelfLink, TimeStamp, WireModel
from meclab.services.mec011.models import CallbackUri

ANY_HOST = "auto"
"""A hostId that lets meclab choose the MEC host (module docstring)."""

APP_INSTANCE_STATE_CHANGE = "AppInstanceStateChangeSubscription"
APP_LCM_OP_OCC_STATE_CHANGE = "AppLcmOpOccStateChangeSubscription"
APP_IDENTIFIER_CREATION = "AppIdentifierCreationSubscription"
APP_IDENTIFIER_DELETION = "AppIdentifierDeletionSubscription"
SUBSCRIPTION_TYPES = (
    APP_INSTANCE_STATE_CHANGE,
    APP_LCM_OP_OCC_STATE_CHANGE,
    APP_IDENTIFIER_CREATION,
    APP_IDENTIFIER_DELETION,
)
"""AppInstanceSubscriptionType. The v3.1.1 file sets each notification's ``notificationType``
to its subscription's type, and meclab sends them so."""

AppInstanceState = Literal["NOT_INSTANTIATED", "STARTED", "STOPPED"]
"""What AppInst subscriptions and notifications call an instance's state."""

SELECTOR_NAMES = ("VOID", "APP_IDENTITY", "APP_NAME", "APP_D_ID", "APP_FROM_PROVIDER")
"""appInstSelectorType by name; the v3.1.1 file numbers them 0-4 in this order."""

# --- application instances -------------------------------------------------------------------


class MepInformation(WireModel):
    mepName: str | None = None
    mepId: str


class CreateAppInstanceRequest(WireModel):
    appDId: str = Field(min_length=1)
    appInstanceName: str | None = None
    appInstanceDescription: str | None = None
    appPlacementInfo: MepInformation | None = None


class LocationInformation(WireModel):
    countryCode: str
    civicAddress: dict[str, Any] | None = None
    geographicalPosition: str | None = None


class McioInfo(WireModel):
    mcioId: str
    mcioName: str
    mcioNamespace: str
    vduId: str
    cismId: str
    mcioType: str
    desiredInstances: int
    availableInstances: int
    additionalInfo: str | None = None


class InstantiatedAppState(WireModel):
    operationalState: OperationalState
    appInstLocation: LocationInformation | None = None
    mcioInfo: list[McioInfo] | None = None


class IpAddress(WireModel):
    """One entry of CommunicationInterface.ipAddresses."""

    host: str
    port: int


class CommunicationInterface(WireModel):
    ipAddresses: list[IpAddress] | None = None


class VimConnectionInfo(WireModel):
    id: str
    vimId: str | None = None
    vimType: str
    interfaceInfo: dict[str, Any] | None = None
    accessInfo: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None


class AppInstanceLinks(WireModel):
    """AppInstanceInfo ``_links``: a task link only when that task is possible now."""

    self: LinkType
    instantiate: LinkType | None = None
    terminate: LinkType | None = None
    operate: LinkType | None = None
    configure_platform_for_app: LinkType | None = None


class AppInstanceInfo(WireModel):
    id: str
    appInstanceName: str | None = None
    appInstanceDescription: str | None = None
    appDId: str
    appProvider: str
    appName: str
    appSoftVersion: str
    appDVersion: str
    appPkgId: str
    vimConnectionInfo: list[dict[str, VimConnectionInfo]] | None = None
    nsInstanceId: str | None = None
    vnfInstanceId: str | None = None
    instantiationState: InstantiationState
    instantiatedAppState: InstantiatedAppState | None = None
    communicationInterface: CommunicationInterface | None = None
    links: AppInstanceLinks = Field(alias="_links")


# --- lifecycle operation requests ------------------------------------------------------------


class MECHostInformation(WireModel):
    hostName: str | None = None
    hostId: str | dict[str, Any]
    """meclab: the host's name, or an object whose ``name`` or ``id`` is it."""

    def host(self) -> str | None:
        """The MEC host this names (None if it names none in a form meclab reads)."""
        if isinstance(self.hostId, str):
            return self.hostId
        for key in ("name", "id"):
            value = self.hostId.get(key)
            if isinstance(value, str):
                return value
        return None


class LocationConstraints(WireModel):
    countryCode: str | None = None
    civicAddressElement: list[dict[str, Any]] | None = None
    area: dict[str, Any] | str | None = None
    """A GeoJSON Polygon: an object, or (as the file types it) its JSON text."""


class InstantiateAppRequest(WireModel):
    virtualComputeDescriptor: dict[str, Any] | None = None
    osContainerDescriptor: list[dict[str, Any]] | None = None
    virtualStorageDescriptor: list[dict[str, Any]] | None = None
    selectedMECHostInfo: list[MECHostInformation] = Field(min_length=1)
    locationConstraints: LocationConstraints | None = None
    vimConnectionInfo: list[dict[str, VimConnectionInfo]] | None = None
    appTermCandsForCoord: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_descriptor(self) -> InstantiateAppRequest:
        # Note 4: only one of virtualComputeDescriptor or osContainerDescriptor.
        if self.virtualComputeDescriptor is not None and self.osContainerDescriptor is not None:
            raise ValueError("give virtualComputeDescriptor or osContainerDescriptor, not both")
        for i, info in enumerate(self.selectedMECHostInfo):
            if info.host() is None:
                raise ValueError(
                    f"selectedMECHostInfo[{i}].hostId names no MEC host: give its name "
                    f"(or {ANY_HOST!r} to let meclab choose)"
                )
        return self

    def hosts(self) -> list[str] | None:
        """The MEC hosts to choose among; None: any (hostId ``auto``)."""
        names = [h for info in self.selectedMECHostInfo if (h := info.host()) is not None]
        return None if ANY_HOST in names else list(dict.fromkeys(names))


class TerminateAppRequest(WireModel):
    terminationType: Literal["FORCEFUL", "GRACEFUL"]
    gracefulTerminationTimeout: int | None = Field(default=None, ge=0)
    """Seconds; absent with GRACEFUL: wait as long as it takes."""


class OperateAppRequest(WireModel):
    changeStateTo: OperationalState
    stopType: Literal["FORCEFUL", "GRACEFUL"] | None = None
    """Absent when stopping: FORCEFUL (note 3)."""
    gracefulStopTimeout: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _notes(self) -> OperateAppRequest:
        if self.changeStateTo is OperationalState.STARTED:
            if self.stopType is not None or self.gracefulStopTimeout is not None:
                raise ValueError(
                    "stopType and gracefulStopTimeout are for changeStateTo STOPPED only"
                )
        elif self.stopType == "GRACEFUL" and self.gracefulStopTimeout is None:
            raise ValueError("a GRACEFUL stop needs gracefulStopTimeout (seconds)")
        elif self.stopType != "GRACEFUL" and self.gracefulStopTimeout is not None:
            raise ValueError("gracefulStopTimeout is for a GRACEFUL stop only")
        return self


class CancelMode(WireModel):
    """The body of ``POST .../cancel``, and AppLcmOpOcc.cancelMode."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    CancelMode: Literal["GRACEFUL", "FORCED", "FORCEFUL"] = Field(
        validation_alias=AliasChoices("CancelMode", "cancelMode")
    )

    def mode(self) -> str:
        """GRACEFUL or FORCED (FORCEFUL, NFV-SOL 013's word, is FORCED)."""
        return "FORCED" if self.CancelMode == "FORCEFUL" else self.CancelMode


class ConfigPlatformForAppRequest(WireModel):
    appServiceRequired: list[dict[str, Any]] | None = None
    appServiceOptional: list[dict[str, Any]] | None = None
    appServiceProduced: list[dict[str, Any]] | None = None
    appFeatureRequired: list[dict[str, Any]] | None = None
    appFeatureOptional: list[dict[str, Any]] | None = None
    transportDependencies: list[dict[str, Any]] | None = None
    appTrafficRule: list[dict[str, Any]] | None = None
    appDNSRule: list[dict[str, Any]] | None = None
    appLatency: dict[str, Any] | None = None
    userContextTransferCapability: dict[str, Any] | None = None
    appNetworkPolicy: dict[str, Any] | None = None


# --- operation occurrences -------------------------------------------------------------------


class AppLcmOpOccLinks(WireModel):
    self: LinkType
    appInstance: LinkType


class AppLcmOpOcc(WireModel):
    id: str
    operationState: OperationState
    stateEnteredTime: TimeStamp
    startTime: TimeStamp
    lcmOperation: LcmOperation
    operationParams: InstantiateAppRequest | OperateAppRequest | TerminateAppRequest | None = None
    isCancelPending: bool | None = None
    cancelMode: CancelMode | None = None
    error: ProblemDetails | None = None
    """meclab's addition: why the operation failed (module docstring)."""
    links: AppLcmOpOccLinks = Field(alias="_links")


# --- subscriptions ---------------------------------------------------------------------------


class Versions(WireModel):
    appSoftVersion: str
    appDVersion: list[str] | None = None


class AppProducts(WireModel):
    appName: str
    versions: list[Versions] | None = None


class AppsFromProviders(WireModel):
    appProvider: str
    appProducts: list[AppProducts] | None = None


class AppInstanceSubscriptionFilter(WireModel):
    appInstSelectorType: (
        Literal[0, 1, 2, 3, 4]
        | Literal["VOID", "APP_IDENTITY", "APP_NAME", "APP_D_ID", "APP_FROM_PROVIDER"]
    )
    appInstances: list[str] | None = None
    appsFromProviders: list[AppsFromProviders] | None = None

    @property
    def selector(self) -> str:
        """The selector type by name."""
        kind = self.appInstSelectorType
        return SELECTOR_NAMES[kind] if isinstance(kind, int) else kind

    @model_validator(mode="after")
    def _consistent(self) -> AppInstanceSubscriptionFilter:
        if self.selector == "APP_FROM_PROVIDER":
            if self.appInstances is not None:
                raise ValueError("appInstances is not for appInstSelectorType APP_FROM_PROVIDER")
            if not self.appsFromProviders:
                raise ValueError("appInstSelectorType APP_FROM_PROVIDER needs appsFromProviders")
        elif self.appsFromProviders is not None:
            raise ValueError("appsFromProviders is for appInstSelectorType APP_FROM_PROVIDER only")
        return self


class AppLcmOpOccSubscriptionFilter(WireModel):
    appInstanceSubscriptionFilter: AppInstanceSubscriptionFilter | None = None
    notificationTypes: (
        Literal["AppLcmOpOccNotification"] | list[Literal["AppLcmOpOccNotification"]] | None
    ) = None
    operationTypes: LcmOperation | list[LcmOperation] | None = None
    operationStates: OperationState | list[OperationState] | None = None


class AppInstSubscriptionRequest(WireModel):
    subscriptionType: Literal["AppInstanceStateChangeSubscription"]
    callbackUri: CallbackUri
    appInstanceState: AppInstanceState | list[AppInstanceState] | None = None
    appInstanceSubscriptionFilter: AppInstanceSubscriptionFilter | None = None


class AppInstSubscriptionInfo(AppInstSubscriptionRequest):
    id: str
    links: SelfLink = Field(alias="_links")


class AppLcmOpOccSubscriptionRequest(WireModel):
    subscriptionType: Literal["AppLcmOpOccStateChangeSubscription"]
    callbackUri: CallbackUri
    appLcmOpOccSubscriptionFilter: AppLcmOpOccSubscriptionFilter | None = None


class AppLcmOpOccSubscriptionInfo(AppLcmOpOccSubscriptionRequest):
    id: str
    links: SelfLink = Field(alias="_links")


class AppInstIdCreationSubscriptionRequest(WireModel):
    subscriptionType: Literal["AppIdentifierCreationSubscription"]
    callbackUri: CallbackUri
    appInstanceSubscriptionFilter: AppInstanceSubscriptionFilter | None = None

    @model_validator(mode="after")
    def _selector(self) -> AppInstIdCreationSubscriptionRequest:
        # The file's note: only APP_D_ID or APP_FROM_PROVIDER (a new id has no name yet).
        chosen = self.appInstanceSubscriptionFilter
        if chosen is not None and chosen.selector not in ("APP_D_ID", "APP_FROM_PROVIDER"):
            raise ValueError(
                "appInstanceSubscriptionFilter.appInstSelectorType of an "
                "AppIdentifierCreationSubscription is APP_D_ID (3) or APP_FROM_PROVIDER (4)"
            )
        return self


class AppInstIdCreationSubscriptionInfo(AppInstIdCreationSubscriptionRequest):
    id: str
    links: SelfLink = Field(alias="_links")


class AppInstIdDeletionSubscriptionRequest(WireModel):
    subscriptionType: Literal["AppIdentifierDeletionSubscription"]
    callbackUri: CallbackUri
    appInstanceSubscriptionFilter: AppInstanceSubscriptionFilter | None = None


class AppInstIdDeletionSubscriptionInfo(AppInstIdDeletionSubscriptionRequest):
    id: str
    links: SelfLink = Field(alias="_links")


SUBSCRIPTION_REQUESTS: dict[str, type[WireModel]] = {
    APP_INSTANCE_STATE_CHANGE: AppInstSubscriptionRequest,
    APP_LCM_OP_OCC_STATE_CHANGE: AppLcmOpOccSubscriptionRequest,
    APP_IDENTIFIER_CREATION: AppInstIdCreationSubscriptionRequest,
    APP_IDENTIFIER_DELETION: AppInstIdDeletionSubscriptionRequest,
}
SUBSCRIPTION_INFOS: dict[str, type[WireModel]] = {
    APP_INSTANCE_STATE_CHANGE: AppInstSubscriptionInfo,
    APP_LCM_OP_OCC_STATE_CHANGE: AppLcmOpOccSubscriptionInfo,
    APP_IDENTIFIER_CREATION: AppInstIdCreationSubscriptionInfo,
    APP_IDENTIFIER_DELETION: AppInstIdDeletionSubscriptionInfo,
}


class Subscriptions(WireModel):
    """One entry of AppInstanceSubscriptionLinkList."""

    href: str
    subscriptionType: Literal[
        "AppInstanceStateChangeSubscription",
        "AppLcmOpOccStateChangeSubscription",
        "AppIdentifierCreationSubscription",
        "AppIdentifierDeletionSubscription",
    ]


class AppInstanceSubscriptionLinks(WireModel):
    self: LinkType
    subscriptions: list[Subscriptions] | None = None


class AppInstanceSubscriptionLinkList(WireModel):
    links: AppInstanceSubscriptionLinks = Field(alias="_links")


# --- notifications ---------------------------------------------------------------------------


class SubscriptionLinkOnly(WireModel):
    subscription: LinkType


class AppInstNotification(WireModel):
    id: str
    notificationType: Literal["AppInstanceStateChangeSubscription"]
    appInstanceState: AppInstanceState
    subscriptionId: str
    timeStamp: TimeStamp
    appInstanceId: str
    appPkgId: str
    appDId: str
    appInstLocation: LocationInformation | None = None
    links: SubscriptionLinkOnly = Field(alias="_links")


class AppLcmOpOccNotificationLinks(WireModel):
    appInstance: LinkType
    subscription: LinkType
    appLcmOpOcc: LinkType


class AppLcmOpOccNotification(WireModel):
    id: str
    notificationType: Literal["AppLcmOpOccStateChangeSubscription"]
    operationType: LcmOperation
    operationState: OperationState
    subscriptionId: str
    timeStamp: TimeStamp
    appLcmOpOccId: str
    appInstanceId: str
    links: AppLcmOpOccNotificationLinks = Field(alias="_links")


class AppInstanceIdentifierLinks(WireModel):
    subscription: LinkType
    appInstance: LinkType


class AppInstanceIdentifierCreationNotification(WireModel):
    id: str
    notificationType: Literal["AppIdentifierCreationSubscription"]
    subscriptionId: str
    timeStamp: TimeStamp
    appInstanceId: str
    links: AppInstanceIdentifierLinks = Field(alias="_links")


class AppInstanceIdentifierDeletionNotification(WireModel):
    id: str
    notificationType: Literal["AppIdentifierDeletionSubscription"]
    subscriptionId: str
    timeStamp: TimeStamp
    appInstanceId: str
    links: AppInstanceIdentifierLinks = Field(alias="_links")


NOTIFICATIONS: tuple[type[WireModel], ...] = (
    AppInstNotification,
    AppLcmOpOccNotification,
    AppInstanceIdentifierCreationNotification,
    AppInstanceIdentifierDeletionNotification,
)
"""The bodies a subscriber's ``user_defined_notification`` endpoint receives."""
