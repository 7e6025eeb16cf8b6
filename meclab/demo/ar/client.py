"""The AR demo's terminal component: a camera on the walking UE (``python -m``).

As the UE ``MECLAB_UE`` names, it sends a frame of :data:`FRAME_BYTES` to the edge application
``AR_EDGE_APP`` (a scenario application's name, or a name MEC DNS answers) through meclab's
data plane every ``1 / AR_FPS`` seconds of real time, for ``AR_RUN_S`` seconds, each with its
sequence number (:data:`~meclab.demo.ar.session.HEADER_FRAME`), and records each one
(:mod:`meclab.demo.results`): ``frame`` with the level the edge answered (``X-AR-Level``), the
overlay's size, the instance that answered and the user's frame count there
(:mod:`.session`), or ``frame_failed`` with why (out of coverage, say). It exits 0 when its
time is up.

``AR_FLOW_PER_FRAME=1`` sends each frame on a connection of its own, so that each one meets
the MEC DNS and the platform's steering afresh and reaches the instance serving the UE now
(else the frames share one kept-alive connection). A 503 answer with ``Retry-After`` (an
instance the user has just left, say) is retried, up to :data:`RETRIES` times.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import aiohttp

from meclab.demo.ar.session import ENV_FPS, HEADER_FRAME, HEADER_FRAMES, HEADER_INSTANCE
from meclab.demo.results import ResultWriter
from meclab.demo.stage import ENV_UE
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.errors import SdkError

ENV_EDGE = "AR_EDGE_APP"
ENV_RUN_S = "AR_RUN_S"
ENV_FLOW_PER_FRAME = "AR_FLOW_PER_FRAME"
FRAME_BYTES = 20_000
"""A compressed 720p camera frame, roughly."""
RETRIES = 3
"""How often one frame is sent again after a 503 with Retry-After."""


def _count(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


async def send(
    session: aiohttp.ClientSession, url: str, frame: bytes, number: int, *, close: bool
) -> dict[str, Any]:
    """Send frame ``number``; the record of its answer (``frame``), retried on a 503 with
    Retry-After. ClientResponseError for another error status."""
    headers = {HEADER_FRAME: str(number)}
    if close:
        headers["Connection"] = "close"
    retries = 0
    while True:
        async with session.post(url, data=frame, headers=headers) as response:
            overlay = await response.read()
            retry_after = response.headers.get("Retry-After")
            if response.status == 503 and retry_after is not None and retries < RETRIES:
                retries += 1
                await asyncio.sleep(float(retry_after) if retry_after.isdigit() else 0.0)
                continue
            response.raise_for_status()
            return {
                "kind": "frame",
                "level": response.headers.get("X-AR-Level"),
                "overlay": len(overlay),
                "instance": response.headers.get(HEADER_INSTANCE),
                "frames": _count(response.headers.get(HEADER_FRAMES)),
                "retries": retries,
            }


async def main() -> None:
    ue, edge = os.environ[ENV_UE], os.environ[ENV_EDGE]
    period = 1.0 / float(os.environ.get(ENV_FPS, "10"))
    end = time.monotonic() + float(os.environ[ENV_RUN_S])
    close = os.environ.get(ENV_FLOW_PER_FRAME, "").strip() == "1"
    frame = bytes(FRAME_BYTES)
    plane = await DataPlane.locate(ue)
    timeout = aiohttp.ClientTimeout(total=5.0)
    with ResultWriter.from_env() as results:
        async with aiohttp.ClientSession(connector=plane.connector(), timeout=timeout) as session:
            number = 0
            next_at = time.monotonic()
            while time.monotonic() < end:
                number += 1
                sent = time.time()
                try:
                    answer = await send(
                        session, f"http://{edge}/frames", frame, number, close=close
                    )
                    results.write(
                        {
                            **answer,
                            "n": number,
                            "wall": sent,
                            "rtt_s": time.time() - sent,
                            "bytes": len(frame),
                        }
                    )
                except (aiohttp.ClientError, SdkError, TimeoutError) as exc:
                    results.write(
                        {"kind": "frame_failed", "n": number, "wall": sent, "error": str(exc)[:200]}
                    )
                next_at += period
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))


if __name__ == "__main__":
    asyncio.run(main())
