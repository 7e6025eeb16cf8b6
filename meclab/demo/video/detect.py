"""The camera's cheap preliminary detector: where a face may be, on a quarter-size image.

Mean-pool the frame by :data:`POOL` (a 16th of the pixels), take the gradient energy
(|dx| + |dy|), keep what exceeds :data:`THRESHOLD` (the smooth background stays well below, a
face's high-contrast cells well above), label the connected regions (scipy.ndimage) and answer
their bounding boxes in full-frame pixels, padded by :data:`PAD` and clipped to the frame;
boxes that then overlap are one (a face's cells of one shade can split its region in two).
Cheap enough for a camera; it only says where to look, the cloud says who it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from meclab.demo.video.frames import FACE, Image

POOL = 4
THRESHOLD = 30.0
"""Gradient energy (pooled gray levels): a face's cells differ by ~175, the background's slope
and noise give a few."""
PAD = 6
MIN_SIDE = FACE // 2
"""A region whose box is smaller than this (in full pixels) is noise, not a face."""


@dataclass(frozen=True, slots=True)
class Box:
    """A candidate region: ``[x0, x1) x [y0, y1)`` in full-frame pixels."""

    x0: int
    y0: int
    x1: int
    y1: int


def candidates(pixels: Image) -> list[Box]:
    """The candidate boxes of a frame, top to bottom."""
    height, width = pixels.shape
    h, w = height // POOL, width // POOL
    pooled = pixels[: h * POOL, : w * POOL].reshape(h, POOL, w, POOL).mean(axis=(1, 3))
    energy = np.zeros_like(pooled)
    energy[:, 1:] += np.abs(np.diff(pooled, axis=1))
    energy[1:, :] += np.abs(np.diff(pooled, axis=0))
    labels, _ = ndimage.label(energy > THRESHOLD)
    boxes: list[Box] = []
    for rows, cols in ndimage.find_objects(labels):
        x0, x1 = cols.start * POOL, cols.stop * POOL
        y0, y1 = rows.start * POOL, rows.stop * POOL
        if min(x1 - x0, y1 - y0) < MIN_SIDE:
            continue
        boxes.append(
            Box(max(0, x0 - PAD), max(0, y0 - PAD), min(width, x1 + PAD), min(height, y1 + PAD))
        )
    return merged(boxes)


def overlap(a: Box, b: Box) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def merged(boxes: list[Box]) -> list[Box]:
    """``boxes`` with every overlapping pair replaced by the box around both, top to bottom."""
    out: list[Box] = []
    for box in boxes:
        while True:
            hit = next((other for other in out if overlap(box, other)), None)
            if hit is None:
                break
            out.remove(hit)
            box = Box(
                min(box.x0, hit.x0), min(box.y0, hit.y0), max(box.x1, hit.x1), max(box.y1, hit.y1)
            )
        out.append(box)
    return sorted(out, key=lambda b: (b.y0, b.x0))
