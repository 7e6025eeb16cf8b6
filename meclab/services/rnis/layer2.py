"""Layer 2 measurements (ETSI GS MEC 012 clause 6.2.5, TS 36.314 clause 4.1), from the engine.

Every E-RAB is a non-GBR default bearer (:mod:`.bearers`), so every GBR figure is 0 where it
counts something (PRB usage, active UEs, throughput, volume) and absent where it would measure
traffic that does not exist (delay, discard rate). Percentages and rates are rounded to the
nearest integer, as the GS types them.

Per cell (a 4G cell serving ``n`` UEs):

* **PRB usage, downlink**: the engine's carrier load (:func:`meclab.engine.radio.cell_load`,
  the same load that lowers RSRQ): total = load, non-GBR = load minus the reference-signal
  share of an idle cell (:data:`~meclab.engine.radio.LOAD_IDLE`), the part UE traffic uses.
* **PRB usage, uplink**: each UE's traffic share (:data:`~meclab.engine.radio.LOAD_PER_UE`) times
  ``n``, capped at 100 %; uplink reference signals ride inside each UE's own PRBs, so an idle
  uplink uses none.
* **Active UEs**: ``n`` in each direction (full-buffer traffic: every attached UE has data).
* **Packet discard rate**: the cell's radio link loss (its network characteristics).
* **Random access preambles**: of the random accesses into the cell in the last
  :data:`~.bearers.RANDOM_ACCESS_WINDOW_S` of simulation time, the share with a dedicated
  preamble (handovers in, contention-free) and with a randomly selected one (connections,
  contention-based; all in the low range, group A: meclab's messages are small). Absent when
  there were none.

Per UE on the cell:

* **Packet delay**: the one-way latency of the UE's radio link (terminal and cell network
  characteristics), in ms.
* **Packet discard rate**: that link's loss.
* **Scheduled throughput**: its E-RAB's bit rate in kbit/s (full buffer: scheduled at it).
* **Data volume**: kbit carried on this cell since the bearer arrived on it (:mod:`.bearers`).

**Measured load.** In a direction where meclab's relay carries flows on the cell's capacity
(:mod:`.measured`), what it measured replaces the model: the capacity is what the PRBs left
to traffic carry, so non-GBR PRB usage is the utilisation of that capacity times those PRBs
(downlink: all but the idle cell's reference signals, which the total adds; uplink: all),
active UEs are those whose flows delivered bytes, and a UE with a flow on the cell has the
throughput it was delivered as its scheduled throughput (0 for a UE without one: it sends
nothing). Delays, discard rates and data volumes stay the model's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from meclab.engine.netchar import Direction
from meclab.engine.radio import LOAD_IDLE, LOAD_PER_UE, cell_load
from meclab.services.rnis.bearers import Bearer, Bearers
from meclab.services.rnis.measured import Measured
from meclab.services.rnis.models import CellInfo, CellUEInfo
from meclab.services.rnis.southbound import Southbound


def _round(value: float) -> int:
    """Nearest integer, halves up (Python's round() would send 0.5 % loss to 0)."""
    return math.floor(value + 0.5)


def cell_info(
    view: Southbound,
    bearers: Bearers,
    cell: int,
    now: float,
    measured: Mapping[Direction, Measured] | None = None,
) -> CellInfo:
    """A 4G cell's figures (module docstring), with ``measured`` load where there is some."""
    world = view.world
    n = int(world.state.served[cell])
    measured = measured or {}
    down, up = measured.get(Direction.DOWN), measured.get(Direction.UP)
    load = float(cell_load(np.array([n], dtype=np.int64))[0])
    dl_nongbr = 100.0 * max(0.0, load - LOAD_IDLE)
    if down is not None:
        dl_nongbr = 100.0 * down.utilisation * (1.0 - LOAD_IDLE)
        load = LOAD_IDLE + down.utilisation * (1.0 - LOAD_IDLE)
    uplink = _round(100.0 * (up.utilisation if up else min(1.0, LOAD_PER_UE * n)))
    loss = world.top.elements[world.poa_names[cell]].netchar.loss_pct
    dedicated, random = bearers.random_accesses(cell, now)
    accesses = dedicated + random
    return CellInfo(
        ecgi=view.ecgi(cell),
        dl_gbr_prb_usage_cell=0,
        ul_gbr_prb_usage_cell=0,
        dl_nongbr_prb_usage_cell=_round(dl_nongbr),
        ul_nongbr_prb_usage_cell=uplink,
        dl_total_prb_usage_cell=_round(100.0 * load),
        ul_total_prb_usage_cell=uplink,
        received_dedicated_preambles_cell=(
            _round(100.0 * dedicated / accesses) if accesses else None
        ),
        received_randomly_selected_preambles_low_range_cell=(
            _round(100.0 * random / accesses) if accesses else None
        ),
        received_randomly_selected_preambles_high_range_cell=0 if accesses else None,
        number_of_active_ue_dl_gbr_cell=0,
        number_of_active_ue_ul_gbr_cell=0,
        number_of_active_ue_dl_nongbr_cell=down.active_ues if down else n,
        number_of_active_ue_ul_nongbr_cell=up.active_ues if up else n,
        dl_nongbr_pdr_cell=_round(loss),
        ul_nongbr_pdr_cell=_round(loss),
    )


def ue_info(
    view: Southbound,
    bearer: Bearer,
    now: float,
    measured: Mapping[Direction, Measured] | None = None,
) -> CellUEInfo | None:
    """A UE's figures on its cell (module docstring; ``measured``: the cell's measured load);
    None for a UE without an IP address, which no associateId can name."""
    ids = view.associate_ids(bearer.ue)
    if not ids:
        return None
    latency_ms, loss_pct = view.radio_hop(bearer.ue, bearer.cell)
    volume_dl, volume_ul = bearer.volume_kbit(now)
    measured = measured or {}
    down, up = measured.get(Direction.DOWN), measured.get(Direction.UP)
    name = view.world.ue_names[bearer.ue]
    dl_bps = down.ue_bps.get(name, 0.0) if down else bearer.mbr_dl_bps
    ul_bps = up.ue_bps.get(name, 0.0) if up else bearer.mbr_ul_bps
    return CellUEInfo(
        ecgi=view.ecgi(bearer.cell),
        associateId=ids[0],
        dl_nongbr_delay_ue=_round(latency_ms),
        ul_nongbr_delay_ue=_round(latency_ms),
        dl_nongbr_pdr_ue=_round(loss_pct),
        ul_nongbr_pdr_ue=_round(loss_pct),
        dl_gbr_throughput_ue=0,
        ul_gbr_throughput_ue=0,
        dl_nongbr_throughput_ue=_round(dl_bps / 1000.0),
        ul_nongbr_throughput_ue=_round(ul_bps / 1000.0),
        dl_gbr_data_volume_ue=0,
        ul_gbr_data_volume_ue=0,
        dl_nongbr_data_volume_ue=_round(volume_dl),
        ul_nongbr_data_volume_ue=_round(volume_ul),
    )
