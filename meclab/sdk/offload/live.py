"""A context source reading meclab's control API: the UE's live path to the edge and the cloud.

For each decision :class:`LiveContextSource` builds the :class:`Context` of one UE from
``/meclab/v1``: the terminal (``/terminals/{name}``: its compute, its energy model and the radio
it uses now), the compute nodes (``/nodes``: cores and clock of the edge and the cloud) and the
end-to-end path to each (``/netchar``: latency, jitter, loss, throughput both ways). It keeps
what it read for ``ttl_s`` seconds, so a handover reaches the decisions at most ``ttl_s`` later
without the application doing anything (sooner when it calls :meth:`invalidate` on a cell
change notification).

The edge is a named node, or, when none is named, the MEC host of the zone serving the UE now:
a move to a cell of another zone then changes the host as well as the path.

The control API does not report how many tasks a node runs, so a node's ``active_tasks`` is 0
here; the :class:`~meclab.sdk.offload.offloader.Offloader` adds the tasks it runs itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from meclab.control.wire import EnergyInfo, NodeInfo, PathInfo, TerminalDetail
from meclab.sdk.control import ControlClient
from meclab.sdk.errors import ConfigError, MecApiError
from meclab.sdk.offload.context import Context, EnergyModel, Link, Node, Site
from meclab.sdk.offload.sources import DEFAULT_TTL_S, CachedContextSource

NO_PATH = 409
"""The control API's status for two endpoints with no path between them now."""


def link_of(path: PathInfo) -> Link:
    """The offloading view of an end-to-end path (UE to node: up is source to destination)."""
    return Link(
        latency_ms=path.latency_ms,
        jitter_ms=path.jitter_ms,
        loss_pct=path.loss_pct,
        up_mbps=path.throughput_mbps,
        down_mbps=path.throughput_reverse_mbps,
    )


def node_of(info: NodeInfo) -> Node:
    """A compute node's capacity (its load is not reported: 0)."""
    return Node(cores=info.compute.cores, speed_ghz=info.compute.speed_ghz)


def energy_of(energy: EnergyInfo, radio: str | None) -> EnergyModel:
    """The terminal's energy on ``radio`` (its preferred radio type when out of coverage)."""
    figures = {str(r): e for r, e in energy.radio.items()}
    per_bit = figures.get(radio or "") or next(iter(figures.values()), None)
    return EnergyModel(
        cpu_nj_per_cycle=energy.cpu_nj_per_cycle,
        tx_nj_per_bit=per_bit.tx_nj_per_bit if per_bit else 0.0,
        rx_nj_per_bit=per_bit.rx_nj_per_bit if per_bit else 0.0,
        idle_w=energy.idle_w,
    )


class LiveContextSource(CachedContextSource):
    """The live context of terminal ``ue`` in a meclab world, refreshed every ``ttl_s``.

    ``edge``: the edge node's name; None for the MEC host of the zone serving the UE now.
    ``cloud``: the cloud node's name; None for the world's first cloud. ``clock``: seconds for
    the TTL (and the context's ``t``).
    """

    def __init__(
        self,
        control: ControlClient,
        ue: str,
        *,
        edge: str | None = None,
        cloud: str | None = None,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl_s=ttl_s, clock=clock)
        self.control = control
        self.ue = ue
        self.edge = edge
        self.cloud = cloud

    async def _read(self, now: float) -> Context:
        # two round trips, not four: the reads of each step in parallel
        terminal, listed = await asyncio.gather(
            self.control.terminal(self.ue), self.control.nodes()
        )
        nodes = {n.name: n for n in listed}
        radio = terminal.radio.value if terminal.radio is not None else None
        edge, cloud = await asyncio.gather(
            self._site(self._edge_node(terminal, nodes), nodes),
            self._site(self._cloud_node(nodes), nodes),
        )
        return Context(
            terminal=Node(cores=terminal.compute.cores, speed_ghz=terminal.compute.speed_ghz),
            energy=energy_of(terminal.energy, radio),
            edge=edge,
            cloud=cloud,
            t=now,
            radio=radio,
        )

    def _edge_node(self, terminal: TerminalDetail, nodes: dict[str, NodeInfo]) -> str | None:
        if self.edge is not None:
            return self.edge
        if terminal.zone is None:
            return None
        here = [n for n in nodes.values() if n.kind == "mec_host" and n.zone == terminal.zone]
        return here[0].name if here else None

    def _cloud_node(self, nodes: dict[str, NodeInfo]) -> str | None:
        if self.cloud is not None:
            return self.cloud
        return next((n.name for n in nodes.values() if n.kind == "cloud"), None)

    async def _site(self, name: str | None, nodes: dict[str, NodeInfo]) -> Site | None:
        if name is None:
            return None
        if name not in nodes:
            known = ", ".join(sorted(nodes)) or "none"
            raise ConfigError(f"no compute node named {name!r} (the world has: {known})")
        try:
            path = await self.control.netchar(self.ue, name)
        except MecApiError as exc:
            if exc.status == NO_PATH:
                return None  # out of coverage: the node is unreachable now
            raise
        return Site(node=node_of(nodes[name]), link=link_of(path))
