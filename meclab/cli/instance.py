"""Where the CLI finds its data dir and the running meclab: ``--url``, ``$MECLAB_URL``, or the
instance that holds the data dir (its lock file says where it serves, see meclab.lock)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from meclab.cli.operator import remember
from meclab.lock import holder

DATA_DIR_DEFAULT = "$MECLAB_DATA_DIR, else $XDG_DATA_HOME/meclab, else ~/.local/share/meclab"
"""What ``--data-dir`` means when left out, as help texts show it (see default_data_dir)."""

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="meclab's data dir.", show_default=DATA_DIR_DEFAULT),
]

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="meclab's address.",
        show_default="that of the meclab running on --data-dir, else $MECLAB_URL, "
        "else that of the meclab running on the default data dir",
    ),
]


def default_data_dir() -> Path:
    """``$MECLAB_DATA_DIR``, else ``$XDG_DATA_HOME/meclab``, else ``~/.local/share/meclab``."""
    explicit = os.environ.get("MECLAB_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "meclab"


def instance_url(url: str | None, data_dir: Path | None) -> str:
    """The running meclab's base URL: ``url``; else, with ``data_dir`` given, the URL that the
    instance holding it wrote in its lock file; else ``$MECLAB_URL``; else the URL of the
    instance holding the default data dir. Exits 1 naming the data dir when none runs there."""
    if url:
        return url.rstrip("/")
    from_env = os.environ.get("MECLAB_URL")
    if data_dir is None and from_env:
        return from_env.rstrip("/")
    directory = data_dir or default_data_dir()
    running = holder(directory)
    if running is None:
        typer.echo(
            f"no meclab is running on data dir {directory}: start one with `meclab up`, "
            "or give its address with --url or $MECLAB_URL",
            err=True,
        )
        raise typer.Exit(1)
    if running.url is not None:
        remember(running.url.rstrip("/"), directory)
    if running.url is None:
        typer.echo(
            f"data dir {directory} is held by {running.describe()}; try again when it serves",
            err=True,
        )
        raise typer.Exit(1)
    return running.url.rstrip("/")
