"""Matching a relayed flow's addresses against the filters MEC APIs write (MTS flowFilter, BWM
sessionFilter): an address or a prefix, as the GSs allow."""

from __future__ import annotations

from ipaddress import ip_address, ip_network


def address_in(address: str, wanted: str | None) -> bool:
    """Whether ``address`` is ``wanted`` (an address, or a prefix in CIDR notation); any when
    ``wanted`` is None. An address that is no IP (an upstream by name) matches no filter, nor
    does a filter that is no address."""
    if wanted is None:
        return True
    try:
        return ip_address(address) in ip_network(wanted, strict=False)
    except ValueError:
        return False
