"""``meclab replay``: replay a recording offline, and check it makes the recorded events."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from meclab.cli.scenario_cmd import EXIT_INVALID
from meclab.record.events import EventDigest, engine_lines
from meclab.record.format import RecordingError, read_recording
from meclab.record.replayer import ReplayDiverged, replay_offline

EXIT_DIFFERENT = 1
"""The replay's engine events are not the recorded run's."""


def replay_command(
    file: Annotated[
        Path, typer.Argument(help="A recording (meclab up --record FILE).", show_default=False)
    ],
    check: Annotated[
        bool,
        typer.Option(
            "--check/--no-check",
            help="Compare the replay's engine events with the count and SHA-256 the recording "
            "ends with (exit 1 when they differ). A recording without an end line (its run "
            "crashed) has nothing to compare.",
        ),
    ] = True,
    events_out: Annotated[
        Path | None,
        typer.Option(
            "--events-out",
            help="Write the replay's engine events to this file, one canonical JSON line each "
            "(GET /meclab/v1/events records without seq and wall, keys sorted), to diff.",
            show_default="not written",
        ),
    ] = None,
) -> None:
    """Replay a recording as fast as possible, with no server, and check its engine events.

    Exit status: 0 the same events as the recorded run (or nothing to compare), 1 different,
    2 a recording this meclab cannot replay (the message names the line or the version).
    """
    try:
        recording = read_recording(file)
        records = asyncio.run(replay_offline(recording))
    except (RecordingError, ReplayDiverged) as exc:
        typer.echo(f"meclab replay: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from exc
    digest = EventDigest()
    digest.add(records)
    if events_out is not None:
        events_out.write_bytes(b"".join(line + b"\n" for line in engine_lines(records)))
    typer.echo(
        f"replayed {file}: world {recording.scenario.name}, {recording.tick_count} ticks to "
        f"t={recording.last_t:.1f}s, {digest.count} engine events, sha256 {digest.hexdigest()}"
    )
    if not check:
        return
    end = recording.end
    if end is None:
        typer.echo("nothing to check: the recording has no end line (its run did not stop)")
        return
    if (end.events, end.sha256) != (digest.count, digest.hexdigest()):
        typer.echo(
            f"meclab replay: DIFFERENT from the recorded run: it made {end.events} engine "
            f"events, sha256 {end.sha256}",
            err=True,
        )
        raise typer.Exit(EXIT_DIFFERENT)
    typer.echo("same engine events as the recorded run")
