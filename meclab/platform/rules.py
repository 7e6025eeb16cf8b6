"""DNS rules and traffic rules (ETSI GS MEC 011 clause 7.1.2.2 TrafficRule, 7.1.2.3 DnsRule).

The platform keeps them per application instance in their wire form: the MEC 011 API serves
and replaces them as they are, and the data plane reads them from here.
"""

from __future__ import annotations

from enum import StrEnum
from ipaddress import ip_address, ip_network
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field, model_validator

from meclab.platform.wire import WireModel
from meclab.types import FilterType, InterfaceType, IpAddressType, RuleState, TrafficAction

if TYPE_CHECKING:
    from meclab.scenario.model import DnsRule as ScenarioDnsRule
    from meclab.scenario.model import TrafficRule as ScenarioTrafficRule


class TunnelType(StrEnum):
    GTP_U = "GTP_U"
    GRE = "GRE"


def _ip(value: str) -> str:
    try:
        ip_address(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IP address") from exc
    return value


def _networks(values: list[str]) -> list[str]:
    for value in values:
        try:
            ip_network(value, strict=False)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address or prefix") from exc
    return values


def _ports(values: list[str]) -> list[str]:
    for value in values:
        low, _, high = value.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(f"port {value!r} is not a number or a range such as 8000-8080")
        if not 0 <= int(low) <= int(high or low) <= 65535:
            raise ValueError(f"port range {value!r} is outside 0-65535 or reversed")
    return values


Addresses = Annotated[list[str], AfterValidator(_networks)]
Ports = Annotated[list[str], AfterValidator(_ports)]


class DnsRule(WireModel):
    """Resolve ``domainName`` to ``ipAddress`` for UEs served by this MEC host, while ACTIVE."""

    dnsRuleId: str = Field(min_length=1)
    domainName: str = Field(min_length=1, max_length=253)
    ipAddressType: IpAddressType
    ipAddress: Annotated[str, AfterValidator(_ip)]
    ttl: int | None = Field(None, ge=0, le=2_147_483_647)
    state: RuleState

    @model_validator(mode="after")
    def _address_matches_type(self) -> DnsRule:
        version = ip_address(self.ipAddress).version
        if (version == 4) != (self.ipAddressType is IpAddressType.IP_V4):
            raise ValueError(f"ipAddress {self.ipAddress} is not {self.ipAddressType}")
        return self


class TrafficFilter(WireModel):
    """Which packets a traffic rule applies to; every attribute given must match."""

    srcAddress: Addresses | None = None
    dstAddress: Addresses | None = None
    srcPort: Ports | None = None
    dstPort: Ports | None = None
    protocol: list[str] | None = None
    tag: list[str] | None = None
    srcTunnelAddress: Addresses | None = None
    tgtTunnelAddress: Addresses | None = None
    srcTunnelPort: Ports | None = None
    dstTunnelPort: Ports | None = None
    qCI: int | None = Field(None, ge=0, le=255)
    dSCP: int | None = Field(None, ge=0, le=63)
    tC: int | None = Field(None, ge=0, le=255)


class TunnelInfo(WireModel):
    tunnelType: TunnelType
    tunnelDstAddress: str | None = None
    tunnelSrcAddress: str | None = None


class DestinationInterface(WireModel):
    interfaceType: InterfaceType
    tunnelInfo: TunnelInfo | None = None
    srcMacAddress: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
    dstMacAddress: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
    dstIpAddress: Annotated[str, AfterValidator(_ip)] | None = None


class TrafficRule(WireModel):
    """Act on matching traffic (drop, forward, pass through, duplicate), by priority."""

    trafficRuleId: str = Field(min_length=1)
    filterType: FilterType
    priority: int = Field(ge=0, le=255)
    """0 is the highest priority (MEC 011 clause 7.1.2.2)."""
    trafficFilter: list[TrafficFilter] = Field(min_length=1)
    action: TrafficAction
    dstInterface: DestinationInterface | None = None
    state: RuleState


def dns_rule_from_scenario(rule: ScenarioDnsRule) -> DnsRule:
    """A scenario (app descriptor) DNS rule in its MEC 011 form."""
    return DnsRule(
        dnsRuleId=rule.id,
        domainName=rule.domain_name,
        ipAddressType=rule.ip_address_type,
        ipAddress=rule.ip_address,
        ttl=rule.ttl_s,
        state=rule.state,
    )


def traffic_rule_from_scenario(rule: ScenarioTrafficRule) -> TrafficRule:
    """A scenario (app descriptor) traffic rule in its MEC 011 form."""
    interface = rule.dst_interface
    return TrafficRule(
        trafficRuleId=rule.id,
        filterType=rule.filter_type,
        priority=rule.priority,
        trafficFilter=[
            TrafficFilter(
                srcAddress=f.src_address or None,
                dstAddress=f.dst_address or None,
                srcPort=f.src_port or None,
                dstPort=f.dst_port or None,
                protocol=f.protocol or None,
                tag=f.tag or None,
                qCI=f.qci,
                dSCP=f.dscp,
                tC=f.tc,
            )
            for f in rule.filters
        ],
        action=rule.action,
        dstInterface=None
        if interface is None
        else DestinationInterface(
            interfaceType=interface.interface_type,
            dstIpAddress=interface.dst_ip_address,
            dstMacAddress=interface.dst_mac_address,
        ),
        state=rule.state,
    )
