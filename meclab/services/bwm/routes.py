"""BWM routes (ETSI GS MEC 015 V2.2.1 clause 8): the API surface as a table, and its checks.

=======  ==============================  =======================================================
GET      /bw_allocations                 BwInfo[]: ``app_instance_id``, ``app_name``,
                                         ``session_id`` (each repeatable or a comma list; one
                                         of the values of each parameter given must match;
                                         ``session_id`` is the ``allocationId``)
POST     /bw_allocations                 BwInfo; 201 + Location + ETag
GET      /bw_allocations/{allocationId}  200 + ETag
PUT      /bw_allocations/{allocationId}  If-Match (412); BwInfo replaces (same appInsId)
PATCH    /bw_allocations/{allocationId}  If-Match (412); BwInfoDeltas changes what it gives
DELETE   /bw_allocations/{allocationId}  If-Match (412), 204
=======  ==============================  =======================================================

Bodies are bare objects, as on the wire (INVENTORY §3.10); the v2.2.1 file's wrapping
(``{"BwInfo": {...}}``, ``{"BwInfoDeltas": {...}}``) is also taken on a request.

Checks, in this order: unknown query parameters (400), unknown host or allocation (404), in
secure mode another instance's allocation (403), If-Match (412), a non-JSON (415), malformed
or invalid (400) body; then for a POST an ``appInsId`` that is no instance of the host (404)
or, in secure mode, not the caller (403); then the rules of :mod:`.bodies` (400 naming the
attribute); last admission (:mod:`.admission`: 400 for a filter address naming no terminal,
409 when it cannot be honoured; either way nothing changes).

Ownership in secure mode (issue 12): an allocation is its ``appInsId``'s. A listing shows the
caller its own allocations; the operator sees and changes all.
"""

from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from meclab.http.body import body_doc, parse, read_json
from meclab.http.etag import etag_of, matching
from meclab.http.query import ListParam, list_values, reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.platform.access import check_owner
from meclab.platform.errors import InvalidField
from meclab.services.bwm.allocations import Allocation
from meclab.services.bwm.bodies import check_allocation, patched
from meclab.services.bwm.models import BwInfo, BwInfoDeltas
from meclab.services.hosting import host_resolver
from meclab.services.subscribing import created, resource

if TYPE_CHECKING:
    from meclab.services.bwm.service import Bwm

INFO_BODY = body_doc(BwInfo)
DELTAS_BODY = body_doc(BwInfoDeltas)
M = TypeVar("M", bound=BaseModel)


async def _body(model: type[M], request: Request) -> M:
    """The request's body as ``model``, bare or wrapped in ``{"<model name>": ...}``."""
    data: Any = await read_json(request)
    if isinstance(data, dict) and list(data) == [model.__name__]:
        data = data[model.__name__]
    return parse(model, data)


def build_router(bwm: "Bwm") -> APIRouter:
    """Every BWM route, for one mount point."""
    router = PrefixedRouter(
        prefix="/bwm/v1", tags=["MEC 015 BWM"], dependencies=[Depends(reject_unknown_query)]
    )
    platforms = bwm.platforms
    host_dep = Annotated[str, Depends(host_resolver(platforms))]

    def href_of(host: str, allocation_id: str) -> str:
        return bwm.url(host, f"/bw_allocations/{allocation_id}")

    @router.get("/bw_allocations", summary="The bandwidth allocations of this host")
    async def list_allocations(
        host: host_dep,
        app_instance_id: ListParam = None,
        app_name: ListParam = None,
        session_id: ListParam = None,
    ) -> JSONResponse:
        found = bwm.allocations.listed(
            host,
            owners=list_values(app_instance_id),
            app_names=list_values(app_name),
            ids=list_values(session_id),
        )
        return JSONResponse([record.body() for record in found])

    @router.post(
        "/bw_allocations",
        status_code=201,
        summary="Create a bandwidth allocation",
        openapi_extra=INFO_BODY,
        responses={
            403: {"description": "appInsId is not the caller (secure mode)"},
            409: {"description": "the allocation cannot be honoured (admission)"},
        },
    )
    async def create_allocation(host: host_dep, request: Request) -> JSONResponse:
        info = await _body(BwInfo, request)
        app = platforms.app(host, info.appInsId)
        check_owner(
            app.app_instance_id, f"a bandwidth allocation for application instance {info.appInsId}"
        )
        others = bwm.allocations.of_instance(info.appInsId)
        check_allocation(info, app.app_name, others, path_id=None)
        allocation = await bwm.keep(host, info, app)
        return created(allocation.body(), href_of(host, allocation.id))

    async def allocation_of(host: host_dep, allocationId: str) -> Allocation:
        allocation = bwm.allocations.get(host, allocationId)
        check_owner(allocation.owner, f"bandwidth allocation {allocationId}")
        return allocation

    Found = Annotated[Allocation, Depends(allocation_of)]
    Current = Annotated[Allocation, Depends(matching(allocation_of, lambda a: etag_of(a.body())))]

    async def replace(found: Allocation, info: BwInfo) -> JSONResponse:
        app = platforms.app(found.host, found.owner)
        others = bwm.allocations.of_instance(found.owner)
        check_allocation(info, app.app_name, others, path_id=found.id)
        info = info.model_copy(update={"allocationId": found.id})
        return resource((await bwm.keep(found.host, info, app)).body())

    @router.get("/bw_allocations/{allocationId}", summary="Read a bandwidth allocation")
    async def get_allocation(found: Found) -> JSONResponse:
        return resource(found.body())

    @router.put(
        "/bw_allocations/{allocationId}",
        summary="Replace a bandwidth allocation",
        openapi_extra=INFO_BODY,
        responses={409: {"description": "the new terms cannot be honoured (admission)"}},
    )
    async def put_allocation(found: Current, request: Request) -> JSONResponse:
        info = await _body(BwInfo, request)
        if info.appInsId != found.owner:
            raise InvalidField(
                "appInsId", f"an allocation stays with its application instance, {found.owner}"
            )
        return await replace(found, info)

    @router.patch(
        "/bw_allocations/{allocationId}",
        summary="Change some terms of a bandwidth allocation",
        openapi_extra=DELTAS_BODY,
        responses={409: {"description": "the new terms cannot be honoured (admission)"}},
    )
    async def patch_allocation(found: Current, request: Request) -> JSONResponse:
        deltas = await _body(BwInfoDeltas, request)
        return await replace(found, patched(found, deltas))

    @router.delete(
        "/bw_allocations/{allocationId}", status_code=204, summary="Delete a bandwidth allocation"
    )
    async def delete_allocation(found: Current) -> Response:
        await bwm.end(found)
        return Response(status_code=204)

    return router
