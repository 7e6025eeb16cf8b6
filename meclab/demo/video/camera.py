"""The video demo's terminal component: a fixed camera running both pipelines (``python -m``).

As the UE ``MECLAB_UE`` names, it captures ``VIDEO_FRAMES`` frames (:mod:`.frames`, seeded
``VIDEO_SEED``) at ``VIDEO_FPS`` per real second and sends each one both ways at once, through
meclab's data plane:

- *split*: its own cheap detector (:mod:`.detect`); a frame with candidates goes raw, with the
  boxes, to ``http://VIDEO_EDGE_DOMAIN/frames``, which MEC DNS resolves to the edge instance
  on its serving host; a frame without any is not sent (answered: nobody).
- *baseline*: the frame, lossless (zlib), to ``http://VIDEO_CLOUD_APP/frames``.

Each frame and pipeline is recorded (:mod:`meclab.demo.results`): ``frame`` with the capture
time, the ground truth, the identities answered, the latency from capture to answer, the bytes
the camera sent, the bytes that reached the cloud for it, whether it was sent and which edge
answered; or ``frame_failed`` with why. Frames are not held up by the answers to earlier ones;
it exits 0 once every frame is answered or has failed.
"""

from __future__ import annotations

import asyncio
import os
import time
import zlib
from typing import Any

import aiohttp

from meclab.demo.results import ResultWriter
from meclab.demo.stage import ENV_UE
from meclab.demo.video.detect import candidates
from meclab.demo.video.frames import Frame, frame
from meclab.demo.video.wire import LOSSLESS_LEVEL, boxes_header, shape_header
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.errors import SdkError

ENV_SEED = "VIDEO_SEED"
ENV_FPS = "VIDEO_FPS"
ENV_FRAMES = "VIDEO_FRAMES"
ENV_EDGE_DOMAIN = "VIDEO_EDGE_DOMAIN"
ENV_CLOUD = "VIDEO_CLOUD_APP"
TIMEOUT_S = 10.0


class Camera:
    """The two pipelines for one UE's frames."""

    def __init__(
        self, ue: str, session: aiohttp.ClientSession, results: ResultWriter, edge: str, cloud: str
    ) -> None:
        self.ue, self.session, self.results = ue, session, results
        self.edge, self.cloud = edge, cloud

    def record(
        self, pipeline: str, number: int, shot: Frame, captured: float, **fields: Any
    ) -> None:
        truth = [[face.person, face.x, face.y] for face in shot.faces]
        self.results.write(
            {
                "pipeline": pipeline,
                "camera": self.ue,
                "n": number,
                "wall": captured,
                "truth": truth,
                **fields,
            }
        )

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        async with self.session.post(url, data=body, headers=headers) as response:
            response.raise_for_status()
            answer = await response.json()
        if not isinstance(answer, dict) or not isinstance(answer.get("identities"), list):
            raise ValueError(f"{url} answered no identities: {str(answer)[:100]}")
        return answer

    async def both(self, number: int, shot: Frame, captured: float) -> None:
        await asyncio.gather(
            self.split(number, shot, captured), self.baseline(number, shot, captured)
        )

    async def split(self, number: int, shot: Frame, captured: float) -> None:
        boxes = candidates(shot.pixels)
        if not boxes:
            self.record(
                "split",
                number,
                shot,
                captured,
                kind="frame",
                sent=False,
                identities=[],
                latency_s=time.time() - captured,
                bytes=0,
                cloud_bytes=0,
                edge=None,
            )
            return
        body = shot.pixels.tobytes()
        headers = {**shape_header(shot.pixels), **boxes_header(boxes)}
        try:
            answer = await self.post(f"http://{self.edge}/frames", body, headers)
        except (aiohttp.ClientError, SdkError, TimeoutError, ValueError) as exc:
            self.record(
                "split",
                number,
                shot,
                captured,
                kind="frame_failed",
                sent=True,
                bytes=len(body),
                cloud_bytes=0,  # what the edge sent the cloud, if anything, it records itself
                error=str(exc)[:200],
            )
            return
        self.record(
            "split",
            number,
            shot,
            captured,
            kind="frame",
            sent=True,
            identities=answer["identities"],
            latency_s=time.time() - captured,
            bytes=len(body),
            cloud_bytes=int(answer.get("cloud_bytes", 0)),
            edge=answer.get("edge"),
            boxes=len(boxes),
        )

    async def baseline(self, number: int, shot: Frame, captured: float) -> None:
        body = zlib.compress(shot.pixels.tobytes(), LOSSLESS_LEVEL)
        try:
            answer = await self.post(f"http://{self.cloud}/frames", body, shape_header(shot.pixels))
        except (aiohttp.ClientError, SdkError, TimeoutError, ValueError) as exc:
            self.record(
                "baseline",
                number,
                shot,
                captured,
                kind="frame_failed",
                sent=True,
                bytes=len(body),
                cloud_bytes=len(body),  # it may have reached the cloud: counted
                error=str(exc)[:200],
            )
            return
        identities = [i for i in answer["identities"] if i is not None]
        self.record(
            "baseline",
            number,
            shot,
            captured,
            kind="frame",
            sent=True,
            identities=identities,
            latency_s=time.time() - captured,
            bytes=len(body),
            cloud_bytes=len(body),
            edge=None,
        )


async def main() -> None:
    ue = os.environ[ENV_UE]
    seed, frames = int(os.environ[ENV_SEED]), int(os.environ[ENV_FRAMES])
    period = 1.0 / float(os.environ[ENV_FPS])
    plane = await DataPlane.locate(ue)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    with ResultWriter.from_env() as results:
        async with aiohttp.ClientSession(connector=plane.connector(), timeout=timeout) as session:
            camera = Camera(
                ue, session, results, os.environ[ENV_EDGE_DOMAIN], os.environ[ENV_CLOUD]
            )
            tasks: list[asyncio.Task[None]] = []
            next_at = time.monotonic()
            for number in range(frames):
                shot = frame(seed, number)
                tasks.append(asyncio.create_task(camera.both(number, shot, time.time())))
                next_at += period
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main())
