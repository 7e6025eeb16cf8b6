"""The AR demo's cloud component: usage statistics the edge reports (``python -m``).

It listens on ``AR_CLOUD_ENDPOINT`` (``host:port``, the scenario application's endpoint: the
data plane relays ``http://<cloud app>/`` there). ``POST /usage`` takes one report of the edge,
``{"frames": n, "bytes": b, "by_level": {"FULL": n, ...}}`` (counts since its last report);
``GET /stats`` answers the totals. Each report and, on SIGTERM, the totals are recorded
(:mod:`meclab.demo.results`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from typing import Any

from aiohttp import web

from meclab.demo.component import serve_until_stopped
from meclab.demo.results import ResultWriter
from meclab.sdk.problem import problem_response

ENV_ENDPOINT = "AR_CLOUD_ENDPOINT"


class Usage:
    """Totals of the edge's reports."""

    def __init__(self) -> None:
        self.reports = 0
        self.frames = 0
        self.bytes = 0
        self.by_level: Counter[str] = Counter()

    def add(self, report: dict[str, Any]) -> None:
        frames, size, by_level = report["frames"], report["bytes"], report["by_level"]
        if not (isinstance(frames, int) and isinstance(size, int) and isinstance(by_level, dict)):
            raise ValueError("frames and bytes must be integers, by_level an object")
        self.reports += 1
        self.frames += frames
        self.bytes += size
        self.by_level.update({str(k): int(v) for k, v in by_level.items()})

    def totals(self) -> dict[str, Any]:
        return {
            "reports": self.reports,
            "frames": self.frames,
            "bytes": self.bytes,
            "by_level": dict(self.by_level),
        }


def application(usage: Usage, results: ResultWriter) -> web.Application:
    """The cloud's routes over ``usage``."""

    async def post_usage(request: web.Request) -> web.Response:
        try:
            report = await request.json()
            usage.add(report)
        except (ValueError, KeyError, TypeError) as exc:
            return problem_response(400, str(exc))
        results.write({"kind": "usage", "wall": time.time(), **report})
        return web.json_response(usage.totals())

    async def get_stats(_: web.Request) -> web.Response:
        return web.json_response(usage.totals())

    app = web.Application()
    app.router.add_post("/usage", post_usage)
    app.router.add_get("/stats", get_stats)
    return app


async def main() -> None:
    usage = Usage()
    with ResultWriter.from_env() as results:
        await serve_until_stopped(application(usage, results), os.environ[ENV_ENDPOINT])
        results.write({"kind": "totals", "wall": time.time(), **usage.totals()})


if __name__ == "__main__":
    asyncio.run(main())
