"""The cloud's side: the face database, identification of a crop, detection on a whole frame.

Both use the normalised cross-correlation (NCC, in [-1, 1]) of a known person's template with
every FACE x FACE window of the image: numerator by FFT correlation (scipy.signal), window
means and energies by integral images. A window is a person when its best score is at least
:data:`MATCH` (a true face scores about 0.99, even after the edge's 4-bit quantisation; another
person's pattern, or the background, well under 0.7); below that it is nobody the database
knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import fftconvolve

from meclab.demo.video.frames import FACE, known_templates

MATCH = 0.8
"""The NCC from which a window is the person of the template (see the module docstring)."""
FLAT = 1e-6
"""Window energy below which a window is flat: no pattern, score 0."""

Floats = NDArray[np.float64]


def window_sums(image: Floats, size: int) -> Floats:
    """The sum of every ``size`` x ``size`` window (integral image), shape (H-size+1, W-size+1)."""
    padded = np.pad(image.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    return (
        padded[size:, size:]
        - padded[:-size, size:]
        - padded[size:, :-size]
        + padded[:-size, :-size]
    )


def ncc_map(image: Floats, face: Floats) -> Floats:
    """The NCC of ``face`` with every window of ``image`` its size (valid positions only)."""
    size = face.shape[0]
    t = face - face.mean()
    t_norm = float(np.sqrt((t * t).sum()))
    numerator = fftconvolve(image, t[::-1, ::-1], mode="valid")
    n = size * size
    sums = window_sums(image, size)
    energy = window_sums(image * image, size) - sums * sums / n
    denominator = np.sqrt(np.maximum(energy, 0.0)) * t_norm
    return np.where(denominator > FLAT, numerator / np.maximum(denominator, FLAT), 0.0)


@dataclass(frozen=True, slots=True)
class Match:
    """The best match of a window: the person, the score, the window's top-left corner."""

    person: int | None
    score: float
    x: int
    y: int


class Database:
    """The known persons' templates."""

    def __init__(self, templates: Sequence[Floats] | None = None) -> None:
        self.templates = list(known_templates() if templates is None else templates)

    def identify(self, crop: Floats) -> Match:
        """Who is in ``crop`` (one candidate region, at least FACE on each side): the best
        person anywhere in it, or None below MATCH."""
        if min(crop.shape) < FACE:
            return Match(None, 0.0, 0, 0)
        best = Match(None, -1.0, 0, 0)
        for person, face in enumerate(self.templates):
            scores = ncc_map(crop, face)
            y, x = np.unravel_index(int(np.argmax(scores)), scores.shape)
            if scores[y, x] > best.score:
                best = Match(person, float(scores[y, x]), int(x), int(y))
        return best if best.score >= MATCH else Match(None, best.score, best.x, best.y)

    def find(self, image: Floats) -> list[Match]:
        """Every known person in a whole frame: windows scoring at least MATCH for some
        template, the best first, none within a face's size of a better one."""
        found: list[Match] = []
        for person, face in enumerate(self.templates):
            scores = ncc_map(image, face)
            for y, x in zip(*np.nonzero(scores >= MATCH), strict=True):
                found.append(Match(person, float(scores[y, x]), int(x), int(y)))
        found.sort(key=lambda m: -m.score)
        kept: list[Match] = []
        for match in found:
            if all(abs(match.x - k.x) >= FACE or abs(match.y - k.y) >= FACE for k in kept):
                kept.append(match)
        return kept
