"""Compute capacity of terminals and nodes, the terminals' energy model, and their defaults.

A scenario may give any terminal, fog node, MEC host or cloud a ``compute`` (cores, per-core
speed, memory) and any terminal an ``energy`` model; what it leaves out is the default for its
kind, below. :func:`compute_of` and :func:`energy_of` give the effective values, defaults
applied; the rest of meclab reads capacity and energy through them only.

Defaults by kind (a phone slower than an edge host, an edge host smaller than a cloud)::

    kind       cores  GHz/core  memory GB   sized as
    terminal       4       2.0          4   a mid-range phone (meclab's round figures)
    fog            4       2.4         16   a mini PC (Intel Core i5-1135G7)
    mec_host      16       3.1         64   Amazon EC2 m5.4xlarge
    cloud         96       3.1        384   Amazon EC2 m5.24xlarge

How a partial ``energy`` combines with the defaults: ``cpu_nj_per_cycle`` and ``idle_w`` left
out keep the default; ``radio`` lists only the radio types it changes, each with both its
figures, and every other radio type the terminal may use keeps its default figures. So
``energy: {cpu_nj_per_cycle: 0.8}`` changes the CPU alone. ``compute`` is given whole (cores,
speed and memory), since a node's three figures belong together.

Storage: a scenario gives none. Each kind has the disk of :data:`DEFAULT_STORAGE_GB`, which
:func:`storage_gb_of` reads; it is what application instances deployed on a node may claim
(an AppD's virtualStorageDescriptor), nothing else in meclab uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ConfigDict, Field

from meclab.scenario.strict import StrictModel
from meclab.types import ComputeKind, NodeKind, RadioType

if TYPE_CHECKING:
    from meclab.scenario.model import ComputeNode, Terminal

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Compute(StrictModel):
    """Compute capacity of a terminal or a node. One GHz is 1e9 cycles per second, per core."""

    model_config = _FROZEN

    cores: int = Field(ge=1, le=1_000_000)
    speed_ghz: float = Field(gt=0.0, le=100.0)
    """Cycles per second of one core, in GHz."""
    memory_gb: float = Field(gt=0.0, le=1_000_000.0)

    @property
    def cycles_per_s(self) -> float:
        """Cycles per second of all cores together."""
        return self.cores * self.speed_ghz * 1e9


class RadioEnergy(StrictModel):
    """Energy a terminal's radio spends per bit it sends (tx) and receives (rx)."""

    model_config = _FROZEN

    tx_nj_per_bit: float = Field(ge=0.0, le=1_000_000.0)
    rx_nj_per_bit: float = Field(ge=0.0, le=1_000_000.0)


# --- CPU energy ------------------------------------------------------------------------------
# The dynamic CPU power model of the MEC offloading literature (e.g. Mao, You, Zhang, Huang and
# Letaief, "A Survey on Mobile Edge Computing: The Communication Perspective", IEEE
# Communications Surveys & Tutorials 19(4), 2017): a core at f cycles/s draws kappa * f**3 W,
# so one cycle costs kappa * f**2 J. kappa (the effective switched capacitance) is meclab's
# choice: 1.25e-28 makes one phone core at its default 2 GHz draw 1.0 W, and then one cycle costs
# 1.25e-28 * (2e9)**2 J = 0.5 nJ.

KAPPA = 1.25e-28
"""Effective switched capacitance of a phone core, J per cycle per (cycle/s)²; meclab's choice."""

TERMINAL_CPU_NJ_PER_CYCLE = 0.5
"""kappa * f**2 at the default phone speed, 2 GHz: 0.5 nJ per cycle (1.0 W per busy core)."""

# --- radio energy ----------------------------------------------------------------------------
# Huang, Qian, Gerber, Mao, Sen and Spatscheck, "A Close Examination of Performance and Power
# Characteristics of 4G LTE Networks", MobiSys 2012, fit radio power as
# alpha_u * uplink Mbit/s + alpha_d * downlink Mbit/s + beta. A slope of x mW per Mbit/s is
# x * 1e-3 J/s per 1e6 bit/s, that is x nJ per bit:
#   LTE:   alpha_u 438.39, alpha_d 51.97 mW/Mbit/s (beta 1288.04 mW)
#   Wi-Fi: alpha_u 283.17, alpha_d 137.01 mW/Mbit/s (beta 132.86 mW)
# meclab's model counts energy per bit only: the base power beta (the radio awake with no
# traffic) and LTE's tail are left out, so short transfers cost the terminal somewhat more
# than this model says.
# 5G: meclab knows no measured per-bit figure it can vouch for, so it assumes LTE's. This is
# meclab's assumption, not a measurement: it keeps a choice between 4G and 5G from turning on
# an invented energy difference, and leaves 5G's radio energy per bit no lower than LTE's.

_LTE = RadioEnergy(tx_nj_per_bit=438.39, rx_nj_per_bit=51.97)

DEFAULT_RADIO_ENERGY: dict[RadioType, RadioEnergy] = {
    RadioType.LTE: _LTE,
    RadioType.NR: _LTE,
    RadioType.WIFI: RadioEnergy(tx_nj_per_bit=283.17, rx_nj_per_bit=137.01),
}
"""Radio energy per bit by radio type (Huang et al. 2012 for 4G and Wi-Fi; 5G assumed as 4G)."""

TERMINAL_IDLE_W = 0.3
"""Power of a terminal waiting with its CPU idle (for an offloaded result, say): meclab's
assumption, no measurement. It is below one busy core (1.0 W), as every offloading model that
weighs waiting against computing needs it to be."""


class EnergyModel(StrictModel):
    """A terminal's energy: per CPU cycle computed locally, per radio bit, and idle power.

    Fields left out keep the default; ``radio`` lists only the radio types it changes (see the
    module docstring). :func:`energy_of` gives the effective model.
    """

    model_config = _FROZEN

    cpu_nj_per_cycle: float = Field(TERMINAL_CPU_NJ_PER_CYCLE, ge=0.0, le=1_000_000.0)
    """Energy of one cycle computed on the terminal, in nJ."""
    radio: dict[RadioType, RadioEnergy] = Field(default_factory=dict)
    """Energy per bit by radio type; a type left out keeps its default figures."""
    idle_w: float = Field(TERMINAL_IDLE_W, ge=0.0, le=10_000.0)
    """Power drawn while the terminal waits with its CPU idle, in W."""


DEFAULT_COMPUTE: dict[ComputeKind, Compute] = {
    # meclab's round figures for a mid-range phone. For scale, Qualcomm's Snapdragon 865 (2020)
    # runs its four performance cores at 2.42-2.84 GHz.
    ComputeKind.TERMINAL: Compute(cores=4, speed_ghz=2.0, memory_gb=4.0),
    # A mini PC beside an access point, as an Intel NUC with a Core i5-1135G7 (4 cores, 2.4 GHz
    # base frequency, Intel's product sheet); the 16 GB of memory is meclab's choice.
    ComputeKind.FOG: Compute(cores=4, speed_ghz=2.4, memory_gb=16.0),
    # An edge server as Amazon EC2 m5.4xlarge: 16 vCPUs, 64 GiB, Xeon Platinum 8175M at up to
    # 3.1 GHz all-core turbo (AWS's M5 instance page); a vCPU counts as a core.
    ComputeKind.MEC_HOST: Compute(cores=16, speed_ghz=3.1, memory_gb=64.0),
    # A cloud node as Amazon EC2 m5.24xlarge: 96 vCPUs, 384 GiB, the same processor.
    ComputeKind.CLOUD: Compute(cores=96, speed_ghz=3.1, memory_gb=384.0),
}
"""Compute capacity of each kind when the scenario gives none."""


def compute_of(item: Terminal | ComputeNode, kind: ComputeKind | NodeKind) -> Compute:
    """Effective compute capacity of a terminal or node of ``kind``: its own, else its kind's
    default. A terminal's kind is :attr:`ComputeKind.TERMINAL`; a node's, where it sits."""
    return item.compute if item.compute is not None else DEFAULT_COMPUTE[ComputeKind(kind)]


def energy_of(terminal: Terminal) -> EnergyModel:
    """Effective energy model of a terminal, defaults applied: its radio figures cover exactly
    the radio types it may use, in its order of preference."""
    given = terminal.energy if terminal.energy is not None else EnergyModel()
    radio = {r: given.radio.get(r, DEFAULT_RADIO_ENERGY[r]) for r in terminal.radio_priority}
    return given.model_copy(update={"radio": radio})


DEFAULT_STORAGE_GB: dict[ComputeKind, float] = {
    # meclab's round figures: an EC2 m5 instance has no disk of its own (EBS only), so there is
    # no product figure to cite. A phone's flash, a mini PC's SSD, two edge-server SSDs, a cloud
    # node's share of block storage.
    ComputeKind.TERMINAL: 128.0,
    ComputeKind.FOG: 512.0,
    ComputeKind.MEC_HOST: 2048.0,
    ComputeKind.CLOUD: 16384.0,
}
"""Storage of each kind of terminal or node, in GB; meclab's choice (a scenario gives none)."""


def storage_gb_of(kind: ComputeKind | NodeKind) -> float:
    """Storage of a terminal or node of ``kind``, in GB: its kind's (see
    :data:`DEFAULT_STORAGE_GB`)."""
    return DEFAULT_STORAGE_GB[ComputeKind(kind)]
