"""What the Location routes share: strict query strings, JSON bodies read in the right order,
error documentation, and checks of the values a subscription names.

Order of checks, for every route (the first failure answers): an unknown query parameter (400),
an unknown MEC host or subscription in the path (404), ``If-Match`` (412), a body that is not
JSON (415), a malformed or invalid body (400 naming the field), a body of another subscription
type than the resource's (422), a user, zone or access point outside the host's scope (400).
Bodies are read by a dependency placed after the path ones, since FastAPI would parse a
declared body before any dependency runs (the same arrangement as MEC 011's routes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import cache
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from meclab.http.content import require_json_body
from meclab.http.query import reject_unknown_query
from meclab.platform.errors import InvalidField
from meclab.services.location.southbound import Scope

STRICT = [Depends(reject_unknown_query)]
"""Dependencies of every Location route."""

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request: the problem names the bad parameter or field", **PROBLEM},
    404: {"description": "Not found", **PROBLEM},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    412: {"description": "If-Match does not match the current ETag", **PROBLEM},
    415: {"description": "The body is not application/json", **PROBLEM},
    422: {"description": "The body is of another subscription type", **PROBLEM},
}

M = TypeVar("M", bound=BaseModel)


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency parsing the request body as ``model``: 415 unless JSON, 400 if invalid."""

    async def parse(request: Request) -> M:
        await require_json_body(request)
        raw = await request.body()
        if not raw:
            raise RequestValidationError(
                [{"type": "missing", "loc": ("body",), "msg": "a JSON body is required"}]
            )
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body", exc.pos),
                        "msg": "JSON decode error",
                        "ctx": {"error": exc.msg},
                    }
                ],
                body=raw.decode(errors="replace"),
            ) from exc
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            raise RequestValidationError(errors, body=data) from exc

    return parse


@cache
def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a body that :func:`json_body` reads (schema inlined: MEC 013
    bodies are not recursive)."""
    schema = model.model_json_schema(by_alias=True)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
        }
    }


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def check_url(url: str, field: str) -> str:
    """An absolute http(s) URL for notifications, or InvalidField (MEC 013: ``format: uri``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidField(field, f"{url!r} is not an absolute http(s) URL")
    return url


ADDRESS_FIELDS = ("address", "addressList", "monitoredAddress", "referenceAddress")
ZONE_FIELDS = ("zoneId",)
AP_FIELDS = ("accessPointList",)


def check_scope(scope: Scope, body: dict[str, Any], path: str) -> None:
    """InvalidField unless every user, zone and access point ``body`` names (at any depth)
    belongs to the host's scope; ``path`` prefixes field names (the root element)."""
    for key, value in body.items():
        where = f"{path}.{key}"
        if key in ADDRESS_FIELDS:
            for k, address in _items(value):
                if scope.user(address) is None:
                    raise InvalidField(
                        f"{where}{k}",
                        f"no user {address!r} on operator {scope.domain!r}, whose terminals "
                        f"this MEC host's location service covers",
                    )
        elif key in ZONE_FIELDS and isinstance(value, str):
            if value not in scope.zone_poas:
                raise InvalidField(
                    where, f"no zone {value!r} on operator {scope.domain!r}: {_names(scope.zones)}"
                )
        elif key in AP_FIELDS:
            for k, ap in _items(value):
                if ap not in scope.poa_zone:
                    raise InvalidField(
                        f"{where}{k}", f"no access point {ap!r} on operator {scope.domain!r}"
                    )
        elif isinstance(value, dict):
            check_scope(scope, value, where)


def _items(value: Any) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        return [("", value)]
    return [(f"[{k}]", str(v)) for k, v in enumerate(value or [])]


def _names(names: Iterable[str]) -> str:
    listed = list(names)
    return "zones are " + ", ".join(listed) if listed else "it has no zone"
