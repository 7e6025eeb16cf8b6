"""The commands that talk to a running meclab refuse bad arguments before they call it."""

from __future__ import annotations

from typer.testing import CliRunner

from meclab.cli.main import app
from meclab.engine.events import EVENT_TYPES

runner = CliRunner()


def test_events_refuses_an_unknown_type_listing_the_valid_ones() -> None:
    result = runner.invoke(app, ["events", "--type", "handvoer"], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    listed = ", ".join(f"'{kind}'" for kind in EVENT_TYPES)
    assert f"'handvoer' is not one of {listed}" in " ".join(result.output.split())
