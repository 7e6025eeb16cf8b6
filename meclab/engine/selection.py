"""Cell selection: which point of access serves each terminal.

Rules, applied to every terminal at once:

1. A terminal may attach to a PoA of its own operator, of a radio type in its priority list,
   within the PoA's coverage radius.
2. Among those it prefers the radio type it ranks first, then the strongest signal
   (RSRP for 4G/5G, RSSI for Wi-Fi); between equal signals, the PoA that comes first in the
   scenario.
3. Hysteresis against ping-pong: the serving PoA is kept while its signal stays within
   ``hysteresis_db`` below its coverage-edge level; a PoA of the same type must beat it by
   ``hysteresis_db`` to take over. A PoA of a preferred type takes over as soon as the
   terminal is inside its radius.
4. A terminal that keeps nothing and finds nothing is disconnected.

Rule 2 needs, per terminal and radio type, the strongest covering PoA. A :class:`CellSearch`
finds it; :func:`select` applies the other rules. :class:`CandidateLists` is the fast search;
:mod:`meclab.engine.exhaustive` is the brute-force one it must always agree with.

CandidateLists keeps neighbour lists with a skin (Verlet lists, as in molecular dynamics): one
scipy cKDTree per radio type gives each terminal the ``k`` nearest PoAs of each type within
``max radius + skin`` of where its list was built (its anchor). Every PoA left out is then at
least ``R`` from the anchor: the reach, or the distance of the k-th PoA when k of them crowd
into the reach. So the list holds every PoA that can cover the terminal while it stays within
``R - max radius`` (its *margin*) of the anchor, and it is rebuilt only once the terminal moves
farther. Where ``k`` PoAs of one type or more lie within ``max radius`` of an anchor, the
margin would be negative: that type's lists then grow (and never shrink) to one column more
than the most PoAs that point has within ``max radius``.

Per tick the work is a few passes over the (terminals x candidates) arrays and no logarithm:
within one radio type the path-loss exponent is shared, so a PoA's signal ranks the same way
as ``d^2 x 10^(-2 S1 / slope)`` (S1 its signal at 1 m), its *effective squared distance*. Only
the winner's and the serving PoA's signals are computed in dB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from meclab.engine.radio import RADIO_CODES, CellRadio

NO_CELL = -1
UNRANKED = 127
"""Priority rank of a radio type a terminal may not use."""
ROUNDING_M = 1e-6
"""Slack for rounding in distances: the tree, the margins and the coverage test each compute
them their own way, a few 1e-12 m apart at city scale. A PoA counts as able to cover a terminal
up to ``max radius + ROUNDING_M`` away, so no rounding can leave a covering PoA out of a list."""


class CellSearch(Protocol):
    """Finds, per terminal and radio type, the strongest PoA that covers it (rule 2)."""

    def refresh(
        self,
        xy: NDArray[np.float64],
        ue_domain: NDArray[np.intp],
        ue_rank: NDArray[np.int8],
        cell_domain: NDArray[np.intp],
    ) -> int:
        """Take new positions ``xy`` (and who may use what); returns how many lists it rebuilt."""
        ...

    def strongest(
        self, xy: NDArray[np.float64], ue_rank: NDArray[np.int8]
    ) -> tuple[NDArray[np.intp], NDArray[np.int8]]:
        """Per terminal, the strongest covering PoA of its most preferred type and that type's
        rank (NO_CELL and UNRANKED where none covers it); positions as last refreshed."""
        ...


def signal_weight(cells: CellRadio) -> NDArray[np.float64]:
    """Per PoA, the factor that turns a squared distance into its effective squared distance.

    Within a radio type, lower effective squared distance means stronger signal (see the module
    docstring), which spares a logarithm per candidate and tick.
    """
    return 10.0 ** (-2.0 * cells.signal_1m_dbm / cells.slope_db)


def strongest_column(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    cell_x: NDArray[np.float64],
    cell_y: NDArray[np.float64],
    radius2: NDArray[np.float64],
    weight: NDArray[np.float64],
    usable: NDArray[np.bool_],
) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Per row, the column of the strongest usable PoA covering the point, and whether any does.

    ``x`` and ``y`` are columns (one row per terminal); the PoA arrays broadcast against them.
    All PoAs are of one radio type, so the lowest effective squared distance is the strongest
    signal; on equal values the first column wins, hence columns must come in PoA order.
    """
    dx = x - cell_x
    dy = y - cell_y
    d2 = dx * dx + dy * dy
    covered = usable & (d2 <= radius2)
    effective = np.where(covered, np.maximum(d2, 1.0) * weight, np.inf)
    column = np.argmin(effective, axis=1)
    has = np.isfinite(np.take_along_axis(effective, column[:, None], axis=1)[:, 0])
    return column, has


def prefer(
    best: NDArray[np.intp],
    best_rank: NDArray[np.int8],
    found: NDArray[np.intp],
    has: NDArray[np.bool_],
    rank: NDArray[np.int8],
) -> tuple[NDArray[np.intp], NDArray[np.int8]]:
    """Keep ``found`` where there is one (``has``) of a type ranked before the best so far."""
    wins = has & (rank < best_rank)  # each type has its own rank, so no ties
    return np.where(wins, found, best), np.where(wins, rank, best_rank)


@dataclass(slots=True)
class _Block:
    """One radio type's candidates: k columns per terminal, contiguous for fast passes."""

    code: int
    tree: cKDTree
    members: NDArray[np.intp]
    k: int
    cover_m: float
    """Farthest a PoA of this type can be and still cover a terminal (max radius + rounding)."""
    reach_m: float
    index: NDArray[np.intp] = field(default_factory=lambda: np.zeros((0, 0), dtype=np.intp))
    x: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    y: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    radius2: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    weight: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    usable: NDArray[np.bool_] = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))

    def resize(self, n: int) -> None:
        shape = (n, self.k)
        self.index = np.full(shape, NO_CELL, dtype=np.intp)
        self.x, self.y = np.zeros(shape), np.zeros(shape)
        self.radius2, self.weight = np.zeros(shape), np.zeros(shape)
        self.usable = np.zeros(shape, dtype=bool)

    def widen(self, k: int) -> None:
        """Room for ``k`` candidates per terminal; the lists kept stay valid (new columns empty)."""
        extra = ((0, 0), (0, k - self.k))
        self.index = np.pad(self.index, extra, constant_values=NO_CELL)
        self.x, self.y = np.pad(self.x, extra), np.pad(self.y, extra)
        self.radius2, self.weight = np.pad(self.radius2, extra), np.pad(self.weight, extra)
        self.usable = np.pad(self.usable, extra, constant_values=False)
        self.k = k


class CandidateLists:
    """Per-terminal lists of nearby PoAs, refreshed only for terminals that moved past their margin.

    Besides the PoA indices it keeps, per entry, what selection needs every tick (position,
    squared radius, signal weight, and whether the terminal may use that PoA at all), so a tick
    gathers nothing from the cell tables.
    """

    def __init__(
        self,
        cell_xy: NDArray[np.float64],
        cells: CellRadio,
        *,
        k_per_type: int = 6,
        skin_m: float = 100.0,
    ) -> None:
        if k_per_type < 1:
            raise ValueError(f"k_per_type must be at least 1, not {k_per_type}")
        if not skin_m >= 0.0:  # also refuses NaN
            raise ValueError(f"skin_m must be a distance >= 0, not {skin_m}")
        self.skin_m = skin_m
        self.cell_xy = cell_xy
        self.cells = cells
        self.blocks: list[_Block] = []
        for code in range(len(RADIO_CODES)):
            members = np.flatnonzero(cells.code == code)
            if len(members):
                cover = float(cells.radius_m[members].max()) + ROUNDING_M
                k = min(k_per_type, len(members))
                block = _Block(code, cKDTree(cell_xy[members]), members, k, cover, cover + skin_m)
                block.resize(0)  # k columns even before any terminal, so passes stay well-formed
                self.blocks.append(block)
        self._weight = signal_weight(cells)
        self.anchor = np.zeros((0, 2))
        self.margin = np.zeros(0)
        """How far each terminal may move from its anchor before its lists must be rebuilt."""
        self.rebuilt = 0
        """Lists rebuilt since creation (a terminal's list counts once per rebuild)."""

    def refresh(
        self,
        xy: NDArray[np.float64],
        ue_domain: NDArray[np.intp],
        ue_rank: NDArray[np.int8],
        cell_domain: NDArray[np.intp],
    ) -> int:
        """Bring the lists up to date for positions ``xy``; returns how many were rebuilt."""
        n = len(xy)
        if len(self.anchor) != n:
            for block in self.blocks:
                block.resize(n)
            self.anchor = np.full((n, 2), np.inf)
            self.margin = np.zeros(n)
        if n == 0:
            return 0
        # Written as "not within" so that a new terminal (anchor at infinity) is rebuilt too.
        moved = np.flatnonzero(~(np.hypot(*(xy - self.anchor).T) <= self.margin))
        if len(moved):
            self._rebuild(moved, xy[moved], ue_domain[moved], ue_rank[moved], cell_domain)
            self.rebuilt += len(moved)
        return len(moved)

    def _rebuild(
        self,
        rows: NDArray[np.intp],
        xy: NDArray[np.float64],
        ue_domain: NDArray[np.intp],
        ue_rank: NDArray[np.int8],
        cell_domain: NDArray[np.intp],
    ) -> None:
        margin = np.full(len(rows), np.inf)
        for block in self.blocks:
            found, block_margin = self._query_exact(block, xy)
            # PoA order within a row, so that equal signals go to the PoA listed first (rule 2).
            found = np.sort(np.where(found >= 0, found, len(self.cell_xy)), axis=1)
            ok = found < len(self.cell_xy)
            found = np.where(ok, found, NO_CELL)
            c = np.where(ok, found, 0)
            block.index[rows] = found
            block.x[rows] = self.cell_xy[c, 0]
            block.y[rows] = self.cell_xy[c, 1]
            block.radius2[rows] = self.cells.radius_m[c] ** 2
            block.weight[rows] = self._weight[c]
            allowed = ue_rank[:, block.code] < UNRANKED
            block.usable[rows] = ok & allowed[:, None] & (cell_domain[c] == ue_domain[:, None])
            np.minimum(margin, block_margin, out=margin)
        self.anchor[rows] = xy
        self.margin[rows] = margin

    def _query_exact(
        self, block: _Block, points: NDArray[np.float64]
    ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Lists for ``points`` that hold every PoA able to cover them, and their margins.

        Widens the block first where ``k`` PoAs or more lie within covering distance of a point.
        """
        while True:
            dist, found = self._search(block, points)
            # Sorted by distance: the last column is the k-th nearest, inf when fewer in reach.
            # PoAs left out are at least that far, or at least the reach; none when all fit.
            kth = dist[:, -1]
            full = np.isfinite(kth)
            all_listed = block.k == len(block.members)
            left_out_m = np.where(full, np.inf if all_listed else kth, block.reach_m)
            margin = left_out_m - block.cover_m
            crowded = margin < 0.0
            if not crowded.any():
                return found, margin
            # One column more than the most PoAs covering any of those points: the last one
            # listed then lies beyond covering distance, so the margins become >= 0.
            covering = block.tree.query_ball_point(
                points[crowded], r=block.cover_m, return_length=True
            )
            block.widen(min(int(covering.max()) + 1, len(block.members)))

    def _search(
        self, block: _Block, points: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Distances and indices of the ``block.k`` nearest PoAs within reach (inf, NO_CELL pad)."""
        dist, idx = block.tree.query(points, k=block.k, distance_upper_bound=block.reach_m)
        dist, idx = dist.reshape(len(points), block.k), idx.reshape(len(points), block.k)
        hit = idx < len(block.members)
        return dist, np.where(hit, block.members[np.minimum(idx, len(block.members) - 1)], NO_CELL)

    def strongest(
        self, xy: NDArray[np.float64], ue_rank: NDArray[np.int8]
    ) -> tuple[NDArray[np.intp], NDArray[np.int8]]:
        """Per terminal, the strongest covering PoA of its most preferred type, and the rank."""
        n = len(xy)
        best = np.full(n, NO_CELL, dtype=np.intp)
        best_rank = np.full(n, UNRANKED, dtype=np.int8)
        x, y = xy[:, 0:1], xy[:, 1:2]
        for block in self.blocks:
            column, has = strongest_column(
                x, y, block.x, block.y, block.radius2, block.weight, block.usable
            )
            found = np.take_along_axis(block.index, column[:, None], axis=1)[:, 0]
            best, best_rank = prefer(best, best_rank, found, has, ue_rank[:, block.code])
        return best, best_rank

    def nearby(self, points: NDArray[np.float64]) -> NDArray[np.intp]:
        """The k nearest PoAs of each type within reach of each point (NO_CELL where fewer)."""
        if not self.blocks:
            return np.full((len(points), 0), NO_CELL, dtype=np.intp)
        return np.hstack([self._search(block, points)[1] for block in self.blocks])


@dataclass(frozen=True, slots=True)
class Selection:
    """Outcome of one selection round."""

    serving: NDArray[np.intp]
    """Serving PoA index per terminal, NO_CELL when disconnected."""
    signal_dbm: NDArray[np.float64]
    """Signal of the serving PoA (NaN when disconnected)."""


def select(
    *,
    xy: NDArray[np.float64],
    search: CellSearch,
    serving: NDArray[np.intp],
    cell_xy: NDArray[np.float64],
    cells: CellRadio,
    ue_rank: NDArray[np.int8],
    hysteresis_db: float,
    forced: NDArray[np.bool_] | None = None,
) -> Selection:
    """Choose the serving PoA of every terminal (see the module docstring for the rules).

    ``search`` must be refreshed for ``xy``. ``ue_rank[u, code]`` is terminal u's preference
    for radio type ``code`` (0 = first, UNRANKED = not allowed). ``forced`` marks terminals
    locked to their current PoA, which they keep while it covers them.
    """
    rows = np.arange(len(xy))
    best, best_rank = search.strongest(xy, ue_rank)

    has_best = best >= 0
    b = np.where(has_best, best, 0)
    best_signal = cells.signal_dbm(b, np.hypot(xy[:, 0] - cell_xy[b, 0], xy[:, 1] - cell_xy[b, 1]))

    attached = serving >= 0
    s = np.where(attached, serving, 0)
    s_dist = np.hypot(xy[:, 0] - cell_xy[s, 0], xy[:, 1] - cell_xy[s, 1])
    s_signal = cells.signal_dbm(s, s_dist)
    s_rank = ue_rank[rows, cells.code[s]]
    keeps = attached & (s_signal >= cells.edge_dbm[s] - hysteresis_db) & (s_rank < UNRANKED)

    better = has_best & (
        (best_rank < s_rank)
        | ((best_rank == s_rank) & (best != s) & (best_signal > s_signal + hysteresis_db))
    )
    if forced is not None:
        better &= ~(forced & (s_dist <= cells.radius_m[s]))
    new = np.where(keeps & ~better, serving, best)
    new_signal = np.where(new == serving, s_signal, best_signal)
    new_signal = np.where(new >= 0, new_signal, np.nan)
    return Selection(new.astype(np.intp), new_signal)
