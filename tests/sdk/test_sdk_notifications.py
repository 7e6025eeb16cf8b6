"""parse_notification against the server's own models: every notification type it knows reads
back into its class from a minimal valid body, and bad bodies name what is wrong."""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from typing import Any

import annotated_types
import pytest
from pydantic import BaseModel

from meclab.sdk.notifications import (
    Api,
    UnparseableNotification,
    known_notifications,
    parse_notification,
)

ROOTED = {Api.LOCATION_V3, Api.LOCATION_V2}
"""APIs whose notifications travel in a root element naming their type (MEC 013)."""


def framed(api: Api, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as ``api`` sends a ``kind`` notification: in its root element, or bare."""
    return {kind: body} if api in ROOTED else body


CASES = [(api, kind) for api in Api for kind in known_notifications(api)]
"""Every notification parse_notification knows: a new one is tested without a word here."""


def minimal(annotation: Any, metadata: list[Any] | None = None) -> Any:
    """The smallest wire value of ``annotation`` that meets its constraints."""
    metadata = metadata or []
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return minimal(args[0], [*metadata, *args[1:]])
    if origin is typing.Literal:
        return args[0]
    if origin in (typing.Union, types.UnionType):
        return minimal(next(a for a in args if a is not type(None)), metadata)
    if origin is list:
        lengths = [m.min_length for m in metadata if isinstance(m, annotated_types.MinLen)]
        return [minimal(args[0]) for _ in range(max(lengths or [1]))]
    if origin is dict or annotation is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return minimal_body(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return next(iter(annotation)).value
    if annotation is bool:
        return False
    if annotation in (int, float):
        low = [m.ge for m in metadata if isinstance(m, annotated_types.Ge)]
        low += [m.gt + 1 for m in metadata if isinstance(m, annotated_types.Gt)]
        return annotation(max(low or [0]))
    if annotation is str:
        return minimal_string(metadata)
    raise AssertionError(f"no minimal value for {annotation!r}")


def minimal_string(metadata: list[Any]) -> str:
    """``"x"``, or digits enough for a digits-only ``pattern`` (MCC, MNC)."""
    patterns = [m.pattern for m in metadata if getattr(m, "pattern", None)]
    if not patterns:
        return "x"
    (pattern,) = patterns
    digits = re.fullmatch(r"\^\[0-9\]\{(\d+)(,\d+)?\}\$", pattern)
    assert digits, f"no minimal string for pattern {pattern!r}"
    return "0" * int(digits.group(1))


def minimal_body(model: type[BaseModel]) -> dict[str, Any]:
    """A body of ``model`` with only its required attributes, each at its minimal value."""
    return {
        field.alias or name: minimal(field.annotation, list(field.metadata))
        for name, field in model.model_fields.items()
        if field.is_required()
    }


@pytest.mark.parametrize(("api", "kind"), CASES, ids=[f"{a}-{k}" for a, k in CASES])
def test_every_known_notification_reads_back_into_its_model(api: Api, kind: str) -> None:
    model = known_notifications(api)[kind]
    note = model.model_validate(minimal_body(model))  # the server's model accepts it
    parsed = parse_notification(api, json.dumps(framed(api, kind, note.wire())).encode())
    assert type(parsed) is model
    assert parsed == note


def test_every_api_knows_some_notification() -> None:
    assert all(known_notifications(api) for api in Api)


@pytest.mark.parametrize("api", [a for a in Api if a not in ROOTED])
def test_an_unknown_notification_type_is_named(api: Api) -> None:
    with pytest.raises(UnparseableNotification, match="'NoSuchNotification'") as err:
        parse_notification(api, {"notificationType": "NoSuchNotification"})
    assert err.value.api is api
    assert all(kind in err.value.reason for kind in known_notifications(api))


@pytest.mark.parametrize("api", sorted(ROOTED))
def test_an_unknown_root_element_is_named(api: Api) -> None:
    with pytest.raises(UnparseableNotification, match="'noSuchNotification'") as err:
        parse_notification(api, {"noSuchNotification": {}})
    assert err.value.api is api
    assert all(kind in err.value.reason for kind in known_notifications(api))


@pytest.mark.parametrize(("api", "kind"), CASES, ids=[f"{a}-{k}" for a, k in CASES])
def test_a_body_with_an_unknown_attribute_names_it(api: Api, kind: str) -> None:
    body = minimal_body(known_notifications(api)[kind]) | {"noSuchAttribute": 1}
    with pytest.raises(UnparseableNotification) as err:
        parse_notification(api, framed(api, kind, body))
    assert err.value.reason.startswith(f"{kind}.noSuchAttribute: Extra inputs")


MISSABLE = [
    (api, kind, name)
    for api, kind in CASES
    for name in minimal_body(known_notifications(api)[kind])
    if name != "notificationType"
]


@pytest.mark.parametrize(
    ("api", "kind", "missing"), MISSABLE, ids=[f"{a}-{k}-{m}" for a, k, m in MISSABLE]
)
def test_a_body_missing_a_required_attribute_names_it(api: Api, kind: str, missing: str) -> None:
    body = minimal_body(known_notifications(api)[kind])
    del body[missing]
    with pytest.raises(UnparseableNotification) as err:
        parse_notification(api, framed(api, kind, body))
    assert err.value.reason.startswith(f"{kind}.{missing}: Field required")


def test_a_body_that_is_not_json_says_so() -> None:
    with pytest.raises(UnparseableNotification, match="not JSON"):
        parse_notification(Api.RNIS, b"{not json")
