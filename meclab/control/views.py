"""Turn the world into control-API bodies."""

from __future__ import annotations

from meclab.control.wire import (
    AppInfo,
    ComputeInfo,
    Counts,
    EnergyInfo,
    Measurement,
    NodeInfo,
    PathInfo,
    PoaInfo,
    TerminalDetail,
    TerminalInfo,
    ZoneInfo,
)
from meclab.engine.netchar import PathNetChar
from meclab.engine.radio import RADIO_CODES
from meclab.engine.topology import NODE_KINDS, ElementKind
from meclab.engine.world import TerminalView, World
from meclab.scenario.compute import compute_of, energy_of
from meclab.scenario.model import ComputeNode, Terminal
from meclab.types import ComputeKind, NodeKind


def counts(world: World) -> Counts:
    top = world.top
    kinds = [e.kind for e in top.elements.values()]
    return Counts(
        domains=len(top.domains),
        zones=len(top.zones),
        poas=len(top.poas),
        mec_hosts=kinds.count(ElementKind.MEC_HOST),
        terminals=len(top.terminals),
        connected_terminals=int((world.state.serving >= 0).sum()),
        apps=len(top.apps) + len(top.terminal_apps),
    )


def terminal_info(world: World, view: TerminalView) -> TerminalInfo:
    terminal = world.top.terminals[world.ue(view.name)]
    return TerminalInfo(
        name=view.name,
        address=view.address,
        imsi=view.imsi,
        domain=view.domain,
        position=(view.lon, view.lat),
        velocity_mps=view.velocity_mps,
        poa=view.poa,
        zone=view.zone,
        radio=view.radio,
        signal_dbm=view.signal_dbm,
        apps=[a.name for a in terminal.apps],
        held=bool(world.paths.pinned[world.ue(view.name)]),
    )


def terminal_detail(world: World, name: str) -> TerminalDetail:
    info = terminal_info(world, world.terminal(name))
    measurements = [
        Measurement.model_validate(m, from_attributes=True) for m in world.measurements(name)
    ]
    terminal = world.top.terminals[world.ue(name)]
    return TerminalDetail(
        **info.model_dump(),
        measurements=measurements,
        compute=compute_info(terminal, ComputeKind.TERMINAL),
        energy=EnergyInfo(
            **energy_of(terminal).model_dump(),
            default=terminal.energy is None or not terminal.energy.model_fields_set,
        ),
    )


def compute_info(item: Terminal | ComputeNode, kind: ComputeKind | NodeKind) -> ComputeInfo:
    """Effective compute of a terminal or node, saying whether it is its kind's default."""
    return ComputeInfo(**compute_of(item, kind).model_dump(), default=item.compute is None)


def poa_info(world: World, name: str) -> PoaInfo:
    c = world.poa(name)
    poa = world.top.poas[c]
    element = world.top.elements[name]
    return PoaInfo(
        name=poa.name,
        type=RADIO_CODES[world.cells.code[c]],
        cell_id=poa.cell_id,
        bssid=poa.bssid,
        domain=element.domain or "",
        zone=element.zone or "",
        position=poa.position,
        radius_m=poa.radius_m,
        tx_power_dbm=float(world.cells.tx_power_dbm[c]),
        served_terminals=int(world.state.served[c]),
        netchar=element.netchar,
    )


def zone_info(world: World, name: str) -> ZoneInfo:
    top = world.top
    element = top.elements[name]
    zone_index = top.zones.index(name)
    attached = world.serving_zones() == zone_index
    return ZoneInfo(
        name=name,
        domain=element.domain or "",
        netchar=element.netchar,
        poas=[p for p, e in top.elements.items() if e.kind is ElementKind.POA and e.parent == name],
        mec_hosts=[
            h
            for h, e in top.elements.items()
            if e.kind is ElementKind.MEC_HOST and e.parent == name
        ],
        terminals=[world.ue_names[i] for i in attached.nonzero()[0].tolist()],
    )


def node_info(world: World, name: str) -> NodeInfo:
    top = world.top
    element = top.elements[name]
    node = top.nodes[name]
    return NodeInfo(
        name=name,
        kind=NODE_KINDS[element.kind].value,  # type: ignore[arg-type]
        domain=element.domain,
        zone=element.zone,
        parent=element.parent or "",
        position=node.position if node.position is not None else _fog_position(world, name),
        netchar=element.netchar,
        compute=compute_info(node, NODE_KINDS[element.kind]),
        apps=[a.name for a in node.apps],
    )


def _fog_position(world: World, name: str) -> tuple[float, float] | None:
    element = world.top.elements[name]
    if element.kind is ElementKind.FOG and element.parent in world.top.poa_index:
        return world.top.poas[world.top.poa_index[element.parent]].position
    return None


def app_infos(world: World) -> list[AppInfo]:
    top = world.top
    out = []
    for name, app in top.apps.items():
        node = top.node_of(name)
        out.append(
            AppInfo(
                name=name,
                kind="cloud" if top.elements[node].kind is ElementKind.CLOUD else "edge",
                app_name=app.app_name or name,
                app_instance_id=app.app_instance_id,
                runs_on=node,
                services_produced=[s.name for s in app.services_produced],
                connects_to=[],
                emulated=app.emulated,
                endpoint=app.endpoint,
            )
        )
    for name, terminal_app in top.terminal_apps.items():
        out.append(
            AppInfo(
                name=name,
                kind="terminal",
                app_name=terminal_app.app_name or name,
                app_instance_id=None,
                runs_on=top.elements[name].parent or "",
                services_produced=[],
                connects_to=list(terminal_app.connects_to),
            )
        )
    return out


def path_info(path: PathNetChar) -> PathInfo:
    return PathInfo(
        source=path.source,
        destination=path.destination,
        latency_ms=path.latency_ms,
        round_trip_ms=2.0 * path.latency_ms,
        jitter_ms=path.jitter_ms,
        jitter_distribution=path.jitter_distribution,
        loss_pct=path.loss_pct,
        throughput_mbps=path.throughput_mbps,
        throughput_reverse_mbps=path.throughput_reverse_mbps,
        hops=list(path.hops),
    )
