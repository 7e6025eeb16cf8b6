"""The cloud's side: the face database, identification of a crop, detection on a whole frame.

Both use the normalised cross-correlation (NCC, in [-1, 1]) of a known person's template with
every FACE x FACE window of the image: numerator by FFT correlation (scipy.fft), window
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
from scipy.fft import irfft2, next_fast_len, rfft2

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


def ncc_maps(image: Floats, faces: Sequence[Floats]) -> Floats:
    """The NCC of each of ``faces`` (all one size) with every window of ``image`` that size
    (valid positions only), shape (len(faces), H-size+1, W-size+1). The image's spectrum and
    window statistics are computed once for all the faces."""
    size = faces[0].shape[0]
    height, width = image.shape
    shape = [next_fast_len(height + size - 1, True), next_fast_len(width + size - 1, True)]
    spectrum = rfft2(image, shape)
    sums = window_sums(image, size)
    spread = np.sqrt(np.maximum(window_sums(image * image, size) - sums * sums / size**2, 0.0))
    maps = []
    for face in faces:
        t = face - face.mean()
        full = irfft2(spectrum * rfft2(t[::-1, ::-1], shape), shape)
        numerator = full[size - 1 : height, size - 1 : width]  # the 'valid' part
        denominator = spread * float(np.sqrt((t * t).sum()))
        maps.append(np.where(denominator > FLAT, numerator / np.maximum(denominator, FLAT), 0.0))
    return np.stack(maps)


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
        scores = ncc_maps(crop, self.templates)
        person, y, x = (int(i) for i in np.unravel_index(int(np.argmax(scores)), scores.shape))
        score = float(scores[person, y, x])
        return Match(person if score >= MATCH else None, score, x, y)

    def find(self, image: Floats) -> list[Match]:
        """Every known person in a whole frame: windows scoring at least MATCH for some
        template, the best first, none within a face's size of a better one."""
        scores = ncc_maps(image, self.templates)
        found = [
            Match(int(person), float(scores[person, y, x]), int(x), int(y))
            for person, y, x in zip(*np.nonzero(scores >= MATCH), strict=True)
        ]
        found.sort(key=lambda m: -m.score)
        kept: list[Match] = []
        for match in found:
            if all(abs(match.x - k.x) >= FACE or abs(match.y - k.y) >= FACE for k in kept):
                kept.append(match)
        return kept
