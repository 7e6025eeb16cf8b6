"""What the video demo's components send each other over HTTP, and the edge's compression.

=================  ==========================================================================
camera -> edge     ``POST /frames``: the raw frame (``X-Frame-Shape: H,W``), the detector's
                   boxes in ``X-Boxes`` (``x0,y0,x1,y1;...``)
edge -> cloud      ``POST /identify``: the crops, lossy: each pixel quantised to 4 bits (its
                   16-level bin's middle), two pixels a byte, all crops in one zlib stream;
                   their shapes in ``X-Crops`` (``h,w;...``)
camera -> cloud    ``POST /frames``: the frame, lossless (zlib of the raw bytes), its shape in
                   ``X-Frame-Shape``
answers            JSON ``{"identities": [...]}`` (the edge adds ``"edge"``, its app name,
                   and ``"cloud_bytes"``, what it sent the cloud for the frame)
=================  ==========================================================================

Anything malformed raises WireError naming the header; the receiver answers it as an RFC 7807
problem, 400 (:func:`meclab.sdk.problem.problem_response`).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from meclab.demo.video.detect import Box
from meclab.demo.video.frames import Image

SHAPE = "X-Frame-Shape"
BOXES = "X-Boxes"
CROPS = "X-Crops"
LEVELS_BITS = 4
LOSSLESS_LEVEL = 6
"""zlib's default: what a camera can afford for every frame."""


class WireError(ValueError):
    """A request the receiver cannot read; names the header or body at fault."""


def _ints(text: str, count: int, header: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise WireError(f"{header}: {text!r} is not {count} integers") from None
    if len(values) != count or min(values) < 0:
        raise WireError(f"{header}: {text!r} is not {count} non-negative integers")
    return values


def shape_header(pixels: Image) -> dict[str, str]:
    return {SHAPE: f"{pixels.shape[0]},{pixels.shape[1]}"}


def read_frame(headers: Mapping[str, str], body: bytes, *, compressed: bool) -> Image:
    """The frame of a request with an ``X-Frame-Shape``; zlib-compressed or raw."""
    height, width = _ints(headers.get(SHAPE, ""), 2, SHAPE)
    if compressed:
        try:
            body = zlib.decompress(body)
        except zlib.error as exc:
            raise WireError(f"the body is not zlib data: {exc}") from exc
    if len(body) != height * width:
        raise WireError(f"{SHAPE} {height},{width} wants {height * width} bytes, got {len(body)}")
    return np.frombuffer(body, dtype=np.uint8).reshape(height, width)


def boxes_header(boxes: Sequence[Box]) -> dict[str, str]:
    return {BOXES: ";".join(f"{b.x0},{b.y0},{b.x1},{b.y1}" for b in boxes)}


def read_boxes(headers: Mapping[str, str]) -> list[Box]:
    text = headers.get(BOXES, "")
    boxes = [Box(*_ints(part, 4, BOXES)) for part in text.split(";") if part]
    for box in boxes:
        if box.x1 <= box.x0 or box.y1 <= box.y0:
            raise WireError(f"{BOXES}: {box} is empty")
    return boxes


def quantise(crop: Image) -> NDArray[np.uint8]:
    """4-bit levels (0..15) of a crop: the edge's loss."""
    return crop >> (8 - LEVELS_BITS)


def dequantise(levels: NDArray[np.uint8]) -> Image:
    """Gray levels back from 4-bit ones: each its bin's middle."""
    step = 1 << (8 - LEVELS_BITS)
    return (levels.astype(np.uint16) * step + step // 2).astype(np.uint8)


def encode_crops(crops: Sequence[Image]) -> tuple[bytes, dict[str, str]]:
    """The body and headers of ``POST /identify`` for ``crops``."""
    packed = []
    for crop in crops:
        flat = quantise(crop).ravel()
        if flat.size % 2:
            flat = np.append(flat, np.uint8(0))
        packed.append(((flat[0::2] << 4) | flat[1::2]).astype(np.uint8).tobytes())
    body = zlib.compress(b"".join(packed), 9)
    return body, {CROPS: ";".join(f"{c.shape[0]},{c.shape[1]}" for c in crops)}


def decode_crops(headers: Mapping[str, str], body: bytes) -> list[Image]:
    """The crops of a ``POST /identify`` (their 4-bit levels back as gray levels)."""
    shapes = [_ints(part, 2, CROPS) for part in headers.get(CROPS, "").split(";") if part]
    try:
        data = np.frombuffer(zlib.decompress(body), dtype=np.uint8)
    except zlib.error as exc:
        raise WireError(f"the body is not zlib data: {exc}") from exc
    crops: list[Image] = []
    offset = 0
    for height, width in shapes:
        size = (height * width + 1) // 2
        chunk = data[offset : offset + size]
        if len(chunk) != size:
            raise WireError(f"{CROPS}: the body holds less than the crops it names")
        offset += size
        levels = np.empty(2 * size, dtype=np.uint8)
        levels[0::2], levels[1::2] = chunk >> 4, chunk & 0x0F
        crops.append(dequantise(levels[: height * width].reshape(height, width)))
    if offset != len(data):
        raise WireError(f"{CROPS}: the body holds more than the crops it names")
    return crops
