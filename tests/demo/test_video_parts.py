"""Example 1, video analytics: frames, the camera's detector, identification, the wire, the
scenario and the report's maths."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest

from meclab.demo.derive import DeriveError, mec_hosts, terminals
from meclab.demo.video.detect import Box, candidates
from meclab.demo.video.frames import (
    FACE,
    HEIGHT,
    KNOWN,
    UNKNOWN_SHARE,
    WIDTH,
    Face,
    frame,
    template,
)
from meclab.demo.video.identify import MATCH, Database
from meclab.demo.video.report import outcomes, served, stats
from meclab.demo.video.wire import (
    WireError,
    decode_crops,
    encode_crops,
    read_boxes,
    read_frame,
    shape_header,
)
from meclab.demo.video.world import APP_NAME, CLOUD_APP, DOMAIN, video_world
from meclab.scenario.builtin import default_scenario

SAMPLE = [frame(seed, n) for seed in (1, 2) for n in range(60)]


def crops_of(pixels: np.ndarray) -> list[np.ndarray]:
    return [pixels[b.y0 : b.y1, b.x0 : b.x1] for b in candidates(pixels)]


def contains(box: Box, face: Face) -> bool:
    return (
        box.x0 <= face.x
        and face.x + FACE <= box.x1
        and box.y0 <= face.y
        and face.y + FACE <= box.y1
    )


# --- frames ---------------------------------------------------------------------------------


def test_frames_are_deterministic_per_seed_and_number() -> None:
    again = frame(1, 7)
    assert np.array_equal(again.pixels, SAMPLE[7].pixels) and again.faces == SAMPLE[7].faces
    assert not np.array_equal(frame(2, 7).pixels, again.pixels)
    assert again.pixels.shape == (HEIGHT, WIDTH) and again.pixels.dtype == np.uint8


def test_the_ground_truth_says_where_each_face_is_and_whose() -> None:
    faces = [(f, shot) for shot in SAMPLE for f in shot.faces]
    counts = Counter(len(shot.faces) for shot in SAMPLE)
    assert set(counts) == {0, 1, 2}
    unknown = sum(f.person is None for f, _ in faces) / len(faces)
    assert abs(unknown - UNKNOWN_SHARE) < 0.12
    for face, shot in faces:
        patch = shot.pixels[face.y : face.y + FACE, face.x : face.x + FACE].astype(float)
        scores = [np.corrcoef(patch.ravel(), template(p).ravel())[0, 1] for p in range(KNOWN)]
        if face.person is None:
            assert max(scores) < MATCH
        else:
            assert int(np.argmax(scores)) == face.person and max(scores) > 0.95


# --- the camera's detector ------------------------------------------------------------------


def test_the_detector_boxes_every_planted_face_once_and_skips_blank_frames() -> None:
    for shot in SAMPLE:
        boxes = candidates(shot.pixels)
        assert len(boxes) == len(shot.faces)
        for face in shot.faces:
            inside = [b for b in boxes if contains(b, face)]
            assert len(inside) == 1
    assert candidates(np.full((HEIGHT, WIDTH), 128, dtype=np.uint8)) == []


# --- identification -------------------------------------------------------------------------


def test_a_known_face_is_identified_and_an_unknown_one_rejected_even_after_the_edges_loss() -> None:
    database = Database()
    seen = Counter[bool]()
    for shot in SAMPLE:
        boxes = candidates(shot.pixels)
        crops = crops_of(shot.pixels)
        body, headers = encode_crops(crops)
        lossy = decode_crops(headers, body)
        for box, crop, lossy_crop in zip(boxes, crops, lossy, strict=True):
            face = next(f for f in shot.faces if contains(box, f))
            for image in (crop, lossy_crop):
                assert database.identify(image.astype(float)).person == face.person
            seen[face.person is None] += 1
    assert seen[True] > 5 and seen[False] > 20


def test_the_thorough_detector_finds_the_known_persons_of_a_whole_frame() -> None:
    database = Database()
    for shot in SAMPLE[:30]:
        found = sorted(m.person for m in database.find(shot.pixels.astype(float)))
        assert found == sorted(f.person for f in shot.faces if f.person is not None)


def test_the_edges_compression_is_4_bit_and_smaller_than_the_crops() -> None:
    shot = next(s for s in SAMPLE if len(s.faces) == 2)
    crops = crops_of(shot.pixels)
    body, headers = encode_crops(crops)
    back = decode_crops(headers, body)
    assert [c.shape for c in back] == [c.shape for c in crops]
    for crop, lossy in zip(crops, back, strict=True):
        assert np.abs(crop.astype(int) - lossy.astype(int)).max() <= 8
    assert len(body) < sum(c.size for c in crops) / 2


def test_malformed_requests_name_the_header() -> None:
    pixels = SAMPLE[0].pixels
    assert np.array_equal(
        read_frame(shape_header(pixels), pixels.tobytes(), compressed=False), pixels
    )
    with pytest.raises(WireError, match="X-Frame-Shape"):
        read_frame({"X-Frame-Shape": "240"}, pixels.tobytes(), compressed=False)
    with pytest.raises(WireError, match="wants 76800 bytes"):
        read_frame(shape_header(pixels), b"abc", compressed=False)
    with pytest.raises(WireError, match="X-Boxes"):
        read_boxes({"X-Boxes": "1,2,3"})
    with pytest.raises(WireError, match="X-Crops"):
        decode_crops({"X-Crops": "40,40"}, encode_crops([])[0])


# --- the scenario ---------------------------------------------------------------------------


def test_an_edge_instance_on_every_mec_host_with_the_common_dns_rule() -> None:
    base = default_scenario()
    world = video_world(base, cameras=3)
    hosts = {
        host.name: host
        for domain in world.scenario.domains
        for zone in domain.zones
        for host in zone.mec_hosts
    }
    assert [e.host for e in world.edges] == mec_hosts(base)
    assert len({e.address for e in world.edges}) == len(world.edges)
    for edge in world.edges:
        app = next(a for a in hosts[edge.host].apps if a.name == edge.app)
        assert app.app_name == APP_NAME and not app.emulated
        assert app.endpoint == f"127.0.0.1:{edge.port}" and app.address == edge.address
        assert [(r.domain_name, r.ip_address) for r in app.dns_rules] == [(DOMAIN, edge.address)]
    cloud = world.scenario.clouds[0]
    assert [a.endpoint for a in cloud.apps if a.name == CLOUD_APP] == [
        f"127.0.0.1:{world.cloud_port}"
    ]
    by_name = {t.name: t for t in terminals(world.scenario)}
    assert len(world.cameras) == 3 and all(by_name[c].velocity_mps == 0 for c in world.cameras)
    assert sorted(e for edges in world.zone_edges.values() for e in edges) == sorted(
        e.app for e in world.edges
    )


def test_a_scenario_without_what_the_demo_needs_is_named() -> None:
    base = default_scenario()
    with pytest.raises(DeriveError, match="6 cameras"):
        video_world(base, cameras=6)
    no_hosts = base.model_copy(deep=True)
    for domain in no_hosts.domains:
        for zone in domain.zones:
            zone.mec_hosts.clear()
    with pytest.raises(DeriveError, match="no MEC host"):
        video_world(no_hosts, cameras=1)
    no_cloud = base.model_copy(deep=True)
    no_cloud.clouds.clear()
    for domain in no_cloud.domains:
        domain.clouds.clear()
    with pytest.raises(DeriveError, match="no cloud"):
        video_world(no_cloud, cameras=1)


# --- the report's maths ---------------------------------------------------------------------


def record(pipeline: str, wall: float, truth: list[Any], **fields: Any) -> dict[str, Any]:
    return {"kind": "frame", "pipeline": pipeline, "camera": "cam", "n": int(wall),
            "wall": wall, "truth": truth, **fields}  # fmt: skip


def test_the_report_counts_bytes_latency_and_accuracy_per_pipeline() -> None:
    records = [
        # a known face and an unknown one; split finds the known one, baseline takes the
        # unknown one for person 3 as well
        record("split", 1.0, [[2, 0, 0], [None, 50, 50]], identities=[2], latency_s=0.1,
               bytes=900, cloud_bytes=100, sent=True, edge="video-edge-a"),
        record("baseline", 1.0, [[2, 0, 0], [None, 50, 50]], identities=[2, 3],
               latency_s=0.3, bytes=5000, cloud_bytes=5000),
        # nothing in the frame: split skips it, baseline answers nobody
        record("split", 2.0, [], identities=[], latency_s=0.001, bytes=0, cloud_bytes=0,
               sent=False, edge=None),
        record("baseline", 2.0, [], identities=[], latency_s=0.2, bytes=4000,
               cloud_bytes=4000),
        # two of person 5: split fails, baseline finds one of them
        {"kind": "frame_failed", "pipeline": "split", "camera": "cam", "n": 3, "wall": 3.0,
         "truth": [[5, 0, 0], [5, 90, 90]], "sent": True, "bytes": 900, "cloud_bytes": 0,
         "error": "refused"},
        record("baseline", 3.0, [[5, 0, 0], [5, 90, 90]], identities=[5], latency_s=0.5,
               bytes=5000, cloud_bytes=5000),
    ]  # fmt: skip
    found = outcomes(records)
    split, baseline = stats(found, "split"), stats(found, "baseline")
    assert (split.frames, split.sent, split.skipped, split.failed) == (3, 2, 1, 1)
    assert split.cloud_bytes == 100  # the camera's bytes went to the edge, not the cloud
    assert (split.true_positives, split.false_positives, split.false_negatives) == (1, 0, 2)
    assert split.precision == 1.0 and split.recall == pytest.approx(1 / 3)
    assert split.latencies_s == (0.1,)  # with faces, sent and answered
    assert (baseline.true_positives, baseline.false_positives, baseline.false_negatives) == (
        2,
        1,
        1,
    )
    assert baseline.precision == pytest.approx(2 / 3) and baseline.recall == pytest.approx(2 / 3)
    assert baseline.cloud_bytes == 14000 and baseline.bytes_per_frame == pytest.approx(14000 / 3)
    assert baseline.median_s == pytest.approx(0.4) and baseline.latencies_s == (0.3, 0.5)
    assert served(found) == {"cam": ["video-edge-a"]}
