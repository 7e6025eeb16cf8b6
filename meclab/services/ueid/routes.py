"""MEC 014 routes (ETSI GS MEC 014 V3.1.1 clause 7.3): ``/{appInstanceId}/ue_identity_tag_info``.

==== ============================================================================================
GET  ``?ueIdentityTag=A&ueIdentityTag=B`` (or ``ueidentitytag``, the v3.1.1 file's spelling; a
     comma-separated list works too): the state of each tag asked, in the order asked
PUT  sets the state of each tag of the body (the others keep theirs); If-Match guards it (412)
==== ============================================================================================

Errors, first failure answers: an unknown query parameter (400), an unknown MEC host or
application instance on it (404), in secure mode an instance other than the caller (403: an
instance's registrations are its own, the operator excepted; issue 12), a missing tag list
(400); for PUT If-Match (412, evaluated before the body is read: RFC 9110 13.2.1), a non-JSON
(415), malformed or invalid (400) body, an instance that is terminating (403: it may no longer
claim UEs), a tag registered that names no terminal (400).

The resource is the instance's set of registered tags, and its ETag is computed from that set:
every GET, whichever tags it asks about, returns it, and a PUT is checked against it whatever
its body names. A client that read some tags thus sees its If-Match fail (412) once the
instance's registrations changed, by anyone, since it read them.
"""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, parse, read_json
from meclab.http.etag import etag_of, matching
from meclab.http.problem import ProblemError
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.platform.apps import AppInstance, AppState
from meclab.platform.errors import Forbidden, InvalidField
from meclab.services.mec011.routing import app_resolver
from meclab.services.ueid.models import TagState, UeIdentityTagInfo, UeIdentityTags

if TYPE_CHECKING:
    from meclab.services.ueid.service import UeIdentity

TAG_INFO_BODY = body_doc(UeIdentityTagInfo)


def representation(states: dict[str, int], etag: str) -> JSONResponse:
    body = UeIdentityTagInfo(
        ueIdentityTags=[
            UeIdentityTags(ueIdentityTag=t, state=TagState(s)) for t, s in states.items()
        ]
    ).wire()
    return JSONResponse(body, headers={"ETag": etag})


def build_router(service: "UeIdentity") -> APIRouter:
    """The MEC 014 routes of one mount point."""
    router = PrefixedRouter(
        prefix="/ui/v1", tags=["MEC 014 UE identity"], dependencies=[Depends(reject_unknown_query)]
    )
    platforms = service.platforms
    registry = service.registry
    current_app = app_resolver(platforms)

    def tags_etag(app: AppInstance) -> str:
        """The ETag of the instance's registrations (module docstring)."""
        return etag_of(registry.registered(app.app_instance_id))

    App = Annotated[AppInstance, Depends(current_app)]
    Current = Annotated[AppInstance, Depends(matching(current_app, tags_etag))]

    @router.get(
        "/{appInstanceId}/ue_identity_tag_info",
        summary="The state of some UE identity tags of an application instance",
    )
    async def get_tags(
        app: App,
        ueIdentityTag: Annotated[
            list[str] | None, Query(description="Tags to read (GS spelling)")
        ] = None,
        ueidentitytag: Annotated[
            list[str] | None, Query(description="Tags to read (v3.1.1 file spelling)")
        ] = None,
    ) -> JSONResponse:
        asked = [
            tag.strip()
            for value in [*(ueIdentityTag or []), *(ueidentitytag or [])]
            for tag in value.split(",")
            if tag.strip()
        ]
        if not asked:
            raise ProblemError(
                400,
                "query parameter ueIdentityTag is required: the tags to read",
                invalidParams=[{"name": "ueIdentityTag", "in": "query", "reason": "missing"}],
            )
        states = {tag: registry.state(app.app_instance_id, tag) for tag in dict.fromkeys(asked)}
        return representation(states, tags_etag(app))

    @router.put(
        "/{appInstanceId}/ue_identity_tag_info",
        summary="Register or deregister UE identity tags",
        openapi_extra=TAG_INFO_BODY,
        responses={403: {"description": "The application instance is terminating"}},
    )
    async def put_tags(app: Current, request: Request) -> JSONResponse:
        info = parse(UeIdentityTagInfo, await read_json(request))
        wanted: dict[str, int] = {}
        for i, entry in enumerate(info.ueIdentityTags):
            if entry.ueIdentityTag in wanted:
                raise InvalidField(
                    f"ueIdentityTags[{i}].ueIdentityTag", f"{entry.ueIdentityTag!r} is listed twice"
                )
            wanted[entry.ueIdentityTag] = int(entry.state)
        app_id = app.app_instance_id
        if app.state is AppState.TERMINATING:
            raise Forbidden(f"application instance {app_id} is terminating; it may not claim UEs")
        for i, (tag, state) in enumerate(wanted.items()):
            if state == TagState.REGISTERED and registry.resolve(tag) is None:
                raise InvalidField(
                    f"ueIdentityTags[{i}].ueIdentityTag",
                    f"{tag!r} names no terminal of this world (use its name, its acr: address, "
                    "its IP address or its IMSI)",
                )
        await registry.apply(app_id, app.host, wanted)
        return representation({t: registry.state(app_id, t) for t in wanted}, tags_etag(app))

    return router
