"""``meclab listen``: a notification receiver for trying subscriptions out.

Subscribe with ``callbackReference: http://127.0.0.1:9000/<anything>`` and every notification
is printed as it arrives, answered 204 No Content as MEC 009 asks of a subscriber.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from aiohttp import web

from meclab.sockets import listen_tcp


def _notification_type(body: object) -> str:
    """``notificationType``, also inside a root element (MEC 013 wraps its bodies)."""
    if not isinstance(body, dict):
        return ""
    if "notificationType" in body:
        return str(body["notificationType"])
    inner = next(iter(body.values()), None) if len(body) == 1 else None
    return str(inner.get("notificationType", "")) if isinstance(inner, dict) else ""


def listen_command(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to receive on.")] = 9000,
    host: Annotated[str, typer.Option(help="Address to receive on.")] = "127.0.0.1",
    compact: Annotated[bool, typer.Option("--compact", help="One line per notification.")] = False,
) -> None:
    """Receive notifications and print them (a callbackReference for your subscriptions)."""

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            typer.echo(f"{time.strftime('%H:%M:%S')} {request.path}: not JSON: {raw[:200]!r}")
            return web.Response(status=400)
        kind = _notification_type(body)
        text = json.dumps(body) if compact else json.dumps(body, indent=2)
        typer.echo(f"{time.strftime('%H:%M:%S')} {request.path} {kind}\n{text}")
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/{tail:.*}", receive)
    try:
        sock = listen_tcp(host, port)
    except OSError as exc:
        typer.echo(
            f"meclab listen: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True
        )
        raise typer.Exit(1) from exc
    typer.echo(
        f"meclab listen: notifications to http://{host}:{port}/... are printed; Ctrl-C stops."
    )
    web.run_app(app, sock=sock, print=None, access_log=None)
