"""Data types every RNI body shares (ETSI GS MEC 012 V2.2.1 clause 6.5).

Attribute names are the GS's own; where the generated v2.2.1 file and the first-party v2.1.1
file spell one differently, the model writes the v2.2.1 name and also reads the other (NR cell
identity: ``nrCellId``, v2.1.1 ``nrcellId``).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, AliasChoices, Field

from meclab.platform.wire import LinkType, TimeStamp, WireModel

__all__ = [
    "UINT8",
    "UINT32",
    "AssociateId",
    "AssociateIdType",
    "CallbackUri",
    "Ecgi",
    "ErabQosParameters",
    "HoStatus",
    "LinkType",
    "NRcgi",
    "NotificationLinks",
    "Nrcgi",
    "Plmn",
    "QosInformation",
    "S1Event",
    "Subscription",
    "SubscriptionLinkList",
    "SubscriptionListLinks",
    "SubscriptionSelfLinks",
    "TempUeId",
    "TimeStamp",
    "Trigger",
    "TriggerNr",
    "WebsockNotifConfig",
]

UINT8 = Annotated[int, Field(ge=0, le=255)]
UINT32 = Annotated[int, Field(ge=0, le=2**32 - 1)]


def _http_uri(value: str) -> str:
    # MEC 009 clause 6.12: notifications are POSTed to this URI, so it must be an absolute
    # http(s) URL; anything else could never be delivered.
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http:// or https:// URI")
    return value


CallbackUri = Annotated[str, AfterValidator(_http_uri)]


class Plmn(WireModel):
    """Clause 6.5.5: a PLMN identity (TS 36.413 clause 9.2.3.8)."""

    mcc: str = Field(pattern=r"^[0-9]{3}$")
    mnc: str = Field(pattern=r"^[0-9]{2,3}$")


class Ecgi(WireModel):
    """Clause 6.5.6: E-UTRAN cell global identity."""

    plmn: Plmn
    cellId: str = Field(min_length=1, max_length=28)
    """E-UTRAN cell identity: 28 bits, written in hexadecimal (see :mod:`..identity`)."""


class Nrcgi(WireModel):
    """Clause 6.5.7 (Nrcgi, NRcgi): NR cell global identity."""

    plmn: Plmn
    nrCellId: str = Field(
        min_length=1, max_length=36, validation_alias=AliasChoices("nrCellId", "nrcellId")
    )
    """NR cell identity: 36 bits, written in hexadecimal."""


NRcgi = Nrcgi
"""The generated file names the type both ways."""


class AssociateIdType(IntEnum):
    """Clause 6.5.4 ``type``."""

    RESERVED = 0
    UE_IPV4_ADDRESS = 1
    UE_IPV6_ADDRESS = 2
    NATED_IP_ADDRESS = 3
    GTP_TEID = 4


class AssociateId(WireModel):
    """Clause 6.5.4: identifies a UE or a flow."""

    type: AssociateIdType
    value: str = Field(min_length=1, max_length=64)


class TempUeId(WireModel):
    """An S-TMSI (TS 36.413 clause 9.2.3.6): MME code and M-TMSI."""

    mmec: str
    mtmsi: str


class QosInformation(WireModel):
    """Bit rates of an E-RAB in bit/s (TS 23.401 clause 4.7.3; TS 36.413 clause 9.2.1.18)."""

    erabMbrDl: int = Field(ge=0)
    erabMbrUl: int = Field(ge=0)
    erabGbrDl: int = Field(ge=0)
    erabGbrUl: int = Field(ge=0)


class ErabQosParameters(WireModel):
    """QoS of an E-RAB: its QCI (TS 23.203 Table 6.1.7) and bit rates."""

    qci: UINT8
    qosInformation: QosInformation | None = None


class HoStatus(IntEnum):
    """Clause 6.4.2 ``hoStatus``."""

    IN_PREPARATION = 1
    IN_EXECUTION = 2
    COMPLETED = 3
    REJECTED = 4
    CANCELLED = 5


class S1Event(IntEnum):
    """Clause 6.3.9 ``eventType`` / clause 6.4.10 ``s1Event`` (0 = RESERVED is not an event)."""

    S1_BEARER_ESTABLISH = 1
    S1_BEARER_MODIFY = 2
    S1_BEARER_RELEASE = 3


class Trigger(IntEnum):
    """E-UTRAN measurement report triggers (TS 36.331 clause 5.5.4)."""

    NOT_AVAILABLE = 0
    PERIODICAL_REPORT_STRONGEST_CELLS = 1
    PERIODICAL_REPORT_STRONGEST_CELLS_FOR_SON = 2
    PERIODICAL_REPORT_CGI = 3
    INTRA_PERIODICAL_REPORT_STRONGEST_CELLS = 4
    INTRA_PERIODICAL_REPORT_CGI = 5
    EVENT_A1 = 10
    EVENT_A2 = 11
    EVENT_A3 = 12
    EVENT_A4 = 13
    EVENT_A5 = 14
    EVENT_A6 = 15
    EVENT_B1 = 20
    EVENT_B2 = 21
    EVENT_C1 = 30
    EVENT_C2 = 31
    EVENT_W1 = 40
    EVENT_W2 = 41
    EVENT_W3 = 42
    EVENT_V1 = 50
    EVENT_V2 = 51
    EVENT_H1 = 60
    EVENT_H2 = 61


class TriggerNr(IntEnum):
    """NR measurement report triggers (TS 38.331 clause 5.5.4)."""

    NOT_AVAILABLE = 0
    NR_PERIODICAL = 1
    NR_CGI = 2
    EVENT_A1 = 10
    EVENT_A2 = 11
    EVENT_A3 = 12
    EVENT_A4 = 13
    EVENT_A5 = 14
    EVENT_A6 = 15
    INTER_RAT_PERIODICAL = 20
    INTER_RAT_CGI = 21
    EVENT_B1 = 30
    EVENT_B2 = 31


class WebsockNotifConfig(WireModel):
    """Clause 6.3.12 (MEC 009 clause 6.12a): ask for, and be told, a websocket to listen on."""

    websocketUri: str | None = None
    requestWebsocketUri: bool | None = None


class SubscriptionSelfLinks(WireModel):
    """A subscription's ``_links``: its own URI, set by RNIS."""

    self: LinkType


class NotificationLinks(WireModel):
    """A notification's ``_links``: the subscription it is sent for."""

    subscription: LinkType


class Subscription(WireModel):
    """One entry of a SubscriptionLinkList."""

    href: str
    subscriptionType: str


class SubscriptionListLinks(WireModel):
    self: LinkType
    subscription: list[Subscription] | None = None


class SubscriptionLinkList(WireModel):
    """The subscriptions of a host, by link (ETSI GS MEC 012: the list is ``subscription``)."""

    links: SubscriptionListLinks = Field(alias="_links")
