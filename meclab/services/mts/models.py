"""MEC 015 MTS data types (ETSI GS MEC 015 V2.2.1 clause 7.2), bare on the wire (INVENTORY §3.10).

The enumerations are integers (and ``trafficDirection`` a two-digit string) whose meanings the
GS gives in words; they are :class:`~enum.IntEnum` and :class:`~enum.StrEnum` here, so an
unknown value is a 400 naming the attribute.

``FlowFilter.sourcePort`` and ``dstPort`` are one port each, as in the v2.2.1 file (the v2.1.1
file has lists of ports there); a list is a 400 naming the attribute.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from ipaddress import ip_network
from typing import Annotated

from pydantic import AfterValidator, Field

from meclab.platform.wire import TimeStamp, WireModel

UINT31 = 2_147_483_647
"""The largest value of the GS's ``Unit32`` (an int32 that is never negative)."""


class MtsMode(IntEnum):
    """``mtsMode``: how a session's traffic is steered (clause 7.2.5)."""

    LOW_COST = 0
    """The unmetered access whenever there is one."""
    LOW_LATENCY = 1
    HIGH_THROUGHPUT = 2
    REDUNDANCY = 3
    """Duplicated packets over more than one access."""
    QOS = 4
    """By the session's ``qosD`` figures."""


class RequestType(IntEnum):
    """``requestType``: all of an application's traffic, or the flows ``flowFilter`` names."""

    APPLICATION_SPECIFIC_MTS_SESSION = 0
    FLOW_SPECIFIC_MTS_SESSION = 1


class TrafficDirection(StrEnum):
    """``trafficDirection`` of a session."""

    DOWNLINK = "00"
    """Towards the UE."""
    UPLINK = "01"
    """Towards the application."""
    SYMMETRICAL = "10"


class AccessType(IntEnum):
    """``MtsAccessInfo.accessType`` (clause 7.2.4)."""

    UNKNOWN = 0
    WLAN = 1
    """Any IEEE 802.11 WLAN."""
    CELLULAR = 2
    """Any 3GPP cellular technology."""
    FIXED = 3
    WLAN_ABG = 11
    WLAN_ABGN = 12
    WLAN_ABGN_AC = 13
    WLAN_ABGN_AC_AX = 14
    WLAN_BGN = 15
    GERAN_UTRA = 31
    """2G/3G."""
    E_UTRA = 32
    """4G/LTE."""
    NR = 33
    """5G."""


class Metered(IntEnum):
    """``MtsAccessInfo.metered``: whether use of the access is counted (and billed)."""

    NOT_METERED = 0
    METERED = 1
    UNKNOWN = 2


def _ip_or_prefix(value: str) -> str:
    # An IPv4 address in dotted decimal, an IPv6 address (RFC 5952), either with a CIDR prefix.
    ip_network(value, strict=False)
    return value


IpOrPrefix = Annotated[str, AfterValidator(_ip_or_prefix)]
Port = Annotated[int, Field(ge=0, le=65_535)]


class MtsAccessInfo(WireModel):
    """One access network connection the MTS service offers."""

    accessId: int = Field(ge=0, le=4_294_967_295)
    accessType: AccessType
    metered: Metered


class MtsCapabilityInfo(WireModel):
    """Clause 7.2.4: the access networks and the MTS modes of a MEC host."""

    timeStamp: TimeStamp | None = None
    mtsAccessInfo: list[MtsAccessInfo]
    mtsMode: list[MtsMode] = Field(min_length=1)


class FlowFilter(WireModel):
    """Which flows a flow-specific session steers; an attribute left out matches any value."""

    sourceIp: IpOrPrefix | None = None
    sourcePort: Port | None = None
    dstIp: IpOrPrefix | None = None
    dstPort: Port | None = None
    protocol: int | None = Field(None, ge=0, le=255)
    """IP protocol number (6 TCP, 17 UDP ...)."""
    dscp: int | None = Field(None, ge=0, le=63)
    flowlabel: int | None = Field(None, ge=0, le=0xFFFFF)
    """IPv6 flow label (20 bits): only for an IPv6 flow."""


class QosD(WireModel):
    """The QoS a session in QoS mode needs; an attribute left out is no requirement."""

    minTpt: int | None = Field(None, ge=0, le=UINT31)
    """Minimum throughput, kbit/s."""
    maxLatency: int | None = Field(None, ge=0, le=UINT31)
    """Tolerable one-way delay, in units of 10 ns."""
    maxLoss: int | None = Field(None, ge=0, le=UINT31)
    """Tolerable packet loss rate as an exponent x: a rate of 1/10^x."""
    maxJitter: int | None = Field(None, ge=0, le=UINT31)
    """Tolerable jitter, in units of 10 ns."""
    priority: int | None = Field(None, ge=0, le=3)
    """0 low, 1 medium, 2 high, 3 critical."""


class MtsSessionInfo(WireModel):
    """Clause 7.2.5: an MTS session of an application instance."""

    sessionId: str | None = Field(None, max_length=256)
    """Set by the platform."""
    timeStamp: TimeStamp | None = None
    """When the platform last created or replaced the session; set by it."""
    appInsId: str = Field(min_length=1, max_length=256)
    appName: str | None = Field(None, min_length=1, max_length=256)
    requestType: RequestType
    flowFilter: list[FlowFilter]
    """Empty for an application-level session; at least one for a flow-level one."""
    qosD: QosD
    mtsMode: MtsMode
    trafficDirection: TrafficDirection
