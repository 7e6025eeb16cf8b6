"""Crafted decision contexts for the offloader tests (they `from contexts import` them)."""

from __future__ import annotations

from meclab.sdk.offload import Context, EnergyModel, Link, Node, Site

PHONE = Node(cores=1, speed_ghz=2.0)
"""1 giga-cycle takes 0.5 s here."""
PHONE_ENERGY = EnergyModel(
    cpu_nj_per_cycle=1.0, tx_nj_per_bit=100.0, rx_nj_per_bit=50.0, idle_w=0.5
)


def site(
    latency_ms: float,
    *,
    cores: int = 8,
    speed_ghz: float = 4.0,
    active: int = 0,
    up_mbps: float | None = None,
    down_mbps: float | None = None,
    loss_pct: float = 0.0,
    jitter_ms: float = 0.0,
) -> Site:
    return Site(
        Node(cores=cores, speed_ghz=speed_ghz, active_tasks=active),
        Link(latency_ms, jitter_ms, loss_pct, up_mbps, down_mbps),
    )


def context(edge: Site | None = None, cloud: Site | None = None, **kw: object) -> Context:
    return Context(terminal=PHONE, energy=PHONE_ENERGY, edge=edge, cloud=cloud, **kw)  # type: ignore[arg-type]
