"""Owner-only files for secrets in the data dir: directories 0700, files 0600, whole writes.

As :mod:`meclab.lifecycle.context_keys` keeps its secret (created owner-only, never loosened
afterwards), with two additions that signing keys and client credentials need because they
change while meclab runs: a write replaces the file whole (a crash mid-write leaves the old
content, never half a key), and a read refuses a file or directory that someone has opened
to others, as ssh refuses a private key others can read: a secret that may have leaked is
no longer one.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from meclab.security.errors import InsecureFile

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def _check_owner_only(path: Path) -> None:
    # Permission bits mean nothing where the OS does not keep them (Windows).
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & _OTHERS:
        raise InsecureFile(path, mode)


def private_directory(path: Path) -> Path:
    """``path`` as a directory only its owner may use, made if missing; ``path``."""
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    # mkdir leaves an existing directory's mode alone, and the umask may have cut bits of a
    # new one: set it outright, as meclab made it and owns it.
    path.chmod(DIRECTORY_MODE)
    return path


def read_private(path: Path) -> bytes | None:
    """The content of the owner-only file ``path``; None when it does not exist.

    InsecureFile when the file or its directory is open to others.
    """
    if not path.exists():
        return None
    _check_owner_only(path.parent)
    _check_owner_only(path)
    return path.read_bytes()


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` whole by ``data``, owner-only, in an owner-only directory."""
    private_directory(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never write through a file (or link) that is already there.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
