"""Scenario errors.

::

    ScenarioError            a document that cannot become a scenario
      └── carries Issue[]    one per problem: path of the bad field, message, line if known

Every problem is collected before raising, so a user fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PathPart = str | int


def format_path(parts: Iterable[PathPart]) -> str:
    """Render ``('domains', 0, 'zones', 1, 'radius_m')`` as ``domains[0].zones[1].radius_m``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a scenario document."""

    path: str
    """Dotted path of the bad field, e.g. ``domains[0].zones[1].poas[2].radius_m``; empty for the
    document as a whole."""
    message: str
    line: int | None = None
    """1-based line in the source file, where the format tells it (YAML)."""

    def render(self, source: str | None = None) -> str:
        """One line for a terminal: ``file:line: path: message``."""
        where = source or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        head = ": ".join(p for p in (where, self.path) if p)
        return f"{head}: {self.message}" if head else self.message


class ScenarioError(Exception):
    """A document is not a valid scenario; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[Issue], source: str | None = None) -> None:
        self.issues = list(issues)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        """All issues, one per line."""
        return "\n".join(issue.render(self.source) for issue in self.issues)
