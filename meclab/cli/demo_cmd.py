"""``meclab demo ar``, ``meclab demo relocation`` and ``meclab demo video``: run one of meclab's
example applications end to end.

Each demo starts ``meclab up`` on its scenario and its components as real processes (see
:mod:`meclab.demo.stage`), prints what it measured and writes a plot of it over time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from meclab.demo.derive import DeriveError
from meclab.demo.stage import StageError
from meclab.scenario.errors import ScenarioError

demo_app = typer.Typer(
    help="Run an example edge application end to end and plot what happened.",
    no_args_is_help=True,
)

Out = Annotated[
    Path | None,
    typer.Option(help="Directory for the plot, logs and results (default: a new temp dir)."),
]


def scenario_argument(purpose: str) -> typer.models.ArgumentInfo:
    """The optional scenario file a demo derives its world from (``purpose``: what for)."""
    return typer.Argument(
        help=f"Scenario to {purpose} (default: the built-in default scenario).",
        exists=True,
        dir_okay=False,
    )


def run_demo(name: str, out: Path | None, run: Callable[[Path], object]) -> None:
    """``run(out_dir)`` in ``out`` (or a new temp dir), its report printed (the last line is
    the plot's path); a scenario the demo cannot use or a stage that fails exits 1."""
    out_dir = out if out is not None else Path(tempfile.mkdtemp(prefix=f"meclab-demo-{name}-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        report = run(out_dir)
    except (ScenarioError, DeriveError, StageError) as error:
        typer.echo(f"meclab demo {name}: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(str(report))


@demo_app.command("ar")
def ar_command(
    scenario: Annotated[Path | None, scenario_argument("derive the walk from")] = None,
    speed: Annotated[
        float,
        typer.Option(min=1.0, help="World seconds per real second (x10: about 70 s real)."),
    ] = 10.0,
    out: Out = None,
) -> None:
    """Augmented reality that adapts to the radio: a walker leaves its 4G cell and comes back;
    the edge app follows its RSRP (RNIS measurement reports) with the overlay level."""
    from meclab.demo.ar.demo import run  # the demo's imports cost time; --help stays quick

    run_demo("ar", out, lambda out_dir: run(scenario, out_dir, speed=speed, progress=typer.echo))


class RelocationModes(StrEnum):
    """Which MEC 021 modes ``meclab demo relocation`` runs."""

    BOTH = "both"
    ASSISTED = "assisted"
    SELF = "self"


@demo_app.command("relocation")
def relocation_command(
    scenario: Annotated[Path | None, scenario_argument("derive the walk from")] = None,
    mode: Annotated[
        RelocationModes,
        typer.Option(help="MEC-assisted, application self-controlled, or both (one run each)."),
    ] = RelocationModes.BOTH,
    speed: Annotated[
        float,
        typer.Option(min=1.0, help="World seconds per real second (x25: about 45 s real a mode)."),
    ] = 25.0,
    out: Out = None,
) -> None:
    """The AR session follows its user across MEC hosts (MEC 021): a walker crosses into the
    zone of another MEC host and back; each crossing relocates the user's context between the
    AR edge's two instances. A table of the relocations, a timeline of who answered."""
    # the demo's imports cost time; --help stays quick
    from meclab.demo.relocation.demo import MODES, run
    from meclab.sdk.mobility import Mode

    modes = MODES if mode is RelocationModes.BOTH else (Mode(mode.value),)
    run_demo(
        "relocation",
        out,
        lambda out_dir: run(scenario, out_dir, modes=modes, speed=speed, progress=typer.echo),
    )


@demo_app.command("video")
def video_command(
    scenario: Annotated[Path | None, scenario_argument("place the cameras and apps in")] = None,
    cameras: Annotated[
        int, typer.Option(min=1, help="Cameras: the scenario's first fixed terminals.")
    ] = 3,
    fps: Annotated[float, typer.Option(min=0.1, help="Frames per second each camera films.")] = 4.0,
    seconds: Annotated[float, typer.Option(min=0.1, help="Real seconds the cameras film.")] = 15.0,
    out: Out = None,
) -> None:
    """Video analytics split between terminal, edge and cloud: fixed cameras detect faces
    cheaply and send candidates to the edge MEC DNS steers them to, which has the cloud identify
    small crops; compared with every frame to the cloud (bytes, latency, accuracy)."""
    from meclab.demo.video.demo import run  # the demo's imports cost time; --help stays quick

    run_demo(
        "video",
        out,
        lambda out_dir: run(
            scenario, out_dir, cameras=cameras, fps=fps, seconds=seconds, progress=typer.echo
        ),
    )
