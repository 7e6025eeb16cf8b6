"""What a demo's component records, and how the stage reads it back.

A component appends one JSON object per line to the file ``MECLAB_DEMO_RESULTS`` names (the
stage gives each component its own). Each line is flushed as it is written, so what a
component recorded before it was stopped, or before it crashed, is kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

ENV_RESULTS = "MECLAB_DEMO_RESULTS"


class ResultsError(ValueError):
    """A results file that cannot be read; names the file and the line."""


class ResultWriter:
    """Appends records to a results file (a context manager that closes it)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file = self.path.open("a", encoding="utf-8")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ResultWriter:
        """The writer of the file ``MECLAB_DEMO_RESULTS`` names; ResultsError when it is not
        set."""
        path = (os.environ if environ is None else environ).get(ENV_RESULTS, "").strip()
        if not path:
            raise ResultsError(f"{ENV_RESULTS} is not set: the path where this component records")
        return cls(path)

    def write(self, record: Mapping[str, Any]) -> None:
        """Record one JSON object, on its own line, flushed."""
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_results(path: str | Path) -> list[dict[str, Any]]:
    """The records of a results file, in order; none when the file does not exist.

    A last line cut short (the component was killed while writing it) is dropped; any other
    line that is not a JSON object raises ResultsError naming file and line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        return []
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            if number == len(lines):  # no newline after it: written in part
                break
            raise ResultsError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(record, dict):
            raise ResultsError(f"{path}:{number}: not a JSON object")
        records.append(record)
    return records


def last_of(records: Sequence[Mapping[str, Any]], kind: str) -> dict[str, Any]:
    """The last record of ``kind`` (a component's totals, say); empty when there is none."""
    return next((dict(r) for r in reversed(records) if r.get("kind") == kind), {})
