"""The OpenAPI document says which errors meclab answers, and in which shape.

FastAPI documents every operation with a 422 ``HTTPValidationError``; meclab never answers it
(validation errors are 400 problem details, :mod:`meclab.http.problem`) and answers statuses
FastAPI cannot know of. :func:`document_answers` post-processes the generated document once:

* the 422 ``HTTPValidationError`` goes, with its schemas;
* every operation gets the statuses meclab's shared HTTP conventions answer (README, "ETSI MEC
  APIs"): 400 for an unknown query parameter (:mod:`meclab.http.query`) or a bad parameter or
  body; 404 when the path names something (an id, or a MEC host under ``/hosts/{host}``);
  415 for a body that is not JSON (:mod:`meclab.http.content`); 412 where an ETSI resource is
  changed or deleted (``If-Match``, :mod:`meclab.http.etag`);
* every error response (4xx, 5xx) is ``application/problem+json`` with the
  :class:`ProblemDetails` schema. A status a route declares itself (409, a 422 of its own ...)
  keeps the route's description.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from meclab.http.problem import PROBLEM_JSON

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
"""FastAPI's validation error schemas, which no meclab answer has."""
PROBLEM_REF = "#/components/schemas/ProblemDetails"

SHARED_ANSWERS = {
    400: "Bad request: an unknown query parameter, or a bad parameter or body field "
    "(``invalidParams`` names it)",
    404: "Not found: no such resource, or no such MEC host",
    412: "If-Match names another ETag than the resource's current one",
    415: "The body is not of a media type this operation reads (JSON)",
}


class InvalidParam(BaseModel):
    """One bad parameter or body field of a 400 answer."""

    name: str = Field(description="The parameter, or the body field's path (`a.b[0]`)")
    in_: str = Field(alias="in", description="body, query, path or header")
    reason: str


class ProblemDetails(BaseModel):
    """RFC 7807 problem details, the body of every meclab error (MEC 009 clause 6.15)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="``about:blank``: the status says what happened")
    title: str = Field(description="The status's reason phrase")
    status: int
    detail: str = Field(description="What was wrong, naming the field or resource")
    instance: str | None = Field(default=None, description="The request's URI")
    invalidParams: list[InvalidParam] | None = None


def _shared_statuses(path: str, method: str, op: dict[str, Any], per_host: bool) -> list[int]:
    statuses = [400]  # every API route refuses unknown query parameters
    if per_host or "{" in path:
        statuses.append(404)
    if per_host and method in ("put", "patch", "delete"):
        statuses.append(412)
    if "requestBody" in op:
        statuses.append(415)
    return statuses


def _is_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == "#/components/schemas/HTTPValidationError")


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }


def document_answers(
    doc: dict[str, Any], api: Callable[[str], bool], per_host: Callable[[str], bool]
) -> dict[str, Any]:
    """``doc`` (FastAPI's document) with meclab's error answers. ``api(path)`` tells the paths
    that follow meclab's HTTP conventions (not ``/metrics``, say), ``per_host(path)`` those of
    the ETSI APIs every MEC host serves."""
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            responses: dict[str, Any] = op.setdefault("responses", {})
            if _is_validation_error(responses.get("422", {})):
                del responses["422"]
            shared = _shared_statuses(path, method, op, per_host(path)) if api(path) else []
            for status in shared:
                responses.setdefault(str(status), {"description": SHARED_ANSWERS[status]})
            for status, response in responses.items():
                if status[0] in "45":
                    responses[status] = _problem(response.get("description", ""))
            op["responses"] = dict(sorted(responses.items()))
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs"))
    schemas["ProblemDetails"] = problem
    return doc


def _under(bases: Sequence[str]) -> Callable[[str], bool]:
    return lambda path: any(path == base or path.startswith(f"{base}/") for base in bases)


def install_openapi(app: FastAPI, apis: Sequence[str], per_host: Sequence[str]) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) the document :func:`document_answers`
    makes. ``apis``: the base paths of every API that follows meclab's HTTP conventions;
    ``per_host``: those every MEC host serves (``/rni/v2``)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # FastAPI generates and caches it on the first call
            document_answers(generate(), _under([*apis, *per_host]), _under(per_host))
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]
