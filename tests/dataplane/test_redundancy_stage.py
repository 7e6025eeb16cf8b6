"""The redundancy stage without sockets: each piece leaves with the first surviving copy."""

from __future__ import annotations

import numpy as np
import pytest

from meclab.dataplane.shaping.loss import TCP_RTO_MIN_S
from meclab.dataplane.shaping.pipeline import Mode, Pipeline, Shape

FAST = Shape(latency_s=0.002)
SLOW = Shape(latency_s=0.012)
DEAD = Shape(latency_s=0.001, loss=1.0)


def _pipe(mode: Mode, *copies: Shape) -> Pipeline:
    pipe = Pipeline(mode, np.random.default_rng(7))
    pipe.update(copies[0], copies=copies)
    return pipe


def test_a_piece_leaves_with_the_earliest_copy() -> None:
    pipe = _pipe(Mode.STREAM, SLOW, FAST)
    (piece,) = pipe.admit(1.0, 100).pieces
    assert piece.at == pytest.approx(1.0 + FAST.latency_s)


def test_a_stream_crosses_a_dead_access_at_the_other_ones_pace() -> None:
    pipe = _pipe(Mode.STREAM, DEAD, SLOW)
    for n in range(50):
        (piece,) = pipe.admit(float(n), 1000).pieces
        assert piece.at == pytest.approx(n + SLOW.latency_s)
    alone = Pipeline(Mode.STREAM, np.random.default_rng(7), DEAD)
    (late,) = alone.admit(0.0, 1000).pieces  # the control: one path, a retransmission each
    assert late.at >= TCP_RTO_MIN_S


def test_a_datagram_is_lost_only_when_every_copy_is() -> None:
    half = Shape(latency_s=0.001, loss=0.5)
    pipe = _pipe(Mode.DATAGRAM, half, Shape(latency_s=0.003, loss=0.5))
    lost = sum(pipe.admit(float(n), 100).dropped == 100 for n in range(4000))
    assert lost / 4000 == pytest.approx(0.25, abs=0.03)  # 0.5 x 0.5, independently
    both_dead = _pipe(Mode.DATAGRAM, DEAD, DEAD)
    assert both_dead.admit(0.0, 100).dropped == 100
    one_dead = _pipe(Mode.DATAGRAM, DEAD, SLOW)
    assert all(one_dead.admit(float(n), 100).dropped == 0 for n in range(100))


def test_one_copy_is_one_path() -> None:
    pipe = _pipe(Mode.STREAM, SLOW)
    assert not pipe.redundancy.active and pipe.copies == ()
    (piece,) = pipe.admit(0.0, 100).pieces
    assert piece.at == pytest.approx(SLOW.latency_s)
