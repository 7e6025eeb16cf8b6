"""Compare a pydantic model class with an ETSI OpenAPI schema, attribute by attribute.

meclab writes every ETSI body as a pydantic model whose attribute names are the spec's wire
names (DESIGN.md). :func:`check` turns the model into JSON Schema (pydantic's
``model_json_schema(by_alias=True)``, so ``_links`` and other aliases are compared by their
wire name) and walks it beside the spec schema. It reports, all at once:

* **presence**: a spec attribute the model lacks, or a model attribute the spec lacks;
* **required**: required in one and optional in the other (``required`` of the spec versus a
  model field without a default);
* **type**: JSON types (string, integer, number, boolean, array, object) differ; arrays are
  compared by their items, objects that are schemas in both by their attributes, recursively;
* **enum**: the allowed values differ. A spec enum of ``[SEE_DESCRIPTION]`` (doc2oas, INVENTORY
  §3.7) takes its values from the description (:func:`described_enum`). A list the description
  introduces with "e.g." or "etc." is open: the model must accept at least those values.

Each difference is a :class:`Finding`, printed ``Schema.field: expected X, model has Y``.

Rules deliberately lenient, because they are meclab's choice and not a contract breach:

* a model enum (``Literal``, ``StrEnum``) where the spec has a plain string: the spec's
  description usually says "shall be set to ..." in words;
* nullability: a model's ``X | None`` is how an optional attribute is written, and
  ``WireModel.wire()`` drops ``None`` values, so ``null`` never reaches the wire;
* a spec value with no type at all (doc2oas emits some, e.g. MEC 011 ``SerName``) accepts any
  model type;
* a model union (``list[str] | str``) conforms when one of its branches conforms exactly;
* a property whose name is in parentheses, such as ``(extensions)``, is a row of a GS table
  that marks an extension point, not an attribute; it is skipped.

Which file to trust (INVENTORY §0, §3.10): check each API against its newest file for
**which attributes exist** (and whether they are required), because only it has the v3
attributes. Where that file's **shape** of an attribute is a known doc2oas artefact, check the
shape against the first-party ``etsi-forge-mirror/`` file instead, by a :class:`Substitute`
naming the mirror schema. Where neither file is right (the mirror predates the attribute, or
both disagree with the GS), allow-list the finding.

The allow-list is a mapping per API (see ``test_mec011.py``) from ``(Schema, field)``, or
``(Schema, field, aspect)`` to allow only one aspect, to the reason: each reason cites
INVENTORY.md or the mirror file that shows the real shape. ``Schema`` is the name of the spec
schema that owns the attribute (``OAuth2Info``, not the body that contains it); attributes of
inline objects are owned by ``Parent.field`` (``Parent.field[]`` for array items).
:func:`stale_rules` reports entries that name no attribute of the spec, so a renamed schema
cannot leave a silent allowance behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from conformance.spec import JsonDoc, Spec

Aspect = Literal["presence", "required", "type", "enum"]
ASPECTS: tuple[Aspect, ...] = ("presence", "required", "type", "enum")

AllowKey = tuple[str, str] | tuple[str, str, str]
"""``(Schema, field)`` allows every finding on that attribute; a third item, one aspect."""

SEE_DESCRIPTION = "SEE_DESCRIPTION"
_PLACEHOLDER = re.compile(r"^\(.*\)$")


@dataclass(frozen=True)
class Finding:
    """One difference between the spec and the model."""

    schema: str
    """Spec schema that owns the attribute (or ``Parent.field`` for an inline object)."""
    field: str
    """Wire name of the attribute; empty for the schema itself."""
    aspect: Aspect
    expected: str
    """What the spec says."""
    actual: str
    """What the model has."""
    at: str = ""
    """Path from the checked body, where it differs from ``schema.field``."""

    @property
    def where(self) -> str:
        return f"{self.schema}.{self.field}" if self.field else self.schema

    def line(self) -> str:
        text = f"{self.where}: expected {self.expected}, model has {self.actual}"
        return f"{text} (at {self.at})" if self.at and self.at != self.where else text


@dataclass(frozen=True)
class Substitute:
    """Check the shape of an attribute against another file's schema (module docstring).

    Keyed ``(Schema, field)`` in :attr:`Rules.substitutes`, it compares that attribute with
    property ``field`` (default: the same name) of ``schema`` in ``spec``; keyed
    ``(Schema, "*")``, it does so for every attribute of the schema that ``schema`` also has.
    Presence and required flags still come from the checked file.
    """

    spec: JsonDoc
    schema: str
    reason: str
    field: str | None = None


@dataclass(frozen=True)
class Rules:
    """Known artefacts of one API's files: allowances and substitute shapes."""

    allow: Mapping[AllowKey, str] = field(default_factory=dict)
    substitutes: Mapping[tuple[str, str], Substitute] = field(default_factory=dict)

    def reason(self, finding: Finding) -> str | None:
        """Why this finding is allowed, or None."""
        return self.allow.get((finding.schema, finding.field, finding.aspect)) or self.allow.get(
            (finding.schema, finding.field)
        )


@dataclass
class Report:
    """The outcome of :func:`check`."""

    model: str
    schema: str
    findings: list[Finding] = field(default_factory=list)
    allowed: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        return [f.line() for f in self.findings]

    def __str__(self) -> str:
        head = f"model {self.model} versus schema {self.schema}"
        if self.ok:
            return f"{head}: conforms ({len(self.allowed)} allowed differences)"
        return "\n".join([f"{head}: {len(self.findings)} difference(s)", *self.lines()])


# --- enumerations given in prose -------------------------------------------------------------

_MARKER = re.compile(
    r"(?:valid|permitted|possible|allowed|following)\s+values?\b(?:\s+(?:are|include))?\s*:?"
    r"|\bvalues?\s*:",
    re.IGNORECASE,
)
_TOKEN = r"[A-Z][A-Z0-9]*(?:[_-][A-Z0-9]+)*(?![A-Za-z0-9_])"
_RUN = re.compile(rf"({_TOKEN})((?:\s*(?:,|/|\bor\b|\band\b)\s*{_TOKEN})*)")
_ONE = re.compile(_TOKEN)
_AFTER_RUN = re.compile(r"\s*(?:$|[:.,;=(\u2013\u2014-])")
_BULLET = re.compile(r"^\s*(?:[\u2022*\u2013-]|\d+[.)]|[a-z][.)])?\s*")
_EXAMPLES = re.compile(r"\be\.g\.|\bexample", re.IGNORECASE)
_ETC = re.compile(r"\betc\b", re.IGNORECASE)
_NOT_VALUES = frozenset({"NOTE", "NOTES"})


@dataclass(frozen=True)
class DescribedEnum:
    """Values listed in a description; ``open`` when the list is only examples."""

    values: tuple[str, ...]
    open: bool = False


def _run_at_start(text: str) -> list[str]:
    match = _RUN.match(text)
    if match is None or not _AFTER_RUN.match(text, match.end()):
        return []
    return _ONE.findall(match.group(0))


def described_enum(description: str | None) -> DescribedEnum | None:
    """The values an enumeration's description lists, or None if it lists none.

    Understands what the ETSI files write: a "Valid values:" or "Permitted values:" marker
    (text before it is ignored), one value per line (``VALUE``, ``VALUE:`` or ``VALUE (...)``,
    after an optional bullet or number), or a comma/"or"-separated run after a colon
    ("state: ACTIVE, INACTIVE.") or inside the first line ("per FLOW or PACKET").
    """
    if not description:
        return None
    text = description.replace("\t", " ")
    marker = _MARKER.search(text)
    if marker:
        text = text[marker.end() :]
    values: list[str] = []
    for raw in re.split(r"[\n\u2022]", text):
        line = _BULLET.sub("", raw, count=1).strip()
        found = _run_at_start(line)
        if not found and ":" in line:
            found = _run_at_start(line.split(":", 1)[1].strip())
        values.extend(v for v in found if len(v) > 1 and v not in _NOT_VALUES)
    if not values:  # "Definition of filter per FLOW or PACKET."
        first = text.strip().split("\n", 1)[0]
        for match in _RUN.finditer(first):
            run = _ONE.findall(match.group(0))
            if len(run) > 1:
                values = run
                break
    if not values:
        return None
    # Open when the list is introduced as examples ("e.g. TUNNEL, MAC, IP, etc."); an "e.g."
    # elsewhere in the text ("upstream (e.g. UE->EPC) packets") says nothing about the list.
    before = description[: description.find(values[0])]
    open_ = bool(_EXAMPLES.search(before) or _ETC.search(description))
    return DescribedEnum(tuple(dict.fromkeys(values)), open=open_)


# --- shapes ----------------------------------------------------------------------------------


@dataclass
class _Shape:
    """What a (resolved) schema node says about a JSON value."""

    doc: JsonDoc
    name: str | None
    node_id: int = 0
    kinds: frozenset[str] = frozenset()
    enum: tuple[Any, ...] | None = None
    enum_open: bool = False
    items: Any = None
    items_description: str | None = None
    properties: dict[str, Any] | None = None
    required: frozenset[str] = frozenset()
    alternatives: list[Any] = field(default_factory=list)

    @property
    def unspecified(self) -> bool:
        return not (self.kinds or self.alternatives or self.enum or self.properties is not None)

    def describe(self, depth: int = 0) -> str:
        if self.alternatives:
            return "one of " + " | ".join(
                _shape(self.doc, alt).describe(depth + 1) for alt in self.alternatives
            )
        if self.unspecified:
            return "any value"
        kinds = " or ".join(sorted(self.kinds)) or "value"
        if "array" in self.kinds and self.items is not None and depth < 3:
            return f"array of {_shape(self.doc, self.items).describe(depth + 1)}"
        if "object" in self.kinds:
            if self.properties is None:
                return "free-form object"
            return f"object {self.name}" if self.name else "object"
        if self.enum is not None:
            return f"{kinds} {_enum_text(self.enum, self.enum_open)}"
        return kinds


def _enum_text(values: Iterable[Any], open_: bool = False) -> str:
    listed = ", ".join(str(v) for v in values)
    return f"at least [{listed}]" if open_ else f"one of [{listed}]"


def _types(node: Mapping[str, Any]) -> set[str]:
    declared = node.get("type")
    kinds = set(declared) if isinstance(declared, list) else {declared} if declared else set()
    if node.get("nullable") is True:
        kinds.add("null")
    return kinds


def _shape(doc: JsonDoc, raw: Any, fallback_description: str | None = None) -> _Shape:
    node, name = doc.resolve(raw)
    if not isinstance(node, Mapping):
        return _Shape(doc, name, id(node))
    if "allOf" in node:
        parts = [_shape(doc, part) for part in node["allOf"]]
        own = _shape(doc, {k: v for k, v in node.items() if k != "allOf"})
        merged = own
        for part in parts:
            merged.kinds = merged.kinds | part.kinds
            if part.properties is not None:
                merged.properties = {**(merged.properties or {}), **part.properties}
            merged.required = merged.required | part.required
            merged.enum = merged.enum if merged.enum is not None else part.enum
            merged.items = merged.items if merged.items is not None else part.items
        merged.name = name or (parts[0].name if len(parts) == 1 else None)
        merged.node_id = id(node)
        return merged
    alternatives = [
        alt
        for key in ("oneOf", "anyOf")
        for alt in node.get(key, [])
        if _types(doc.resolve(alt)[0] if isinstance(alt, Mapping) else {}) != {"null"}
    ]
    if len(alternatives) == 1 and not _types(node) - {"null"}:
        inner = _shape(doc, alternatives[0], node.get("description"))
        inner.name = inner.name or name
        return inner
    kinds = _types(node) - {"null"}
    if not kinds:
        if "properties" in node:
            kinds = {"object"}
        elif "items" in node:
            kinds = {"array"}
    shape = _Shape(doc, name, id(node), frozenset(kinds), alternatives=alternatives)
    description = node.get("description") or fallback_description
    enum = node.get("enum")
    if "const" in node:
        enum = [node["const"]]
    if isinstance(enum, list):
        if SEE_DESCRIPTION in enum:
            described = described_enum(description)
            if described is not None:
                shape.enum, shape.enum_open = described.values, described.open
        else:
            shape.enum = tuple(v.get("value") if isinstance(v, Mapping) else v for v in enum)
        if shape.enum is not None and not kinds:
            shape.kinds = frozenset({_json_type(shape.enum[0])})
    if "items" in node:
        shape.items = node["items"]
        shape.items_description = description
    if "properties" in node:
        shape.properties = dict(node["properties"])
        shape.required = frozenset(node.get("required", ()))
    return shape


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


# --- comparison ------------------------------------------------------------------------------


@dataclass
class _Walk:
    rules: Rules
    findings: list[Finding] = field(default_factory=list)
    seen: set[tuple[int, int]] = field(default_factory=set)

    def add(self, schema: str, name: str, aspect: Aspect, expected: str, actual: str, at: str):
        finding = Finding(schema, name, aspect, expected, actual, at)
        if all(
            (f.schema, f.field, f.aspect, f.expected, f.actual)
            != (schema, name, aspect, expected, actual)
            for f in self.findings
        ):
            self.findings.append(finding)

    def value(
        self,
        spec: _Shape,
        model: _Shape,
        owner: str,
        name: str,
        at: str,
    ) -> None:
        """Compare one value: the attribute ``name`` of ``owner`` (``""`` for a whole body)."""
        if spec.unspecified:
            return
        if spec.alternatives or model.alternatives:
            self.alternatives(spec, model, owner, name, at)
            return
        if model.unspecified:
            self.add(owner, name, "type", spec.describe(), "any value", at)
            return
        if spec.kinds != model.kinds:
            self.add(owner, name, "type", spec.describe(), model.describe(), at)
            return
        if spec.enum is not None:
            self.enum(spec, model, owner, name, at)
        if "array" in spec.kinds:
            items_spec = _shape(spec.doc, spec.items or {}, spec.items_description)
            items_model = _shape(model.doc, model.items or {})
            self.value(items_spec, items_model, owner, f"{name}[]", f"{at}[]")
        if "object" in spec.kinds:
            if spec.properties is None and model.properties is None:
                return
            if spec.properties is None or model.properties is None:
                self.add(owner, name, "type", spec.describe(), model.describe(), at)
                return
            child = spec.name or (f"{owner}.{name}" if name else owner)
            self.object(spec, model, child, at)

    def enum(self, spec: _Shape, model: _Shape, owner: str, name: str, at: str) -> None:
        assert spec.enum is not None
        expected = {str(v) for v in spec.enum}
        if model.enum is None:
            self.add(owner, name, "enum", spec.describe(), f"{model.describe()} (no enum)", at)
            return
        actual = {str(v) for v in model.enum}
        if (spec.enum_open and expected <= actual) or (not spec.enum_open and expected == actual):
            return
        missing, extra = sorted(expected - actual), sorted(actual - expected)
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"extra {', '.join(extra)}" if extra and not spec.enum_open else "",
            )
            if part
        )
        self.add(owner, name, "enum", spec.describe(), f"{model.describe()} ({detail})", at)

    def alternatives(self, spec: _Shape, model: _Shape, owner: str, name: str, at: str) -> None:
        spec_alts = [_shape(spec.doc, a) for a in spec.alternatives] or [spec]
        model_alts = [_shape(model.doc, a) for a in model.alternatives] or [model]
        unmatched = [s for s in spec_alts if not any(self.conforms(s, m) for m in model_alts)]
        if not model.alternatives:  # the model must be one of the spec's alternatives
            if len(unmatched) == len(spec_alts):
                self.add(owner, name, "type", spec.describe(), model.describe(), at)
            return
        if unmatched:
            missed = " | ".join(s.describe() for s in unmatched)
            actual = f"{model.describe()} (nothing matches {missed})"
            self.add(owner, name, "type", spec.describe(), actual, at)

    def conforms(self, spec: _Shape, model: _Shape) -> bool:
        trial = _Walk(self.rules)
        trial.value(spec, model, "", "", "")
        return not trial.findings

    def object(self, spec: _Shape, model: _Shape, owner: str, at: str) -> None:
        assert spec.properties is not None and model.properties is not None
        key = (spec.node_id, model.node_id)
        if key in self.seen:
            return
        self.seen.add(key)
        for prop, raw in spec.properties.items():
            if _PLACEHOLDER.match(prop):
                continue
            where = f"{at}.{prop}" if at else f"{owner}.{prop}"
            required = prop in spec.required
            if prop not in model.properties:
                state = "required" if required else "optional"
                self.add(owner, prop, "presence", f"{state} attribute", "none", where)
                continue
            if required != (prop in model.required):
                self.add(
                    owner,
                    prop,
                    "required",
                    "required" if required else "optional",
                    "optional" if required else "required",
                    where,
                )
            spec_value = self.substitute(owner, prop) or _shape(spec.doc, raw)
            self.value(spec_value, _shape(model.doc, model.properties[prop]), owner, prop, where)
        for prop in model.properties:
            if prop not in spec.properties:
                where = f"{at}.{prop}" if at else f"{owner}.{prop}"
                self.add(owner, prop, "presence", "no such attribute", "one", where)

    def substitute(self, owner: str, prop: str) -> _Shape | None:
        sub = self.rules.substitutes.get((owner, prop)) or self.rules.substitutes.get((owner, "*"))
        if sub is None:
            return None
        schema = _schema_node(sub.spec, sub.schema)
        target = sub.field or prop
        props = _shape(sub.spec, schema).properties or {}
        if target not in props:
            if (owner, prop) in self.rules.substitutes:
                raise KeyError(f"substitute for {owner}.{prop}: {sub.schema} has no {target!r}")
            return None
        return _shape(sub.spec, props[target])


def _schema_node(doc: JsonDoc, name: str) -> Any:
    if isinstance(doc, Spec):
        return doc.schema(name)
    return doc.pointer(f"#/components/schemas/{name}")


def model_schema(model: type[BaseModel]) -> JsonDoc:
    """The model's JSON Schema (validation mode, wire names) as a document."""
    return JsonDoc(model.model_json_schema(by_alias=True, mode="validation"), model.__name__)


def check(
    model: type[BaseModel],
    spec: JsonDoc,
    schema: str,
    rules: Rules | None = None,
) -> Report:
    """Compare ``model`` with schema ``schema`` of ``spec``; every difference at once."""
    rules = rules or Rules()
    walk = _Walk(rules)
    doc = model_schema(model)
    _schema_node(
        spec, schema
    )  # a KeyError naming the schemas there is clearer than a dangling $ref
    spec_shape = _shape(spec, {"$ref": f"#/components/schemas/{_escape(schema)}"})
    walk.value(spec_shape, _shape(doc, doc.doc), schema, "", "")
    report = Report(model.__name__, schema)
    for finding in walk.findings:
        reason = rules.reason(finding)
        if reason is None:
            report.findings.append(finding)
        else:
            report.allowed.append((finding, reason))
    return report


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def assert_conforms(
    model: type[BaseModel], spec: JsonDoc, schema: str, rules: Rules | None = None
) -> Report:
    """:func:`check`, raising AssertionError listing every finding."""
    report = check(model, spec, schema, rules)
    if not report.ok:
        raise AssertionError(str(report))
    return report


def stale_rules(rules: Rules, specs: Sequence[Spec]) -> list[str]:
    """Rule entries that name no attribute of any of ``specs`` (or of a substitute's file).

    An owner ``Parent.field`` (inline object) is checked as far as its schema ``Parent``.
    """
    docs: list[JsonDoc] = [*specs, *(s.spec for s in rules.substitutes.values())]

    def exists(schema: str, name: str) -> bool:
        name = name.removesuffix("[]")  # a finding on an array's items names the array
        found = [d.doc.get("components", {}).get("schemas", {}) for d in docs]
        for schemas in found:  # a schema name, which may hold dots (2.x files: "A.B")
            if schema in schemas:
                return name in ("", "*") or name in (schemas[schema].get("properties") or {})
        base = schema.split(".", 1)[0]  # else an inline object, "Parent.field"
        return base != schema and any(base in schemas for schemas in found)

    where = ", ".join(dict.fromkeys(d.label for d in docs))
    problems = []
    for key, reason in rules.allow.items():
        if not reason.strip():
            problems.append(f"allow {key}: no reason given")
        if len(key) == 3 and key[2] not in ASPECTS:
            problems.append(f"allow {key}: aspect must be one of {', '.join(ASPECTS)}")
        if not exists(key[0], key[1]):
            problems.append(f"allow {key}: no such attribute in {where}")
    for (schema, name), sub in rules.substitutes.items():
        if not exists(schema, name):
            problems.append(f"substitute ({schema}, {name}): no such attribute")
        if not exists(sub.schema, sub.field or ("*" if name == "*" else name)):
            problems.append(f"substitute ({schema}, {name}): {sub.schema} lacks it in {sub.spec}")
    return problems
