"""The ``meclab`` command."""

from __future__ import annotations

import typer

from meclab import __version__
from meclab.cli.app_cmd import app_app
from meclab.cli.conformance_cmd import conformance_command
from meclab.cli.dashboard_cmd import dashboard_command
from meclab.cli.demo_cmd import demo_app
from meclab.cli.event_cmd import event_app, events_command, status_command
from meclab.cli.listen_cmd import listen_command
from meclab.cli.relocations_cmd import relocations_app
from meclab.cli.run_cmd import run_command
from meclab.cli.scenario_cmd import scenario_app
from meclab.cli.security_cmd import ca_command, credentials_command, security_app
from meclab.cli.up import up_command
from meclab.cli.worlds_cmd import reset_command, worlds_command

app = typer.Typer(
    name="meclab",
    help="Multi-access Edge Computing on a laptop: ETSI MEC APIs over an emulated world.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"meclab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """meclab: a MEC platform, an emulated network and moving terminals, in one process."""


app.command("up")(up_command)
app.command("status")(status_command)
app.command("events")(events_command)
app.command("listen")(listen_command)
app.command("run")(run_command)
app.command("worlds")(worlds_command)
app.command("reset")(reset_command)
app.command("ca")(ca_command)
app.command("dashboard")(dashboard_command)
app.command("conformance")(conformance_command)
app.add_typer(scenario_app, name="scenario")
app.add_typer(event_app, name="event")
app.add_typer(demo_app, name="demo")
app_app.command("credentials")(credentials_command)
app.add_typer(app_app, name="app")
app.add_typer(relocations_app, name="relocations")
app.add_typer(security_app, name="security")


def main() -> None:
    """Console entry point."""
    app()
