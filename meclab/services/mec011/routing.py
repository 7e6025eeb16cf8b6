"""What the MEC 011 routes share: base paths, path-id dependencies, strict JSON bodies.

Order of checks, for every route (first failure answers):

1. an unknown query parameter: 400 (:func:`meclab.http.query.reject_unknown_query`, a route
   dependency);
2. an unknown MEC host, application instance, service, rule or subscription in the path: 404;
   then, in secure mode, an application instance in the path that is not the caller: 403
   (:func:`app_resolver`; issue 12: an instance's rules, services, subscriptions and
   registration are its own, and only it and the operator may read or change them);
3. ``If-Match`` that names another ETag: 412 (RFC 9110 13.2.1: before the content is read);
4. a request body that is not JSON: 415; then a malformed or invalid one: 400 naming the field.

FastAPI parses a declared body before it runs any dependency, so a malformed body would
answer 400 before an unknown id could answer 404. Bodies are therefore read by a dependency
(:func:`json_body`) placed after the path-id ones, and documented in the OpenAPI document by
:func:`body_doc`. A PUT or PATCH resolves its resource with :func:`current`, which also checks
``If-Match``, and reads its body ``after`` it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Depends

from meclab.http.etag import etag_of, matching
from meclab.http.query import reject_unknown_query
from meclab.platform.access import check_owner
from meclab.platform.apps import AppInstance
from meclab.platform.platform import Platforms
from meclab.services.hosting import host_resolver

APP_SUPPORT = "/mec_app_support/v1"
SERVICE_MGMT = "/mec_service_mgmt/v1"

APP_SUPPORT_API = "mec011_app_support"
"""Name of MEC 011 app support in the subscription registry."""
SERVICE_MGMT_API = "mec011_service_mgmt"
"""Name of MEC 011 service management in the subscription registry."""

STRICT = [Depends(reject_unknown_query)]
"""Route dependencies of every MEC 011 route."""

PROBLEM_JSON = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request: the problem names the bad field", **PROBLEM_JSON},
    404: {"description": "Not found", **PROBLEM_JSON},
}


def app_resolver(platforms: Platforms) -> Callable[..., Awaitable[AppInstance]]:
    """A dependency giving the instance ``{appInstanceId}`` names on the addressed host (404),
    to itself or the operator only (403, :func:`~meclab.platform.access.check_owner`): every
    route under an instance's path serves what that instance owns."""
    current_host = host_resolver(platforms)

    async def current_app(appInstanceId: str, host: str = Depends(current_host)) -> AppInstance:
        app = platforms.app(host, appInstanceId)
        check_owner(app.app_instance_id, f"a resource of application instance {appInstanceId}")
        return app

    return current_app


R = TypeVar("R")


def current(
    resource: Callable[..., Awaitable[R]], representation: Callable[[R], Any]
) -> Callable[..., Awaitable[R]]:
    """A dependency giving the resource ``resource`` resolves, once the request's If-Match (if
    any) names the ETag of ``representation(resource)``: 412 otherwise."""
    return matching(resource, lambda found: etag_of(representation(found)))
