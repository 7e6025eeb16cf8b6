"""Application packages for tests: ``from package_lab import package_dir``.

Every package starts as a copy of the README's example, ``examples/packages/hello-edge``, which
a test then edits (:func:`edit`) to make it say what the test needs.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from meclab.lifecycle.package import build_package

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "packages" / "hello-edge"
APP_D_ID = "7f1c2a9e-hello-edge-1"
"""The example's appDId."""


def package_dir(parent: Path, name: str = "hello-edge") -> Path:
    """A fresh copy of the example package under ``parent``."""
    target = parent / name
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the YAML file ``path`` after ``change`` altered its data in place."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def archive(directory: Path, out: Path) -> tuple[bytes, str]:
    """The package built as a zip at ``out``: its bytes and their SHA-256."""
    data = build_package(directory, out).read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def sha256_checksum(data: bytes) -> dict[str, str]:
    """A CreateAppPkg checksum of ``data``."""
    return {"algorithm": "SHA-256", "hash": hashlib.sha256(data).hexdigest()}
