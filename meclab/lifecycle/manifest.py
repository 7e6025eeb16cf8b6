"""meclab's run manifest: how to run a package's application as a process.

The AppD says *what* an application is (its resources, services and rules); it has no place for
a command line. A meclab package therefore carries one more file, the run manifest, and the AppD
points at it: the package's software image (``swImageDescriptor``) is a ``BARE`` image whose
``swImage`` is the manifest's path in the package (see :mod:`meclab.lifecycle.package` for the
whole layout)::

    swImageDescriptor:
      - id: hello-edge-image
        name: hello-edge
        version: "1.0"
        containerFormat: BARE       # a plain process, no container
        swImage: meclab-app.yaml    # this manifest, relative to the package root

The manifest (YAML or JSON; unknown keys are errors):

======================  =========================================================================
key                     meaning
======================  =========================================================================
``command``             argv of the process, a non-empty list. A first item that is a relative
                        path (``./app.py``, ``bin/run``) is a file of the package; a bare name
                        (``python``) is looked up on ``PATH``. ``{python}`` anywhere stands for
                        the Python interpreter running meclab.
``env``                 extra environment variables (``{name: value}``), added to the ones meclab
                        sets (platform URL, appInstanceId, address ...)
``workdir``             working directory, relative to the package root (``.`` by default); it
                        may not leave the package
``restart``             ``never``, ``on-failure`` (default) or ``always``: what happens when the
                        process exits
``max_restarts``        restarts allowed before the instance is given up (3)
``graceful_timeout_s``  seconds between SIGTERM and SIGKILL when stopping it (10)
``ready_timeout_s``     seconds instantiation waits for the app's MEC 011 confirm_ready (30)
======================  =========================================================================

Example::

    command: ["{python}", "app.py"]
    env: {GREETING: hello}
    restart: on-failure
    ready_timeout_s: 20
"""

from __future__ import annotations

import sys
from pathlib import PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MANIFEST_NAME = "meclab-app.yaml"
"""The manifest's usual file name in a package."""

PYTHON = "{python}"
"""Placeholder for the interpreter running meclab, in :attr:`RunManifest.command`."""


def _inside(value: str, what: str) -> str:
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"{what} {value!r} must be a relative path inside the package")
    return value


class RunManifest(BaseModel):
    """How meclab runs a package's application (module docstring)."""

    model_config = ConfigDict(extra="forbid")

    command: list[str] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
    workdir: str = "."
    restart: Literal["never", "on-failure", "always"] = "on-failure"
    max_restarts: int = Field(3, ge=0)
    graceful_timeout_s: float = Field(10.0, gt=0)
    ready_timeout_s: float = Field(30.0, gt=0)

    @field_validator("command")
    @classmethod
    def _no_empty_item(cls, value: list[str]) -> list[str]:
        program = value[0]
        if not program.strip():
            raise ValueError("the program (first item) is empty")
        if "/" in program and not program.startswith("/"):
            _inside(program, "the program")
        return value

    @field_validator("workdir")
    @classmethod
    def _workdir_inside(cls, value: str) -> str:
        return _inside(value, "workdir")

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not name or "=" in name or "\0" in name:
                raise ValueError(f"{name!r} is not an environment variable name")
        return value

    @property
    def program_in_package(self) -> str | None:
        """The first item when it names a file of the package (a relative path), else None."""
        program = self.command[0]
        return program if "/" in program and not program.startswith("/") else None

    def argv(self) -> list[str]:
        """The command with ``{python}`` replaced by this interpreter."""
        return [item.replace(PYTHON, sys.executable) for item in self.command]
