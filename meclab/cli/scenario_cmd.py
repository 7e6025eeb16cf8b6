"""``meclab scenario``: validate, describe, export the schema, generate, print the default."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from meclab.scenario.builtin import default_scenario_text
from meclab.scenario.compute import compute_of
from meclab.scenario.errors import ScenarioError
from meclab.scenario.loader import dump_json, dump_yaml, load_file
from meclab.scenario.model import ComputeNode, Scenario
from meclab.types import NodeKind

EXIT_INVALID = 2
"""Exit status for an invalid scenario (as for a usage error: the input is at fault)."""

scenario_app = typer.Typer(help="Validate, describe and generate scenarios.", no_args_is_help=True)


def report_invalid(error: ScenarioError) -> None:
    """Print every issue of an invalid scenario to stderr, one per line."""
    count = len(error.issues)
    typer.echo(f"{error.source or 'scenario'}: {count} error{'s' if count != 1 else ''}", err=True)
    for issue in error.issues:
        typer.echo(f"  {issue.render(error.source)}", err=True)


@scenario_app.command("validate")
def validate(
    files: Annotated[
        list[Path], typer.Argument(help="Scenario files (YAML or JSON).", show_default=False)
    ],
) -> None:
    """Check scenario files; exit 2 listing every error with its path and line."""
    failed = False
    for path in files:
        try:
            scenario = load_file(path)
        except ScenarioError as exc:
            report_invalid(exc)
            failed = True
            continue
        terminals = sum(len(d.terminals) for d in scenario.domains)
        poas = sum(len(z.poas) for d in scenario.domains for z in d.zones)
        typer.echo(f"{path}: ok ({scenario.name}: {poas} points of access, {terminals} terminals)")
    if failed:
        raise typer.Exit(EXIT_INVALID)


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _node(node: ComputeNode, kind: NodeKind) -> str:
    """A node's name, its apps and its compute in brief (marked when it is its kind's
    default)."""
    compute = compute_of(node, kind)
    names = ", ".join(app.name for app in node.apps) or "no apps"
    default = " (default)" if node.compute is None else ""
    return (
        f"{node.name} ({names}): {compute.cores} cores at {compute.speed_ghz:g} GHz, "
        f"{compute.memory_gb:g} GB{default}"
    )


def outline(scenario: Scenario) -> Tree:
    """The scenario as a tree a person reads: operators, zones, cells, hosts, apps, terminals."""
    root = Tree(
        f"[bold]{escape(scenario.name)}[/bold]"
        + (f": {escape(scenario.description)}" if scenario.description else "")
    )
    for cloud in scenario.clouds:
        root.add(f"public cloud {escape(_node(cloud, NodeKind.CLOUD))}")
    for domain in scenario.domains:
        branch = root.add(
            f"operator [bold]{escape(domain.name)}[/bold] (PLMN {domain.mcc}/{domain.mnc}): "
            f"{_count(domain.zones, 'zone')}, {_count(domain.terminals, 'terminal')}"
        )
        for cloud in domain.clouds:
            branch.add(f"operator cloud {escape(_node(cloud, NodeKind.CLOUD))}")
        for zone in domain.zones:
            by_type = Counter(str(poa.type) for poa in zone.poas)
            cells = ", ".join(f"{n} {kind}" for kind, n in sorted(by_type.items()))
            zone_branch = branch.add(
                f"zone [bold]{escape(zone.name)}[/bold]: {cells or 'no points of access'}"
            )
            for host in zone.mec_hosts:
                zone_branch.add(f"MEC host {escape(_node(host, NodeKind.MEC_HOST))}")
            for poa in zone.poas:
                for fog in poa.fog_nodes:
                    zone_branch.add(
                        f"fog node at {escape(poa.name)}: {escape(_node(fog, NodeKind.FOG))}"
                    )
        moving = sum(1 for t in domain.terminals if t.velocity_mps > 0 and len(t.path) > 1)
        if domain.terminals:
            branch.add(
                f"terminals: {moving} moving, {len(domain.terminals) - moving} standing; "
                f"{sum(len(t.apps) for t in domain.terminals)} terminal apps"
            )
    return root


@scenario_app.command("describe")
def describe(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).", show_default=False)],
) -> None:
    """Outline a scenario: operators, zones, points of access, MEC hosts, apps, terminals."""
    try:
        scenario = load_file(file)
    except ScenarioError as exc:
        report_invalid(exc)
        raise typer.Exit(EXIT_INVALID) from exc
    Console(highlight=False).print(outline(scenario))


@scenario_app.command("schema")
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@scenario_app.command("default")
def default() -> None:
    """Print the built-in default scenario (Monaco), a starting point for your own."""
    sys.stdout.write(default_scenario_text())


@scenario_app.command("generate")
def generate(
    ues: Annotated[int, typer.Option("--ues", min=0, help="Number of terminals.")] = 1000,
    cells: Annotated[int, typer.Option("--cells", min=1, help="Number of points of access.")] = 50,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed; same seed, same world.")
    ] = 0,
    zones: Annotated[
        int | None,
        typer.Option(
            "--zones",
            min=1,
            help="Number of zones.",
            show_default="round(sqrt(cells) / 2), 1 to 64",
        ),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="yaml or json.",
            show_default="json when --output ends in .json, else yaml",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Generate a synthetic city with the given numbers of terminals and cells."""
    from meclab.scenario.generator import generate as make

    if output_format is None:
        # JSON loads about five times faster than YAML for big worlds (PyYAML's resolver).
        output_format = "json" if output is not None and output.suffix == ".json" else "yaml"
    if output_format not in ("yaml", "json"):
        typer.echo(f"--format must be yaml or json, not {output_format!r}", err=True)
        raise typer.Exit(EXIT_INVALID)
    try:
        scenario = make(ues=ues, cells=cells, seed=seed, zones=zones)
    except ValueError as exc:
        typer.echo(f"cannot generate: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from exc
    text = dump_yaml(scenario) if output_format == "yaml" else dump_json(scenario) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
