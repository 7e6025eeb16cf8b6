"""Entity tags and conditional requests (RFC 9110 8.8.3, 13.1.1 and 13.2), for every API.

A resource's ETag is a strong tag derived from its representation, so it changes exactly when
the resource does and needs no bookkeeping. ``If-Match`` on PUT, PATCH and DELETE guards
against lost updates: a mismatch answers 412 and changes nothing.

Order (RFC 9110 13.2.1): preconditions are evaluated after the checks of the request's target
(an unknown query parameter 400, an unknown resource 404) and before its content is looked at
(not JSON 415, malformed or invalid 400). A stale ``If-Match`` therefore answers 412 whatever
the body. Routes get this order from :func:`matching`: the resource
comes out of a dependency that has already checked ``If-Match``, and the body is read after it
(in the handler, or by :func:`meclab.http.body.json_body` with ``after=``).
"""

# No ``from __future__ import annotations``: FastAPI reads the dependency's annotations,
# which name the closure's ``resource``.
import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Header

from meclab.http.problem import ProblemError

R = TypeVar("R")


def etag_of(representation: Any) -> str:
    """A strong ETag (quoted) for a JSON-able representation."""
    digest = hashlib.sha256(orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f'"{digest[:32]}"'


def check_if_match(if_match: str | None, current: str) -> None:
    """412 problem unless ``If-Match`` is absent, ``*``, or lists the current ETag."""
    if if_match is None:
        return
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags:
        return
    # Strong comparison: a weak tag never matches (RFC 9110 13.1.1).
    if current not in tags:
        raise ProblemError(
            412,
            f"If-Match {if_match} does not match the current ETag {current}; "
            "GET the resource again and retry",
        )


def matching(
    resource: Callable[..., Awaitable[R]], etag: Callable[[R], str]
) -> Callable[..., Awaitable[R]]:
    """A dependency giving what the dependency ``resource`` resolves (404s and all), once the
    request's ``If-Match`` (if any) names its current ETag, ``etag(found)``: 412 otherwise.

    A route that declares its resource with it evaluates the precondition before it reads its
    body (module docstring), and documents the ``If-Match`` header. FastAPI resolves a
    dependency once per request, so ``resource`` may also be declared on its own.
    """

    async def check(
        found: Annotated[R, Depends(resource)],
        if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    ) -> R:
        check_if_match(if_match, etag(found))
        return found

    return check
