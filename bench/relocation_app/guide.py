"""guide: the edge application of ``bench/relocation.py``, deployable and importable.

``GET /frame?user=acr:10.0.0.1&size=N`` answers ``{"from": appInstanceId, "count": n}``: ``n``
counts the user's requests in its context, which holds ``N`` bytes of state besides (made at the
user's first request), so that an answer tells whether its instance had the user's context.
Each request runs in the user's :meth:`~meclab.sdk.mobility.UserMobility.session`; one that
came after its user left answers 503 (``UserRelocated``). Deployed (``meclab-app.yaml``), it
is MEC-assisted, seals contexts with ``MECLAB_CONTEXT_KEY`` and prints each context it sends or
receives as a JSON line.
"""

from __future__ import annotations

import dataclasses
import json

from aiohttp import web

from meclab.sdk import (
    ContextKey,
    ContextStore,
    EdgeApp,
    RelocationEvent,
    UserMobility,
    UserRelocated,
)


def serve_frames(app: EdgeApp, mobility: UserMobility) -> None:
    """Add ``GET /frame`` to ``app``, counting in ``mobility``'s sessions."""

    @app.get("/frame")
    async def frame(request: web.Request) -> web.Response:
        try:
            async with mobility.session(request.query["user"]) as context:
                if "count" not in context:
                    context["blob"] = "x" * int(request.query.get("size", "0"))
                    context["count"] = 0
                context["count"] += 1
                count = context["count"]
        except UserRelocated as moved:
            return moved.response()
        return web.json_response({"from": app.app_instance_id, "count": count})


def report(event: RelocationEvent) -> None:
    """Each context sent or received, a JSON line of the output (``meclab app logs``)."""
    print(json.dumps(dataclasses.asdict(event)), flush=True)


if __name__ == "__main__":
    guide = EdgeApp()
    mobility = UserMobility(guide, ContextStore(), ContextKey.from_env())
    mobility.on_relocation(report)
    serve_frames(guide, mobility)
    guide.run()
