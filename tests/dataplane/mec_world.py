"""A small world for the DNS and traffic-rule tests: two zones, a MEC host each, one fog node.

Laid out on the equator (one degree of longitude there is about 111 km)::

    op
    ├── za: mec-a ─► edge-a   app.example.com → 10.1.0.1 (ttl 30), v6.example.com → 2001:db8::a,
    │   │                     fog.example.com → 10.1.0.99, *.cdn.test → 10.1.1.1,
    │   │                     *.eu.cdn.test → 10.1.1.2, exact.eu.cdn.test → 10.1.1.3,
    │   │                     multi.example.com → 10.1.2.1 (ttl 60), Mixed.Example.COM. → 10.1.3.1;
    │   │                     traffic rules: see TRAFFIC_RULES
    │   │          ─► edge-a2  multi.example.com → 10.1.2.2 (ttl 10), multi → 2001:db8::2
    │   │          ─► late-a   (not emulated: INSTANTIATED until it confirms ready)
    │   │                      late.example.com → 10.1.4.1
    │   └── cell-a  4G at (0, 0), radius 400 m
    │       └── fog-a ─► fog-app   fog.example.com → 10.9.0.1
    ├── zb: mec-b ─► edge-b   app.example.com → 10.2.0.1 (no ttl)
    │   └── cell-b  4G at (0.009, 0) (about 1 km east), radius 400 m
    │       └── fog-b  (no apps)
    └── terminals: ue-1 fixed at cell-a, ue-2 fixed at cell-b, ue-out far from both
"""

from __future__ import annotations

from typing import Any

from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore

TRAFFIC_RULES: list[dict[str, Any]] = [
    {
        "id": "drop-telnet",
        "priority": 1,
        "filters": [{"dst_port": ["23"], "protocol": ["TCP"]}],
        "action": "DROP",
    },
    {
        "id": "steer-video",
        "priority": 5,
        "filters": [{"dst_address": ["203.0.113.0/24"], "dst_port": ["443"]}],
        "action": "FORWARD_DECAPSULATED",
        "dst_interface": {"interface_type": "IP", "dst_ip_address": "10.1.0.1"},
    },
]


def dns_rule(rule_id: str, name: str, address: str, ttl_s: int | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": rule_id,
        "domain_name": name,
        "ip_address": address,
        "ip_address_type": "IP_V6" if ":" in address else "IP_V4",
    }
    if ttl_s is not None:
        rule["ttl_s"] = ttl_s
    return rule


def poa(name: str, lon: float, n: int, fogs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "4G",
        "position": [lon, 0.0],
        "radius_m": 400.0,
        "cell_id": f"{n:X}",
        "fog_nodes": fogs,
    }


def ue(name: str, n: int, lon: float) -> dict[str, Any]:
    return {"name": name, "address": f"acr:10.0.0.{n}", "path": [[lon, 0.0]], "velocity_mps": 0.0}


def document() -> dict[str, Any]:
    """The scenario document (see the module docstring)."""
    edge_a = {
        "name": "edge-a",
        "dns_rules": [
            dns_rule("app", "app.example.com", "10.1.0.1", 30),
            dns_rule("v6", "v6.example.com", "2001:db8::a"),
            dns_rule("fog-shadowed", "fog.example.com", "10.1.0.99"),
            dns_rule("cdn", "*.cdn.test", "10.1.1.1"),
            dns_rule("cdn-eu", "*.eu.cdn.test", "10.1.1.2"),
            dns_rule("cdn-exact", "exact.eu.cdn.test", "10.1.1.3"),
            dns_rule("multi", "multi.example.com", "10.1.2.1", 60),
            dns_rule("mixed", "Mixed.Example.COM.", "10.1.3.1"),
        ],
        "traffic_rules": TRAFFIC_RULES,
    }
    edge_a2 = {
        "name": "edge-a2",
        "dns_rules": [
            dns_rule("multi2", "multi.example.com", "10.1.2.2", 10),
            dns_rule("multi6", "multi.example.com", "2001:db8::2", 10),
        ],
    }
    late_a = {
        "name": "late-a",
        "emulated": False,
        "dns_rules": [dns_rule("late", "late.example.com", "10.1.4.1")],
    }
    fog_app = {"name": "fog-app", "dns_rules": [dns_rule("fog", "fog.example.com", "10.9.0.1")]}
    edge_b = {"name": "edge-b", "dns_rules": [dns_rule("app", "app.example.com", "10.2.0.1")]}
    return {
        "name": "dns-world",
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "zones": [
                    {
                        "name": "za",
                        "mec_hosts": [
                            {
                                "name": "mec-a",
                                "position": [0.0, 0.001],
                                "apps": [edge_a, edge_a2, late_a],
                            }
                        ],
                        "poas": [poa("cell-a", 0.0, 1, [{"name": "fog-a", "apps": [fog_app]}])],
                    },
                    {
                        "name": "zb",
                        "mec_hosts": [
                            {"name": "mec-b", "position": [0.009, 0.001], "apps": [edge_b]}
                        ],
                        "poas": [poa("cell-b", 0.009, 2, [{"name": "fog-b"}])],
                    },
                ],
                "terminals": [ue("ue-1", 1, 0.0), ue("ue-2", 2, 0.009), ue("ue-out", 3, 0.5)],
            }
        ],
    }


def scenario() -> Scenario:
    return Scenario.model_validate(document())


def world() -> World:
    """The world at t = 0 with every terminal attached."""
    w = World(scenario())
    w.step(0.0)
    return w


async def platforms_for(w: World) -> Platforms:
    """Platforms built for ``w`` on a throwaway store (close with :func:`close`)."""
    platforms = Platforms(SqliteStore(":memory:"), wall=lambda: 1_700_000_000.0)
    await platforms.load(w, resumed=False)
    return platforms


async def close(platforms: Platforms) -> None:
    await platforms.store.close()
