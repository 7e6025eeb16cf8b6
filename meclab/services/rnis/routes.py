"""``/rni/v2`` (ETSI GS MEC 012 V2.2.1 clause 7), on every MEC host (northbound).

=======  ================================  =================================================
method   path                              answer
=======  ================================  =================================================
GET      /queries/rab_info                 RabInfo (clause 6.2.3)
GET      /queries/plmn_info                [PlmnInfo] (clause 6.2.2); ``app_ins_id`` required
GET      /queries/s1_bearer_info           S1BearerInfo (clause 6.2.4); 404 when none matches
GET      /queries/layer2_meas              L2Meas (clause 6.2.4a)
GET      /subscriptions                    SubscriptionLinkList, ``subscription_type`` filter
POST     /subscriptions                    201, Location, ETag: one of the nine types
GET      /subscriptions/{subscriptionId}   200, ETag
PUT      /subscriptions/{subscriptionId}   200, ETag; If-Match (412); same type (422)
DELETE   /subscriptions/{subscriptionId}   204; If-Match (412)
=======  ================================  =================================================

Errors are problem details (INVENTORY §3.2): 400 for a bad parameter or body (naming it) and
for an unknown query parameter, 404 for an unknown subscription or application instance, 406
when the ``Accept`` header refuses JSON, 412 on an ETag mismatch, 414 for an over-long query,
415 for a body that is not JSON, 422 for a ``subscriptionType`` RNIS does not offer or a PUT
that changes it (a missing one is 400, as any missing member). meclab has
no authentication, so 401 and 403 never occur; nor does 429.
"""

# No "from __future__ import annotations": FastAPI must see the route-local Annotated types.
import inspect
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from meclab.http.body import body_doc, read_json
from meclab.http.content import require_json_body
from meclab.http.etag import etag_of, matching
from meclab.http.problem import ProblemError
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.platform.subscription import Subscription
from meclab.services.hosting import host_resolver
from meclab.services.rnis.dispatch import API
from meclab.services.rnis.models import (
    CELL_MEASUREMENTS,
    UE_MEASUREMENTS,
    L2Meas,
    PlmnInfo,
    RabInfo,
    S1BearerInfo,
)
from meclab.services.rnis.models_subscriptions import (
    SHORT_TYPES,
    SUBSCRIPTION_MODELS,
    AnySubscription,
)
from meclab.services.rnis.queries import UeFilter, integers
from meclab.services.subscribing import check_type_filter, created, link_list, resource

if TYPE_CHECKING:
    from meclab.services.rnis.service import Rnis

MAX_QUERY_CHARS = 8000
"""Longest query string answered (RFC 9110 clause 4.1 recommends supporting 8000 octets)."""
PRE_TYPO = "received_randomly_selecte_preambles_low_range_cell"
"""The generated v2.2.1 file's spelling of ``received_randomly_selected_preambles_low_range_cell``;
both are accepted (INVENTORY §2, MEC012 notes)."""
PRE_RIGHT = "received_randomly_selected_preambles_low_range_cell"

Values = Annotated[list[str] | None, Query()]
"""A repeatable (or comma-separated) filter."""


async def accept_json(request: Request) -> None:
    """406 unless the ``Accept`` header (when given) admits JSON (INVENTORY §3.9)."""
    accept = request.headers.get("accept")
    if not accept:
        return
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("*/*", "application/*", "application/json") or (
            media.startswith("application/") and media.endswith("+json")
        ):
            return
    raise ProblemError(406, f"RNIS answers in application/json; the request accepts {accept}")


async def bounded_query(request: Request) -> None:
    """414 for a query string too long to answer (the GS lists 414 for layer2_meas)."""
    if len(request.url.query) > MAX_QUERY_CHARS:
        raise ProblemError(414, f"the query string exceeds {MAX_QUERY_CHARS} characters")


def ue_filter(
    ue_ipv4_address: Values = None,
    ue_ipv6_address: Values = None,
    nated_ip_address: Values = None,
    gtp_teid: Values = None,
) -> UeFilter:
    """The UE address filters every query but plmn_info takes."""
    return UeFilter.parse(
        {
            "ue_ipv4_address": ue_ipv4_address,
            "ue_ipv6_address": ue_ipv6_address,
            "nated_ip_address": nated_ip_address,
            "gtp_teid": gtp_teid,
        }
    )


def _figure_filters() -> Any:
    """A dependency taking one integer filter per layer 2 figure (plus the typo'd name)."""
    names = [*CELL_MEASUREMENTS, *UE_MEASUREMENTS, PRE_TYPO]

    def figures(**given: list[str] | None) -> dict[str, frozenset[int] | None]:
        out = {n: integers(n, given.get(n)) for n in (*CELL_MEASUREMENTS, *UE_MEASUREMENTS)}
        typo = integers(PRE_TYPO, given.get(PRE_TYPO))
        if typo is not None:
            right = out[PRE_RIGHT]
            out[PRE_RIGHT] = typo if right is None else right | typo
        return out

    figures.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                n,
                inspect.Parameter.KEYWORD_ONLY,
                default=Query(None, description=f"only entries whose {n} is one of these"),
                annotation=list[str] | None,
            )
            for n in names
        ]
    )
    return figures


def build_router(service: "Rnis") -> APIRouter:
    """The RNI routes of one mount point (see :func:`meclab.services.hosting.mount_per_host`)."""
    platforms = service.platforms
    Host = Annotated[str, Depends(host_resolver(platforms))]
    Ues = Annotated[UeFilter, Depends(ue_filter)]
    router = PrefixedRouter(
        prefix="/rni/v2",
        tags=["MEC 012 RNI"],
        responses={
            406: {"description": "The Accept header refuses JSON"},
            414: {"description": f"The query string exceeds {MAX_QUERY_CHARS} characters"},
        },
        dependencies=[
            Depends(reject_unknown_query),
            Depends(accept_json),
            Depends(bounded_query),
        ],
    )
    model_options: dict[str, Any] = {"response_model_exclude_none": True}

    @router.get("/queries/rab_info", response_model=RabInfo, **model_options)
    async def rab_info(
        host: Host,
        ues: Ues,
        app_ins_id: Annotated[str | None, Query()] = None,
        cell_id: Values = None,
        erab_id: Values = None,
        qci: Values = None,
        erab_mbr_dl: Values = None,
        erab_mbr_ul: Values = None,
        erab_gbr_dl: Values = None,
        erab_gbr_ul: Values = None,
    ) -> RabInfo:
        """E-RABs of the UEs on the host's 4G cells."""
        erab = {
            "erab_id": integers("erab_id", erab_id),
            "qci": integers("qci", qci),
            "erab_mbr_dl": integers("erab_mbr_dl", erab_mbr_dl),
            "erab_mbr_ul": integers("erab_mbr_ul", erab_mbr_ul),
            "erab_gbr_dl": integers("erab_gbr_dl", erab_gbr_dl),
            "erab_gbr_ul": integers("erab_gbr_ul", erab_gbr_ul),
        }
        return service.queries().rab_info(host, app_ins_id, cell_id, ues, erab)

    @router.get("/queries/plmn_info", response_model=list[PlmnInfo], **model_options)
    async def plmn_info(host: Host, app_ins_id: Annotated[list[str], Query()]) -> list[PlmnInfo]:
        """The mobile network the named application instances are associated with."""
        return service.queries().plmn_info(host, app_ins_id)

    @router.get("/queries/s1_bearer_info", response_model=S1BearerInfo, **model_options)
    async def s1_bearer_info(
        host: Host,
        ues: Ues,
        temp_ue_id: Values = None,
        cell_id: Values = None,
        erab_id: Values = None,
    ) -> S1BearerInfo:
        """S1 bearers of the UEs on the host's 4G cells."""
        return service.queries().s1_bearer_info(
            host, cell_id, ues, temp_ue_id, integers("erab_id", erab_id)
        )

    @router.get("/queries/layer2_meas", response_model=L2Meas, **model_options)
    async def layer2_meas(
        host: Host,
        ues: Ues,
        figures: Annotated[dict[str, frozenset[int] | None], Depends(_figure_filters())],
        app_ins_id: Annotated[str | None, Query()] = None,
        cell_id: Values = None,
    ) -> L2Meas:
        """Layer 2 measurements of the host's 4G cells and their UEs."""
        return service.queries().layer2_meas(host, app_ins_id, cell_id, ues, figures)

    @router.get("/subscriptions")
    async def list_subscriptions(
        host: Host, subscription_type: Annotated[str | None, Query()] = None
    ) -> JSONResponse:
        """The host's RNI subscriptions, by link, optionally of one type."""
        wanted = check_type_filter(subscription_type, SHORT_TYPES)
        subs = platforms.subscriptions.list(host, API, types=None if wanted is None else [wanted])
        return JSONResponse(link_list(service.collection(host), subs, member="subscription"))

    subscription_body = Annotated[Any, Body(description="one of the nine subscription types")]
    responses: dict[int | str, dict[str, Any]] = {200: {"model": AnySubscription}}
    unprocessable = {422: {"description": "Not one of the nine types, or another type"}}

    @router.post(
        "/subscriptions",
        status_code=201,
        dependencies=[Depends(require_json_body)],
        responses={201: {"model": AnySubscription}, **unprocessable},
    )
    async def create_subscription(host: Host, body: subscription_body) -> JSONResponse:
        """Subscribe (201 with Location and ETag)."""
        sub = await service.create(host, body)
        return created(sub.body, sub.href)

    async def subscription(host: Host, subscriptionId: str) -> Subscription:
        return service.get(host, subscriptionId)

    Current = Annotated[
        Subscription, Depends(matching(subscription, lambda sub: etag_of(sub.body)))
    ]

    @router.get("/subscriptions/{subscriptionId}", responses=responses)
    async def get_subscription(sub: Annotated[Subscription, Depends(subscription)]) -> JSONResponse:
        """One subscription, with its ETag."""
        return resource(sub.body)

    @router.put(
        "/subscriptions/{subscriptionId}",
        responses={**responses, **unprocessable},
        openapi_extra=body_doc(*SUBSCRIPTION_MODELS.values()),
    )
    async def put_subscription(host: Host, sub: Current, request: Request) -> JSONResponse:
        """Replace a subscription's body (same type); If-Match guards it, and is checked
        before the body is read (RFC 9110 13.2.1)."""
        sub = await service.replace(host, sub, await read_json(request))
        return resource(sub.body)

    @router.delete("/subscriptions/{subscriptionId}", status_code=204)
    async def delete_subscription(sub: Current) -> Response:
        """Cancel a subscription; If-Match guards it."""
        await service.delete(sub)
        return Response(status_code=204)

    return router
