"""Synthetic camera frames with faces, and what is really in them (pure numpy, seeded).

A frame is :data:`HEIGHT` x :data:`WIDTH` grayscale (uint8): a smooth background (a few
low-frequency waves, mild noise) with 0, 1 or 2 faces. A face is a :data:`FACE` x :data:`FACE`
high-contrast patch: its person's template (a seeded :data:`GRID` x :data:`GRID` random binary
pattern, each cell :data:`CELL` pixels) plus noise. Persons ``0 .. KNOWN - 1`` are the known
ones (the cloud's database); about :data:`UNKNOWN_SHARE` of the faces are of unknown persons,
whose templates are drawn from another seed space. The same seed and frame number always give
the same frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

WIDTH, HEIGHT = 320, 240
GRID, CELL = 6, 4
FACE = GRID * CELL
KNOWN = 8
"""Persons in the cloud's database."""
UNKNOWN_PERSONS = 64
"""Distinct unknown persons that may appear."""
UNKNOWN_SEED = 10_000
"""Unknown persons' templates are seeded from here on: never one of the known ones."""
UNKNOWN_SHARE = 0.25
FACE_COUNTS, FACE_WEIGHTS = (0, 1, 2), (0.4, 0.4, 0.2)
DARK, LIGHT = 40.0, 215.0
FACE_NOISE, BACKGROUND_NOISE = 8.0, 3.0

Image = NDArray[np.uint8]


def template(person: int) -> NDArray[np.float64]:
    """The face of ``person`` (a float FACE x FACE array, DARK and LIGHT cells)."""
    cells = np.random.default_rng(person).integers(0, 2, size=(GRID, GRID))
    levels = np.where(cells == 1, LIGHT, DARK)
    return np.kron(levels, np.ones((CELL, CELL)))


def known_templates() -> list[NDArray[np.float64]]:
    """The database: the templates of persons ``0 .. KNOWN - 1``."""
    return [template(person) for person in range(KNOWN)]


@dataclass(frozen=True, slots=True)
class Face:
    """A face in a frame: the known person (None: an unknown one) and its top-left corner."""

    person: int | None
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Frame:
    """A frame's pixels and its ground truth."""

    pixels: Image
    faces: tuple[Face, ...]


def background(rng: np.random.Generator) -> NDArray[np.float64]:
    """A smooth scene: three random low-frequency waves around mid-gray."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    scene = np.full((HEIGHT, WIDTH), 120.0)
    for _ in range(3):
        fx, fy = rng.uniform(0.5, 2.0, size=2) * 2 * np.pi / np.array([WIDTH, HEIGHT])
        scene += rng.uniform(10, 25) * np.sin(fx * xs + fy * ys + rng.uniform(0, 2 * np.pi))
    return scene


def overlaps(x: int, y: int, faces: list[Face]) -> bool:
    """Whether a face at (x, y) comes within a face's width of one of ``faces`` (kept apart,
    so that each face gets a box of its own)."""
    return any(abs(x - f.x) < 2 * FACE and abs(y - f.y) < 2 * FACE for f in faces)


def frame(seed: int, number: int) -> Frame:
    """Frame ``number`` of the camera seeded ``seed``."""
    rng = np.random.default_rng([seed, number])
    pixels = background(rng)
    faces: list[Face] = []
    for _ in range(rng.choice(FACE_COUNTS, p=FACE_WEIGHTS)):
        for _attempt in range(20):
            x = int(rng.integers(4, WIDTH - FACE - 4))
            y = int(rng.integers(4, HEIGHT - FACE - 4))
            if not overlaps(x, y, faces):
                break
        else:
            continue
        if rng.random() < UNKNOWN_SHARE:
            person = None
            face = template(UNKNOWN_SEED + int(rng.integers(UNKNOWN_PERSONS)))
        else:
            person = int(rng.integers(KNOWN))
            face = template(person)
        pixels[y : y + FACE, x : x + FACE] = face + rng.normal(0, FACE_NOISE, face.shape)
        faces.append(Face(person, x, y))
    pixels += rng.normal(0, BACKGROUND_NOISE, pixels.shape)
    return Frame(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), tuple(faces))
