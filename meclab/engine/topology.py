"""The static shape of the world: every element, its kind, its parent and its index.

Built once from a scenario. Positions and serving cells change; this does not (except the
network characteristics of elements, which manual events may change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from meclab.scenario.model import (
    Application,
    ComputeNode,
    NetChar,
    PointOfAccess,
    Scenario,
    Terminal,
    TerminalApp,
)
from meclab.types import NodeKind


class ElementKind(StrEnum):
    """Kinds of scenario element."""

    DEPLOYMENT = "deployment"
    DOMAIN = "domain"
    ZONE = "zone"
    POA = "poa"
    MEC_HOST = "mec_host"
    FOG = "fog"
    CLOUD = "cloud"
    TERMINAL = "terminal"
    APP = "app"
    TERMINAL_APP = "terminal_app"


NODE_KINDS = {
    ElementKind.MEC_HOST: NodeKind.MEC_HOST,
    ElementKind.FOG: NodeKind.FOG,
    ElementKind.CLOUD: NodeKind.CLOUD,
}


@dataclass(slots=True)
class Element:
    """One named element and where it hangs."""

    name: str
    kind: ElementKind
    parent: str | None
    """Static parent: a terminal's is its domain, a fog node's is its PoA, an app's is its node."""
    netchar: NetChar
    domain: str | None = None
    zone: str | None = None


@dataclass(slots=True)
class Topology:
    """Every element of a scenario by name, plus index orders for the engine's arrays."""

    scenario: Scenario
    elements: dict[str, Element] = field(default_factory=dict)
    poas: list[PointOfAccess] = field(default_factory=list)
    poa_index: dict[str, int] = field(default_factory=dict)
    terminals: list[Terminal] = field(default_factory=list)
    ue_index: dict[str, int] = field(default_factory=dict)
    domains: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    nodes: dict[str, ComputeNode] = field(default_factory=dict)
    apps: dict[str, Application] = field(default_factory=dict)
    terminal_apps: dict[str, TerminalApp] = field(default_factory=dict)

    @classmethod
    def build(cls, scenario: Scenario) -> Topology:
        """Index a validated scenario."""
        top = cls(scenario)
        root = scenario.name
        top._add(root, ElementKind.DEPLOYMENT, None, scenario.netchar)
        for cloud in scenario.clouds:
            top._add_node(cloud, ElementKind.CLOUD, root, None, None)
        for domain in scenario.domains:
            top.domains.append(domain.name)
            top._add(domain.name, ElementKind.DOMAIN, root, domain.netchar, domain.name)
            for cloud in domain.clouds:
                top._add_node(cloud, ElementKind.CLOUD, domain.name, domain.name, None)
            for zone in domain.zones:
                top.zones.append(zone.name)
                top._add(
                    zone.name, ElementKind.ZONE, domain.name, zone.netchar, domain.name, zone.name
                )
                for host in zone.mec_hosts:
                    top._add_node(host, ElementKind.MEC_HOST, zone.name, domain.name, zone.name)
                for poa in zone.poas:
                    top.poa_index[poa.name] = len(top.poas)
                    top.poas.append(poa)
                    top._add(
                        poa.name, ElementKind.POA, zone.name, poa.netchar, domain.name, zone.name
                    )
                    for fog in poa.fog_nodes:
                        top._add_node(fog, ElementKind.FOG, poa.name, domain.name, zone.name)
            for terminal in domain.terminals:
                top.ue_index[terminal.name] = len(top.terminals)
                top.terminals.append(terminal)
                top._add(
                    terminal.name, ElementKind.TERMINAL, domain.name, terminal.netchar, domain.name
                )
                for app in terminal.apps:
                    top.terminal_apps[app.name] = app
                    top._add(
                        app.name, ElementKind.TERMINAL_APP, terminal.name, app.netchar, domain.name
                    )
        return top

    def _add(
        self,
        name: str,
        kind: ElementKind,
        parent: str | None,
        netchar: NetChar,
        domain: str | None = None,
        zone: str | None = None,
    ) -> None:
        self.elements[name] = Element(name, kind, parent, netchar, domain, zone)

    def _add_node(
        self,
        node: ComputeNode,
        kind: ElementKind,
        parent: str,
        domain: str | None,
        zone: str | None,
    ) -> None:
        self.nodes[node.name] = node
        self._add(node.name, kind, parent, node.netchar, domain, zone)
        for app in node.apps:
            self.apps[app.name] = app
            self._add(app.name, ElementKind.APP, node.name, app.netchar, domain, zone)

    def kind(self, name: str) -> ElementKind | None:
        """Kind of the element called ``name``, or None when there is none."""
        element = self.elements.get(name)
        return element.kind if element else None

    def node_of(self, app: str) -> str:
        """Name of the compute node an edge or cloud app runs on."""
        parent = self.elements[app].parent
        if parent is None:
            raise KeyError(app)
        return parent

    def mec_hosts(self) -> list[str]:
        """Names of the MEC hosts, in scenario order."""
        return [n for n, e in self.elements.items() if e.kind is ElementKind.MEC_HOST]
