"""MTS traffic steering enforced by the relay: sessions pick the access(es) a flow crosses.

:class:`Steering` is the data plane's :class:`~meclab.services.mts.port.SteeringPort`. It keeps
the sessions the MTS service hands it and, consulted by the switch whenever a flow's path is
computed (:meth:`Switch.path_of`, and when a flow opens), answers for the flows a session
matches:

* **Matching.** A flow of a terminal (it has a UE) to or from the session's application
  (``appInsId``'s scenario or deployed application, at either end of the flow). An
  application-level session (``requestType`` 0) takes all of them; a flow-level one those that
  one of its ``flowFilter`` entries matches (ETSI GS MEC 015 clause 7.2.5): every attribute
  given equals the flow's, ``sourceIp``/``dstIp`` as an address or a prefix, seen from the
  terminal (source: the UE's address and port; destination: the application's emulated
  address and port) or the other way round (a filter written for the downlink);
  ``protocol`` 6 is TCP, 17 UDP. The relay sees no IP header: a relayed flow has DSCP 0 and no
  IPv6 flow label, so a filter naming another ``dscp`` or any ``flowlabel`` matches none. The
  oldest session matching a flow steers it.
* **Choosing.** One :class:`~meclab.services.mts.choice.Access` per PoA of
  ``World.accesses(ue)``: latency, jitter and loss of ``World.path_via`` over it, throughput
  the lower of that path's bottleneck and an equal part of the PoA's shared capacity
  (:meth:`Capacity.available_bps`) in the session's ``trafficDirection`` (symmetrical: the
  lower of the two); then :func:`~meclab.services.mts.choice.choose` by the session's mode.
* **Enforcing.** The flow's path is the first chosen access's (its pipelines shaped by it,
  its claims in the Shares of that path's elements, that PoA's among them:
  :meth:`Capacity.follow`); with two
  (REDUNDANCY) both carry every byte (``flow.copies``, :mod:`.shaping.redundancy`). A change
  of choice reshapes the flow in place: a TCP connection stays open.
* **When.** Every path computation: the follower's handover, coverage and netchar events for
  the flow's UE or path (and any PoA's netchar change for a steered flow), plus every engine
  tick (:meth:`tick`), which catches an access getting better without an event on the path.
  A session applied or released re-decides the open flows at once; future flows are decided
  as they open. Released, a flow goes back to its serving PoA's path.

No I/O: the switch and the capacity do the shaping, the relay the waiting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from meclab.dataplane.flows import Flow, FlowSteer
from meclab.dataplane.matching import address_in
from meclab.dataplane.switch import Switch
from meclab.engine.netchar import Direction, PathNetChar, Unreachable
from meclab.services.mts.accesses import access_id
from meclab.services.mts.choice import Access, QosTarget, choose, cost_rank
from meclab.services.mts.models import (
    FlowFilter,
    MtsMode,
    RequestType,
    TrafficDirection,
)
from meclab.services.mts.sessions import MtsSession

PROTOCOLS = {"TCP": 6, "UDP": 17}
"""IANA protocol numbers of what the relay carries."""
RELAYED_DSCP = 0
"""The DSCP every relayed flow has: the relay's sockets mark nothing."""

WAYS = {
    TrafficDirection.UPLINK: (Direction.UP,),
    TrafficDirection.DOWNLINK: (Direction.DOWN,),
    TrafficDirection.SYMMETRICAL: (Direction.UP, Direction.DOWN),
}


def filter_matches(
    f: FlowFilter, protocol: str, source: tuple[str, int], destination: tuple[str, int]
) -> bool:
    """Whether every attribute ``f`` gives matches a flow from ``source`` to ``destination``."""
    return (
        address_in(source[0], f.sourceIp)
        and (f.sourcePort is None or f.sourcePort == source[1])
        and address_in(destination[0], f.dstIp)
        and (f.dstPort is None or f.dstPort == destination[1])
        and (f.protocol is None or f.protocol == PROTOCOLS.get(protocol))
        and (f.dscp is None or f.dscp == RELAYED_DSCP)
        and f.flowlabel is None
    )


class Steering:
    """The sessions in force and the choice they make for each flow (module docstring)."""

    def __init__(self) -> None:
        self.switch: Switch | None = None
        self._sessions: dict[str, MtsSession] = {}
        """By id, oldest first (a replaced session keeps its place)."""

    def attach(self, switch: Switch) -> None:
        """Steer the flows of ``switch`` (the data plane started)."""
        self.switch = switch
        switch.steering = self

    def reset(self) -> None:
        """A new scenario: no session is in force (the MTS service dropped them)."""
        self._sessions.clear()

    @property
    def sessions(self) -> list[MtsSession]:
        return list(self._sessions.values())

    # --- SteeringPort -------------------------------------------------------------------------

    async def apply(self, host: str, session: MtsSession) -> None:
        """Steer ``session``'s flows from now on, open ones at once."""
        self._sessions[session.id] = session
        self._redecide()

    async def release(self, host: str, session_id: str) -> None:
        """``session_id`` is gone: its flows go back to default routing (or another session)."""
        if self._sessions.pop(session_id, None) is not None:
            self._redecide()

    # --- deciding -----------------------------------------------------------------------------

    def tick(self) -> None:
        """Re-decide every flow a session steers or could steer (a ``Runtime.on_tick`` step)."""
        if self._sessions:
            self._redecide()

    def _redecide(self) -> None:
        switch = self.switch
        if switch is None or switch.world is None:
            return
        flows = [
            f
            for f in list(switch.registry.open.values())
            if f.steer is not None or self.session_of(f) is not None
        ]
        for flow in flows:
            switch.refresh(flow, rules=False)
        if flows:
            switch.capacity.apply()

    def session_of(self, flow: Flow) -> MtsSession | None:
        """The session steering ``flow``: the oldest that matches it (module docstring)."""
        switch = self.switch
        route = flow.route
        if switch is None or route.ue is None or route.source is None or route.app is None:
            return None
        if switch.apps is None:
            return None
        for session in self._sessions.values():
            entry = switch.apps.by_instance(session.owner, switch.platforms)
            if entry is None or entry.name not in (route.app, route.source):
                continue
            info = session.info
            if info.requestType is RequestType.APPLICATION_SPECIFIC_MTS_SESSION:
                return session
            source = (switch.ue_ip(route.ue), flow.client[1])
            destination = (route.dst_ip, route.dst_port)
            if any(
                filter_matches(f, flow.protocol, source, destination)
                or filter_matches(f, flow.protocol, destination, source)
                for f in info.flowFilter
            ):
                return session
        return None

    def path_of(self, flow: Flow, default: PathNetChar | None) -> PathNetChar | None:
        """The path of ``flow`` now (SteeringHook): the chosen access's when a session steers
        it, ``default`` otherwise; ``flow.steer`` and ``flow.copies`` say which."""
        session = self.session_of(flow)
        if session is None:
            flow.steer, flow.copies = None, ()
            return default
        chosen = self._choose(flow, session)
        flow.steer = FlowSteer(
            session_id=session.id,
            mode=session.info.mtsMode.name,
            poas=tuple(poa for poa, _, _ in chosen),
            access_ids=tuple(access.access_id for _, access, _ in chosen),
        )
        paths = tuple(path for _, _, path in chosen)
        flow.copies = paths if len(paths) >= 2 else ()
        return paths[0] if paths else None

    def _choose(self, flow: Flow, session: MtsSession) -> list[tuple[str, Access, PathNetChar]]:
        """The (PoA, access, path) the session's mode picks for ``flow``, in choice order."""
        switch = self.switch
        assert switch is not None and switch.world is not None
        world = switch.world
        route = flow.route
        assert route.ue is not None and route.source is not None and route.app is not None
        source, destination = switch.path_end(route.source), switch.path_end(route.app)
        found: dict[int, tuple[str, Access, PathNetChar]] = {}
        for poa in self._accesses(route.ue):
            try:
                path = world.path_via(source, destination, poa)
            except (Unreachable, KeyError, ValueError):
                continue
            access = Access(
                access_id=access_id(world, poa),
                latency_ms=path.latency_ms,
                loss=path.loss_pct / 100.0,
                throughput_mbps=self._throughput_mbps(flow, poa, path, session),
                cost_rank=cost_rank(world.top.poas[world.poa(poa)].type),
                jitter_ms=path.jitter_ms,
            )
            found[access.access_id] = (poa, access, path)
        info = session.info
        qos = QosTarget.of(info.qosD) if info.mtsMode is MtsMode.QOS else None
        picked = choose(info.mtsMode, [access for _, access, _ in found.values()], qos)
        return [found[access.access_id] for access in picked]

    def _accesses(self, ue: str) -> Iterable[str]:
        assert self.switch is not None and self.switch.world is not None
        try:
            return self.switch.world.accesses(ue)
        except KeyError:  # the world changed under the flow
            return ()

    def _throughput_mbps(
        self, flow: Flow, poa: str, path: PathNetChar, session: MtsSession
    ) -> float:
        assert self.switch is not None
        capacity = self.switch.capacity
        rates = []
        for way in WAYS[session.info.trafficDirection]:
            mbps = path.throughput_mbps if way is Direction.UP else path.throughput_reverse_mbps
            bottleneck = math.inf if mbps is None else mbps * 1e6
            rates.append(min(bottleneck, capacity.available_bps(flow, poa, way)))
        return min(rates) / 1e6
