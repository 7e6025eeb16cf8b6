"""Owner-only secret files: made 0600 in a 0700 directory, replaced whole, refused if opened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from meclab.security.errors import InsecureFile
from meclab.security.files import private_directory, read_private, write_private

posix_only = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_a_written_file_is_owner_only_in_an_owner_only_directory(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # even with a permissive umask
    try:
        path = tmp_path / "a" / "b" / "secret.json"
        write_private(path, b"one")
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert read_private(path) == b"one"


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "secret.json"
    write_private(path, b"first")
    write_private(path, b"second")
    assert read_private(path) == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["secret.json"]


def test_a_missing_file_reads_none(tmp_path: Path) -> None:
    assert read_private(tmp_path / "none.json") is None


@posix_only
def test_an_existing_directory_is_made_owner_only(tmp_path: Path) -> None:
    directory = tmp_path / "security"
    directory.mkdir(mode=0o755)
    private_directory(directory)
    assert mode(directory) == 0o700


@posix_only
@pytest.mark.parametrize("opened", ["file", "directory"])
def test_a_secret_others_may_read_is_refused(tmp_path: Path, opened: str) -> None:
    path = tmp_path / "security" / "secret.json"
    write_private(path, b"x")
    target = path if opened == "file" else path.parent
    target.chmod(0o644 if opened == "file" else 0o755)
    with pytest.raises(InsecureFile, match="chmod go-rwx") as raised:
        read_private(path)
    assert raised.value.path == target
