"""A context source for any ETSI MEC platform: the UE's radio link from RNIS (MEC 012).

:class:`~meclab.sdk.offload.live.LiveContextSource` reads meclab's control API, which only
meclab has. :class:`RnisContextSource` needs only the standard RNI API: for each decision it
asks ``GET /rni/v2/queries/layer2_meas`` for the UE's own entry (``ue_ipv4_address`` filter) and
reads its radio link from it (clause 6.2.4a, TS 36.314 clause 4.1):

==============================  ==========================================================
``dl/ul_nongbr_delay_ue``       one-way latency of the radio link, ms (the larger of the two)
``dl/ul_nongbr_pdr_ue``         loss of the radio link, % (the larger of the two)
``ul/dl_nongbr_throughput_ue``  its scheduled throughput up and down, kbit/s
==============================  ==========================================================

(meclab's RNIS reports all of them, :mod:`meclab.services.rnis.layer2`; a figure a platform
leaves out counts as 0 delay, 0 loss, unlimited throughput.) RNIS layer 2 covers LTE cells
only: a UE with no entry is out of coverage or on another radio (5G NR, Wi-Fi). The source
then takes the radio link ``unreported`` gives, or, when that is None, none: neither the edge
nor the cloud can be reached.

What RNIS cannot tell, the application says once: the nodes it can offload to and the path
beyond the radio to each (:class:`Beyond`: the latency of the backhaul to the MEC host, of the
internet to the cloud), the terminal's processor and energy model. A site's link is the radio
link followed by that path: latencies, jitters and losses add up (loss as independent drops),
throughput is the smaller.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from meclab.sdk.clients.rnis import RnisClient
from meclab.sdk.offload.context import Context, EnergyModel, Link, Node, Site
from meclab.sdk.offload.sources import DEFAULT_TTL_S, CachedContextSource


@dataclass(frozen=True, slots=True)
class Beyond:
    """A node the UE can offload to and the path from its cell to it (one-way figures)."""

    node: Node
    latency_ms: float
    jitter_ms: float = 0.0
    loss_pct: float = 0.0
    mbps: float | None = None
    """The path's throughput each way; None when it does not limit the radio link's."""


def radio_link(
    delay_ms: float, loss_pct: float, up_kbps: float | None, down_kbps: float | None
) -> Link:
    """The radio link as RNIS reports it (kbit/s to Mbit/s; 0 kbit/s: nothing scheduled, a
    link that carries nothing, which the context expresses as the smallest positive rate)."""

    def mbps(kbps: float | None) -> float | None:
        return None if kbps is None else max(kbps, 1e-3) / 1000.0

    return Link(
        latency_ms=delay_ms, loss_pct=loss_pct, up_mbps=mbps(up_kbps), down_mbps=mbps(down_kbps)
    )


def _slower(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def through(radio: Link, beyond: Beyond) -> Site:
    """The site at the end of ``beyond``, over ``radio`` first."""
    kept = (1 - radio.loss_pct / 100) * (1 - beyond.loss_pct / 100)
    link = Link(
        latency_ms=radio.latency_ms + beyond.latency_ms,
        jitter_ms=radio.jitter_ms + beyond.jitter_ms,
        loss_pct=100 * (1 - kept),
        up_mbps=_slower(radio.up_mbps, beyond.mbps),
        down_mbps=_slower(radio.down_mbps, beyond.mbps),
    )
    return Site(node=beyond.node, link=link)


def _largest(*values: int | None) -> float:
    return float(max((v for v in values if v is not None), default=0))


class RnisContextSource(CachedContextSource):
    """The context of the UE at IPv4 address ``ue_address``, its radio link from RNIS.

    ``rnis``: the RNI client of the platform serving the UE (``MecPlatform.rnis``);
    ``terminal``, ``energy``: the terminal's processor and energy model; ``edge``, ``cloud``: the
    nodes beyond the radio (None: no such placement). ``app_instance_id`` is sent as
    ``app_ins_id`` where the platform asks who queries. ``unreported``: the radio link to assume
    when RNIS has no entry for the UE (module docstring). The context is reused for ``ttl_s``
    seconds of ``clock``, or until :meth:`invalidate` (on a cell change notification, say).
    """

    def __init__(
        self,
        rnis: RnisClient,
        ue_address: str,
        *,
        terminal: Node,
        energy: EnergyModel,
        edge: Beyond | None,
        cloud: Beyond | None,
        app_instance_id: str | None = None,
        unreported: Link | None = None,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl_s=ttl_s, clock=clock)
        self.rnis = rnis
        self.ue_address = ue_address.removeprefix("acr:")
        self.terminal = terminal
        self.energy = energy
        self.edge = edge
        self.cloud = cloud
        self.app_instance_id = app_instance_id
        self.unreported = unreported

    async def radio(self) -> Link | None:
        """The UE's radio link as RNIS reports it now; None when RNIS has no entry for it."""
        meas = await self.rnis.layer2_meas(
            ue_ipv4_address=self.ue_address, app_ins_id=self.app_instance_id
        )
        mine = [e for e in meas.cellUEInfo or [] if e.associateId.value == self.ue_address]
        if not mine:
            return None
        e = mine[0]
        return radio_link(
            _largest(e.dl_nongbr_delay_ue, e.ul_nongbr_delay_ue),
            # a link losing everything is still a link to the context (loss below 100 %)
            min(_largest(e.dl_nongbr_pdr_ue, e.ul_nongbr_pdr_ue), 99.9),
            e.ul_nongbr_throughput_ue,
            e.dl_nongbr_throughput_ue,
        )

    async def _read(self, now: float) -> Context:
        reported = await self.radio()
        radio = reported if reported is not None else self.unreported

        def site(beyond: Beyond | None) -> Site | None:
            return None if radio is None or beyond is None else through(radio, beyond)

        return Context(
            terminal=self.terminal,
            energy=self.energy,
            edge=site(self.edge),
            cloud=site(self.cloud),
            t=now,
            radio="4G" if reported is not None else None,  # RNIS layer 2 is LTE's
        )
