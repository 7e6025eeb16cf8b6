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
"""

from __future__ import annotations

import math

import numpy as np

from meclab.engine.radio import LOAD_IDLE, LOAD_PER_UE, cell_load
from meclab.services.rnis.bearers import Bearer, Bearers
from meclab.services.rnis.models import CellInfo, CellUEInfo
from meclab.services.rnis.southbound import Southbound


def _round(value: float) -> int:
    """Nearest integer, halves up (Python's round() would send 0.5 % loss to 0)."""
    return math.floor(value + 0.5)


def cell_info(view: Southbound, bearers: Bearers, cell: int, now: float) -> CellInfo:
    """A 4G cell's figures (module docstring)."""
    world = view.world
    n = int(world.state.served[cell])
    load = float(cell_load(np.array([n], dtype=np.int64))[0])
    uplink = _round(100.0 * min(1.0, LOAD_PER_UE * n))
    loss = world.top.elements[world.poa_names[cell]].netchar.loss_pct
    dedicated, random = bearers.random_accesses(cell, now)
    accesses = dedicated + random
    return CellInfo(
        ecgi=view.ecgi(cell),
        dl_gbr_prb_usage_cell=0,
        ul_gbr_prb_usage_cell=0,
        dl_nongbr_prb_usage_cell=_round(100.0 * max(0.0, load - LOAD_IDLE)),
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
        number_of_active_ue_dl_nongbr_cell=n,
        number_of_active_ue_ul_nongbr_cell=n,
        dl_nongbr_pdr_cell=_round(loss),
        ul_nongbr_pdr_cell=_round(loss),
    )


def ue_info(view: Southbound, bearer: Bearer, now: float) -> CellUEInfo | None:
    """A UE's figures on its cell (module docstring); None for a UE without an IP address,
    which no associateId can name."""
    ids = view.associate_ids(bearer.ue)
    if not ids:
        return None
    latency_ms, loss_pct = view.radio_hop(bearer.ue, bearer.cell)
    volume_dl, volume_ul = bearer.volume_kbit(now)
    return CellUEInfo(
        ecgi=view.ecgi(bearer.cell),
        associateId=ids[0],
        dl_nongbr_delay_ue=_round(latency_ms),
        ul_nongbr_delay_ue=_round(latency_ms),
        dl_nongbr_pdr_ue=_round(loss_pct),
        ul_nongbr_pdr_ue=_round(loss_pct),
        dl_gbr_throughput_ue=0,
        ul_gbr_throughput_ue=0,
        dl_nongbr_throughput_ue=_round(bearer.mbr_dl_bps / 1000.0),
        ul_nongbr_throughput_ue=_round(bearer.mbr_ul_bps / 1000.0),
        dl_gbr_data_volume_ue=0,
        ul_gbr_data_volume_ue=0,
        dl_nongbr_data_volume_ue=_round(volume_dl),
        ul_nongbr_data_volume_ue=_round(volume_ul),
    )
