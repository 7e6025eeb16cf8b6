"""MEC 015 BWM data types (ETSI GS MEC 015 V2.2.1 clause 7.2), bare on the wire (INVENTORY §3.10).

``requestType`` is an integer and ``allocationDirection`` a two-digit string whose meanings the
GS gives in words; they are :class:`~enum.IntEnum` and :class:`~enum.StrEnum` here, so an
unknown value is a 400 naming the attribute. ``fixedBWPriority`` has no values in the GS
("not defined in the present document"), so any string is kept as given.

``fixedAllocation`` is a string of bits per second; meclab takes a positive decimal integer
only (``"1000000"``), so that every allocation it keeps is one it can count.

``SessionFilter.sourcePort`` and ``dstPort`` are lists of ports, as in the v2.1.1 file (the
v2.2.1 file has one string there), each a decimal port number; ``protocol`` is an IP protocol
number written as a string.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from ipaddress import ip_network
from typing import Annotated

from pydantic import AfterValidator, Field

from meclab.platform.wire import TimeStamp, WireModel


class RequestType(IntEnum):
    """``requestType``: all of an application's traffic, or the sessions ``sessionFilter``
    names (clause 7.2.2)."""

    APPLICATION_SPECIFIC_BW_ALLOCATION = 0
    SESSION_SPECIFIC_BW_ALLOCATION = 1


class AllocationDirection(StrEnum):
    """``allocationDirection`` of an allocation."""

    DOWNLINK = "00"
    """Towards the UE."""
    UPLINK = "01"
    """Towards the application or session."""
    SYMMETRICAL = "10"
    """Both ways, the allocation in each."""


def _ip_or_prefix(value: str) -> str:
    # An IPv4 address in dotted decimal or an IPv6 address (RFC 5952), either with a CIDR prefix.
    ip_network(value, strict=False)
    return value


def _decimal(value: str, low: int, high: int) -> str:
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise ValueError(f"must be a decimal integer from {low} to {high}")
    return value


def _port(value: str) -> str:
    return _decimal(value, 0, 65_535)


def _protocol(value: str) -> str:
    return _decimal(value, 0, 255)


def _bps(value: str) -> str:
    # A positive count of bit/s in plain decimal: no sign, unit, exponent or fraction.
    if not value.isascii() or not value.isdigit() or int(value) <= 0 or value[0] == "0":
        raise ValueError("must be a positive decimal integer of bit/s, e.g. '1000000'")
    return value


IpOrPrefix = Annotated[str, AfterValidator(_ip_or_prefix)]
PortString = Annotated[str, AfterValidator(_port)]
ProtocolString = Annotated[str, AfterValidator(_protocol)]
Bps = Annotated[str, Field(max_length=32), AfterValidator(_bps)]


class SessionFilter(WireModel):
    """One session a session-specific allocation applies to; an attribute left out matches
    any value."""

    sourceIp: IpOrPrefix | None = None
    """The sender: the terminal of an uplink allocation."""
    sourcePort: list[PortString] | None = None
    dstAddress: IpOrPrefix | None = None
    """The receiver: the terminal of a downlink allocation."""
    dstPort: list[PortString] | None = None
    protocol: ProtocolString | None = None
    """IP protocol number (6 TCP, 17 UDP ...)."""


class BwInfo(WireModel):
    """Clause 7.2.2: a bandwidth allocation of an application instance."""

    allocationId: str | None = Field(None, max_length=256)
    """Set by the platform."""
    timeStamp: TimeStamp | None = None
    """When the platform last created or changed the allocation; set by it."""
    appInsId: str = Field(min_length=1, max_length=256)
    appName: str | None = Field(None, min_length=1, max_length=256)
    requestType: RequestType
    sessionFilter: list[SessionFilter] | None = None
    """None or empty for an application-level allocation; at least one for a session one."""
    fixedBWPriority: str | None = Field(None, max_length=256)
    fixedAllocation: Bps
    """Bits per second."""
    allocationDirection: AllocationDirection


class BwInfoDeltas(WireModel):
    """Clause 7.2.3: the changes a PATCH makes to an allocation. ``appInsId`` and
    ``requestType`` name what is changed and cannot change; what else is given replaces."""

    allocationId: str | None = Field(None, max_length=256)
    appInsId: str = Field(min_length=1, max_length=256)
    requestType: RequestType
    sessionFilter: list[SessionFilter] | None = None
    fixedBWPriority: str | None = Field(None, max_length=256)
    fixedAllocation: Bps | None = None
    allocationDirection: AllocationDirection | None = None
