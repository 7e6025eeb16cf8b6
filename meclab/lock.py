"""One meclab per data directory: an OS lock on a file in it, naming who holds it.

``meclab up`` holds ``<data dir>/meclab.lock`` (``fcntl.flock``, exclusive) for as long as it
runs and writes a small JSON into it: its pid, then its URL once it listens, and the world it
has open. A second start on the same data dir fails naming the first; the other commands find
the running instance's URL there. The kernel drops the lock when the process ends, however it
ends, so a file left by a process killed with ``kill -9`` holds nothing and blocks nobody: only
the lock says whether an instance runs, never the file's content.

The file is never deleted: removing it while another process has it open would let two
processes each hold a lock, on two different files of the same name.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

LOCK_FILE = "meclab.lock"

ACQUIRE_ATTEMPTS = 5
ACQUIRE_PAUSE_S = 0.02
"""Another command may be probing the lock (:func:`holder`) for a few microseconds: a start
retries briefly before it calls the data dir taken."""


@dataclass(frozen=True, slots=True)
class Holder:
    """The process holding a data dir, as its lock file describes it."""

    pid: int | None
    url: str | None
    """Where it serves; None until it listens (or for a command that does not serve)."""
    world: str | None
    """The world it has open, when it has one."""

    def describe(self) -> str:
        """``meclab (pid 4242) at http://127.0.0.1:8080, world monaco``."""
        text = "meclab" + (f" (pid {self.pid})" if self.pid is not None else "")
        text += f" at {self.url}" if self.url else ", not serving yet"
        return text + (f", world {self.world}" if self.world else "")


class DataDirBusy(Exception):
    """Another process holds the data directory."""

    def __init__(self, data_dir: Path, holder: Holder) -> None:
        super().__init__(f"data dir {data_dir} is in use by {holder.describe()}")
        self.data_dir = data_dir
        self.holder = holder


def _read(fd: int) -> Holder:
    try:
        info: Any = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:  # caught between truncation and write: as good as empty
        info = {}
    if not isinstance(info, dict):
        info = {}
    pid, url, world = info.get("pid"), info.get("url"), info.get("world")
    return Holder(
        pid if isinstance(pid, int) else None,
        url if isinstance(url, str) else None,
        world if isinstance(world, str) else None,
    )


def holder(data_dir: Path) -> Holder | None:
    """Who holds ``data_dir`` now; None when nobody does (a stale file counts as nobody)."""
    try:
        fd = os.open(data_dir / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class DataDirLock:
    """The exclusive hold on a data directory (also a context manager).

    :meth:`acquire` raises :class:`DataDirBusy` naming the holder when another process has it;
    :meth:`release` lets it go and empties the file.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None
        self._info: dict[str, Any] = {}

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        """Hold the data dir, or raise DataDirBusy naming its holder."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        for attempt in range(ACQUIRE_ATTEMPTS):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt + 1 == ACQUIRE_ATTEMPTS:
                    busy = DataDirBusy(self.data_dir, _read(fd))
                    os.close(fd)
                    raise busy from None
                time.sleep(ACQUIRE_PAUSE_S)
        self._fd = fd
        self.record(pid=os.getpid())

    def record(self, **fields: str | int | None) -> None:
        """Add ``fields`` (``url``, ``world``) to what the lock file tells other commands."""
        if self._fd is None:
            raise RuntimeError("the data dir lock is not held")
        self._info.update(fields)
        data = json.dumps(self._info).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)

    def release(self) -> None:
        """Let the data dir go (nothing happens when it is not held)."""
        if self._fd is None:
            return
        # Emptied first, so that nobody reads a departed instance's URL as a live one.
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the last descriptor releases the flock
        self._fd = None
        self._info = {}
