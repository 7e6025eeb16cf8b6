"""RFC 7807 problem details: every error of every meclab API, in one shape.

::

    StatusError (meclab.errors)  any error that carries its status: ProblemError from routes,
      -> problem_response()      PlatformError from the platform core; problem+json body

    RequestValidationError       FastAPI's, for a bad body, query or path value
      -> 400 naming the field    ``invalidParams: [{name, in, reason}]`` (RFC 7807 section 3)
    HTTPException                Starlette's, e.g. an unknown route
      -> same status as problem+json
    any other exception          -> 500, logged with its traceback

The mapping from an error to its status is made here and nowhere else. ``instance`` is the
absolute URI of the resource the request addressed (the MEC files type it ``format: uri``),
built from the request as the client sent it: scheme, ``Host`` and path, any API root
included; the query is left out (it may be what was too long).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from meclab.errors import StatusError

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("meclab.http")


class ProblemError(StatusError):
    """An error to answer as problem details: ``ProblemError(404, "no such thing")``."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail, status=status, title=title, headers=headers, **extensions)


def problem_body(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """The problem details object (RFC 7807 section 3.1) for ``status``."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return body


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A problem+json response."""
    body = problem_body(status, detail, title=title, instance=instance, **extensions)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {})
    )


_LOCATIONS = {
    "body": "body",
    "query": "query",
    "path": "path",
    "header": "header",
    "cookie": "cookie",
}


def _field(loc: tuple[Any, ...]) -> tuple[str, str]:
    where = _LOCATIONS.get(str(loc[0]), "body") if loc else "body"
    rest = [p for p in loc[1:] if not (isinstance(p, str) and p.startswith("function-"))]
    name = ""
    for part in rest:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return where, name


def invalid_params(errors: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """RFC 7807 ``invalidParams`` from pydantic/FastAPI error entries."""
    params = []
    for err in errors:
        where, name = _field(tuple(err.get("loc", ())))
        reason = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            name, reason = "", f"malformed JSON: {err.get('ctx', {}).get('error', reason)}"
        elif err.get("type") == "extra_forbidden":
            reason = "unknown field"
        params.append({"name": name, "in": where, "reason": reason})
    return params


def describe_invalid(params: list[dict[str, str]]) -> str:
    """One sentence naming every bad field."""
    parts = []
    for p in params:
        if p["name"]:
            parts.append(f"{p['in']} field '{p['name']}': {p['reason']}")
        else:
            parts.append(f"{p['in']}: {p['reason']}")
    return "; ".join(parts)


def instance_of(request: Request) -> str:
    """The ``instance`` of a problem met answering ``request`` (module docstring)."""
    return str(request.url.replace(query=""))


def status_error_response(request: Request, exc: StatusError) -> Response:
    """The problem details of a StatusError raised while answering ``request``."""
    return problem_response(
        exc.status,
        exc.detail,
        title=exc.title,
        instance=instance_of(request),
        headers=exc.headers,
        **exc.extensions,
    )


async def _on_status_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StatusError)
    return status_error_response(request, exc)


def _drop_union_tags(errors: list[Mapping[str, Any]], body: Any) -> list[Mapping[str, Any]]:
    """Remove the tag pydantic puts in the location of a discriminated union's members.

    A body ``{"type": "move", "to": {"lon": 700}}`` fails at ``('body', 'move', 'to', 'lon')``;
    the client's field is ``to.lon``. A location part is such a tag when it is one of the body's
    top-level string values and is followed by one of the body's fields (or a missing one), or
    is not a field itself: ``{"type": "netchar", "netchar": {...}}`` fails at
    ``('body', 'netchar', 'netchar', ...)``.
    """
    if not isinstance(body, Mapping):
        return errors
    values = {v for v in body.values() if isinstance(v, str)}
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if len(loc) > 1 and loc[0] == "body" and loc[1] in values:
            follows_field = len(loc) > 2 and (loc[2] in body or err.get("type") == "missing")
            if loc[1] not in body or follows_field:
                err = {**err, "loc": (loc[0], *loc[2:])}
        out.append(err)
    return out


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    params = invalid_params(_drop_union_tags(list(exc.errors()), exc.body))
    return problem_response(
        400, describe_invalid(params), instance=instance_of(request), invalidParams=params
    )


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    return problem_response(
        exc.status_code,
        detail,
        instance=instance_of(request),
        headers=getattr(exc, "headers", None),
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        500, "internal error; see the meclab log", instance=instance_of(request)
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a problem+json response."""
    app.add_exception_handler(StatusError, _on_status_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_unexpected)
