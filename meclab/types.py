"""The shared vocabulary: identifiers and units used by every layer.

Units live in names (``latency_ms``, ``rate_bps``) rather than in comments, so a
value can be read without looking up where it came from.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

ElementName = NewType("ElementName", str)
"""Unique name of any scenario element (domain, zone, PoA, node, terminal, app)."""

UeName = NewType("UeName", str)
PoaName = NewType("PoaName", str)
ZoneName = NewType("ZoneName", str)
NodeName = NewType("NodeName", str)
AppName = NewType("AppName", str)
AppInstanceId = NewType("AppInstanceId", str)

Seconds = float
"""Simulation time or a duration, in seconds."""

Milliseconds = float
Dbm = float
Db = float
Meters = float


class RadioType(StrEnum):
    """Radio access technology of a point of access."""

    LTE = "4G"
    NR = "5G"
    WIFI = "WIFI"


class EndOfPath(StrEnum):
    """What a terminal does when it reaches the last point of its path."""

    LOOP = "loop"
    """Go on from the last point back to the first, and round again."""
    REVERSE = "reverse"
    """Walk the path backwards, then forwards again (ping-pong)."""
    STOP = "stop"
    """Stay at the last point."""


class NodeKind(StrEnum):
    """Where a compute node sits in the hierarchy."""

    MEC_HOST = "mec_host"
    FOG = "fog"
    CLOUD = "cloud"


class AppKind(StrEnum):
    """The tier of an application, given by where it runs."""

    TERMINAL = "terminal"
    EDGE = "edge"
    CLOUD = "cloud"


# --- MEC 011 vocabulary, shared by app descriptors (scenarios) and the wire -------------
class TransportType(StrEnum):
    """MEC 011 TransportType."""

    REST_HTTP = "REST_HTTP"
    MB_TOPIC_BASED = "MB_TOPIC_BASED"
    MB_ROUTING = "MB_ROUTING"
    MB_PUBSUB = "MB_PUBSUB"
    RPC = "RPC"
    RPC_STREAMING = "RPC_STREAMING"
    WEBSOCKET = "WEBSOCKET"


class LocalityType(StrEnum):
    """MEC 011 LocalityType: how far from its host a service may be consumed."""

    MEC_SYSTEM = "MEC_SYSTEM"
    MEC_HOST = "MEC_HOST"
    NFVI_POP = "NFVI_POP"
    ZONE = "ZONE"
    ZONE_GROUP = "ZONE_GROUP"
    NFVI_NODE = "NFVI_NODE"


class SerializerType(StrEnum):
    """MEC 011 SerializerType."""

    JSON = "JSON"
    XML = "XML"
    PROTOBUF3 = "PROTOBUF3"


class IpAddressType(StrEnum):
    IP_V4 = "IP_V4"
    IP_V6 = "IP_V6"


class RuleState(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class FilterType(StrEnum):
    FLOW = "FLOW"
    PACKET = "PACKET"


class TrafficAction(StrEnum):
    """MEC 011 TrafficRule.action."""

    DROP = "DROP"
    FORWARD_DECAPSULATED = "FORWARD_DECAPSULATED"
    FORWARD_ENCAPSULATED = "FORWARD_ENCAPSULATED"
    PASSTHROUGH = "PASSTHROUGH"
    DUPLICATE_DECAPSULATED = "DUPLICATE_DECAPSULATED"
    DUPLICATE_ENCAPSULATED = "DUPLICATE_ENCAPSULATED"


class InterfaceType(StrEnum):
    TUNNEL = "TUNNEL"
    MAC = "MAC"
    IP = "IP"
