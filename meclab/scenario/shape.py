"""Limits on the shape of a parsed scenario document, checked before anything recurses into it.

Parsers, pydantic and the reference checks walk a document recursively: a document nested a
thousand levels deep ends in a RecursionError, and YAML aliases can make a small file stand for
billions of values ("billion laughs") or for a list that contains itself. The walks here are
iterative, so the loader can refuse such documents with an issue naming the path.
"""

from __future__ import annotations

from typing import Any

from meclab.scenario.errors import Issue, PathPart, format_path

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists a scenario may have. The deepest field of the model (a
traffic rule filter's address list) sits 9 levels down; 64 leaves room for any extension."""

MAX_VALUES = 100_000_000
"""Most values a document may stand for once YAML aliases are expanded: well above a generated
world of a million terminals (about 30 million), far below what would exhaust memory."""

SHOWN_LEVELS = 4
"""Levels of a too-deep branch that its issue names: where it starts tells the reader enough."""


def check_shape(doc: Any) -> list[Issue]:
    """Issues for a document nested deeper than :data:`MAX_DEPTH`, one that contains itself, or
    one whose aliases expand past :data:`MAX_VALUES`; empty when its shape is fine."""
    too_deep, shared = _depth_walk(doc)
    if shared:  # only YAML aliases share nodes; they need the slower, exact walk
        problem = _shared_walk(doc)
        if problem is not None:
            return [problem]
    if too_deep is not None:
        return [Issue(format_path(too_deep), f"more than {MAX_DEPTH} levels of nesting from here")]
    return []


def _depth_walk(doc: Any) -> tuple[tuple[PathPart, ...] | None, bool]:
    """The start of a branch deeper than :data:`MAX_DEPTH` (None if none), and whether any node
    is reached twice. A node met again is walked again only when reached deeper than before,
    so aliases cost little here."""
    reached: dict[int, int] = {}
    shared = False
    stack: list[tuple[Any, int, tuple[PathPart, ...]]] = [(doc, 0, ())]
    while stack:
        node, level, path = stack.pop()
        before = reached.get(id(node))
        if before is not None:
            shared = True
            if before >= level:
                continue
        reached[id(node)] = level
        if level >= MAX_DEPTH:
            return path, shared
        pairs = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in pairs:
            if isinstance(child, dict | list):
                named = (*path, key) if level < SHOWN_LEVELS else path
                stack.append((child, level + 1, named))
    return None, shared


def _shared_walk(doc: Any) -> Issue | None:
    """A node that contains itself, or more than :data:`MAX_VALUES` values once shared nodes
    are counted at every use; each node is measured once, after its children."""
    size: dict[int, int] = {}
    ancestors: set[int] = set()
    stack: list[tuple[Any, tuple[PathPart, ...], bool]] = [(doc, (), False)]
    while stack:
        node, path, children_done = stack.pop()
        if id(node) in size:
            continue
        kids = [
            (key, child)
            for key, child in (node.items() if isinstance(node, dict) else enumerate(node))
            if isinstance(child, dict | list)
        ]
        if children_done:
            ancestors.discard(id(node))
            size[id(node)] = 1 + len(node) - len(kids) + sum(size[id(k)] for _, k in kids)
            continue
        ancestors.add(id(node))
        stack.append((node, path, True))
        for key, child in kids:
            if id(child) in ancestors:
                return Issue(format_path((*path, key)), "contains itself (a recursive alias)")
            stack.append((child, (*path, key), False))
    total = size[id(doc)]
    if total > MAX_VALUES:
        return Issue(
            "",
            f"stands for {total:,} values once its aliases are expanded; "
            f"at most {MAX_VALUES:,} are allowed",
        )
    return None
