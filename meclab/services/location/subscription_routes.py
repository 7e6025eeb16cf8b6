"""The routes of one subscription resource, the same for both versions of MEC 013.

POST on the collection, GET, PUT and DELETE on each subscription; the version decides how a
body is read (its root element, what it refuses) and where the collection lives.
"""

# No "from __future__ import annotations": FastAPI reads these route signatures, whose
# annotations name aliases local to the function that builds the routes.

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from meclab.http.body import body_doc, json_body
from meclab.platform.subscription import Subscription
from meclab.platform.wire import WireModel
from meclab.services.location.resources import Model, Subscriptions, if_match, represent
from meclab.services.location.routing import ERRORS, WRITE_ERRORS
from meclab.services.subscribing import resource


def add_subscription_routes(
    router: APIRouter,
    subs: Subscriptions,
    current_host: Callable[..., Any],
    *,
    path: str,
    body: type[WireModel],
    kinds: dict[str, tuple[str, ...]],
    collection: Callable[[str], str],
    read_body: Callable[[Any], Model],
    name: str,
    what: str,
) -> None:
    """POST on ``path`` and GET, PUT, DELETE on ``path/{subscriptionId}``, for either version.

    ``read_body`` turns the parsed (wrapped) body into the subscription model, raising for what
    the version refuses; ``collection(host)`` is the collection's URL on a host. Preconditions
    (If-Match) are checked before the body is even read.
    """
    Host = Annotated[str, Depends(current_host)]
    Body = Annotated[Any, Depends(json_body(body))]

    async def owned(subscriptionId: str, host: Host) -> Subscription:
        return subs.find(host, subscriptionId, kinds)

    Owned = Annotated[Subscription, Depends(owned)]

    async def matching(request: Request, sub: Owned) -> Subscription:
        if_match(request, sub)
        return sub

    Matching = Annotated[Subscription, Depends(matching)]

    @router.post(
        path,
        status_code=201,
        responses=WRITE_ERRORS,
        openapi_extra=body_doc(body),
        summary=f"Create a {what}",
        name=f"create_{name}",
    )
    async def create(host: Host, wrapped: Body) -> JSONResponse:
        return await subs.create(host, read_body(wrapped), collection(host))

    @router.get(
        f"{path}/{{subscriptionId}}", responses=ERRORS, summary=f"One {what}", name=f"get_{name}"
    )
    async def read(sub: Owned) -> JSONResponse:
        return resource(represent(sub))

    @router.put(
        f"{path}/{{subscriptionId}}",
        responses=WRITE_ERRORS,
        openapi_extra=body_doc(body),
        summary=f"Replace a {what}",
        name=f"put_{name}",
    )
    async def replace(sub: Matching, wrapped: Body) -> JSONResponse:
        return await subs.replace(sub, read_body(wrapped))

    @router.delete(
        f"{path}/{{subscriptionId}}",
        status_code=204,
        response_class=Response,
        responses=WRITE_ERRORS,
        summary=f"Delete a {what}",
        name=f"delete_{name}",
    )
    async def delete(request: Request, sub: Owned) -> Response:
        return await subs.delete(request, sub)
