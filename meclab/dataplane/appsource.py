"""Flows whose sender is an edge or cloud application rather than a UE.

An application's real process (``emulated: false`` with an ``endpoint``) talks to another
application through the data plane, so that its bytes feel the network between the two nodes::

    curl -x socks5h://video-edge@127.0.0.1:1080 http://video-cloud/

Who: the SOCKS5 username names the application, by its scenario name or its appInstanceId
(the scenario's, or that of the platform instance playing it). The flow's path is the engine's
end-to-end netchar between the two applications (``World.path``): for an edge app on a MEC host
of zone Z reaching a cloud app, the app, its host, Z's metro network, the operator's core, the
public network, the cloud and its app. It is shaped per direction as a UE's flow is and follows
netchar changes of any element on it.

What it sees, element by element:

* **Names** resolve as DNS would for the application: the ACTIVE DNS rules of READY instances
  on the host it runs on (a MEC host or fog node, whose MEC platform configures the DNS server
  that host's applications use: ETSI GS MEC 011 clause 7.1.2.3); a cloud has no MEC platform, so
  its applications see no DNS rules. ``<app>`` and ``<app>.meclab.local`` always work.
* **Coverage** does not apply: there is no radio between two compute nodes. Should a path ever
  cross a terminal, the engine's own rule holds (out of coverage: refused, reply 3).
* **Traffic rules.** A MEC 011 traffic rule (clause 7.1.2.2, TrafficRule) is configured by an
  application on the MEC platform of its host and acts on the traffic of *that host's data
  plane*, whatever its source (ETSI GS MEC 003: the platform instructs the data plane, which
  routes traffic among applications, services, access and external networks); its filters
  (``srcAddress``, ``dstAddress``, ports, protocol) are what select, not the kind of sender.
  So a flow sent by an application on a MEC host or fog node is classified against the ACTIVE
  rules of that host's READY instances, with the application's emulated address as
  ``srcAddress``; DROP refuses it, FORWARD/DUPLICATE steer or copy it, as for a UE's flow. A rule
  that would steer a flow back to its own sender is passed through (a loop, not a steering).
  An application in a cloud sends outside every MEC host's data plane: no rule applies to it.
  As for UEs, only the sender's host classifies; the destination host's rules do not.
"""

from __future__ import annotations

from meclab.dataplane.resolve import AppDirectory, AppEntry
from meclab.engine.topology import ElementKind
from meclab.platform.platform import Platforms

RULED_NODES = frozenset({ElementKind.MEC_HOST, ElementKind.FOG})
"""Nodes with a MEC platform, hence DNS and traffic rules of their own."""


def find_app(apps: AppDirectory, platforms: Platforms, name: str) -> AppEntry | None:
    """The edge or cloud application ``name`` names: its scenario name, its scenario
    appInstanceId, or the id of the platform instance playing it; None when none does."""
    entry = apps.by_name.get(name)
    if entry is not None:
        return entry
    for candidate in apps.by_name.values():
        if candidate.app_instance_id == name:
            return candidate
    return apps.by_instance(name, platforms)


def app_hosts(app: AppEntry) -> list[str]:
    """The hosts whose DNS and traffic rules apply to what ``app`` sends (see above)."""
    return [app.node] if app.node_kind in RULED_NODES else []
