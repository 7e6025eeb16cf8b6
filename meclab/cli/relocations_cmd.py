"""``meclab relocations [ID]`` and ``meclab relocations policy``: application mobility as it runs.

They speak the control API's relocations (:mod:`meclab.control.relocations`): every procedure
the MEC system ran for a moving terminal, its steps with their times, and the policy it follows.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from meclab.cli.event_cmd import _fail, _request
from meclab.cli.instance import DataDirOption, UrlOption, instance_url

RELOCATIONS = "/meclab/v1/relocations"

relocations_app = typer.Typer(
    help="Relocations of users' contexts and application instances (MEC 021).",
    invoke_without_command=True,
    no_args_is_help=False,
)


@relocations_app.callback()
def relocations_command(
    ctx: typer.Context,
    ue: Annotated[str | None, typer.Option("--ue", help="Only this terminal's.")] = None,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List the relocation procedures, newest first (``show ID``: one with its steps)."""
    if ctx.invoked_subcommand is not None:
        return
    found = _procedures(instance_url(url, data_dir), ue)
    if not found:
        typer.echo("no relocation yet: one starts when a registered terminal changes MEC host")
        return
    typer.echo(f"{'ID':8}  {'UE':14} {'FROM':18} {'TO':18} {'STATE':10} {'TOOK':>8}  REASON")
    for p in found:
        took = max(p["durations_s"].values(), default=0.0)
        typer.echo(
            f"{p['id'][:8]}  {p['ue']:14} {p['source']['host']:18} {p['target']['host']:18} "
            f"{p['state']:10} {took * 1000:6.0f}ms  {p['reason'] or ''}"
        )


@relocations_app.command("show")
def show_command(
    procedure: Annotated[
        str, typer.Argument(help="The procedure: its id or its first characters.")
    ],
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """One relocation procedure with every step and its time."""
    found = _procedures(instance_url(url, data_dir), None)
    matching = [p for p in found if p["id"].startswith(procedure)]
    if len(matching) != 1:
        what = "several procedures start" if matching else "no procedure starts"
        raise _fail(f"{what} with {procedure!r} (`meclab relocations` lists them)")
    _show(matching[0])


def _procedures(base: str, ue: str | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = _request(
        "GET", base, RELOCATIONS, params={"ue": ue} if ue else None
    )
    return found


def _show(p: dict[str, Any]) -> None:
    kind = "instance relocation" if p["target"]["startedForThis"] else "context relocation"
    typer.echo(
        f"{p['id']}  {p['ue']}: {p['source']['host']} -> {p['target']['host']} ({kind}, "
        f"{p['serviceLevel'] or 'no service level'}): {p['state']}"
    )
    if p["predicted"]:
        typer.echo(f"  predicted: {p['predicted']}")
    for step in p["steps"]:
        typer.echo(f"  {step['at_s'] * 1000:8.1f} ms  {step['state']:16} {step['text']}")


@relocations_app.command("policy")
def policy_command(
    setting: Annotated[
        list[str] | None,
        typer.Argument(
            help="KEY=VALUE to change (e.g. keep_warm_s=10 flows=move|reset|keep); none: show it."
        ),
    ] = None,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Show the relocation policy, or change some of its settings."""
    base = instance_url(url, data_dir)
    policy: dict[str, Any] = _request("GET", base, f"{RELOCATIONS}/policy")
    for item in setting or []:
        key, sep, value = item.partition("=")
        if not sep or key not in policy:
            raise _fail(f"{item!r}: give KEY=VALUE with KEY one of {', '.join(policy)}")
        policy[key] = None if value.lower() in ("none", "never", "null") else value
    if setting:
        policy = _request("PUT", base, f"{RELOCATIONS}/policy", json=policy)
    for key, value in policy.items():
        typer.echo(f"{key:24} {value}")
