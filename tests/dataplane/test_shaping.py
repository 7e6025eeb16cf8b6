"""Shaping stages under a fake clock: every time is exact, every random draw seeded."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from meclab.dataplane.shaping.delay import Delay, jitter_sample
from meclab.dataplane.shaping.loss import MSS_BYTES, TCP_RTO_MIN_S, Loss, rto_s
from meclab.dataplane.shaping.piece import Piece
from meclab.dataplane.shaping.pipeline import (
    MIN_BUFFER_BYTES,
    UNLIMITED_BUFFER_BYTES,
    Mode,
    Pipeline,
    Shape,
)
from meclab.dataplane.shaping.rate import MIN_SLICE_BYTES, TokenBucket
from meclab.dataplane.shaping.toxics import (
    BandwidthToxic,
    LatencyToxic,
    LimitDataToxic,
    ResetPeerToxic,
    SlicerToxic,
    TimeoutToxic,
)
from meclab.dataplane.stats import Meter
from meclab.engine.netchar import PathNetChar
from meclab.scenario.model import JitterDistribution


def rng(seed: int = 1) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- delay ------------------------------------------------------------------------------------


def test_a_chunk_arriving_at_t_leaves_at_t_plus_latency() -> None:
    pipe = Pipeline(Mode.STREAM, rng(), Shape(latency_s=0.020))
    verdict = pipe.admit(10.0, 1000)
    assert [(p.at, p.start, p.end) for p in verdict.pieces] == [(10.020, 0, 1000)]
    assert verdict.dropped == 0 and verdict.ending is None and not verdict.held


@pytest.mark.parametrize(
    ("distribution", "check"),
    [
        (JitterDistribution.UNIFORM, "uniform"),
        (JitterDistribution.NORMAL, "normal"),
        (JitterDistribution.PARETO, "pareto"),
        (JitterDistribution.PARETO_NORMAL, "paretonormal"),
    ],
)
def test_jitter_samples_have_zero_mean_and_the_documented_spread(
    distribution: JitterDistribution, check: str
) -> None:
    g = rng(7)
    n = 40_000
    jitter = 0.004
    samples = np.array([jitter_sample(distribution, jitter, g) for _ in range(n)])
    sd = samples.std()
    # the mean of n samples with standard deviation <= jitter is within 5 standard errors of 0
    assert abs(samples.mean()) < 5 * jitter / math.sqrt(n)
    if check == "uniform":
        assert samples.min() >= -jitter and samples.max() <= jitter
        assert sd == pytest.approx(jitter / math.sqrt(3), rel=0.02)
    elif check == "normal":
        assert sd == pytest.approx(jitter, rel=0.02)
        assert np.mean(np.abs(samples) < jitter) == pytest.approx(0.6827, abs=0.01)
    elif check == "pareto":
        # heavy right tail, bounded on the left at (1 - 1.5) / sqrt(3/4) standard deviations;
        # the sample sd of a shape-3 Pareto converges slowly (infinite 4th moment): loose bound
        assert samples.min() >= -0.5774 * jitter - 1e-12
        assert samples.max() > 5 * jitter
        assert sd == pytest.approx(jitter, rel=0.15)
    else:
        assert sd == pytest.approx(jitter, rel=0.15)
        assert samples.min() < -0.6 * jitter  # the normal part reaches below the Pareto's floor


def test_a_delay_is_never_negative() -> None:
    delay = Delay(latency_s=0.001, jitter_s=0.010, distribution=JitterDistribution.NORMAL)
    g = rng(3)
    assert min(delay.sample(g) for _ in range(5000)) == 0.0


def test_jitter_never_reorders_pieces() -> None:
    pipe = Pipeline(
        Mode.STREAM,
        rng(5),
        Shape(latency_s=0.010, jitter_s=0.005, distribution=JitterDistribution.NORMAL),
    )
    times = [p.at for t in range(2000) for p in pipe.admit(t * 0.0001, 100).pieces]
    assert times == sorted(times)
    # the clamp only ever delays: nothing leaves before its arrival plus the latency floor 0
    assert all(at >= i * 0.0001 for i, at in enumerate(times))


# --- rate -------------------------------------------------------------------------------------


def test_token_bucket_serialises_exactly() -> None:
    bucket = TokenBucket(rate_Bps=1000.0)
    assert bucket.departure(0.0, 100) == pytest.approx(0.1)
    assert bucket.departure(0.0, 100) == pytest.approx(0.2)  # queued behind the first
    assert bucket.departure(5.0, 100) == pytest.approx(5.1)  # idle link starts afresh
    assert bucket.backlog_s(5.0) == pytest.approx(0.1)


def test_token_bucket_burst_lets_that_many_bytes_pass_at_once() -> None:
    bucket = TokenBucket(rate_Bps=1000.0, burst_bytes=300)
    assert [bucket.departure(0.0, 100) for _ in range(4)] == pytest.approx([0, 0, 0, 0.1])


def test_timer_lateness_does_not_slow_the_rate() -> None:
    """The schedule is absolute: a chunk read late (as after a late timer) still leaves at the
    time the link frees, and the long-run rate is exact (bandwidth.go's carried sleep debt)."""
    bucket = TokenBucket(rate_Bps=10_000.0)
    at = 0.0
    now = 0.0
    for _ in range(100):
        at = bucket.departure(now, 1000)
        now = at + 0.0013  # the writer wakes 1.3 ms late every time and reads the next chunk
    assert at == pytest.approx(100 * 0.1 + 99 * 0.0013)
    bucket = TokenBucket(rate_Bps=10_000.0)
    departures = [bucket.departure(0.0013 * i, 1000) for i in range(100)]
    assert departures[-1] == pytest.approx(10.0)  # reads ahead of the link: exact rate


def test_rate_cuts_big_chunks_into_slices() -> None:
    pipe = Pipeline(Mode.STREAM, rng(), Shape(rate_Bps=100_000.0))  # 0.8 Mbit/s
    pieces = pipe.admit(0.0, 10_000).pieces
    assert [p.size for p in pieces] == [MIN_SLICE_BYTES, MIN_SLICE_BYTES, 10_000 - 8192]
    assert [p.at for p in pieces] == pytest.approx([0.04096, 0.08192, 0.1])
    assert pieces[0].start == 0 and pieces[-1].end == 10_000


def test_datagrams_are_never_sliced() -> None:
    pipe = Pipeline(Mode.DATAGRAM, rng(), Shape(rate_Bps=100_000.0))
    pieces = pipe.admit(0.0, 10_000).pieces
    assert [(p.at, p.size) for p in pieces] == [(pytest.approx(0.1), 10_000)]


def test_rate_then_latency() -> None:
    pipe = Pipeline(Mode.STREAM, rng(), Shape(latency_s=0.050, rate_Bps=1e6))
    assert pipe.admit(1.0, 1000).pieces[0].at == pytest.approx(1.0 + 0.001 + 0.050)


# --- loss -------------------------------------------------------------------------------------


def test_datagram_loss_rate_matches_p() -> None:
    pipe = Pipeline(Mode.DATAGRAM, rng(11), Shape(loss=0.1))
    n = 20_000
    dropped = sum(pipe.admit(i * 1e-4, 100).dropped == 100 for i in range(n))
    # binomial: sd = sqrt(n p (1-p)) = 42.4; 4 sd
    assert abs(dropped - 2000) < 4 * math.sqrt(n * 0.1 * 0.9)


def test_stream_loss_never_drops_bytes_but_delays_by_an_rto() -> None:
    pipe = Pipeline(Mode.STREAM, rng(2), Shape(latency_s=0.010, loss=0.05))
    pipe.update(pipe.shape, rto_s=0.3)
    delays = []
    for i in range(2000):
        verdict = pipe.admit(float(i), MSS_BYTES)  # far apart: no clamping between them
        assert verdict.dropped == 0 and sum(p.size for p in verdict.pieces) == MSS_BYTES
        delays.append(round(verdict.pieces[0].at - i, 6))
    assert set(delays) == {0.010, 0.310}
    late = delays.count(0.310)
    assert abs(late - 100) < 4 * math.sqrt(2000 * 0.05 * 0.95)


def test_stream_loss_probability_grows_with_the_segments_of_a_piece() -> None:
    loss = Loss(p=0.01, rto_s=1.0)
    g = rng(4)
    n = 20_000
    hits = sum(loss.stream_penalty(10 * MSS_BYTES, g) > 0 for _ in range(n))
    expected = 1 - 0.99**10
    assert abs(hits / n - expected) < 4 * math.sqrt(expected * (1 - expected) / n)


def test_rto_follows_rfc_6298_with_linux_floor() -> None:
    assert rto_s(0.010, 0.001) == TCP_RTO_MIN_S
    assert rto_s(0.300, 0.050) == pytest.approx(0.5)


# --- updates in place ------------------------------------------------------------------------


def test_lowering_latency_in_place_keeps_order_and_loses_nothing() -> None:
    pipe = Pipeline(Mode.STREAM, rng(), Shape(latency_s=0.100))
    before = pipe.admit(0.0, 500).pieces
    pipe.update(Shape(latency_s=0.010))
    after = pipe.admit(0.001, 500).pieces
    assert before[0].at == pytest.approx(0.100)
    assert after[0].at == pytest.approx(0.100)  # may not overtake: leaves right behind
    later = pipe.admit(0.2, 500).pieces
    assert later[0].at == pytest.approx(0.210)  # then the new latency rules
    total = sum(p.size for p in before + after + later)
    assert total == 1500


def test_raising_the_rate_in_place_applies_to_the_next_chunk() -> None:
    pipe = Pipeline(Mode.STREAM, rng(), Shape(rate_Bps=10_000.0))
    first = pipe.admit(0.0, 5000).pieces[-1].at
    pipe.update(Shape(rate_Bps=1e6))
    second = pipe.admit(0.0, 5000).pieces[-1].at
    assert first == pytest.approx(0.5)
    assert second == pytest.approx(0.5 + 0.005)


def test_stalled_pipeline_holds_chunks() -> None:
    pipe = Pipeline(Mode.STREAM, rng(), Shape(latency_s=0.010))
    pipe.stall()
    assert pipe.admit(1.0, 100).held
    assert not pipe.transparent
    pipe.resume()
    assert pipe.admit(2.0, 100).pieces[0].at == pytest.approx(2.010)


def test_transparent_only_when_nothing_shapes() -> None:
    pipe = Pipeline(Mode.STREAM, rng())
    assert pipe.transparent
    pipe.update(Shape(loss=0.001))
    assert not pipe.transparent


def test_buffer_limit_is_the_bandwidth_delay_product_bounded() -> None:
    pipe = Pipeline(Mode.STREAM, rng())
    assert pipe.buffer_limit(0.0) == UNLIMITED_BUFFER_BYTES
    pipe.update(Shape(latency_s=0.1, rate_Bps=125e6))  # 1 Gbit/s, 100 ms
    assert pipe.buffer_limit(0.0) == int(125e6 * 0.15)
    pipe.update(Shape(latency_s=0.001, rate_Bps=125e3))
    assert pipe.buffer_limit(0.0) == MIN_BUFFER_BYTES


def test_shape_of_a_path_in_both_directions() -> None:
    path = PathNetChar(
        "ue",
        "app",
        latency_ms=12.0,
        jitter_ms=2.0,
        jitter_distribution=JitterDistribution.PARETO,
        loss_pct=1.5,
        throughput_mbps=50.0,
        throughput_reverse_mbps=None,
        hops=("ue",),
    )
    up, down = Shape.of_path(path), Shape.of_path(path, reverse=True)
    assert up == Shape(0.012, 0.002, JitterDistribution.PARETO, 0.015, 50e6 / 8)
    assert down.rate_Bps is None and down.latency_s == 0.012
    assert up.to_dict()["throughput_mbps"] == pytest.approx(50.0)


# --- toxics -----------------------------------------------------------------------------------


def test_latency_toxic_adds_to_the_path_and_counts_from_its_exit() -> None:
    pipe = Pipeline(Mode.STREAM, rng(), Shape(latency_s=0.010))
    pipe.set_toxics([LatencyToxic("lat", latency_ms=100)])
    assert pipe.admit(0.0, 10).pieces[0].at == pytest.approx(0.110)
    # a bandwidth toxic before it: the latency counts the time already spent there
    pipe = Pipeline(Mode.STREAM, rng())
    pipe.set_toxics([BandwidthToxic("bw", rate_kBps=1), LatencyToxic("lat", latency_ms=100)])
    pieces = pipe.admit(0.0, 50).pieces  # 50 ms in the bandwidth toxic
    assert pieces[0].at == pytest.approx(0.100)


def test_latency_toxic_jitter_is_uniform_like_toxiproxy() -> None:
    toxic = LatencyToxic("lat", latency_ms=100, jitter_ms=10)
    g = rng(9)
    pipe = Pipeline(Mode.STREAM, g)
    pipe.set_toxics([toxic])
    times = [pipe.admit(float(i), 1).pieces[0].at - i for i in range(2000)]
    assert min(times) >= 0.090 and max(times) <= 0.110
    assert np.mean(times) == pytest.approx(0.100, abs=0.001)


def test_bandwidth_toxic_rate_in_kilobytes_per_second() -> None:
    pipe = Pipeline(Mode.STREAM, rng())
    pipe.set_toxics([BandwidthToxic("bw", rate_kBps=100)])
    assert pipe.admit(0.0, 100_000).pieces[-1].at == pytest.approx(1.0)


def test_slicer_cuts_near_the_average_size_with_delays() -> None:
    toxic = SlicerToxic("s", average_size=100, size_variation=10, delay_us=1000)
    pieces, ending = toxic.apply([Piece(0.0, 0, 1000)], 0.0, rng())
    assert ending is None
    assert pieces[0].start == 0 and pieces[-1].end == 1000
    assert all(a.end == b.start for a, b in itertools.pairwise(pieces))
    assert all(p.size <= 110 for p in pieces)
    assert [p.at for p in pieces] == pytest.approx([i * 0.001 for i in range(len(pieces))])


def test_timeout_toxic_drops_data_and_closes_after_its_timeout() -> None:
    pipe = Pipeline(Mode.STREAM, rng())
    pipe.set_toxics([TimeoutToxic("t", timeout_ms=500, since=3.0)])
    verdict = pipe.admit(3.1, 100)
    assert verdict.pieces == [] and verdict.dropped == 100
    assert verdict.ending is not None and verdict.ending.at == pytest.approx(3.5)
    assert pipe.deadline() == verdict.ending
    pipe.set_toxics([TimeoutToxic("t", timeout_ms=0, since=3.0)])
    assert pipe.deadline() is None and pipe.admit(4.0, 1).ending is None


def test_reset_peer_resets_after_its_timeout_on_data() -> None:
    pipe = Pipeline(Mode.STREAM, rng())
    pipe.set_toxics([ResetPeerToxic("r", timeout_ms=200)])
    verdict = pipe.admit(1.0, 10)
    assert verdict.ending is not None and verdict.ending.reset
    assert verdict.ending.at == pytest.approx(1.2)


def test_limit_data_passes_its_bytes_then_closes() -> None:
    pipe = Pipeline(Mode.STREAM, rng())
    pipe.set_toxics([LimitDataToxic("l", limit=150)])
    first = pipe.admit(0.0, 100)
    assert first.ending is None and first.pieces[0].size == 100
    second = pipe.admit(1.0, 100)
    assert second.pieces[0].size == 50 and second.dropped == 50
    assert second.ending is not None and not second.ending.reset


def test_stream_only_toxics_are_skipped_for_datagrams() -> None:
    pipe = Pipeline(Mode.DATAGRAM, rng())
    pipe.set_toxics([LimitDataToxic("l", limit=1), LatencyToxic("lat", latency_ms=5)])
    assert [t.name for t in pipe.toxics] == ["lat"]


def test_meter_reports_the_last_complete_window() -> None:
    meter = Meter()
    assert meter.rate(5.0) == 0.0
    for i in range(21):  # 1000 bytes every 50 ms from t = 10 s: 20 kB/s
        meter.add(1000, 10.0 + i * 0.05)
    assert meter.rate(11.01) == pytest.approx(20_000.0)
    assert meter.rate(13.0) == pytest.approx(1000 / 2.0)  # idle since 11 s: the rate decays


def test_a_faster_rate_applies_to_what_the_slower_one_committed() -> None:
    pipe = Pipeline(Mode.STREAM, rng(), Shape(latency_s=0.010, rate_Bps=100_000.0))
    verdict = pipe.admit(0.0, 50_000)  # half a second of transmission at 100 kB/s
    due = [p.at for p in verdict.pieces]
    assert due[-1] == pytest.approx(0.5 + 0.010)
    assert pipe.retime(0.0) is None  # the rate did not go up: nothing moves

    pipe.update(Shape(latency_s=0.010, rate_Bps=400_000.0))
    moved = pipe.retime(0.0)
    assert moved is not None
    after = [moved(at) for at in due]
    assert after == sorted(after)  # the order holds
    assert after[-1] == pytest.approx(0.125 + 0.010)  # the wait at a quarter, the latency kept
    assert moved(0.005) == 0.005  # within the latency: already on its way
    later = pipe.admit(0.0, 4_000)  # the link is free at the new schedule's end
    assert later.pieces[0].at == pytest.approx(0.125 + 0.01 + 0.010)

    pipe.update(Shape(latency_s=0.010, rate_Bps=100_000.0))
    assert pipe.retime(0.0) is None  # slower: what was committed keeps its times
