"""Attribute-based filtering and attribute selectors (ETSI GS MEC 009 clauses 6.19 and 6.18).

One implementation for every API that offers them: MEC 028 WAI queries, MEC 021, MEC 010-2,
MEC 033 (INVENTORY §3.6). MEC 009 takes both from ETSI GS NFV-SOL 013 (clauses 5.2 and 5.3);
where this module had to choose, the choice is written beside the rule.

**Filtering** (``?filter=(eq,state,ACTIVE);(gt,radio/rssi,-70)``, clause 6.19):

* an expression is ``(op,attr,value[,value...])``; expressions joined by ``;`` must all hold;
* ``op`` is one of :class:`Operator`; ``eq neq gt gte lt lte`` take one value, ``in nin cont
  ncont`` a comma-separated list (``cont``: the attribute contains one of the values);
* ``attr`` is a path ``a/b/c`` into nested objects. Where the path meets an array, every element
  is tried, and the expression holds if it holds for **any** element (so ``neq`` holds when some
  element differs). In a name, ``~1`` stands for ``/``, ``~a`` for ``,``, ``~b`` for ``@`` and
  ``~0`` for ``~``; the segment ``@key`` stands for the keys of an object (NFV-SOL 013);
* a value containing ``,``, ``)`` or ``'`` is quoted: ``'a,b'``, with ``''`` for a quote;
* a JSON number is compared numerically with a value that reads as a number; a JSON boolean
  with ``true``/``false`` (any case: MEC 033 writes ``TRUE``); anything else as strings;
* an attribute that is absent (or null, or an object where a value is expected) makes the
  expression false, whatever the operator;
* a malformed expression is a 400 problem naming ``filter``, what is wrong and at which
  position (1-based, in the decoded parameter value).

**Selectors** (``all_fields``, ``fields=a,b/c``, ``exclude_fields=...``, ``exclude_default``,
clause 6.18) act on *complex* attributes, i.e. objects and arrays; simple attributes are always
returned. Per resource, the caller passes the attributes excluded by default and the mandatory
ones (which no selector removes):

==============================  ===============================================================
parameters                      the representation keeps
==============================  ===============================================================
none, or ``exclude_default``    everything but the default-excluded attributes
``all_fields``                  everything
``fields=L``                    simple attributes, mandatory ones, and the complex ones in L
``exclude_fields=L``            everything but the attributes in L
``exclude_default``, ``fields``  everything but the default-excluded attributes not in L
any other combination           nothing: 400
==============================  ===============================================================

A path ``a/b`` in ``fields`` keeps ``a`` with its simple attributes, its mandatory ones and
``b``. ``all_fields`` and ``exclude_default`` are flags: empty, or ``true``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Annotated, Any

from fastapi import Query

from meclab.http.problem import ProblemError

FILTER = "filter"
ALL_FIELDS = "all_fields"
FIELDS = "fields"
EXCLUDE_FIELDS = "exclude_fields"
EXCLUDE_DEFAULT = "exclude_default"
SELECTOR_PARAMETERS = (ALL_FIELDS, FIELDS, EXCLUDE_FIELDS, EXCLUDE_DEFAULT)


class Operator(StrEnum):
    """The operators of an attribute-based filter expression (MEC 009 clause 6.19)."""

    EQ = "eq"
    NEQ = "neq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    CONT = "cont"
    NCONT = "ncont"
    IN = "in"
    NIN = "nin"


ONE_VALUE = frozenset(
    {Operator.EQ, Operator.NEQ, Operator.GT, Operator.GTE, Operator.LT, Operator.LTE}
)
"""Operators that take exactly one value; the others take a list."""

_ESCAPES = {"0": "~", "1": "/", "a": ",", "b": "@"}
_BOOLEANS = {"true": True, "false": False}


class Special(Enum):
    """A path segment that is not an attribute name."""

    KEYS = "@key"
    """The keys of an object (NFV-SOL 013 clause 5.2.2)."""


Segment = str | Special
AttrPath = tuple[Segment, ...]


# --- filter expressions ----------------------------------------------------------------------


class FilterSyntaxError(ProblemError):
    """A ``filter`` parameter that does not parse: 400, naming the position (1-based)."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(
            400,
            f"query parameter 'filter' is malformed at position {position}: {reason}",
            invalidParams=[
                {"name": FILTER, "in": "query", "reason": f"{reason} (position {position})"}
            ],
        )
        self.reason = reason
        self.position = position


@dataclass(frozen=True)
class Expression:
    """One ``(op,attr,value...)`` of a filter."""

    op: Operator
    path: AttrPath
    values: tuple[str, ...]

    def matches(self, representation: Any) -> bool:
        """Whether the expression holds for a JSON object (any element of an array on the way)."""
        return any(
            _holds(self.op, actual, self.values) for actual in _values_at(representation, self.path)
        )


@dataclass(frozen=True)
class Filter:
    """A parsed ``filter`` parameter: every expression must hold."""

    expressions: tuple[Expression, ...]

    def matches(self, representation: Any) -> bool:
        return all(e.matches(representation) for e in self.expressions)

    def apply(self, representations: Iterable[Any]) -> list[Any]:
        """The representations the filter selects, in their order."""
        return [r for r in representations if self.matches(r)]


class _Scanner:
    """Reads a filter expression left to right; positions in errors are 1-based."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def fail(self, reason: str, at: int | None = None) -> FilterSyntaxError:
        return FilterSyntaxError(reason, (self.i if at is None else at) + 1)

    def found(self) -> str:
        char = self.peek()
        return f"found {char!r}" if char else "found the end of the parameter"

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r} {what}, {self.found()}")
        self.i += 1


def parse_filter(text: str) -> Filter:
    """Parse a ``filter`` parameter (MEC 009 clause 6.19); FilterSyntaxError if malformed."""
    scan = _Scanner(text)
    if not text:
        raise scan.fail("the filter is empty; expected an expression such as (eq,attribute,value)")
    expressions = [_expression(scan)]
    while scan.peek():
        scan.expect(";", "between two expressions")
        expressions.append(_expression(scan))
    return Filter(tuple(expressions))


def _expression(scan: _Scanner) -> Expression:
    scan.expect("(", "to open an expression")
    start = scan.i
    while scan.peek().isalpha():
        scan.i += 1
    name = scan.text[start : scan.i]
    if not name:
        raise scan.fail(f"expected an operator ({', '.join(Operator)}), {scan.found()}")
    try:
        op = Operator(name)
    except ValueError:
        known = ", ".join(Operator)
        raise scan.fail(f"unknown operator {name!r}; expected one of {known}", start) from None
    scan.expect(",", "after the operator")
    path = _attribute(scan)
    scan.expect(",", "after the attribute name")
    values_at = scan.i
    values = [_value(scan)]
    while scan.peek() == ",":
        scan.i += 1
        values.append(_value(scan))
    if scan.peek() != ")":
        raise scan.fail(f"expected ',' or ')' after a value, {scan.found()}")
    scan.i += 1
    if op in ONE_VALUE and len(values) != 1:
        raise scan.fail(f"operator {op.value!r} takes one value, got {len(values)}", values_at)
    return Expression(op, path, tuple(values))


def _attribute(scan: _Scanner) -> AttrPath:
    segments: list[Segment] = []
    while True:
        start = scan.i
        chars: list[str] = []
        while scan.peek() and scan.peek() not in ",/();'":
            char = scan.peek()
            if char == "~":
                code = scan.text[scan.i + 1 : scan.i + 2]
                if code not in _ESCAPES:
                    raise scan.fail(
                        f"invalid escape '~{code}' in an attribute name (use ~0, ~1, ~a or ~b)"
                    )
                chars.append(_ESCAPES[code])
                scan.i += 2
                continue
            chars.append(char)
            scan.i += 1
        raw = scan.text[start : scan.i]
        if not raw:
            raise scan.fail(f"expected an attribute name, {scan.found()}")
        segments.append(Special.KEYS if raw == Special.KEYS.value else "".join(chars))
        if scan.peek() != "/":
            return tuple(segments)
        scan.i += 1


def _value(scan: _Scanner) -> str:
    start = scan.i
    if scan.peek() == "'":
        scan.i += 1
        chars: list[str] = []
        while True:
            char = scan.peek()
            if not char:
                raise scan.fail("unterminated quoted value", start)
            scan.i += 1
            if char != "'":
                chars.append(char)
            elif scan.peek() == "'":  # '' stands for one quote
                chars.append("'")
                scan.i += 1
            else:
                return "".join(chars)
    while scan.peek() and scan.peek() not in ",)'":
        scan.i += 1
    if scan.peek() == "'":
        raise scan.fail("a quote inside a value; quote the whole value: 'it''s'")
    if scan.i == start:
        raise scan.fail(f"expected a value, {scan.found()}")
    return scan.text[start : scan.i]


def _values_at(node: Any, path: AttrPath) -> list[Any]:
    """The values a path reaches, trying every element of the arrays on the way."""
    if isinstance(node, list):
        return [v for element in node for v in _values_at(element, path)]
    if not path:
        return [node]
    if not isinstance(node, Mapping):
        return []
    head, rest = path[0], path[1:]
    if head is Special.KEYS:
        return [v for key in node for v in _values_at(key, rest)]
    if head not in node:
        return []
    return _values_at(node[head], rest)


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _compare(actual: Any, literal: str) -> int | None:
    """-1, 0 or 1 as ``actual`` is below, equal to or above ``literal``; None if incomparable."""
    if actual is None or isinstance(actual, Mapping | list):
        return None
    if isinstance(actual, bool):
        wanted = _BOOLEANS.get(literal.lower())
        return None if wanted is None else (actual > wanted) - (actual < wanted)
    if isinstance(actual, int | float):
        number = _number(literal)
        if number is not None:
            return (actual > number) - (actual < number)
    text = _text(actual)
    return (text > literal) - (text < literal)


def _text(actual: Any) -> str:
    if isinstance(actual, float) and actual.is_integer():
        return str(int(actual))
    return str(actual)


def _holds(op: Operator, actual: Any, values: Sequence[str]) -> bool:
    if op in (Operator.CONT, Operator.NCONT):
        if actual is None or isinstance(actual, Mapping | list | bool):
            return False
        contains = any(v in _text(actual) for v in values)
        return contains if op is Operator.CONT else not contains
    order = [_compare(actual, v) for v in values]
    if None in order:
        return False
    if op is Operator.IN:
        return 0 in order
    if op is Operator.NIN:
        return 0 not in order
    sign = order[0]
    return {
        Operator.EQ: sign == 0,
        Operator.NEQ: sign != 0,
        Operator.GT: sign > 0,
        Operator.GTE: sign >= 0,
        Operator.LT: sign < 0,
        Operator.LTE: sign <= 0,
    }[op]


# --- attribute selectors ---------------------------------------------------------------------

Path = tuple[str, ...]
_Tree = dict[str, "_Tree | None"]
"""Paths as a tree; None marks a whole attribute."""


def _selector_error(detail: str, *names: str) -> ProblemError:
    return ProblemError(
        400,
        detail,
        invalidParams=[{"name": n, "in": "query", "reason": detail} for n in names],
    )


@dataclass(frozen=True)
class Selection:
    """The attribute selectors of a request (MEC 009 clause 6.18); all absent by default."""

    all_fields: bool = False
    fields: tuple[Path, ...] | None = None
    exclude_fields: tuple[Path, ...] | None = None
    exclude_default: bool = False

    def __post_init__(self) -> None:
        given = [
            name
            for name, value in (
                (ALL_FIELDS, self.all_fields),
                (FIELDS, self.fields is not None),
                (EXCLUDE_FIELDS, self.exclude_fields is not None),
                (EXCLUDE_DEFAULT, self.exclude_default),
            )
            if value
        ]
        if len(given) > 1 and set(given) != {FIELDS, EXCLUDE_DEFAULT}:
            raise _selector_error(
                f"attribute selectors {' and '.join(given)} cannot be combined (MEC 009 clause "
                "6.18): give all_fields, fields, exclude_fields or exclude_default alone, or "
                "fields with exclude_default",
                *given,
            )


def _flag(name: str, value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() not in ("", "true"):
        raise _selector_error(f"{name} is a flag and takes no value, got {value!r}", name)
    return True


def _paths(name: str, raw: Sequence[str] | str | None) -> tuple[Path, ...] | None:
    if raw is None:
        return None
    items = [
        item for chunk in ([raw] if isinstance(raw, str) else raw) for item in chunk.split(",")
    ]
    paths = []
    for number, item in enumerate(items, start=1):
        segments = tuple(item.split("/"))
        if not all(segments):
            what = "an empty attribute name" if not item else f"an empty segment in {item!r}"
            raise _selector_error(f"{name} has {what} (item {number})", name)
        paths.append(segments)
    return tuple(paths)


def parse_selection(
    *,
    all_fields: str | None = None,
    fields: Sequence[str] | str | None = None,
    exclude_fields: Sequence[str] | str | None = None,
    exclude_default: str | None = None,
) -> Selection:
    """The selection the query parameters ask for; 400 problem if they are malformed.

    A parameter is None when absent. ``fields`` and ``exclude_fields`` may be repeated or
    comma-separated (MEC 028 declares them as arrays, the others as strings).
    """
    return Selection(
        all_fields=_flag(ALL_FIELDS, all_fields),
        fields=_paths(FIELDS, fields),
        exclude_fields=_paths(EXCLUDE_FIELDS, exclude_fields),
        exclude_default=_flag(EXCLUDE_DEFAULT, exclude_default),
    )


def _as_paths(paths: Iterable[str | Path]) -> tuple[Path, ...]:
    return tuple(tuple(p.split("/")) if isinstance(p, str) else tuple(p) for p in paths)


def _tree(paths: Iterable[Path]) -> _Tree:
    tree: _Tree = {}
    for path in paths:
        node = tree
        for depth, name in enumerate(path):
            if name in node and node[name] is None:
                break  # the whole attribute is already selected
            if depth == len(path) - 1:
                node[name] = None
            else:
                child = node.get(name)
                if child is None:
                    child = node[name] = {}
                node = child
    return tree


def _complex(value: Any) -> bool:
    return isinstance(value, Mapping | list)


def _project(value: Any, keep: _Tree, mandatory: _Tree) -> Any:
    """``fields``: simple attributes, mandatory ones, and the complex ones of ``keep``."""
    if isinstance(value, list):
        return [_project(element, keep, mandatory) for element in value]
    if not isinstance(value, Mapping):
        return value
    out = {}
    for name, item in value.items():
        if name in keep:
            sub = keep[name]
            out[name] = item if sub is None else _project(item, sub, _subtree(mandatory, name))
        elif not _complex(item) or (name in mandatory and mandatory[name] is None):
            out[name] = item
    return out


def _subtree(tree: _Tree, name: str) -> _Tree:
    return tree.get(name) or {}


def _remove(value: Any, path: Path, keep: _Tree | None = None) -> Any:
    """A copy of ``value`` without ``path`` (in every element of the arrays on the way).

    With ``keep`` (a ``fields`` subtree under ``path``), the attribute is projected to it
    instead of removed.
    """
    if isinstance(value, list):
        return [_remove(element, path, keep) for element in value]
    if not isinstance(value, Mapping) or path[0] not in value:
        return value
    out = dict(value)
    head, rest = path[0], path[1:]
    if rest:
        out[head] = _remove(value[head], rest, keep)
    elif keep:
        out[head] = _project(value[head], keep, {})
    else:
        del out[head]
    return out


def _lookup(tree: _Tree, path: Path) -> tuple[bool, _Tree | None]:
    """Whether ``fields`` selects ``path`` whole, and else the subtree below it (if any)."""
    node: _Tree | None = tree
    for name in path:
        if node is None:
            return True, None
        if name not in node:
            return False, None
        node = node[name]
    return node is None, node


def select(
    representation: Any,
    selection: Selection,
    *,
    default_excluded: Iterable[str | Path] = (),
    mandatory: Iterable[str | Path] = (),
) -> Any:
    """Apply attribute selectors to a JSON representation (an object or a list of objects).

    ``default_excluded`` and ``mandatory`` are the resource's attribute paths (``"a/b"``)
    excluded by default and never removed. Returns a new representation; the input is not
    changed. Naming a mandatory attribute in ``exclude_fields`` is a 400 problem.
    """
    defaults = _as_paths(default_excluded)
    required = _as_paths(mandatory)
    if selection.all_fields:
        return representation
    if selection.exclude_fields is not None:
        refused = [p for p in selection.exclude_fields if p in required]
        if refused:
            names = ", ".join("/".join(p) for p in refused)
            raise _selector_error(
                f"exclude_fields names mandatory attribute(s) {names}, which cannot be excluded",
                EXCLUDE_FIELDS,
            )
        for path in selection.exclude_fields:
            representation = _remove(representation, path)
        return representation
    if selection.fields is not None and not selection.exclude_default:
        return _project(representation, _tree(selection.fields), _tree(required))
    # exclude_default, alone or with fields, or no selector at all (the default).
    wanted = _tree(selection.fields or ())
    for path in defaults:
        whole, below = _lookup(wanted, path)
        if not whole:
            representation = _remove(representation, path, below)
    return representation


# --- FastAPI dependencies --------------------------------------------------------------------


def attribute_filter(
    filter: Annotated[  # the parameter's wire name (MEC 009 clause 6.19)
        list[str] | None,
        Query(description="Attribute-based filter, e.g. (eq,state,ACTIVE) (MEC 009 cl. 6.19)"),
    ] = None,
) -> Filter | None:
    """Dependency: the request's ``filter``; a repeated parameter adds its expressions (AND)."""
    if not filter:
        return None
    expressions = [e for text in filter for e in parse_filter(text).expressions]
    return Filter(tuple(expressions))


def attribute_selection(
    all_fields: Annotated[
        str | None, Query(description="Include every attribute (MEC 009 clause 6.18)")
    ] = None,
    fields: Annotated[
        list[str] | None,
        Query(description="Complex attributes to include, e.g. a,b/c (MEC 009 clause 6.18)"),
    ] = None,
    exclude_fields: Annotated[
        list[str] | None,
        Query(description="Complex attributes to exclude (MEC 009 clause 6.18)"),
    ] = None,
    exclude_default: Annotated[
        str | None,
        Query(description="Exclude the resource's default set (MEC 009 clause 6.18)"),
    ] = None,
) -> Selection:
    """Dependency: the request's attribute selectors."""
    return parse_selection(
        all_fields=all_fields,
        fields=fields,
        exclude_fields=exclude_fields,
        exclude_default=exclude_default,
    )
