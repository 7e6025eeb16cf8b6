"""The baseline server: a bare Starlette app under uvicorn with meclab's server options.

    python bench/_bare.py PORT BODIES.json

BODIES.json maps a path with its query (``/mec_service_mgmt/v1/services?ser_name=x``) to the
JSON document to answer; ``/bytes`` before a path answers the same document as ready-made
bytes (no JSON encoding per request), the ceiling of any framework.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from meclab.http.headers import SERVER_OPTIONS
from meclab.sockets import listen_tcp


def build(bodies: dict[str, Any]) -> Starlette:
    encoded = {path: json.dumps(body).encode() for path, body in bodies.items()}

    async def answer(request: Request) -> Response:
        path = request.url.path
        key = path + (f"?{request.url.query}" if request.url.query else "")
        if path.startswith("/bytes/"):
            ready = encoded.get(key.removeprefix("/bytes"))
            if ready is not None:
                return Response(ready, media_type="application/json")
        elif key in bodies:
            return JSONResponse(bodies[key])
        return Response(status_code=404)

    app = Starlette()
    app.add_route("/{path:path}", answer)
    return app


def main() -> None:
    port, bodies = int(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    config = uvicorn.Config(build(bodies), log_level="warning", access_log=False, **SERVER_OPTIONS)
    # The same listening socket as meclab up's (meclab.sockets): only the app differs.
    uvicorn.Server(config).run(sockets=[listen_tcp("127.0.0.1", port)])


if __name__ == "__main__":
    main()
