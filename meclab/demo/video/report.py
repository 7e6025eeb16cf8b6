"""What the video demo shows: both pipelines compared frame by frame, a short report, a plot.

The camera records one outcome per frame and pipeline (:mod:`.camera`). From them, per
pipeline: the bytes that reached the cloud, the latency from capture to answer over the frames
that show a face and were answered, and the identification against the ground truth. A frame
counts as many true positives as the persons it shows and the answer names (as multisets); a
person answered who is not in it (an unknown face taken for someone, say) is a false positive,
a known face not answered (not detected, not sent, failed) a false negative.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

PIPELINES = ("split", "baseline")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One frame through one pipeline, as the camera recorded it."""

    pipeline: str
    camera: str
    wall: float
    truth: tuple[int | None, ...]
    """The person of each face in the frame (None: unknown)."""
    identities: tuple[int, ...] | None
    """The known persons answered; None: the frame failed."""
    latency_s: float | None
    bytes_sent: int
    cloud_bytes: int
    sent: bool
    edge: str | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> Outcome:
        failed = record["kind"] == "frame_failed"
        return cls(
            pipeline=record["pipeline"],
            camera=record["camera"],
            wall=float(record["wall"]),
            truth=tuple(face[0] for face in record["truth"]),
            identities=None if failed else tuple(record["identities"]),
            latency_s=None if failed else float(record["latency_s"]),
            bytes_sent=int(record.get("bytes", 0)),
            cloud_bytes=int(record.get("cloud_bytes", 0)),
            sent=bool(record.get("sent", True)),
            edge=record.get("edge"),
        )


def outcomes(records: Iterable[dict[str, Any]]) -> list[Outcome]:
    """The camera's frame records as outcomes, in capture order."""
    found = [Outcome.of(r) for r in records if r.get("kind") in ("frame", "frame_failed")]
    return sorted(found, key=lambda o: o.wall)


def quantile(values: Sequence[float], q: float) -> float | None:
    return float(np.quantile(values, q)) if values else None


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """One pipeline over the run."""

    name: str
    frames: int
    failed: int
    sent: int
    """Frames that left the camera (the split pipeline skips those without candidates)."""
    cloud_bytes: int
    latencies_s: tuple[float, ...]
    """Capture to answer, frames with a face that were sent and answered."""
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def skipped(self) -> int:
        return self.frames - self.sent

    @property
    def bytes_per_frame(self) -> float:
        return self.cloud_bytes / self.frames if self.frames else 0.0

    @property
    def precision(self) -> float | None:
        answered = self.true_positives + self.false_positives
        return self.true_positives / answered if answered else None

    @property
    def recall(self) -> float | None:
        known = self.true_positives + self.false_negatives
        return self.true_positives / known if known else None

    @property
    def median_s(self) -> float | None:
        return quantile(self.latencies_s, 0.5)

    @property
    def p95_s(self) -> float | None:
        return quantile(self.latencies_s, 0.95)


def stats(found: Iterable[Outcome], pipeline: str) -> PipelineStats:
    """The statistics of ``pipeline`` over ``found``."""
    mine = [o for o in found if o.pipeline == pipeline]
    tp = fp = fn = 0
    for o in mine:
        known = Counter(p for p in o.truth if p is not None)
        answered = Counter(o.identities or ())
        hits = sum((known & answered).values())
        tp, fp, fn = tp + hits, fp + answered.total() - hits, fn + known.total() - hits
    latencies = tuple(o.latency_s for o in mine if o.truth and o.sent and o.latency_s is not None)
    return PipelineStats(
        name=pipeline,
        frames=len(mine),
        failed=sum(o.identities is None for o in mine),
        sent=sum(o.sent for o in mine),
        cloud_bytes=sum(o.cloud_bytes for o in mine),
        latencies_s=latencies,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
    )


def served(found: Iterable[Outcome]) -> dict[str, list[str]]:
    """The edge instances that answered each camera's split frames, by camera."""
    edges: dict[str, set[str]] = {}
    for o in found:
        if o.pipeline == "split" and o.edge is not None:
            edges.setdefault(o.camera, set()).add(o.edge)
    return {camera: sorted(names) for camera, names in edges.items()}


def plot(
    found: Sequence[Outcome], all_stats: Sequence[PipelineStats], path: Path, *, title: str
) -> Path:
    """A PNG: cumulative bytes to the cloud over ``found``, and the latency distributions,
    precision and recall of ``all_stats`` (one per pipeline, in :data:`PIPELINES` order)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    fig, (ax_bytes, ax_latency, ax_accuracy) = plt.subplots(1, 3, figsize=(15, 4.8))
    fig.suptitle(title)
    start = min((o.wall for o in found), default=0.0)
    for name in PIPELINES:
        mine = [o for o in found if o.pipeline == name]
        ax_bytes.step(
            [o.wall - start for o in mine],
            np.cumsum([o.cloud_bytes for o in mine]) / 1e3,
            where="post",
            label=name,
        )
    ax_bytes.set_xlabel("time since the first frame (s)")
    ax_bytes.set_yscale("symlog", linthresh=1.0)  # the split line is too low for a linear axis
    ax_bytes.set_ylabel("bytes to the cloud, cumulative (kB, log)")
    ax_bytes.legend()
    ax_latency.boxplot(
        [[x * 1e3 for x in s.latencies_s] or [0.0] for s in all_stats],
        tick_labels=list(PIPELINES),
    )
    ax_latency.set_ylabel("capture to answer, frames with faces (ms)")
    width = 0.35
    xs = np.arange(len(PIPELINES))
    for offset, what in ((-width / 2, "precision"), (width / 2, "recall")):
        values = [getattr(s, what) or 0.0 for s in all_stats]
        ax_accuracy.bar(xs + offset, values, width, label=what)
    ax_accuracy.set_xticks(xs, list(PIPELINES))
    ax_accuracy.set_ylim(0, 1.05)
    ax_accuracy.set_ylabel("identification of known faces")
    ax_accuracy.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
