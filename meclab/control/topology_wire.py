"""Body of ``GET /meclab/v1/topology``: operators, zones, hosts, app instances, services and
which host serves how many terminals, in one read for the dashboard's topology panel.

Importable with pydantic alone, like :mod:`.wire`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ServiceOffered(BaseModel):
    """A service an instance (or the platform) has in the MEC 011 registry now."""

    name: str
    ser_instance_id: str
    state: str
    """ACTIVE, INACTIVE or SUSPENDED."""
    scope: str | None
    """scopeOfLocality: which hosts see it."""


class ServiceConsumed(BaseModel):
    """A service an instance requires (its appServiceRequired)."""

    name: str
    available: bool
    """Whether a service of that name is visible on the instance's host now."""


class AppSummary(BaseModel):
    name: str | None
    """Scenario name; null for an instance registered or deployed at run time without one."""
    app_name: str
    app_instance_id: str | None
    state: str | None
    """Platform state (INSTANTIATED, READY, TERMINATING...); null for a cloud application,
    which no MEC platform manages."""
    emulated: bool
    services_offered: list[ServiceOffered]
    services_consumed: list[ServiceConsumed]


class HostSummary(BaseModel):
    """A compute node: a MEC host, a fog node or a cloud."""

    name: str
    kind: Literal["mec_host", "fog", "cloud"]
    zone: str | None
    platform_services: list[str]
    """Services the host's own platform offers (RNIS, location...): names, each once."""
    apps: list[AppSummary]
    terminals_served: int
    """Terminals whose traffic this host serves now (the most local host of their serving
    cell: a fog node at it that runs apps, else the zone's first MEC host); 0 for a cloud."""
    terminals: list[str] | None
    """Their names, when the world has at most ``names_limit`` terminals; null otherwise."""


class ZoneSummary(BaseModel):
    name: str
    poas: list[str]
    hosts: list[HostSummary]
    """MEC hosts of the zone, then the fog nodes at its points of access."""


class OperatorSummary(BaseModel):
    name: str
    zones: list[ZoneSummary]
    clouds: list[HostSummary]


class TopologySummary(BaseModel):
    """The deployment's tree as it runs now."""

    operators: list[OperatorSummary]
    clouds: list[HostSummary]
    """Clouds of no operator (the public network's)."""
    terminals: int
    connected_terminals: int
    names_limit: int
    """Hosts list their terminals' names only in worlds with at most this many terminals."""
