"""The rules of an MtsSessionInfo body that its schema cannot express (ETSI GS MEC 015 V2.2.1
clause 7.2.5), each a 400 naming the attribute at fault, first failure answers:

1. ``sessionId`` is the platform's: absent in a POST, absent or the path's in a PUT;
2. ``appName``, when given, is the instance's appName;
3. ``requestType`` and ``flowFilter`` agree: an application-level session (0) has no filter, a
   flow-specific one (1) at least one; each filter names at least one attribute ("If the
   flowFilter field is included, at least one of its subfields shall be included"), is not
   given twice, has addresses of one IP version, a ``flowlabel`` only for IPv6 and ports only
   with a protocol that has ports (TCP 6, UDP 17, SCTP 132) or none;
4. a QoS-mode session (``mtsMode`` 4) gives at least one ``qosD`` figure;
5. one session per traffic: an instance has at most one application-level session, and a flow
   filter belongs to one session of its instance only ("In case multiple sessions match
   flowFilter, the request shall be rejected").
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_network

from meclab.platform.errors import InvalidField
from meclab.services.mts.models import FlowFilter, MtsMode, MtsSessionInfo, RequestType
from meclab.services.mts.sessions import MtsSession

PORT_PROTOCOLS = {6: "TCP", 17: "UDP", 132: "SCTP"}
"""IP protocol numbers (IANA) whose headers carry ports."""


def check_session(
    info: MtsSessionInfo,
    app_name: str,
    others: Iterable[MtsSession],
    *,
    path_id: str | None,
) -> None:
    """InvalidField for the first rule ``info`` breaks (module docstring). ``app_name`` is
    the appName of the session's instance, ``others`` the instance's other sessions, and
    ``path_id`` the id of the session a PUT replaces (None for a POST)."""
    if info.sessionId is not None and info.sessionId != path_id:
        reason = (
            "is set by the platform; leave it out"
            if path_id is None
            else f"{info.sessionId!r} is not the session of the path, {path_id!r}"
        )
        raise InvalidField("sessionId", reason)
    if info.appName is not None and info.appName != app_name:
        raise InvalidField("appName", f"application instance {info.appInsId} is of {app_name!r}")
    _check_filters(info)
    if info.mtsMode is MtsMode.QOS and not info.qosD.model_dump(exclude_none=True):
        raise InvalidField("qosD", "mtsMode 4 (QoS) needs at least one figure of qosD")
    _check_unique(info, [s for s in others if s.id != path_id])


def _check_filters(info: MtsSessionInfo) -> None:
    if info.requestType is RequestType.APPLICATION_SPECIFIC_MTS_SESSION:
        if info.flowFilter:
            raise InvalidField(
                "flowFilter",
                "an application-level session (requestType 0) steers all the instance's "
                "traffic and takes no flow filter; use requestType 1",
            )
        return
    if not info.flowFilter:
        raise InvalidField(
            "flowFilter", "a flow-specific session (requestType 1) needs at least one flow filter"
        )
    seen: dict[str, int] = {}
    for i, flow in enumerate(info.flowFilter):
        where = f"flowFilter[{i}]"
        wire = flow.wire()
        if not wire:
            raise InvalidField(where, "names no attribute; at least one is required")
        key = repr(sorted(wire.items()))
        if key in seen:
            raise InvalidField(where, f"repeats flowFilter[{seen[key]}]")
        seen[key] = i
        _check_filter(flow, where)


def _check_filter(flow: FlowFilter, where: str) -> None:
    versions = {
        name: ip_network(value, strict=False).version
        for name, value in (("sourceIp", flow.sourceIp), ("dstIp", flow.dstIp))
        if value is not None
    }
    if len(set(versions.values())) > 1:
        raise InvalidField(f"{where}.dstIp", "is of another IP version than sourceIp")
    if flow.flowlabel is not None and 4 in versions.values():
        raise InvalidField(
            f"{where}.flowlabel", "applies to IPv6 flows only; the addresses are IPv4"
        )
    has_ports = flow.sourcePort is not None or flow.dstPort is not None
    if has_ports and flow.protocol is not None and flow.protocol not in PORT_PROTOCOLS:
        raise InvalidField(
            f"{where}.protocol",
            f"protocol {flow.protocol} has no ports; ports go with "
            + ", ".join(f"{name} ({number})" for number, name in PORT_PROTOCOLS.items()),
        )


def _check_unique(info: MtsSessionInfo, others: list[MtsSession]) -> None:
    if info.requestType is RequestType.APPLICATION_SPECIFIC_MTS_SESSION:
        for other in others:
            if other.info.requestType is RequestType.APPLICATION_SPECIFIC_MTS_SESSION:
                raise InvalidField(
                    "requestType",
                    f"application instance {info.appInsId} already has an application-level "
                    f"session, {other.id}",
                )
        return
    for i, flow in enumerate(info.flowFilter):
        for other in others:
            if flow in other.info.flowFilter:
                raise InvalidField(f"flowFilter[{i}]", f"is already a filter of session {other.id}")
