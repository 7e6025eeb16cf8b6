"""``meclab run module:attr --host mec-x``: play an edge application instance of the world.

It asks the running meclab's control API which instance of ``--host`` to play (``/apps``: the
``emulated: false`` application there; ``--app`` picks one of several), its appInstanceId and
endpoint, and where that host's MEC platform is (``/nodes``: its ``api_root``). It then runs
``module:attr`` in a child Python process with that environment (the names
:mod:`meclab.sdk.app` documents), calling ``attr.run()``, forwards SIGINT and SIGTERM to it
and exits with its status.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Annotated

import typer

from meclab.cli.event_cmd import _request
from meclab.cli.instance import DataDirOption, UrlOption, instance_url
from meclab.cli.security_cmd import app_environment

CHILD = (
    "import functools, importlib, sys\n"
    "target = functools.reduce(getattr, sys.argv[2].split('.'), "
    "importlib.import_module(sys.argv[1]))\n"
    "target.run()\n"
)
"""What the child runs: import the module, find the attribute, call its ``run()``."""


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _target(value: str) -> tuple[str, str]:
    module, sep, attr = value.partition(":")
    if not sep or not module or not attr:
        raise typer.BadParameter(f"{value!r} is not module:attr (e.g. myapp:app)")
    return module, attr


def environment(base: str, host: str, app: str | None) -> dict[str, str]:
    """The environment of the instance to play on ``host`` (exits 1 naming what exists)."""
    nodes = {n["name"]: n for n in _request("GET", base, "/meclab/v1/nodes")}
    hosts = [name for name, n in nodes.items() if n["kind"] == "mec_host"]
    if host not in hosts:
        raise _fail(f"no MEC host {host!r}; the world has: {', '.join(hosts) or 'none'}")
    here = [a for a in _request("GET", base, "/meclab/v1/apps") if a["runs_on"] == host]
    candidates = [a for a in here if a.get("emulated") is False]
    names = [a["name"] for a in candidates]
    if app is not None:
        candidates = [a for a in candidates if a["name"] == app]
    if len(candidates) != 1:
        what = (
            f"no application {app!r} with emulated: false"
            if app is not None
            else "no application with emulated: false"
            if not candidates
            else "several applications with emulated: false; choose one with --app"
        )
        raise _fail(f"MEC host {host} has {what} (there: {', '.join(names) or 'none'})")
    chosen = candidates[0]
    if not chosen.get("app_instance_id"):
        raise _fail(f"application {chosen['name']} is no longer on {host} (terminated?)")
    if not nodes[host].get("api_root"):
        raise _fail(f"the running meclab runs no MEC platform for MEC host {host}")
    env = {
        "MEC_PLATFORM_URL": base,
        "MEC_API_ROOT": nodes[host]["api_root"],
        "MEC_APP_INSTANCE_ID": chosen["app_instance_id"],
    }
    if chosen.get("endpoint"):
        env["MEC_APP_ENDPOINT"] = chosen["endpoint"]
    credential = app_environment(base, chosen["name"])  # None: open mode, none is needed
    if credential is not None:
        env |= credential
    return env


def run_command(
    target: Annotated[str, typer.Argument(help="The EdgeApp to run, as module:attr.")],
    host: Annotated[str, typer.Option("--host", help="The MEC host it runs on.")],
    app: Annotated[
        str | None,
        typer.Option(
            "--app",
            help="Which emulated: false application of the host to play.",
            show_default="the only one there",
        ),
    ] = None,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run an edge application as an instance of a MEC host of the running world."""
    module, attr = _target(target)
    base = instance_url(url, data_dir)
    env = environment(base, host, app)
    for name, value in env.items():
        shown = "(hidden)" if name == "MEC_CLIENT_SECRET" else value
        typer.echo(f"{name}={shown}", err=True)
    child = subprocess.Popen([sys.executable, "-c", CHILD, module, attr], env={**os.environ, **env})

    def forward(signum: int, _: FrameType | None) -> None:
        child.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    status = child.wait()
    # A child killed by a signal exits as a shell reports it: 128 + the signal's number.
    raise typer.Exit(status if status >= 0 else 128 - status)
