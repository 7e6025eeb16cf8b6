"""The AR demo's terminal component: a camera on the walking UE (``python -m``).

As the UE ``MECLAB_UE`` names, it sends a frame of :data:`FRAME_BYTES` to the edge application
``AR_EDGE_APP`` through meclab's data plane every ``1 / AR_FPS`` seconds of real time, for
``AR_RUN_S`` seconds, and records each one (:mod:`meclab.demo.results`): ``frame`` with the
level the edge answered (``X-AR-Level``) and the overlay's size, or ``frame_failed`` with why
(out of coverage, say). It exits 0 when its time is up.
"""

from __future__ import annotations

import asyncio
import os
import time

import aiohttp

from meclab.demo.results import ResultWriter
from meclab.demo.stage import ENV_UE
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.errors import SdkError

ENV_EDGE = "AR_EDGE_APP"
ENV_FPS = "AR_FPS"
ENV_RUN_S = "AR_RUN_S"
FRAME_BYTES = 20_000
"""A compressed 720p camera frame, roughly."""


async def main() -> None:
    ue, edge = os.environ[ENV_UE], os.environ[ENV_EDGE]
    period = 1.0 / float(os.environ.get(ENV_FPS, "10"))
    end = time.monotonic() + float(os.environ[ENV_RUN_S])
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
                    async with session.post(f"http://{edge}/frames", data=frame) as response:
                        overlay = await response.read()
                        response.raise_for_status()
                        results.write(
                            {
                                "kind": "frame",
                                "n": number,
                                "wall": sent,
                                "rtt_s": time.time() - sent,
                                "bytes": len(frame),
                                "level": response.headers.get("X-AR-Level"),
                                "overlay": len(overlay),
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
