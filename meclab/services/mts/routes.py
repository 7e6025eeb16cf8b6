"""MTS routes (ETSI GS MEC 015 V2.2.1 clause 8): the API surface as a table, and its checks.

=======  ===========================  ==========================================================
GET      /mts_capability_info         the host's access networks and the MTS modes
GET      /mts_sessions                MtsSessionInfo[]: ``app_instance_id``, ``app_name``,
                                      ``session_id`` (each repeatable or a comma list; one of
                                      the values of each parameter given must match)
POST     /mts_sessions                201 + Location + ETag
GET      /mts_sessions/{sessionId}    200 + ETag
PUT      /mts_sessions/{sessionId}    If-Match (412); replaces the session (same appInsId)
DELETE   /mts_sessions/{sessionId}    If-Match (412), 204
=======  ===========================  ==========================================================

Checks, in this order: unknown query parameters (400), unknown host or session (404), in secure
mode another instance's session (403), If-Match (412), a non-JSON (415), malformed or invalid
(400) body; then for a POST an ``appInsId`` that is no instance of the host (404) or, in secure
mode, not the caller (403); then the rules of :mod:`.bodies` (400 naming the attribute).

Ownership in secure mode (issue 12): a session is its ``appInsId``'s. A listing shows the
caller its own sessions; the operator sees and changes all.
"""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, parse, read_json
from meclab.http.etag import etag_of, matching
from meclab.http.query import ListParam, list_values, reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.platform.access import check_owner
from meclab.platform.errors import InvalidField
from meclab.services.hosting import host_resolver
from meclab.services.mts.bodies import check_session
from meclab.services.mts.models import MtsSessionInfo
from meclab.services.mts.sessions import MtsSession
from meclab.services.subscribing import created, resource

if TYPE_CHECKING:
    from meclab.services.mts.service import Mts

SESSION_BODY = body_doc(MtsSessionInfo)


def build_router(mts: "Mts") -> APIRouter:
    """Every MTS route, for one mount point."""
    router = PrefixedRouter(
        prefix="/mts/v1", tags=["MEC 015 MTS"], dependencies=[Depends(reject_unknown_query)]
    )
    platforms = mts.platforms
    host_dep = Annotated[str, Depends(host_resolver(platforms))]

    def href_of(host: str, session_id: str) -> str:
        return mts.url(host, f"/mts_sessions/{session_id}")

    @router.get("/mts_capability_info", summary="The access networks and MTS modes of this host")
    async def capability_info(host: host_dep) -> JSONResponse:
        return JSONResponse(mts.capability(host).wire())

    @router.get("/mts_sessions", summary="The MTS sessions of this host")
    async def list_sessions(
        host: host_dep,
        app_instance_id: ListParam = None,
        app_name: ListParam = None,
        session_id: ListParam = None,
    ) -> JSONResponse:
        found = mts.sessions.listed(
            host,
            owners=list_values(app_instance_id),
            app_names=list_values(app_name),
            ids=list_values(session_id),
        )
        return JSONResponse([record.body() for record in found])

    @router.post(
        "/mts_sessions",
        status_code=201,
        summary="Create an MTS session",
        openapi_extra=SESSION_BODY,
        responses={403: {"description": "appInsId is not the caller (secure mode)"}},
    )
    async def create_session(host: host_dep, request: Request) -> JSONResponse:
        info = parse(MtsSessionInfo, await read_json(request))
        app = platforms.app(host, info.appInsId)
        check_owner(app.app_instance_id, f"a session for application instance {info.appInsId}")
        check_session(info, app.app_name, mts.sessions.of_instance(info.appInsId), path_id=None)
        session = await mts.keep(host, info, app)
        return created(session.body(), href_of(host, session.id))

    async def session_of(host: host_dep, sessionId: str) -> MtsSession:
        session = mts.sessions.get(host, sessionId)
        check_owner(session.owner, f"MTS session {sessionId}")
        return session

    Found = Annotated[MtsSession, Depends(session_of)]
    Current = Annotated[MtsSession, Depends(matching(session_of, lambda s: etag_of(s.body())))]

    @router.get("/mts_sessions/{sessionId}", summary="Read an MTS session")
    async def get_session(found: Found) -> JSONResponse:
        return resource(found.body())

    @router.put(
        "/mts_sessions/{sessionId}", summary="Replace an MTS session", openapi_extra=SESSION_BODY
    )
    async def put_session(found: Current, request: Request) -> JSONResponse:
        info = parse(MtsSessionInfo, await read_json(request))
        if info.appInsId != found.owner:
            raise InvalidField(
                "appInsId", f"a session stays with its application instance, {found.owner}"
            )
        app = platforms.app(found.host, found.owner)
        others = mts.sessions.of_instance(found.owner)
        check_session(info, app.app_name, others, path_id=found.id)
        info = info.model_copy(update={"sessionId": found.id})
        return resource((await mts.keep(found.host, info, app)).body())

    @router.delete("/mts_sessions/{sessionId}", status_code=204, summary="Delete an MTS session")
    async def delete_session(found: Current) -> Response:
        await mts.end(found)
        return Response(status_code=204)

    return router
