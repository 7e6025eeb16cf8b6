"""Who is this client? A UE's loopback alias address, and back.

Each UE gets one loopback address derived from its index in the scenario, so that an unmodified
client bound to it (``curl --interface 127.64.0.1``, ``dig -b 127.64.0.1``) is recognised as that UE
by the DNS server and the UDP relay without any proxy protocol.

Why loopback: on Linux the whole of 127.0.0.0/8 is routed to ``lo`` (the ``local`` route table has
``local 127.0.0.0/8 dev lo``), so any address in it can be bound without root and without adding an
interface alias. meclab takes the block 127.64.0.0/10 (4,194,304 addresses): far from 127.0.0.1
and 127.0.0.53 (systemd-resolved), and large enough for every UE a scenario can hold.

UE index ``i`` (0-based, scenario order, as ``World.ue(name)`` returns it) maps to
``127.64.0.0 + i + 1``: the offset of one keeps the network address 127.64.0.0 unused.

On other systems (macOS) only 127.0.0.1 is configured by default; the SOCKS5 username remains
the portable way to name a UE there.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, ip_address
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meclab.engine.world import World

UE_NETWORK = IPv4Network("127.64.0.0/10")
"""The loopback block whose addresses stand for UEs."""

_BASE = int(UE_NETWORK.network_address) + 1
_LIMIT = UE_NETWORK.num_addresses - 2  # neither the network nor the broadcast address


def ue_address(index: int) -> str:
    """The loopback alias address of the UE at ``index`` (0-based scenario order)."""
    if not 0 <= index < _LIMIT:
        raise ValueError(f"UE index {index} outside 0..{_LIMIT - 1}")
    return str(IPv4Address(_BASE + index))


def ue_index_by_address(ip: str) -> int | None:
    """The UE index an alias address stands for, or None when ``ip`` is not in the UE block."""
    try:
        addr = ip_address(ip)
    except ValueError:
        return None
    if isinstance(addr, IPv4Address):
        v4: IPv4Address | None = addr
    else:  # an IPv4-mapped IPv6 address, as a dual-stack socket reports it
        v4 = addr.ipv4_mapped
    if v4 is None or v4 not in UE_NETWORK:
        return None
    index = int(v4) - _BASE
    return index if 0 <= index < _LIMIT else None


def ue_by_address(world: World, ip: str) -> str | None:
    """Name of the UE whose alias address is ``ip``, or None when no UE has it.

    Also accepts the UE's own scenario address (``acr:10.0.0.1`` → ``10.0.0.1``), which a client
    cannot normally bind but which tests and forwarded traffic may carry.
    """
    index = ue_index_by_address(ip)
    names = world.ue_names
    if index is not None:
        return names[index] if index < len(names) else None
    return _by_scenario_address(world).get(ip)


_cache: tuple[object, dict[str, str]] | None = None


def _by_scenario_address(world: World) -> dict[str, str]:
    """UE names by scenario address (``acr:`` stripped), built once per topology."""
    global _cache
    top = world.top
    if _cache is None or _cache[0] is not top:
        _cache = (top, {t.address.removeprefix("acr:"): t.name for t in top.terminals})
    return _cache[1]


def ue_address_of(world: World, name: str) -> str:
    """The alias address of the UE called ``name`` (KeyError-like UnknownElement if none)."""
    return ue_address(world.ue(name))


APP_NETWORK = IPv4Network("198.18.0.0/15")
"""Where applications without a scenario ``address`` get one: the block RFC 2544 (and the
RFC 6890 registry) sets aside for benchmarking test networks, so it never clashes with a real
destination."""

_APP_BASE = int(APP_NETWORK.network_address) + 1


def app_address(index: int) -> str:
    """The derived emulated address of the application at ``index`` (scenario order)."""
    if not 0 <= index < APP_NETWORK.num_addresses - 2:
        raise ValueError(f"application index {index} outside the {APP_NETWORK} block")
    return str(IPv4Address(_APP_BASE + index))
