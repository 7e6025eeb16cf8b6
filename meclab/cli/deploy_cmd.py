"""``meclab app list|instantiate|stop|start|terminate|logs``: deployments on the running meclab.

They speak the control API's deployments (:mod:`meclab.control.deployments`). A command that
starts a lifecycle operation follows it to its end, printing each step of its record as it
happens, and exits 1 with the reason when it fails (for a process that did not start, its last
lines of output). An instance is named by its appInstanceId or by the name it was given.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from meclab.cli.event_cmd import _fail, _request
from meclab.cli.instance import DataDirOption, UrlOption, instance_url

DEPLOYMENTS = "/meclab/v1/deployments"
POLL_S = 0.2
FINAL = ("COMPLETED", "FAILED", "FAILED_TEMP")

TimeoutOption = Annotated[
    float, typer.Option("--timeout", help="Seconds to wait for the operation to end.")
]
WaitOption = Annotated[
    bool, typer.Option("--wait/--no-wait", help="Follow the operation until it ends.")
]
GraceOption = Annotated[
    int,
    typer.Option(
        "--graceful-timeout",
        min=0,
        help="Seconds the app gets to wind down after its AppTermination (0: forceful).",
    ),
]
InstanceArg = Annotated[
    str, typer.Argument(help="The instance: its appInstanceId or its name.", show_default=False)
]


def resolve(base: str, name: str) -> dict[str, Any]:
    """The deployment ``name`` names (its id or its name); exits 1 listing what exists."""
    deployments = _request("GET", base, DEPLOYMENTS)
    found = [d for d in deployments if name in (d["id"], d["name"])]
    if len(found) == 1:
        return found[0]
    known = ", ".join(d["name"] or d["id"] for d in deployments) or "none"
    what = "several deployments are" if found else "no deployment is"
    raise _fail(f"{what} named {name!r} (deployments: {known})")


def follow(base: str, started: dict[str, Any], wait: bool, timeout_s: float) -> None:
    """Print the operation's record as it grows until it ends; exit 1 if it failed."""
    op = started["operation"]
    typer.echo(f"{op['operation']} {started['deployment']['id']}: {op['state']}")
    if not wait:
        typer.echo(f"follow it at {started['operation_url']}")
        return
    shown = 0
    deadline = time.monotonic() + timeout_s
    while True:
        for line in op["record"][shown:]:
            typer.echo(f"  {line}")
        shown = len(op["record"])
        if op["state"] in FINAL:
            break
        if time.monotonic() > deadline:
            raise _fail(
                f"still {op['state']} after {timeout_s:g} s; see {started['operation_url']}"
            )
        time.sleep(POLL_S)
        op = _request("GET", base, started["operation_url"])
    if op["state"] != "COMPLETED":
        error = op.get("error") or {}
        raise _fail(f"{op['operation']} {op['state']}: {error.get('detail') or error}")
    deployment = _request("GET", base, f"{DEPLOYMENTS}/{started['deployment']['id']}")
    typer.echo(_summary(deployment))


def _summary(d: dict[str, Any]) -> str:
    where = f"on {d['host']} at {d['address']} (process {d['endpoint']})" if d["host"] else ""
    state = d["operational_state"] or d["instantiation_state"]
    return f"{d['name'] or d['app_name']} {d['id']}: {state} {where}".rstrip()


def list_command(url: UrlOption = None, data_dir: DataDirOption = None) -> None:
    """List the deployed instances: where each runs, its state and its process."""
    base = instance_url(url, data_dir)
    deployments = _request("GET", base, DEPLOYMENTS)
    if not deployments:
        typer.echo("no deployments: `meclab app instantiate APPDID` deploys an onboarded package")
        return
    typer.echo(f"{'INSTANCE':36}  {'NAME':16} {'APP':16} {'STATE':16} {'HOST':18} ADDRESS")
    for d in deployments:
        state = d["operational_state"] or d["instantiation_state"]
        if d["platform_state"] and d["operational_state"] == "STARTED":
            state = f"{state}/{d['platform_state']}"
        typer.echo(
            f"{d['id']:36}  {d['name'] or '-':16} {d['app_name']:16} {state:16} "
            f"{d['host'] or '-':18} {d['address'] or '-'}"
        )


def instantiate_command(
    app_d_id: Annotated[str, typer.Argument(help="The onboarded package's appDId.")],
    host: Annotated[
        str | None,
        typer.Option("--host", help="The MEC host.", show_default="meclab places it"),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the instance.")] = None,
    user: Annotated[
        list[str] | None,
        typer.Option("--user", help="A terminal it serves, for placement (repeatable)."),
    ] = None,
    wait: WaitOption = True,
    timeout_s: TimeoutOption = 120.0,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create an instance of an onboarded package and instantiate it on a MEC host."""
    base = instance_url(url, data_dir)
    body = {"app_d_id": app_d_id, "host": host, "name": name, "users": user or []}
    follow(base, _request("POST", base, DEPLOYMENTS, json=body), wait, timeout_s)


def _operate(
    instance: str,
    action: str,
    grace: int,
    wait: bool,
    timeout_s: float,
    url: str | None,
    data_dir: Any,
) -> None:
    base = instance_url(url, data_dir)
    deployment = resolve(base, instance)
    body = {"action": action, "graceful_timeout_s": grace}
    path = f"{DEPLOYMENTS}/{deployment['id']}/operate"
    follow(base, _request("POST", base, path, json=body), wait, timeout_s)


def stop_command(
    instance: InstanceArg,
    graceful_timeout: GraceOption = 10,
    wait: WaitOption = True,
    timeout_s: TimeoutOption = 120.0,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Stop an instance's process; it keeps its host, and `meclab app start` brings it back."""
    _operate(instance, "stop", graceful_timeout, wait, timeout_s, url, data_dir)


def start_command(
    instance: InstanceArg,
    wait: WaitOption = True,
    timeout_s: TimeoutOption = 120.0,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Start a stopped instance again, on its host, and wait until it is READY."""
    _operate(instance, "start", 0, wait, timeout_s, url, data_dir)


def terminate_command(
    instance: InstanceArg,
    graceful_timeout: GraceOption = 10,
    wait: WaitOption = True,
    timeout_s: TimeoutOption = 120.0,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Terminate an instance: AppTermination to the app, its process ended, its host freed."""
    _operate(instance, "terminate", graceful_timeout, wait, timeout_s, url, data_dir)


def logs_command(
    instance: InstanceArg,
    tail: Annotated[
        int | None, typer.Option("--tail", min=1, help="Only the last N lines.")
    ] = None,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print an instance's process output (stdout and stderr)."""
    base = instance_url(url, data_dir)
    path = f"{DEPLOYMENTS}/{resolve(base, instance)['id']}/logs"
    lines = _request("GET", base, path, params={"tail": tail} if tail else None)["lines"]
    for line in lines:
        typer.echo(line)


def add_deploy_commands(app: typer.Typer) -> None:
    """Register the deployment commands on ``meclab app``."""
    app.command("list")(list_command)
    app.command("instantiate")(instantiate_command)
    app.command("stop")(stop_command)
    app.command("start")(start_command)
    app.command("terminate")(terminate_command)
    app.command("logs")(logs_command)
