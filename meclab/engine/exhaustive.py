"""The brute-force cell search: every PoA weighed for every terminal at every tick.

It is the reference the indexed search (:class:`~meclab.engine.selection.CandidateLists`) must
agree with exactly, terminal by terminal and tick by tick, and the baseline the engine benchmark
times it against. It scores PoAs with the same functions, over all PoAs of each type in PoA
order, so a difference can only mean that a candidate list left out a PoA that counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from meclab.engine.radio import RADIO_CODES, CellRadio
from meclab.engine.selection import NO_CELL, UNRANKED, prefer, signal_weight, strongest_column

CHUNK_TERMINALS = 4096
"""Terminals per pass: with 1,000 PoAs of a type the (terminals x PoAs) temporaries of one pass
stay around 30 MB each, whatever the number of terminals."""


@dataclass(frozen=True, slots=True)
class _Type:
    """All PoAs of one radio type, in PoA order, with what scoring them needs."""

    code: int
    members: NDArray[np.intp]
    domain: NDArray[np.intp]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    radius2: NDArray[np.float64]
    weight: NDArray[np.float64]


class ExhaustiveSearch:
    """A :class:`~meclab.engine.selection.CellSearch` without any index or list."""

    def __init__(
        self, cell_xy: NDArray[np.float64], cells: CellRadio, cell_domain: NDArray[np.intp]
    ) -> None:
        weight = signal_weight(cells)
        self._types: list[_Type] = []
        for code in range(len(RADIO_CODES)):
            members = np.flatnonzero(cells.code == code)
            if len(members):
                self._types.append(
                    _Type(
                        code,
                        members,
                        cell_domain[members],
                        cell_xy[members, 0],
                        cell_xy[members, 1],
                        cells.radius_m[members] ** 2,
                        weight[members],
                    )
                )
        self._ue_domain = np.zeros(0, dtype=np.intp)

    def refresh(
        self,
        xy: NDArray[np.float64],
        ue_domain: NDArray[np.intp],
        ue_rank: NDArray[np.int8],
        cell_domain: NDArray[np.intp],
    ) -> int:
        """Note each terminal's operator; there are no lists to rebuild, so 0."""
        self._ue_domain = ue_domain
        return 0

    def strongest(
        self, xy: NDArray[np.float64], ue_rank: NDArray[np.int8]
    ) -> tuple[NDArray[np.intp], NDArray[np.int8]]:
        """Per terminal, the strongest covering PoA of its most preferred type, and the rank."""
        n = len(xy)
        best = np.full(n, NO_CELL, dtype=np.intp)
        best_rank = np.full(n, UNRANKED, dtype=np.int8)
        for start in range(0, n, CHUNK_TERMINALS):
            part = slice(start, start + CHUNK_TERMINALS)
            x, y = xy[part, 0:1], xy[part, 1:2]
            for t in self._types:
                rank = ue_rank[part, t.code]
                usable = (rank < UNRANKED)[:, None] & (t.domain == self._ue_domain[part, None])
                column, has = strongest_column(x, y, t.x, t.y, t.radius2, t.weight, usable)
                best[part], best_rank[part] = prefer(
                    best[part], best_rank[part], t.members[column], has, rank
                )
        return best, best_rank
