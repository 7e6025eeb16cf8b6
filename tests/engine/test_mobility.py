"""Terminals are where their path, velocity and end-of-path mode put them."""

from __future__ import annotations

import numpy as np
import pytest

from meclab.engine.mobility import Paths
from meclab.types import EndOfPath


def _paths(points: list[list[float]], v: float, mode: EndOfPath) -> Paths:
    return Paths([np.array(points, dtype=float)], [v], [mode])


def test_straight_path_position_after_t() -> None:
    p = _paths([[0, 0], [1000, 0]], 12.5, EndOfPath.STOP)
    assert p.positions(0.0)[0] == pytest.approx([0, 0])
    assert p.positions(10.0)[0] == pytest.approx([125.0, 0.0])
    assert p.positions(79.9)[0] == pytest.approx([998.75, 0.0])


def test_stop_mode_stays_at_the_end() -> None:
    p = _paths([[0, 0], [300, 400]], 10.0, EndOfPath.STOP)  # length 500 m
    assert p.positions(25.0)[0] == pytest.approx([150.0, 200.0])
    assert p.positions(50.0)[0] == pytest.approx([300.0, 400.0])
    assert p.positions(5000.0)[0] == pytest.approx([300.0, 400.0])


def test_multi_segment_path_turns_corners() -> None:
    p = _paths([[0, 0], [100, 0], [100, 50]], 1.0, EndOfPath.STOP)
    assert p.positions(100.0)[0] == pytest.approx([100.0, 0.0])
    assert p.positions(130.0)[0] == pytest.approx([100.0, 30.0])


def test_loop_mode_closes_the_path() -> None:
    # Square of side 100 m: the loop adds the closing side back to the start (400 m round).
    p = _paths([[0, 0], [100, 0], [100, 100], [0, 100]], 10.0, EndOfPath.LOOP)
    assert p.length[0] == pytest.approx(400.0)
    assert p.positions(35.0)[0] == pytest.approx([0.0, 50.0])  # on the closing side, going down
    assert p.positions(40.0)[0] == pytest.approx([0.0, 0.0])
    assert p.positions(45.0)[0] == pytest.approx([50.0, 0.0])  # second lap


def test_reverse_mode_walks_back() -> None:
    p = _paths([[0, 0], [100, 0]], 10.0, EndOfPath.REVERSE)
    assert p.positions(5.0)[0] == pytest.approx([50.0, 0.0])
    assert p.positions(13.0)[0] == pytest.approx([70.0, 0.0])  # 130 m travelled: 30 m back
    assert p.positions(20.0)[0] == pytest.approx([0.0, 0.0])
    assert p.positions(23.0)[0] == pytest.approx([30.0, 0.0])


def test_position_depends_on_time_not_on_tick_history() -> None:
    p = _paths([[0, 0], [100, 0], [100, 100]], 3.0, EndOfPath.REVERSE)
    direct = p.positions(123.4)
    for t in np.linspace(0, 123.4, 77):
        p.positions(float(t))
    assert p.positions(123.4) == pytest.approx(direct)


def test_many_terminals_at_once_do_not_mix_paths() -> None:
    paths = [
        np.array([[0, 0], [10, 0]]),
        np.array([[500, 500]]),
        np.array([[0, 0], [0, 10], [0, 20]]),
    ]
    p = Paths(paths, [1.0, 5.0, 2.0], [EndOfPath.STOP, EndOfPath.LOOP, EndOfPath.REVERSE])
    xy = p.positions(6.0)
    assert xy[0] == pytest.approx([6.0, 0.0])
    assert xy[1] == pytest.approx([500.0, 500.0])  # a single point never moves
    assert xy[2] == pytest.approx([0.0, 12.0])
    xy = p.positions(11.0)
    assert xy[0] == pytest.approx([10.0, 0.0])
    assert xy[2] == pytest.approx([0.0, 18.0])


def test_pinned_terminal_leaves_its_path() -> None:
    p = _paths([[0, 0], [100, 0]], 10.0, EndOfPath.LOOP)
    p.pin(0, np.array([7.0, 8.0]))
    assert p.positions(3.0)[0] == pytest.approx([7.0, 8.0])


def test_unpinned_terminal_is_back_where_its_path_is_now() -> None:
    p = _paths([[0, 0], [100, 0]], 10.0, EndOfPath.LOOP)
    p.pin(0, np.array([7.0, 8.0]))
    p.unpin(0)
    assert p.positions(3.0)[0] == pytest.approx([30.0, 0.0])
