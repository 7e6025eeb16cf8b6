"""The video demo's cloud component: the face database and both ways to use it (``python -m``).

It listens on ``VIDEO_CLOUD_ENDPOINT`` (``host:port``, the scenario application's endpoint).
``POST /identify`` takes the edge's crops and answers who is in each (``null``: nobody known);
``POST /frames`` takes a whole frame and answers every known person the thorough detector finds
in it (:mod:`.identify`; formats in :mod:`.wire`). Each endpoint matches in a worker thread of
its own, as two services would: the server keeps taking requests, and a queue of whole frames
does not hold up the crops. It counts the requests and bytes each endpoint received and, on
SIGTERM, records the totals (:mod:`meclab.demo.results`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from aiohttp import web

from meclab.demo.component import serve_until_stopped
from meclab.demo.results import ResultWriter
from meclab.demo.video.identify import Database
from meclab.demo.video.wire import WireError, decode_crops, read_frame
from meclab.sdk.problem import problem_response

ENV_ENDPOINT = "VIDEO_CLOUD_ENDPOINT"


def application(database: Database, received: Counter[str]) -> web.Application:
    """The cloud's routes; ``received`` counts ``<endpoint>_bytes`` and ``<endpoint>_requests``."""
    workers: list[ThreadPoolExecutor] = []

    def route(
        name: str, work: Callable[[web.Request, bytes], list[int | None]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        worker = ThreadPoolExecutor(1, thread_name_prefix=name)
        workers.append(worker)

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            received[f"{name}_bytes"] += len(body)
            received[f"{name}_requests"] += 1
            try:
                loop = asyncio.get_running_loop()
                identities = await loop.run_in_executor(worker, work, request, body)
            except WireError as exc:
                return problem_response(400, str(exc))
            return web.json_response({"identities": identities})

        return handle

    def identify(request: web.Request, body: bytes) -> list[int | None]:
        crops = decode_crops(request.headers, body)
        return [database.identify(crop.astype(np.float64)).person for crop in crops]

    def frames(request: web.Request, body: bytes) -> list[int | None]:
        pixels = read_frame(request.headers, body, compressed=True)
        return [match.person for match in database.find(pixels.astype(np.float64))]

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_post("/identify", route("identify", identify))
    app.router.add_post("/frames", route("frames", frames))

    async def stop_workers(_: web.Application) -> None:
        for worker in workers:
            worker.shutdown()

    app.on_cleanup.append(stop_workers)
    return app


async def main() -> None:
    received: Counter[str] = Counter()
    with ResultWriter.from_env() as results:
        await serve_until_stopped(application(Database(), received), os.environ[ENV_ENDPOINT])
        results.write({"kind": "totals", "wall": time.time(), **received})


if __name__ == "__main__":
    asyncio.run(main())
