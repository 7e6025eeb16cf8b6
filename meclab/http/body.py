"""Reading JSON request bodies in the routes themselves, for every API.

Routes read their body with these *after* resolving the ids in their path, so that an unknown
resource answers 404 whatever the body (a body declared in a FastAPI signature is parsed
before any dependency runs), and after evaluating ``If-Match``, so that a stale one answers 412
whatever the body (RFC 9110 13.2.1; :func:`meclab.http.etag.matching`). Errors come out as
FastAPI's own validation errors, so they become the same problem details as everywhere else:
415 unless the request says JSON, 400 for an empty or malformed body, 400 naming every bad
field.
"""

# No ``from __future__ import annotations``: FastAPI reads the dependency's annotations,
# which name the closure's ``after``.
import copy
import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from meclab.http.content import require_json_body

M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request) -> Any:
    """The request's JSON body: 415 unless it says JSON, 400 when empty or malformed."""
    await require_json_body(request)
    raw = await request.body()
    if not raw:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "a JSON body is required"}]
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "ctx": {"error": f"{exc.msg} at position {exc.pos}"},
                }
            ],
            body=raw.decode(errors="replace"),
        ) from exc


def parse(model: type[M], data: Any) -> M:
    """``data`` as ``model``; a 400 naming every bad field otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors, body=data) from exc


def json_body(
    model: type[M], *, after: Callable[..., Awaitable[Any]] | None = None
) -> Callable[..., Awaitable[M]]:
    """A dependency reading the body as ``model`` (see the module docstring); with ``after``
    (a dependency, e.g. the resource with its precondition), only once that has succeeded."""

    async def read(request: Request, _: Annotated[Any, Depends(after or _nothing)]) -> M:
        return parse(model, await read_json(request))

    return read


async def _nothing() -> None:
    """The dependency of a body that waits for nothing."""


def body_doc(*models: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a body read by these functions: one of ``models``
    (schemas inlined: the MEC bodies are not recursive)."""
    schemas = [copy.deepcopy(_schema_of(m)) for m in models]
    schema = schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@functools.cache
def _schema_of(model: type[BaseModel]) -> Any:
    # Generating a schema costs milliseconds per model and every app built (each test's, each
    # host's routes) asks again for the same ones; the copy above keeps callers apart.
    return _inline(model.model_json_schema(by_alias=True))


def _inline(schema: dict[str, Any]) -> Any:
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)
