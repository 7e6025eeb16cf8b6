"""MEC 021 bodies (ETSI GS MEC 021 V2.2.1 clauses 7.2 to 7.5), as they travel on the wire.

Importable with pydantic and the light wire modules only: the SDK reads and writes them too.
Where the generated v2.2.1 file is a known doc2oas artefact (INVENTORY §0, §3.10), the shape
is the GS's, as the first-party v2.1.1 file shows it:

* ``AssociateId`` is MEC 012's object ``{type, value}`` (the v2.2.1 file types it as a
  string). ``type`` is MEC 012's number (1 = UE_IPv4_ADDRESS) or its name; it is echoed as
  given, and compared by number;
* ``appMobilityServiceLevel`` is the integer itself (1, 2, 3), not an object wrapping it;
* request and response bodies are bare, not wrapped in an object named after their type;
* ``POST``/``PUT /subscriptions`` take either subscription type, by ``subscriptionType``.

Enumerations are integers, as the v2.2.1 file has them (``mobilityStatus``,
``appMobilityServiceLevel``, ``contextTransferState``).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from meclab.platform.wire import LinkType, SelfLink, TimeStamp, WireModel
from meclab.services.rnis.models_common import UINT32, AssociateIdType, CallbackUri

MOBILITY_PROCEDURE = "MobilityProcedureSubscription"
ADJACENT_APP_INFO = "AdjacentAppInfoSubscription"

SHORT_TYPES = {"mobility_proc": MOBILITY_PROCEDURE, "adj_app_info": ADJACENT_APP_INFO}
"""``subscriptiontype`` query values (clause 8.5.3.1) and the types they name."""


class AppMobilityServiceLevel(IntEnum):
    """Clause 7.4.5."""

    APP_MOBILITY_NOT_ALLOWED = 1
    APP_MOBILITY_WITH_CONFIRMATION = 2
    APP_MOBILITY_WITHOUT_CONFIRMATION = 3


class ContextTransferState(IntEnum):
    """DeviceInformation ``contextTransferState`` (clause 7.2.2)."""

    NOT_TRANSFERRED = 0
    USER_CONTEXT_TRANSFER_COMPLETED = 1


class MobilityStatus(IntEnum):
    """``mobilityStatus`` (clause 7.4.2)."""

    INTERHOST_MOVEOUT_TRIGGERED = 1
    INTERHOST_MOVEOUT_COMPLETED = 2
    INTERHOST_MOVEOUT_FAILED = 3


_TYPE_NAMES = {t.name: int(t) for t in AssociateIdType}


def associate_type_number(value: int | str) -> int:
    """MEC 012's number of an AssociateId ``type`` given by number or by name (any case:
    MEC 012 writes ``UE_IPv4_ADDRESS``)."""
    if isinstance(value, str):
        return _TYPE_NAMES[value.upper()]
    return int(AssociateIdType(value))


def _associate_type(value: int | str) -> int | str:
    try:
        associate_type_number(value)
    except (KeyError, ValueError):
        names = ", ".join(f"{int(t)} {t.name}" for t in AssociateIdType)
        raise ValueError(f"not a MEC 012 AssociateId type; one of {names}") from None
    return value


class AssociateId(WireModel):
    """MEC 012 clause 6.5.4: a UE (or flow) identity. meclab looks ``value`` up among the
    world's terminals by address (``10.0.0.1`` or ``acr:10.0.0.1``), name or IMSI."""

    type: Annotated[int | str, AfterValidator(_associate_type)]
    value: str = Field(min_length=1)

    def key(self) -> tuple[int, str]:
        """What two AssociateIds are compared by."""
        return associate_type_number(self.type), self.value


# --- registrations (clause 7.2.2) --------------------------------------------------------------


class ServiceConsumerId(WireModel):
    """The registering application instance, or the MEC platform (exactly one of them)."""

    appInstanceId: str | None = None
    mepId: str | None = None


class DeviceInformation(WireModel):
    """One device the registering instance serves."""

    associateId: AssociateId
    appMobilityServiceLevel: AppMobilityServiceLevel | None = None
    """Given by a stateful application: how it may be relocated."""
    contextTransferState: ContextTransferState | None = None


class RegistrationInfo(WireModel):
    """Clause 7.2.2: an Application Mobility Service resource."""

    appMobilityServiceId: str | None = None
    """Absent in POST, present otherwise."""
    serviceConsumerId: ServiceConsumerId
    deviceInformation: list[DeviceInformation] | None = None
    expiryTime: UINT32 | None = None
    """Seconds from the registration; 0: no expiry."""


# --- adjacent application instances (clause 7.2.3) ---------------------------------------------


class IpAddress(WireModel):
    """An entry point: host and port."""

    host: str
    port: int = Field(ge=0, le=65535)


class CommunicationInterface(WireModel):
    """Clause 7.5.2."""

    ipAddresses: list[IpAddress] | None = None


class MECHostInformation(WireModel):
    """Clause 7.5.5; meclab's ``hostId`` is ``{"name": <host>}``."""

    hostName: str | None = None
    hostId: dict[str, Any]


class AdjacentAppInstanceInfo(WireModel):
    """Clause 7.2.3: an instance of the same application on another MEC host."""

    appInstanceId: str
    appDId: str
    appInstanceCommLink: list[CommunicationInterface] = Field(min_length=1)
    mecHostInformation: MECHostInformation | None = None
    registeredInstanceId: str | None = None


# --- subscriptions (clause 7.3) ----------------------------------------------------------------


class WebsockNotifConfig(WireModel):
    """Clause 7.5.7 (MEC 009 clause 6.12a)."""

    websocketUri: str | None = None
    requestWebsocketUri: bool | None = None


class _Subscription(WireModel):
    callbackReference: CallbackUri | None = None
    requestTestNotification: bool | None = None
    websockNotifConfig: WebsockNotifConfig | None = None
    links: SelfLink | None = Field(None, alias="_links")
    expiryDeadline: TimeStamp | None = None


class MobilityProcedureFilter(WireModel):
    """MobilityProcedureSubscription ``filterCriteria``."""

    appInstanceId: str | None = None
    associateId: list[AssociateId] | None = None
    """Absent or empty: any device."""
    mobilityStatus: list[MobilityStatus] | None = None
    """Absent (or empty): ``[1]``, and the response says so (clause 7.3.2)."""


class MobilityProcedureSubscription(_Subscription):
    """Clause 7.3.2."""

    subscriptionType: Literal["MobilityProcedureSubscription"]
    filterCriteria: MobilityProcedureFilter


class AdjacentAppInfoFilter(WireModel):
    """AdjacentAppInfoSubscription ``filterCriteria``."""

    appInstanceId: str | None = None


class AdjacentAppInfoSubscription(_Subscription):
    """Clause 7.3.3."""

    subscriptionType: Literal["AdjacentAppInfoSubscription"]
    filterCriteria: AdjacentAppInfoFilter


AmsSubscription = MobilityProcedureSubscription | AdjacentAppInfoSubscription

SUBSCRIPTION_MODELS: dict[str, type[AmsSubscription]] = {
    MOBILITY_PROCEDURE: MobilityProcedureSubscription,
    ADJACENT_APP_INFO: AdjacentAppInfoSubscription,
}


class SubscriptionLink(WireModel):
    href: str
    subscriptionType: str


class SubscriptionListLinks(WireModel):
    self: LinkType
    subscription: list[SubscriptionLink] = Field(default_factory=list)


class SubscriptionLinkList(WireModel):
    """Clause 7.3.4: the entries are in ``_links``, in an array named ``subscription``."""

    links: SubscriptionListLinks = Field(alias="_links")


# --- notifications (clause 7.4) ----------------------------------------------------------------


class NotificationLinks(WireModel):
    subscription: LinkType


class TargetAppInfo(WireModel):
    """The instance that serves the device after the move."""

    appInstanceId: str
    commInterface: CommunicationInterface | None = None


class MeclabProcedure(WireModel):
    """meclab's extension of a MobilityProcedureNotification (the spec's fields untouched)."""

    procedure: str | None = None
    """URL of the procedure in meclab's control API (``/meclab/v1/relocations/{id}``)."""
    prediction: dict[str, Any] | None = None
    """The prediction that started the procedure ahead of the handover, when one did."""
    reason: str | None = None
    """Why the procedure failed (INTERHOST_MOVEOUT_FAILED)."""


class MobilityProcedureNotification(WireModel):
    """Clause 7.4.2, with meclab's ``meclab`` extension object."""

    notificationType: Literal["MobilityProcedureNotification"]
    timeStamp: TimeStamp | None = None
    associateId: list[AssociateId] = Field(min_length=1)
    mobilityStatus: MobilityStatus
    targetAppInfo: TargetAppInfo | None = None
    links: NotificationLinks = Field(alias="_links")
    meclab: MeclabProcedure | None = None


class AdjacentAppInfo(WireModel):
    """One adjacent instance in an AdjacentAppInfoNotification."""

    appInstanceId: str
    commInterface: CommunicationInterface | None = None


class AdjacentAppInfoNotification(WireModel):
    """Clause 7.4.3 (no schema in the v2.2.1 file)."""

    notificationType: Literal["AdjacentAppInfoNotification"]
    timeStamp: TimeStamp | None = None
    associateId: list[AssociateId] | None = None
    adjacentAppInfo: list[AdjacentAppInfo] | None = None
    links: NotificationLinks = Field(alias="_links")


class ExpiryNotification(WireModel):
    """Clause 7.4.4."""

    notificationType: Literal["ExpiryNotification"]
    timeStamp: TimeStamp | None = None
    links: NotificationLinks = Field(alias="_links")
    expiryDeadline: TimeStamp


class TestNotification(WireModel):
    """Clause 7.4.6."""

    __test__ = False  # not a pytest test class, despite its name

    notificationType: Literal["TestNotification"]
    links: NotificationLinks = Field(alias="_links")
