"""The worlds kept in a data directory: one store per scenario name.

Layout::

    <data dir>/meclab.lock               who runs on this data dir (meclab.lock)
    <data dir>/worlds/<name>/world.sqlite  one world: its scenario, clock, platform state,
                                          subscriptions, rules and event history

A world is named after its scenario (scenario names are safe file names), so starting another
scenario opens another store and leaves the others as they were. Which world to resume and when
to start one afresh is the runtime's rule (:meth:`meclab.runtime.Runtime.load`); this module
only finds, opens, describes and removes stores. Data dirs of the first layout, one
``meclab.sqlite`` for everything, become the world named after the scenario stored in it.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from meclab.scenario.model import Name
from meclab.store.base import Store
from meclab.store.current import CurrentStore
from meclab.store.sqlite import SqliteStore

log = logging.getLogger("meclab.worlds")

WORLDS_DIR = "worlds"
STORE_FILE = "world.sqlite"
LEGACY_STORE = "meclab.sqlite"
SQLITE_SUFFIXES = ("", "-wal", "-shm")
"""The database file and the two files SQLite keeps beside it in WAL mode."""
USED = ("shelf", "used")
"""(collection, key) of when a world was last opened or left: ``{"wall": seconds}``."""

_names = TypeAdapter(Name)


class UnknownWorld(LookupError):
    """No stored world has this name; the message lists those that exist."""


@dataclass(frozen=True, slots=True)
class StoredWorld:
    """A world on the shelf, as ``meclab worlds`` lists it."""

    name: str
    time_s: float | None
    """Simulation time at its last checkpoint; None when it never got one."""
    size_bytes: int
    used: float | None
    """Wall-clock time (epoch seconds) it was last opened or left; None if unknown."""


def check_name(name: str) -> str:
    """``name`` if it is a scenario name (and so one safe path component); ValueError if not."""
    try:
        return _names.validate_python(name)
    except ValidationError as exc:
        raise ValueError(f"{name!r} is not a world name (a scenario name)") from exc


def _is_name(text: str) -> bool:
    try:
        check_name(text)
    except ValueError:
        return False
    return True


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


class WorldShelf:
    """The worlds under a data directory, one of them open at a time in :attr:`store`."""

    def __init__(
        self,
        data_dir: Path,
        *,
        on_open: Callable[[str], None] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.root = data_dir / WORLDS_DIR
        self.data_dir = data_dir
        self.store = CurrentStore()
        """The open world's store: the same object whichever world that is."""
        self.current: str | None = None
        self._on_open = on_open
        self._wall = wall

    def directory(self, name: str) -> Path:
        """Where world ``name`` is kept (ValueError if ``name`` is no scenario name)."""
        return self.root / check_name(name)

    def names(self) -> list[str]:
        """Names of the stored worlds, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.parent.name for p in self.root.glob(f"*/{STORE_FILE}") if _is_name(p.parent.name)
        )

    async def open(self, name: str, *, fresh: bool = False) -> None:
        """Make ``name`` the open world, creating its store if there is none; with ``fresh``
        its stored state is removed first. The world left is stamped as used and closed."""
        directory = self.directory(name)
        if name == self.current and not fresh:
            return
        await self._leave()
        if fresh:
            shutil.rmtree(directory, ignore_errors=True)
        store = SqliteStore(directory / STORE_FILE)
        await store.put(*USED, {"wall": self._wall()})
        self.store.switch(store)
        self.current = name
        if self._on_open is not None:
            self._on_open(name)

    async def close(self) -> None:
        """Stamp the open world as used and close its store."""
        await self._leave()

    async def _leave(self) -> None:
        if self.current is None:
            return
        await self.store.put(*USED, {"wall": self._wall()})
        await self.store.close()
        self.current = None

    async def describe(self, name: str) -> StoredWorld:
        """A stored world's checkpoint time, size and last use (read from its store)."""
        directory = self.directory(name)
        if name == self.current:
            clock, used = await self._read(self.store)
        else:
            store = SqliteStore(directory / STORE_FILE)
            try:
                clock, used = await self._read(store)
            finally:
                await store.close()
        size = _size(directory)
        t = clock.get("t") if isinstance(clock, dict) else None
        wall = used.get("wall") if isinstance(used, dict) else None
        return StoredWorld(
            name,
            float(t) if isinstance(t, int | float) else None,
            size,
            float(wall) if isinstance(wall, int | float) else None,
        )

    @staticmethod
    async def _read(store: Store) -> tuple[Any, Any]:
        # The runtime keeps its clock at ("runtime", "clock") (see meclab.runtime).
        return await store.get("runtime", "clock"), await store.get(*USED)

    async def worlds(self, *, skip: str | None = None) -> list[StoredWorld]:
        """Every stored world, described; ``skip`` (a world another process has open) is listed
        with its size only, its store left unopened."""
        out = []
        for name in self.names():
            if name == skip:
                out.append(StoredWorld(name, None, _size(self.directory(name)), None))
            else:
                out.append(await self.describe(name))
        return out

    async def last_used(self) -> str | None:
        """The world opened or left most recently; None when there is none."""
        worlds = await self.worlds()
        if not worlds:
            return None
        return max(worlds, key=lambda w: (w.used or 0.0, w.name)).name

    def remove(self, name: str) -> None:
        """Delete a stored world (UnknownWorld if there is none of that name)."""
        if name == self.current:
            raise RuntimeError(f"world {name} is open")
        if name not in self.names():
            raise UnknownWorld(self.unknown_message(name))
        shutil.rmtree(self.directory(name))

    def unknown_message(self, name: str) -> str:
        known = self.names()
        listed = ", ".join(known) if known else "none"
        return f"no stored world named {name!r} in {self.data_dir} (stored: {listed})"

    async def migrate_legacy(self) -> str | None:
        """Move a first-layout ``meclab.sqlite`` to the world named after its scenario; the
        name, or None when there is nothing to move. A file that names no scenario, or whose
        world already exists, is left where it is (and logged)."""
        legacy = self.data_dir / LEGACY_STORE
        if not legacy.is_file():
            return None
        store = SqliteStore(legacy)
        try:
            scenario = await store.get("runtime", "scenario")
            name = scenario.get("name") if isinstance(scenario, dict) else None
            try:
                target = self.directory(name) if isinstance(name, str) else None
            except ValueError:
                target = None
            if target is None or target.exists():
                log.warning(
                    "%s left as it is: %s",
                    legacy,
                    "its world exists" if target else "it names no scenario",
                )
                return None
            await store.put(*USED, {"wall": legacy.stat().st_mtime})
        finally:
            await store.close()  # the last connection folds the WAL into the file
        target.mkdir(parents=True)
        for suffix in SQLITE_SUFFIXES:
            source = legacy.with_name(legacy.name + suffix)
            if source.exists():
                os.replace(source, target / (STORE_FILE + suffix))
        log.info("moved %s to world %s", legacy, name)
        return name
