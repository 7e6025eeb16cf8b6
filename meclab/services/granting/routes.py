"""granting/v1 routes (ETSI GS MEC 010-2 v3.1.1 clause 7.6), served once for the MEC system.

====== ================== ========================================================
POST   /grants            201 Grant + Location (meclab decides at once: synchronous)
GET    /grants/{grantId}  200 Grant
====== ================== ========================================================

A Grant's ``_links`` name its operation occurrence and application instance in app_lcm/v1.
"""

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request, Response

from meclab.http.body import body_doc, parse, read_json
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.services.granting.models import Grant, GrantRequest
from meclab.services.granting.service import BASE_PATH
from meclab.services.subscribing import created, resource

if TYPE_CHECKING:
    from meclab.services.granting.service import Granting

PROBLEM_JSON = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request: the problem names the bad field", **PROBLEM_JSON},
    404: {"description": "Not found", **PROBLEM_JSON},
    409: {"description": "The grant is refused", **PROBLEM_JSON},
}


def build_router(service: "Granting") -> APIRouter:
    """The granting/v1 routes."""
    router = PrefixedRouter(
        prefix=BASE_PATH,
        tags=["MEC 010-2 granting"],
        dependencies=[Depends(reject_unknown_query)],
        responses=ERRORS,
    )
    lifecycle = service.lifecycle

    def representation(grant: dict[str, Any]) -> dict[str, Any]:
        links = {
            "appLcmOpOcc": {"href": service.lcm_url(f"app_lcm_op_occs/{grant['appLcmOpOccId']}")},
            "appInstance": {"href": service.lcm_url(f"app_instances/{grant['appInstanceId']}")},
        }
        return Grant.model_validate({**grant, "_links": links}).wire()

    @router.post(
        "/grants",
        status_code=201,
        response_model=Grant,
        openapi_extra=body_doc(GrantRequest),
        summary="Request a grant for a lifecycle operation",
    )
    async def create_grant(request: Request) -> Response:
        body = parse(GrantRequest, await read_json(request)).wire()
        # 404 for an unknown instance before 403 for another client's.
        instance = lifecycle.instance(body["appInstanceId"])
        await service.check(body, f"application instance {instance.id}")
        grant = representation(await lifecycle.grant(body))
        return created(grant, service.url(f"grants/{grant['id']}"))

    @router.get("/grants/{grantId}", response_model=Grant, summary="One grant")
    async def get_grant(grantId: str) -> Response:
        grant = lifecycle.grant_of(grantId)
        await service.check(grant, f"grant {grantId}")
        return resource(representation(grant))

    return router
