"""``meclab worlds`` and ``meclab reset``: the worlds stored in a data dir, listed and removed.

Both hold the data dir's lock while they read or remove, as ``meclab up`` does; when a meclab
runs there, they leave its open world's store alone and learn its live time from its API.
"""

from __future__ import annotations

import asyncio
import datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer

from meclab.cli.instance import DataDirOption, default_data_dir
from meclab.lock import DataDirBusy, DataDirLock, Holder
from meclab.worlds import StoredWorld, WorldShelf

LIVE_TIMEOUT_S = 2.0


def _size(n: int) -> str:
    """``812 B``, ``84.2 kB``, ``1.2 MB`` (SI units, as ``ls -h --si``)."""
    if n < 1000:
        return f"{n} B"
    value, unit = n / 1000, "kB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


def _live_time(running: Holder) -> float | None:
    """The running world's simulation time from its API; None when it does not answer."""
    if running.url is None:
        return None
    try:
        response = httpx.get(f"{running.url}/meclab/v1/world", timeout=LIVE_TIMEOUT_S)
        return float(response.json()["time_s"]) if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


def _hold(directory: Path) -> tuple[DataDirLock | None, Holder | None]:
    """The data dir's lock when free (then legacy data is migrated), else who holds it."""
    lock = DataDirLock(directory)
    try:
        lock.acquire()
    except DataDirBusy as busy:
        return None, busy.holder
    return lock, None


async def _list(directory: Path) -> tuple[list[StoredWorld], Holder | None]:
    lock, running = _hold(directory)
    try:
        shelf = WorldShelf(directory)
        if lock is not None:
            await shelf.migrate_legacy()
        return await shelf.worlds(skip=running.world if running else None), running
    finally:
        if lock is not None:
            lock.release()


def worlds_command(data_dir: DataDirOption = None) -> None:
    """List the stored worlds: name, simulation time, size, last use, which one runs."""
    directory = data_dir or default_data_dir()
    worlds, running = asyncio.run(_list(directory))
    if not worlds:
        typer.echo(f"no stored worlds in {directory}")
        return
    rows = [("WORLD", "SIM TIME", "SIZE", "LAST USED")]
    for world in worlds:
        t = world.time_s
        if running is not None and world.name == running.world:
            t = _live_time(running)
            pid = f"pid {running.pid}, " if running.pid is not None else ""
            used = f"running ({pid}{running.url or 'not serving yet'})"
        elif world.used is None:
            used = "-"
        else:
            stamp = datetime.datetime.fromtimestamp(world.used).astimezone()
            used = stamp.strftime("%Y-%m-%d %H:%M:%S")
        rows.append((world.name, "-" if t is None else f"{t:.1f}s", _size(world.size_bytes), used))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for name, t, size, used in rows:
        typer.echo(f"{name:<{widths[0]}}  {t:>{widths[1]}}  {size:>{widths[2]}}  {used}")


async def _remove(directory: Path, world: str | None, yes: bool) -> str:
    lock, running = _hold(directory)
    try:
        shelf = WorldShelf(directory)
        if lock is not None:
            await shelf.migrate_legacy()
        name = world or (running.world if running else await shelf.last_used())
        if name is None:
            raise _fail(f"no stored worlds in {directory}")
        if running is not None and name == running.world:
            raise _fail(
                f"world {name} is running in {running.describe()}; stop it (Ctrl-C) or load "
                f"another scenario into it first"
            )
        if name not in shelf.names():
            raise _fail(shelf.unknown_message(name))
        if not yes:
            described = await shelf.describe(name)
            at = "" if described.time_s is None else f", at t={described.time_s:.1f}s"
            typer.confirm(
                f"Remove world {name} ({_size(described.size_bytes)}{at}) from {directory}?",
                abort=True,
            )
        shelf.remove(name)
        return name
    finally:
        if lock is not None:
            lock.release()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"meclab reset: {message}", err=True)
    return typer.Exit(1)


def reset_command(
    world: Annotated[
        str | None,
        typer.Argument(help="World to remove (default: the one used last).", show_default=False),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Remove a stored world: its state, subscriptions, registrations, rules and history."""
    directory = data_dir or default_data_dir()
    name = asyncio.run(_remove(directory, world, yes))
    typer.echo(f"removed world {name} from {directory}")
