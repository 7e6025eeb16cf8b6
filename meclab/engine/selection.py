"""Cell selection: which point of access serves each terminal.

Rules, applied to every terminal at once:

1. A terminal may attach to a PoA of its own operator, of a radio type in its priority list,
   within the PoA's coverage radius.
2. Among those it prefers the radio type it ranks first, then the strongest signal
   (RSRP for 4G/5G, RSSI for Wi-Fi).
3. Hysteresis against ping-pong: the serving PoA is kept while its signal stays within
   ``hysteresis_db`` below its coverage-edge level; a PoA of the same type must beat it by
   ``hysteresis_db`` to take over. A PoA of a preferred type takes over as soon as the
   terminal is inside its radius.
4. A terminal that keeps nothing and finds nothing is disconnected.

Candidates come from one scipy cKDTree per radio type, through neighbour lists with a skin
(Verlet lists, as in molecular dynamics): each terminal keeps the ``k`` nearest PoAs of each
type within ``max radius + skin`` of where the list was built, and the list is rebuilt only
once the terminal has moved more than ``skin`` from there. Any PoA whose radius covers the
terminal now was within ``max radius + skin`` then, so selection is exact as long as no more
than ``k`` PoAs of one type crowd that reach; beyond that it considers the ``k`` nearest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from meclab.engine.radio import RADIO_CODES, CellRadio

NO_CELL = -1
UNRANKED = 127
"""Priority rank of a radio type a terminal may not use."""


class CandidateLists:
    """Per-terminal lists of nearby PoAs, refreshed only for terminals that moved far enough."""

    def __init__(
        self,
        cell_xy: NDArray[np.float64],
        cells: CellRadio,
        *,
        k_per_type: int = 6,
        skin_m: float = 100.0,
    ) -> None:
        self.skin_m = skin_m
        self._types: list[tuple[cKDTree, NDArray[np.intp], int, float]] = []
        for code in range(len(RADIO_CODES)):
            members = np.flatnonzero(cells.code == code)
            if len(members) == 0:
                continue
            tree = cKDTree(cell_xy[members])
            k = min(k_per_type, len(members))
            reach = float(cells.radius_m[members].max()) + skin_m
            self._types.append((tree, members, k, reach))
        self.width = sum(k for _, _, k, _ in self._types)
        self.lists = np.zeros((0, self.width), dtype=np.intp)
        self.anchor = np.zeros((0, 2))

    def refresh(self, xy: NDArray[np.float64]) -> int:
        """Bring the lists up to date for positions ``xy``; returns how many were rebuilt."""
        n = len(xy)
        if len(self.lists) != n:
            self.lists = np.full((n, self.width), NO_CELL, dtype=np.intp)
            self.anchor = np.full((n, 2), np.inf)
        moved = (
            np.flatnonzero(np.hypot(*(xy - self.anchor).T) > self.skin_m)
            if n
            else np.zeros(0, np.intp)
        )
        if len(moved):
            self.lists[moved] = self.nearby(xy[moved])
            self.anchor[moved] = xy[moved]
        return len(moved)

    def nearby(self, points: NDArray[np.float64]) -> NDArray[np.intp]:
        """The k nearest PoAs of each type within reach of each point (NO_CELL where fewer)."""
        out = np.full((len(points), self.width), NO_CELL, dtype=np.intp)
        col = 0
        for tree, members, k, reach in self._types:
            _, idx = tree.query(points, k=k, distance_upper_bound=reach)
            idx = idx.reshape(len(points), k)
            found = idx < len(members)
            out[:, col : col + k] = np.where(
                found, members[np.minimum(idx, len(members) - 1)], NO_CELL
            )
            col += k
        return out


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
    candidates: NDArray[np.intp],
    serving: NDArray[np.intp],
    cell_xy: NDArray[np.float64],
    cells: CellRadio,
    cell_domain: NDArray[np.intp],
    ue_domain: NDArray[np.intp],
    ue_rank: NDArray[np.int8],
    hysteresis_db: float,
    forced: NDArray[np.bool_] | None = None,
) -> Selection:
    """Choose the serving PoA of every terminal (see the module docstring for the rules).

    ``ue_rank[u, code]`` is terminal u's preference for radio type ``code`` (0 = first,
    UNRANKED = not allowed). ``forced`` marks terminals whose current serving PoA was set by an
    operator and is kept this round if it still covers them.
    """
    n = len(xy)
    if candidates.shape[1] == 0:
        return Selection(np.full(n, NO_CELL, dtype=np.intp), np.full(n, np.nan))
    rows = np.arange(n)
    valid = candidates >= 0
    cand = np.where(valid, candidates, 0)
    dist = np.hypot(xy[:, 0:1] - cell_xy[cand, 0], xy[:, 1:2] - cell_xy[cand, 1])
    rank = ue_rank[rows[:, None], cells.code[cand]]
    allowed = (
        valid
        & (dist <= cells.radius_m[cand])
        & (rank < UNRANKED)
        & (cell_domain[cand] == ue_domain[:, None])
    )
    signal = cells.signal_dbm(cand, dist)
    # Rank dominates, signal breaks ties: a signal spans far less than 1000 dB.
    score = np.where(allowed, signal - 1000.0 * rank, -np.inf)
    best_col = np.argmax(score, axis=1)
    has_best = np.isfinite(score[rows, best_col])
    best = np.where(has_best, cand[rows, best_col], NO_CELL)
    best_signal = signal[rows, best_col]
    best_rank = rank[rows, best_col]

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
