"""The conformance checker on small hand-written schemas: it must find what is wrong."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel, Field

from conformance import spec as spec_module
from conformance.checker import (
    DescribedEnum,
    Finding,
    Rules,
    Substitute,
    assert_conforms,
    check,
    described_enum,
    stale_rules,
)
from conformance.spec import Spec, body_schemas

SCHEMAS: dict[str, Any] = {
    "LinkType": {
        "type": "object",
        "properties": {"href": {"type": "string", "format": "uri"}},
        "required": ["href"],
    },
    "Links": {
        "type": "object",
        "properties": {"self": {"$ref": "#/components/schemas/LinkType"}},
        "required": ["self"],
    },
    "State": {"type": "string", "enum": ["ACTIVE", "INACTIVE"]},
    "Thing": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "count": {"type": "integer", "format": "uint32"},
            "ratio": {"type": "number"},
            "enabled": {"type": "boolean"},
            "state": {"$ref": "#/components/schemas/State"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/LinkType"}},
            "extra": {"type": "object"},
            "_links": {"$ref": "#/components/schemas/Links"},
            "(extensions)": {"description": "an extension point of the GS table"},
        },
        "required": ["name", "state"],
    },
    "Rule": {
        "type": "object",
        "properties": {
            "mode": {
                "type": "string",
                "enum": ["SEE_DESCRIPTION"],
                "description": "Mode of the rule.\nValid values:\nFAST:\nquick.\nSLOW:\ncareful.",
            },
            "kind": {
                "type": "string",
                "enum": ["SEE_DESCRIPTION"],
                "description": "Type of the interface, e.g. TUNNEL, MAC, IP, etc.",
            },
            "grants": {
                "type": "array",
                "description": "Each entry shall be one of the following permitted values: "
                "\u2022 CODE (code grant) \u2022 CLIENT (client credentials)",
                "items": {"type": "string", "enum": ["SEE_DESCRIPTION"]},
            },
        },
    },
    "Stamp": {
        "type": "object",
        "properties": {
            "seconds": {"type": "array", "items": {"type": "integer"}},
            "nanoSeconds": {"type": "integer"},
        },
        "required": ["seconds", "nanoSeconds"],
    },
    "Choice": {
        "oneOf": [
            {"$ref": "#/components/schemas/LinkType"},
            {"$ref": "#/components/schemas/Stamp"},
        ]
    },
    "Holder": {
        "type": "object",
        "properties": {"choice": {"$ref": "#/components/schemas/Choice"}},
    },
    "Node": {
        "type": "object",
        "properties": {
            "label": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        },
    },
    "Free": {"type": "object", "properties": {"anything": {"description": "no type at all"}}},
}


def spec_of(schemas: dict[str, Any], paths: dict[str, Any] | None = None) -> Spec:
    doc = {"openapi": "3.1.0", "info": {"version": "0"}, "paths": paths or {}}
    doc["components"] = {"schemas": schemas}
    return Spec(Path("synthetic.yaml"), doc)


SPEC = spec_of(SCHEMAS)


class State(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class LinkType(BaseModel):
    href: str


class Links(BaseModel):
    self: LinkType


class Thing(BaseModel):
    name: str
    count: int | None = None
    ratio: float | None = None
    enabled: bool | None = None
    state: State
    tags: list[str] | None = None
    links: list[LinkType] | None = None
    extra: dict[str, Any] | None = None
    links_: Links | None = Field(None, alias="_links")


def lines(model: type[BaseModel], schema: str, rules: Rules | None = None) -> list[str]:
    return check(model, SPEC, schema, rules).lines()


def test_a_conforming_model_has_no_findings() -> None:
    report = assert_conforms(Thing, SPEC, "Thing")
    assert report.ok
    assert str(report) == "model Thing versus schema Thing: conforms (0 allowed differences)"


def test_missing_attribute() -> None:
    class Missing(BaseModel):
        name: str
        state: State
        count: int | None = None
        ratio: float | None = None
        enabled: bool | None = None
        tags: list[str] | None = None
        links: list[LinkType] | None = None
        extra: dict[str, Any] | None = None

    assert lines(Missing, "Thing") == ["Thing._links: expected optional attribute, model has none"]


def test_extra_attribute() -> None:
    class Extra(Thing):
        colour: str | None = None

    assert lines(Extra, "Thing") == ["Thing.colour: expected no such attribute, model has one"]


def test_attribute_under_another_name_is_both_missing_and_extra() -> None:
    class Renamed(BaseModel):
        name: str
        state: State
        count: int | None = None
        ratio: float | None = None
        enabled: bool | None = None
        tags: list[str] | None = None
        links: list[LinkType] | None = None
        extra: dict[str, Any] | None = None
        links_: Links | None = None  # no alias: wire name "links_", not "_links"

    assert lines(Renamed, "Thing") == [
        "Thing._links: expected optional attribute, model has none",
        "Thing.links_: expected no such attribute, model has one",
    ]


@pytest.mark.parametrize(
    ("field", "annotation", "expected"),
    [
        ("count", str, "Thing.count: expected integer, model has string"),
        ("count", float, "Thing.count: expected integer, model has number"),
        ("ratio", int, "Thing.ratio: expected number, model has integer"),
        ("enabled", int, "Thing.enabled: expected boolean, model has integer"),
        ("name", list[str], "Thing.name: expected string, model has array of string"),
        ("tags", str, "Thing.tags: expected array of string, model has string"),
        ("tags", list[int], "Thing.tags[]: expected string, model has integer"),
        ("extra", LinkType, "Thing.extra: expected free-form object, model has object LinkType"),
        ("links", list[dict[str, Any]], None),
        ("count", Any, "Thing.count: expected integer, model has any value"),
    ],
)
def test_wrong_type(field: str, annotation: Any, expected: str | None) -> None:
    model = _variant(Thing, field, annotation)
    if expected is None:  # an object where the spec names a schema: not checkable
        assert lines(model, "Thing") == [
            "Thing.links[]: expected object LinkType, model has free-form object"
        ]
    else:
        assert lines(model, "Thing") == [expected]


def _variant(base: type[BaseModel], field: str, annotation: Any) -> type[BaseModel]:
    """``base`` with one attribute retyped (optional unless required in the base)."""
    from pydantic import create_model

    info = base.model_fields[field]
    default = ... if info.is_required() else None
    kind = annotation if info.is_required() else annotation | None
    fields: dict[str, Any] = {field: (kind, Field(default, alias=info.alias))}
    return create_model(f"{base.__name__}Variant", __base__=base, **fields)


def test_required_mismatch_both_ways() -> None:
    class Flags(BaseModel):
        name: str | None = None
        state: State
        count: int
        ratio: float | None = None
        enabled: bool | None = None
        tags: list[str] | None = None
        links: list[LinkType] | None = None
        extra: dict[str, Any] | None = None
        links_: Links | None = Field(None, alias="_links")

    assert lines(Flags, "Thing") == [
        "Thing.name: expected required, model has optional",
        "Thing.count: expected optional, model has required",
    ]


def test_enum_mismatch() -> None:
    class Other(StrEnum):
        ACTIVE = "ACTIVE"
        SUSPENDED = "SUSPENDED"

    assert lines(_variant(Thing, "state", Other), "Thing") == [
        "Thing.state: expected string one of [ACTIVE, INACTIVE], model has string one of "
        "[ACTIVE, SUSPENDED] (missing INACTIVE; extra SUSPENDED)"
    ]
    assert lines(_variant(Thing, "state", str), "Thing") == [
        "Thing.state: expected string one of [ACTIVE, INACTIVE], model has string (no enum)"
    ]
    literal = _variant(Thing, "state", Literal["ACTIVE", "INACTIVE"])
    assert lines(literal, "Thing") == []


def test_model_enum_where_spec_has_plain_string_is_accepted() -> None:
    assert lines(_variant(Thing, "name", Literal["only"]), "Thing") == []


class Mode(StrEnum):
    FAST = "FAST"
    SLOW = "SLOW"


class Rule(BaseModel):
    mode: Mode | None = None
    kind: Literal["TUNNEL", "MAC", "IP", "VLAN"] | None = None
    grants: list[Literal["CODE", "CLIENT"]] | None = None


def test_see_description_enums_are_read_from_the_description() -> None:
    assert lines(Rule, "Rule") == []


def test_see_description_mismatch_is_found() -> None:
    class BadRule(Rule):
        mode: Literal["FAST"] | None = None
        kind: Literal["TUNNEL", "IP"] | None = None
        grants: list[Literal["CODE"]] | None = None

    assert lines(BadRule, "Rule") == [
        "Rule.mode: expected string one of [FAST, SLOW], model has string one of [FAST] "
        "(missing SLOW)",
        "Rule.kind: expected string at least [TUNNEL, MAC, IP], model has string one of "
        "[TUNNEL, IP] (missing MAC)",
        "Rule.grants[]: expected string one of [CODE, CLIENT], model has string one of [CODE] "
        "(missing CLIENT)",
    ]


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        (
            "Type of the change. \nValid values:\nADDED:\nThe service was newly added.\n"
            "REMOVED:\nThe service was removed.\nSTATE_CHANGED:\nOnly the state changed.",
            DescribedEnum(("ADDED", "REMOVED", "STATE_CHANGED")),
        ),
        (
            "Contains the DNS rule state: ACTIVE, INACTIVE. This attribute may be updated "
            "using HTTP PUT method.",
            DescribedEnum(("ACTIVE", "INACTIVE")),
        ),
        ("Specify the IP address type, value: IP_V6, IP_V4.", DescribedEnum(("IP_V6", "IP_V4"))),
        (
            "Definition of filter per FLOW or PACKET.\nIf FLOW, the filter matches upstream "
            "(e.g. UEEPC) packets.",
            DescribedEnum(("FLOW", "PACKET")),
        ),
        (
            "Operation that is being performed:\nSTOPPING\nTERMINATING\nThe value shall match "
            "that sent in the corresponding AppTerminationNotification.",
            DescribedEnum(("STOPPING", "TERMINATING")),
        ),
        ("Type of the tunnel, e.g. GTP_U, GRE, etc.", DescribedEnum(("GTP_U", "GRE"), open=True)),
        (
            "Each entry shall be one of the following permitted values:\nOAUTH2_CODE (Code)\n"
            'OAUTH2_IMPLICIT\n\t(Implicit)\nOAUTH2_CLIENT\nOnly the value "OAUTH2_CLIENT" is '
            "supported in the present document.",
            DescribedEnum(("OAUTH2_CODE", "OAUTH2_IMPLICIT", "OAUTH2_CLIENT")),
        ),
        (
            "Permitted values:\nCOMPUTE.\nSTORAGE.\nLINKPORT\nOSCONTAINER, see note.",
            DescribedEnum(("COMPUTE", "STORAGE", "LINKPORT", "OSCONTAINER")),
        ),
        (
            "Indicates target. Valid values:\n\n1.\tSINGLE_UE: \nThe predicted QoS.\n\n"
            "2.\tE2E_APP:\nThe E2E user plane link, as in the V2N2V case.\n\nShall be present.",
            DescribedEnum(("SINGLE_UE", "E2E_APP")),
        ),
        (
            "Indicates whether forceful or graceful termination is requested. \nFORCEFUL: it "
            "will shut down. See note.\nGRACEFUL: it will first arrange.",
            DescribedEnum(("FORCEFUL", "GRACEFUL")),
        ),
        ("Values are not defined in the present document", None),
        ("The subscribed event that triggered this notification in S1BearerSubscription.", None),
        (None, None),
    ],
)
def test_described_enum(description: str | None, expected: DescribedEnum | None) -> None:
    assert described_enum(description) == expected


def test_nested_mismatch_names_the_owning_schema_and_the_path() -> None:
    class BadLink(BaseModel):
        href: int

    class BadLinks(BaseModel):
        self: BadLink

    model = _variant(Thing, "links_", BadLinks)
    assert lines(model, "Thing") == [
        "LinkType.href: expected string, model has integer (at Thing._links.self.href)"
    ]


def test_same_finding_through_two_paths_is_reported_once() -> None:
    class BadLink(BaseModel):
        href: int

    class BadLinks(BaseModel):
        self: BadLink

    model = _variant(_variant(Thing, "links_", BadLinks), "links", list[BadLink])
    assert lines(model, "Thing") == [
        "LinkType.href: expected string, model has integer (at Thing.links[].href)"
    ]


def test_recursive_schema_terminates() -> None:
    class Node(BaseModel):
        label: str | None = None
        children: list[Node] | None = None

    assert lines(Node, "Node") == []

    class BadNode(BaseModel):
        label: int | None = None
        children: list[BadNode] | None = None

    assert lines(BadNode, "Node") == ["Node.label: expected string, model has integer"]


def test_untyped_spec_value_accepts_anything() -> None:
    class Free(BaseModel):
        anything: list[int] | None = None

    assert lines(Free, "Free") == []


def test_oneof_model_must_match_one_alternative() -> None:
    class Stamp(BaseModel):
        seconds: list[int]
        nanoSeconds: int

    class Holder(BaseModel):
        choice: Stamp | None = None

    assert lines(Holder, "Holder") == []

    class Wrong(BaseModel):
        other: str

    class BadHolder(BaseModel):
        choice: Wrong | None = None

    assert lines(BadHolder, "Holder") == [
        "Holder.choice: expected one of object LinkType | object Stamp, model has object Wrong"
    ]


def test_model_union_conforms_when_one_branch_does() -> None:
    lenient = _variant(Thing, "tags", list[str] | str)
    assert lines(lenient, "Thing") == []
    wrong = _variant(Thing, "tags", int | bool)
    assert lines(wrong, "Thing") == [
        "Thing.tags: expected array of string, model has one of integer | boolean "
        "(nothing matches array of string)"
    ]


class Stamp(BaseModel):
    seconds: int
    nanoSeconds: int


MIRROR = spec_of(
    {
        "Stamp": {
            "type": "object",
            "properties": {"seconds": {"type": "integer"}, "nanoSeconds": {"type": "integer"}},
        },
        "Other": {"type": "object", "properties": {"secs": {"type": "integer"}}},
        "Stamp.Part": {"type": "object", "properties": {"p": {"type": "integer"}}},
    }
)


def test_allow_list_moves_findings_aside_with_their_reason() -> None:
    report = check(Stamp, SPEC, "Stamp")
    assert report.lines() == ["Stamp.seconds: expected array of integer, model has integer"]

    rules = Rules(allow={("Stamp", "seconds"): "artefact: seconds typed as array"})
    report = check(Stamp, SPEC, "Stamp", rules)
    assert report.ok
    assert report.allowed == [
        (
            Finding("Stamp", "seconds", "type", "array of integer", "integer", "Stamp.seconds"),
            "artefact: seconds typed as array",
        )
    ]


def test_allow_list_by_aspect_allows_only_that_aspect() -> None:
    class Loose(BaseModel):
        seconds: int | None = None
        nanoSeconds: int

    rules = Rules(allow={("Stamp", "seconds", "required"): "server always sets it"})
    assert check(Loose, SPEC, "Stamp", rules).lines() == [
        "Stamp.seconds: expected array of integer, model has integer"
    ]


def test_substitute_checks_the_shape_against_another_file() -> None:
    rules = Rules(substitutes={("Stamp", "seconds"): Substitute(MIRROR, "Stamp", "mirror")})
    assert check(Stamp, SPEC, "Stamp", rules).ok
    everything = Rules(substitutes={("Stamp", "*"): Substitute(MIRROR, "Stamp", "mirror")})
    assert check(Stamp, SPEC, "Stamp", everything).ok
    renamed = Rules(
        substitutes={("Stamp", "seconds"): Substitute(MIRROR, "Other", "mirror", "secs")}
    )
    assert check(Stamp, SPEC, "Stamp", renamed).ok

    class Wrong(BaseModel):
        seconds: str
        nanoSeconds: int

    assert check(Wrong, SPEC, "Stamp", rules).lines() == [
        "Stamp.seconds: expected integer, model has string"
    ]


def test_substitute_does_not_change_presence() -> None:
    class Short(BaseModel):
        nanoSeconds: int

    rules = Rules(substitutes={("Stamp", "*"): Substitute(MIRROR, "Stamp", "mirror")})
    assert check(Short, SPEC, "Stamp", rules).lines() == [
        "Stamp.seconds: expected required attribute, model has none"
    ]


def test_stale_rules_are_reported() -> None:
    rules = Rules(
        allow={
            ("Stamp", "seconds"): "ok",
            ("Stamp", "minutes"): "no such field",
            ("Gone", "x"): "no such schema",
            ("Stamp", "seconds", "colour"): "bad aspect",
            ("Thing", "name"): " ",
            ("Thing.extra", "anything"): "inline object of Thing",
            ("Stamp.Part", "p"): "a dotted schema name of a 2.x file",
            ("Stamp.Part", "q"): "not an attribute of that schema",
        },
        substitutes={
            ("Stamp", "seconds"): Substitute(MIRROR, "Stamp", "ok"),
            ("Stamp", "hours"): Substitute(MIRROR, "Stamp", "no such field here"),
            ("Stamp", "nanoSeconds"): Substitute(MIRROR, "Other", "not in Other"),
        },
    )
    assert stale_rules(rules, [SPEC]) == [
        "allow ('Stamp', 'minutes'): no such attribute in synthetic.yaml",
        "allow ('Gone', 'x'): no such attribute in synthetic.yaml",
        "allow ('Stamp', 'seconds', 'colour'): aspect must be one of presence, required, type, "
        "enum",
        "allow ('Thing', 'name'): no reason given",
        "allow ('Stamp.Part', 'q'): no such attribute in synthetic.yaml",
        "substitute (Stamp, hours): no such attribute",
        "substitute (Stamp, hours): Stamp lacks it in <Spec synthetic.yaml>",
        "substitute (Stamp, nanoSeconds): Other lacks it in <Spec synthetic.yaml>",
    ]


def test_unknown_schema_names_the_schemas_that_exist() -> None:
    with pytest.raises(KeyError, match=r"synthetic\.yaml has no schema 'Nope'; it has: Choice"):
        check(Stamp, SPEC, "Nope")


# --- spec.py ---------------------------------------------------------------------------------


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


PATHS = {
    "/things": {
        "get": {
            "responses": {
                "200": _body({"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}),
                "400": _body({"$ref": "#/components/schemas/LinkType"}),
            }
        },
        "post": {
            "requestBody": _body(
                {"type": "object", "properties": {"Thing": {"$ref": "#/components/schemas/Thing"}}}
            ),
            "responses": {
                "201": _body(
                    {
                        "type": "object",
                        "properties": {"thingInfo": {"$ref": "#/components/schemas/Thing"}},
                    }
                ),
                "204": {"$ref": "#/components/responses/204"},
            },
            "callbacks": {
                "notification": {
                    "{$request.body#/callbackReference}": {
                        "post": {"requestBody": _body({"$ref": "#/components/schemas/Rule"})}
                    }
                }
            },
        },
    },
    "/choices": {"put": {"requestBody": _body({"$ref": "#/components/schemas/Choice"})}},
}


def test_body_uses_unwrap_doc2oas_wrappers_and_keep_genuine_ones() -> None:
    api = spec_of(SCHEMAS, PATHS)
    api.doc["components"]["responses"] = {"204": {"description": "No Content"}}  # type: ignore[index]
    assert [str(use) for use in api.body_uses()] == [
        "GET /things response 200: [Thing]",
        "POST /things request: Thing",
        "POST /things response 201: {thingInfo: Thing}",
        "POST {$request.body#/callbackReference} callback: Rule",
        "PUT /choices request: Choice",
    ]
    post = api.body_uses()[1]
    assert (post.wrapper, post.doc2oas_wrapper) == ("Thing", True)
    assert list(api.used_schemas()) == ["Thing", "Rule", "Choice"]
    assert "LinkType" in api.used_schemas(errors=True)


def test_body_schemas_follow_oneof_and_allof() -> None:
    node = {"oneOf": [{"$ref": "#/components/schemas/Thing"}, {"allOf": [{"$ref": "#/a/B"}]}]}
    doc = spec_of({"Thing": {}})
    doc.doc["a"] = {"B": {"type": "object"}}  # type: ignore[index]
    assert [f["schema"] for f in body_schemas(doc, node)] == ["Thing", "B"]


def test_resolve_reports_cycles_and_dangling_references() -> None:
    doc = spec_of(
        {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}
    )
    with pytest.raises(ValueError, match="reference cycle"):
        doc.resolve({"$ref": "#/components/schemas/A"})
    with pytest.raises(KeyError, match="dangling reference '#/components/schemas/C'"):
        doc.resolve({"$ref": "#/components/schemas/C"})
    with pytest.raises(ValueError, match="only local references"):
        doc.resolve({"$ref": "other.yaml#/X"})


def test_absent_spec_folder_skips_with_the_folder_and_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    absent = tmp_path / "nowhere"
    monkeypatch.setenv("MECLAB_SPECS", str(absent))
    assert spec_module.find_specs_dir() is None
    with pytest.raises(pytest.skip.Exception, match=rf"{absent}.*set MECLAB_SPECS"):
        spec_module.specs_dir()


def test_spec_folder_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "API.yaml").write_text(yaml.safe_dump({"info": {"version": "9.9.9"}}))
    monkeypatch.setenv("MECLAB_SPECS", str(tmp_path))
    spec_module.load_spec.cache_clear()
    try:
        assert spec_module.load_spec("API.yaml").version == "9.9.9"
        with pytest.raises(FileNotFoundError, match=r"no spec file Missing\.yaml"):
            spec_module.load_spec("Missing.yaml")
    finally:
        spec_module.load_spec.cache_clear()
