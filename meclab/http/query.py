"""Strict query strings: a parameter a route does not declare is an error, not ignored.

Clients that misspell a filter (``?zoneid=`` for ``?zoneId=``) would otherwise get an unfiltered
answer and never know. Add :func:`reject_unknown_query` as a router dependency.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from meclab.http.problem import ProblemError

# Kept on the route itself, not in a table by id(route): an id is reused once its route is gone
# (apps are built and dropped per world), and a stale entry would judge a route by another's
# parameters. Routes are unhashable, so no weak-keyed table either.
_CACHE = "_meclab_query_names"


def _allowed(route: object) -> frozenset[str]:
    allowed: frozenset[str] | None = getattr(route, _CACHE, None)
    if allowed is None:
        names: set[str] = set()
        pending = [getattr(route, "dependant", None)]
        while pending:  # the route's own parameters and those of its dependencies
            dependant = pending.pop()
            if dependant is not None:
                names.update(p.alias for p in dependant.query_params)
                pending.extend(dependant.dependencies)
        allowed = frozenset(names)
        if route is not None:
            setattr(route, _CACHE, allowed)
    return allowed


async def reject_unknown_query(request: Request) -> None:
    """400 problem naming every query parameter the matched route does not know."""
    if not request.query_params:
        return
    allowed = _allowed(request.scope.get("route"))
    unknown = sorted(set(request.query_params.keys()) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise ProblemError(
            400,
            f"unknown query parameter(s): {', '.join(unknown)} (this resource takes: {known})",
            invalidParams=[
                {"name": n, "in": "query", "reason": "unknown parameter"} for n in unknown
            ],
        )


ListParam = Annotated[list[str] | None, Query()]
"""A query parameter that may repeat (``?a=x&a=y``) or list values (``?a=x,y``), as MEC 009
allows."""


def list_values(given: list[str] | None) -> set[str] | None:
    """A repeatable parameter's values (commas split them too); None when not given."""
    if given is None:
        return None
    return {v.strip() for value in given for v in value.split(",") if v.strip()}
