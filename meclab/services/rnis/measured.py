"""The load the data plane measured on a cell, which RNIS's layer 2 measurements report.

When meclab runs its data plane, each point of access with a throughput in a direction shares
it among the flows the relay carries there (:mod:`meclab.dataplane.capacity`), and measures what
they deliver. Where the relay carries flows on a cell's capacity, RNIS reports what was
measured instead of its traffic model (:mod:`.layer2`); elsewhere (no data plane, no throughput
configured, no flow) the model's figures stand.

The meter is anything with ``access_load(poa)``: the data plane itself, wired by the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from meclab.engine.netchar import Direction


class LoadMeter(Protocol):
    """What measures the cells' load: the data plane (:meth:`DataPlane.access_load`)."""

    def access_load(self, poa: str) -> Mapping[str, Any] | None:
        """``GET /meclab/v1/dataplane/access/{poa}``'s body: per direction (``up``, ``down``)
        None or its ``utilisation``, ``flows``, ``active_ues`` and ``ue_throughput_mbps``;
        None when ``poa`` shares no capacity."""
        ...


@dataclass(frozen=True, slots=True)
class Measured:
    """One direction of a cell as the relay measured it over its last window."""

    utilisation: float
    """Throughput delivered over capacity, 0 to 1."""
    active_ues: int
    """UEs whose flows delivered bytes."""
    ue_bps: Mapping[str, float]
    """Throughput delivered per UE with a flow on the cell, bit/s."""


def measured(meter: LoadMeter | None, poa: str) -> dict[Direction, Measured]:
    """The directions of ``poa`` where the relay carries flows on its capacity, measured."""
    report = meter.access_load(poa) if meter is not None else None
    if report is None:
        return {}
    out: dict[Direction, Measured] = {}
    for way in (Direction.UP, Direction.DOWN):
        figures = report.get(way.name.lower())
        if not figures or not figures["flows"] or figures["utilisation"] is None:
            continue
        out[way] = Measured(
            utilisation=min(1.0, float(figures["utilisation"])),
            active_ues=int(figures["active_ues"]),
            ue_bps={ue: mbps * 1e6 for ue, mbps in figures["ue_throughput_mbps"].items()},
        )
    return out
