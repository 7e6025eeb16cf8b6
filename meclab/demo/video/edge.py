"""The video demo's edge component: crops of the camera's candidates to the cloud (``meclab run``).

An :class:`~meclab.sdk.app.EdgeApp`, one instance per MEC host (``VIDEO_EDGE_NAME`` is its
scenario name, which it tells the camera). ``POST /frames`` takes a raw frame and the camera's
candidate boxes (:mod:`.wire`), crops each box, compresses the crops lossily (4-bit levels,
zlib) and sends them to the cloud application ``VIDEO_CLOUD_APP`` (``POST /identify``) through
meclab's data plane, as itself; it answers the camera the known persons the cloud found, its
own name and the bytes it sent the cloud. Each frame is recorded (:mod:`meclab.demo.results`):
``frame`` with the boxes, bytes to the cloud and identities, or ``cloud_failed`` with why.
"""

from __future__ import annotations

import os
import time
from typing import Any

import aiohttp
from aiohttp import web

from meclab.demo.results import ResultWriter
from meclab.demo.video.wire import WireError, encode_crops, read_boxes, read_frame
from meclab.sdk.app import EdgeApp
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.errors import SdkError
from meclab.sdk.problem import problem_response

ENV_NAME = "VIDEO_EDGE_NAME"
ENV_CLOUD = "VIDEO_CLOUD_APP"
CLOUD_TIMEOUT_S = 10.0


class VideoEdge:
    """The edge's state: its session to the cloud through the data plane, the records."""

    def __init__(self, app: EdgeApp, results: ResultWriter, name: str, cloud: str) -> None:
        self.app = app
        self.results = results
        self.name = name
        self.cloud = cloud
        self.session: aiohttp.ClientSession | None = None
        app.post("/frames")(self.on_frame)
        app.on_start(self.started)
        app.web.on_cleanup.append(self.close)

    def record(self, kind: str, **fields: Any) -> None:
        self.results.write({"kind": kind, "wall": time.time(), **fields})

    async def started(self, app: EdgeApp) -> None:
        plane = await DataPlane.locate(app.app_instance_id)
        timeout = aiohttp.ClientTimeout(total=CLOUD_TIMEOUT_S)
        self.session = aiohttp.ClientSession(connector=plane.connector(), timeout=timeout)

    async def close(self, _: web.Application) -> None:
        if self.session is not None:
            await self.session.close()

    async def on_frame(self, request: web.Request) -> web.Response:
        try:
            pixels = read_frame(request.headers, await request.read(), compressed=False)
            boxes = read_boxes(request.headers)
        except WireError as exc:
            return problem_response(400, str(exc))
        if self.session is None:
            return problem_response(503, "not connected to the data plane yet")
        crops = [pixels[b.y0 : b.y1, b.x0 : b.x1] for b in boxes]
        body, headers = encode_crops(crops)
        try:
            async with self.session.post(
                f"http://{self.cloud}/identify", data=body, headers=headers
            ) as response:
                response.raise_for_status()
                answer = await response.json()
        except (aiohttp.ClientError, SdkError, TimeoutError, ValueError) as exc:
            self.record(
                "cloud_failed", boxes=len(boxes), cloud_bytes=len(body), error=str(exc)[:200]
            )
            return problem_response(502, f"the cloud did not identify the crops: {exc}"[:300])
        identities = [i for i in answer["identities"] if i is not None]
        self.record("frame", boxes=len(boxes), cloud_bytes=len(body), identities=identities)
        return web.json_response(
            {"identities": identities, "edge": self.name, "cloud_bytes": len(body)}
        )


def build() -> EdgeApp:
    """The edge application, from the environment (``meclab run`` and the demo set it)."""
    app = EdgeApp()
    VideoEdge(app, ResultWriter.from_env(), os.environ[ENV_NAME], os.environ[ENV_CLOUD])
    return app


class Main:
    """What ``meclab run meclab.demo.video.edge:Main`` calls: the app, built when it runs."""

    @staticmethod
    def run() -> None:
        build().run()
