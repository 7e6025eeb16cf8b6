"""The control API's topology summary: ``GET /meclab/v1/topology``.

Operators, their zones, the MEC hosts and fog nodes there and the clouds, each host's app
instances with their platform state, the services each offers (from the MEC 011 registry) and
requires, and how many terminals each host serves now: what the dashboard's topology panel
draws, in one read. Counts come from the engine's arrays (per cell, not per terminal), so the
summary stays cheap with 10,000 terminals; names are listed only in small worlds.
"""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Depends

from meclab.control.topology_wire import (
    AppSummary,
    HostSummary,
    OperatorSummary,
    ServiceConsumed,
    ServiceOffered,
    TopologySummary,
    ZoneSummary,
)
from meclab.engine.topology import ElementKind
from meclab.engine.world import World
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.platform.platform import Platforms
from meclab.platform.serving import host_index
from meclab.runtime import Runtime

PATH = "/topology"
NAMES_LIMIT = 200
"""Up to this many terminals, each host lists the names of those it serves."""

_KINDS = {ElementKind.MEC_HOST: "mec_host", ElementKind.FOG: "fog", ElementKind.CLOUD: "cloud"}


def build_topology_router(runtime: Runtime, platforms: Platforms, prefix: str) -> APIRouter:
    """The topology route under ``prefix`` (the control API's, ``/meclab/v1``)."""
    router = PrefixedRouter(
        prefix=prefix + PATH,
        tags=["meclab control"],
        dependencies=[Depends(reject_unknown_query)],
    )

    @router.get(
        "",
        response_model=TopologySummary,
        summary="Operators, zones, hosts, app instances with their state and services, and the "
        "terminals each host serves now",
    )
    async def get_topology() -> TopologySummary:
        return summarise(runtime.world, platforms)

    return router


def _served_by_host(world: World, platforms: Platforms) -> dict[str, np.ndarray]:
    """Indices of the terminals each host serves now, from the serving-cell array (one pass
    per cell, not per terminal)."""
    index = host_index(world)
    running = {a.host for a in platforms.apps.values()}
    serving = world.state.serving
    order = np.argsort(serving, kind="stable")
    bounds = np.searchsorted(serving[order], np.arange(len(world.poa_names) + 1))
    out: dict[str, list[np.ndarray]] = {}
    for c, poa in enumerate(world.poa_names):
        ues = order[bounds[c] : bounds[c + 1]]
        if not len(ues):
            continue
        fogs = [f for f in index.fogs_at_poa.get(poa, ()) if f in running]
        zone = world.top.elements[poa].zone
        hosts = fogs or list(index.mec_hosts_in_zone.get(zone, ()) if zone else ())
        if hosts:
            out.setdefault(hosts[0], []).append(ues)
    return {h: np.concatenate(parts) for h, parts in out.items()}


def summarise(world: World, platforms: Platforms) -> TopologySummary:
    """The topology summary of ``world`` with its platforms' live state."""
    top = world.top
    served = _served_by_host(world, platforms)
    small = len(world.ue_names) <= NAMES_LIMIT
    records = list(platforms.services.records.values())
    by_instance = {a.app_instance_id: a for a in platforms.apps.values()}

    def visible_names(host: str) -> set[str]:
        if host not in platforms.hosts:  # a cloud: what it offers itself
            return {r.info.serName for r in records if r.host == host}
        return {r.info.serName for r, _ in platforms.services.view(host)}

    def offered(owner: str | None, host: str) -> list[ServiceOffered]:
        return [
            ServiceOffered(
                name=r.info.serName,
                ser_instance_id=r.id,
                state=str(r.info.state),
                scope=None if r.info.scopeOfLocality is None else str(r.info.scopeOfLocality),
            )
            for r in records
            if r.owner == owner and r.host == host
        ]

    def host_summary(name: str) -> HostSummary:
        element = top.elements[name]
        node = top.nodes[name]
        seen = visible_names(name)
        apps: list[AppSummary] = []
        listed: set[str] = set()
        for app in node.apps:  # the scenario's, in its order
            instance = by_instance.get(app.app_instance_id or "")
            if instance is not None and instance.host != name:
                continue  # relocated away: listed where it runs now
            # no instance: a cloud application, or an edge one terminated (state null)
            listed.add(app.app_instance_id or "")
            required = [s.name for s in app.services_required]
            apps.append(
                AppSummary(
                    name=app.name,
                    app_name=app.app_name or app.name,
                    app_instance_id=app.app_instance_id,
                    state=None if instance is None else str(instance.state),
                    emulated=app.emulated,
                    services_offered=offered(app.app_instance_id, name),
                    services_consumed=[
                        ServiceConsumed(name=s, available=s in seen) for s in required
                    ],
                )
            )
        for instance in platforms.apps_on(name) if name in platforms.hosts else []:
            if instance.app_instance_id in listed:
                continue  # registered, deployed or relocated here at run time
            registration = instance.registration or {}
            required = [  # MEC 011 ServiceDependency entries
                str(s["serName"])
                for s in registration.get("appServiceRequired") or []
                if isinstance(s, dict) and s.get("serName")
            ]
            apps.append(
                AppSummary(
                    name=instance.name,
                    app_name=instance.app_name,
                    app_instance_id=instance.app_instance_id,
                    state=str(instance.state),
                    emulated=instance.emulated,
                    services_offered=offered(instance.app_instance_id, name),
                    services_consumed=[
                        ServiceConsumed(name=s, available=s in seen) for s in required
                    ],
                )
            )
        ues = served.get(name)
        count = 0 if ues is None else len(ues)
        names = None
        if small:
            names = [] if ues is None else sorted(world.ue_names[i] for i in ues.tolist())
        return HostSummary(
            name=name,
            kind=_KINDS[element.kind],  # type: ignore[arg-type]
            zone=element.zone,
            platform_services=sorted(
                {r.info.serName for r in records if r.owner is None and r.host == name}
            ),
            apps=apps,
            terminals_served=count,
            terminals=names,
        )

    fogs_in_zone: dict[str, list[str]] = {}
    hosts_in_zone: dict[str, list[str]] = {}
    zone_poas: dict[str, list[str]] = {}
    clouds_of: dict[str | None, list[str]] = {}
    for name, element in top.elements.items():
        if element.kind is ElementKind.MEC_HOST and element.zone is not None:
            hosts_in_zone.setdefault(element.zone, []).append(name)
        elif element.kind is ElementKind.FOG and element.zone is not None:
            fogs_in_zone.setdefault(element.zone, []).append(name)
        elif element.kind is ElementKind.POA and element.zone is not None:
            zone_poas.setdefault(element.zone, []).append(name)
        elif element.kind is ElementKind.CLOUD:
            clouds_of.setdefault(element.domain, []).append(name)
    operators = []
    for domain in top.domains:
        zones = [
            ZoneSummary(
                name=zone,
                poas=zone_poas.get(zone, []),
                hosts=[
                    host_summary(h)
                    for h in hosts_in_zone.get(zone, []) + fogs_in_zone.get(zone, [])
                ],
            )
            for zone in top.zones
            if top.elements[zone].domain == domain
        ]
        clouds = [host_summary(c) for c in clouds_of.get(domain, [])]
        operators.append(OperatorSummary(name=domain, zones=zones, clouds=clouds))
    return TopologySummary(
        operators=operators,
        clouds=[host_summary(c) for c in clouds_of.get(None, [])],
        terminals=len(world.ue_names),
        connected_terminals=int((world.state.serving >= 0).sum()),
        names_limit=NAMES_LIMIT,
    )
