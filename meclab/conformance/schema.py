"""A tiny schema language for the bodies the catalogue describes, and its validator.

The catalogue states, per ETSI data type, which members a body must have, their JSON types and
the values an enumeration allows: ``Schema("CategoryRef", "MEC 011 §8.1.5.2", req("href"),
req("id"), ...)``. :func:`validate` walks a decoded JSON body against one and returns every
problem with its JSON path (``$.transportInfo.endpoint``), never stopping at the first. Members
the schema does not name are allowed (ETSI types are open to extensions), so only what the
spec says can fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["string", "integer", "number", "boolean", "object", "array", "any"]

_KIND_CHECKS: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "any": lambda v: True,
}


@dataclass(frozen=True)
class Member:
    """One member of a data type."""

    name: str
    kind: Kind = "string"
    required: bool = False
    enum: tuple[Any, ...] = ()
    """The values allowed (empty: any value of the kind); for an array, of each item."""
    schema: str | None = None
    """For an object, the schema it follows; for an array, the schema of each item."""
    items: Kind | None = None
    """For an array, the kind of each item (``object`` when ``schema`` is given)."""


def req(name: str, kind: Kind = "string", **options: Any) -> Member:
    """A member the spec marks mandatory (cardinality 1 or 1..N)."""
    return Member(name, kind, True, **options)


def opt(name: str, kind: Kind = "string", **options: Any) -> Member:
    """A member the spec marks optional (0..1 or 0..N)."""
    return Member(name, kind, False, **options)


@dataclass(frozen=True)
class Schema:
    """A data type: its name, the clause that defines it and its members."""

    name: str
    clause: str
    members: tuple[Member, ...] = field(default=())

    def __init__(self, name: str, clause: str, *members: Member) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "clause", clause)
        object.__setattr__(self, "members", members)


@dataclass(frozen=True)
class Problem:
    """A body that breaks its schema: where, what the spec asks, what came, and which clause."""

    path: str
    expected: str
    actual: str
    clause: str


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def validate(
    value: Any, schema: str, schemas: Mapping[str, Schema], path: str = "$"
) -> list[Problem]:
    """Every problem of ``value`` against the schema named ``schema`` (from ``schemas``).

    ``schema`` may be ``"[Name]"``: an array of ``Name``.
    """
    if schema.startswith("["):
        inner = schema[1:-1]
        clause = schemas[inner].clause
        if not isinstance(value, list):
            return [Problem(path, f"an array of {inner}", _kind_of(value), clause)]
        problems: list[Problem] = []
        for index, item in enumerate(value):
            problems += validate(item, inner, schemas, f"{path}[{index}]")
        return problems
    spec = schemas[schema]
    if not isinstance(value, dict):
        return [Problem(path, f"a {spec.name} object", _kind_of(value), spec.clause)]
    problems = []
    for member in spec.members:
        where = f"{path}.{member.name}"
        if member.name not in value:
            if member.required:
                problems.append(
                    Problem(where, f"{spec.name}.{member.name} (mandatory)", "absent", spec.clause)
                )
            continue
        problems += _member(value[member.name], member, spec, schemas, where)
    return problems


def _member(
    value: Any, member: Member, owner: Schema, schemas: Mapping[str, Schema], where: str
) -> list[Problem]:
    if not _KIND_CHECKS[member.kind](value):
        return [Problem(where, member.kind, f"{_kind_of(value)} {_short(value)}", owner.clause)]
    if member.kind == "array":
        problems: list[Problem] = []
        for index, item in enumerate(value):
            problems += _item(item, member, owner, schemas, f"{where}[{index}]")
        return problems
    return (
        _item(value, member, owner, schemas, where)
        if member.kind == "object" or member.enum
        else []
    )


def _item(
    value: Any, member: Member, owner: Schema, schemas: Mapping[str, Schema], where: str
) -> list[Problem]:
    if member.enum and value not in member.enum:
        allowed = ", ".join(str(e) for e in member.enum)
        return [Problem(where, f"one of {allowed}", _short(value), owner.clause)]
    if member.schema is not None:
        return validate(value, member.schema, schemas, where)
    if member.kind == "array" and member.items and not _KIND_CHECKS[member.items](value):
        return [Problem(where, member.items, _kind_of(value), owner.clause)]
    return []
