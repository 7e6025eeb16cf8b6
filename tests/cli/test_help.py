"""Every command's ``--help``: the defaults it shows and the commands it promises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from rich.text import Text
from typer.testing import CliRunner

from meclab.cli.main import app

runner = CliRunner()


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command and group below ``group`` (the root is ``()``)."""
    yield path
    for name, sub in getattr(group, "commands", {}).items():
        yield from commands(sub, (*path, name))


ROOT = typer.main.get_command(app)
ALL = list(commands(ROOT))


def command_at(path: tuple[str, ...]) -> Any:
    command: Any = ROOT
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "meclab")
def test_help_texts_are_not_eaten_as_markup(path: tuple[str, ...]) -> None:
    """Help is plain text: Rich must not read a bracket in it as a style and drop it."""
    command = command_at(path)
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    for text in texts:
        assert Text.from_markup(text).plain == text, text


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "meclab")
def test_help_shows_every_default(path: tuple[str, ...]) -> None:
    """An option with a value default says it in --help; one without says what applies."""
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    help_text = " ".join(result.output.split())
    for param in command_at(path).params:
        if (
            getattr(param, "param_type_name", "") != "option"
            or param.is_flag
            or param.name == "help"
        ):
            continue
        assert param.show_default is not False, f"{param.name} hides its default"
        shown = param.show_default if isinstance(param.show_default, str) else param.default
        if shown is None:  # optional, nothing applies when it is left out
            continue
        assert f"[default: {shown}]" in help_text or f"[default: ({shown})]" in help_text, (
            param.name
        )


def test_data_dir_default_is_shown() -> None:
    result = runner.invoke(app, ["up", "--help"], env={"COLUMNS": "400"})
    assert "~/.local/share/meclab" in result.output
    assert "store lives ." not in result.output


def test_groups_offer_what_their_help_promises() -> None:
    """``meclab scenario --help`` says it describes scenarios: the command is there."""
    scenario = command_at(("scenario",))
    assert "describe" in (scenario.help or "")
    assert "describe" in scenario.commands
