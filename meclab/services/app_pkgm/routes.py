"""MEC 010-2 ``app_pkgm/v1`` routes (ETSI GS MEC 010-2 V3.1.1 clause 7.3), all 13 operations.

=======================================================  ====================================
``GET|POST /onboarded_app_packages``                     list (filter, selectors) / create
``GET|PATCH|DELETE /onboarded_app_packages/{appDId}``    read / enable-disable / delete
``GET /onboarded_app_packages/{appDId}/appd``            the AppD (filter, selectors)
``GET|PUT /onboarded_app_packages/{appDId}/package_content``  the zip (Range) / upload it (202)
``GET|POST /subscriptions``, ``GET|DELETE .../{id}``     AppPkgSubscription
``POST /user_defined_notification``                      a subscriber's endpoint (below)
=======================================================  ====================================

``{appDId}`` is the AppD's appDId once the content is onboarded; before that (there is no
AppD yet) the package is addressed by its ``id``, which the 201 Location names, and the id
keeps working afterwards (the GS has content "identified by appPkgId or appDId").

Choices where the file is silent: DELETE answers 409 while the package is IN_USE or its
content is being processed; PATCH answers 409 before the package is onboarded; GET
package_content answers 409 before that too; PUT package_content answers 409 unless the
package is CREATED or in ERROR (a refused content may be uploaded again), 413 above meclab's
size limit, 415 unless the body is sent as ``application/zip`` (or ``application/octet-stream``).
The selectors of ``.../appd`` are accepted under the GS names and under the file's
``filter1``, ``fields1``... (INVENTORY §3.6); on one AppD a filter that does not hold answers 404.

``POST /user_defined_notification`` is where a subscriber receives AppPkgNotifications: meclab
serves it as a subscriber would, checking the body (400 naming the field) and that it is about
one of this API's subscriptions (404 otherwise), and answers 204. A subscription whose
``callbackUri`` is this URL thus proves meclab's notifications are well-formed.
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures' annotations.
import re
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, json_body, parse, read_json
from meclab.http.etag import etag_of, matching
from meclab.http.problem import ProblemError
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.http.selectors import (
    Filter,
    Selection,
    attribute_filter,
    attribute_selection,
    parse_filter,
    parse_selection,
    select,
)
from meclab.lifecycle import SYSTEM_HOST
from meclab.lifecycle.packages import OnboardedPackage
from meclab.platform.errors import Conflict, InvalidField, NotFound
from meclab.platform.subscription import Subscription
from meclab.services.app_pkgm.models import (
    AppPkgInfo,
    AppPkgInfoModifications,
    AppPkgNotification,
    AppPkgSubscription,
    AppPkgSubscriptionInfo,
    AppPkgSubscriptionLinkList,
    AppPkgSubscriptionType,
    CreateAppPkg,
)
from meclab.services.app_pkgm.service import API, BASE_PATH
from meclab.services.subscribing import created, link_list, resource

if TYPE_CHECKING:
    from meclab.services.app_pkgm.service import AppPkgm

PACKAGE_DEFAULT_EXCLUDED = ("checksum", "softwareImages", "additionalArtifacts")
"""AppPkgInfo attributes left out unless asked for (exclude_default, clause 7.3.1.3.2)."""
APPD_DEFAULT_EXCLUDED = (
    "virtualComputeDescriptor",
    "swImageDescriptor",
    "virtualStorageDescriptor",
    "appExtCpd",
    "terminateAppInstanceOpConfig",
    "changeAppInstanceStateOpConfig",
)
"""AppD attributes left out unless asked for (exclude_default1 of the file)."""
ZIP_TYPES = ("application/zip", "application/octet-stream", "application/x-zip-compressed")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

FilterParam = Annotated[Filter | None, Depends(attribute_filter)]
SelectionParam = Annotated[Selection, Depends(attribute_selection)]


def appd_selectors(
    filter: Annotated[list[str] | None, Query(description="MEC 009 cl. 6.19 filter")] = None,
    filter1: Annotated[list[str] | None, Query(description="filter (file's name)")] = None,
    all_fields: Annotated[str | None, Query()] = None,
    all_fields1: Annotated[str | None, Query()] = None,
    fields: Annotated[list[str] | None, Query()] = None,
    fields1: Annotated[list[str] | None, Query()] = None,
    exclude_fields: Annotated[list[str] | None, Query()] = None,
    exclude_fields1: Annotated[list[str] | None, Query()] = None,
    exclude_default: Annotated[str | None, Query()] = None,
    exclude_default1: Annotated[str | None, Query()] = None,
) -> tuple[Filter | None, Selection]:
    """The AppD's filter and selectors, under either spelling (module docstring)."""
    texts = [*(filter or []), *(filter1 or [])]
    expressions = tuple(e for text in texts for e in parse_filter(text).expressions)
    selection = parse_selection(
        all_fields=all_fields if all_fields is not None else all_fields1,
        fields=[*(fields or []), *(fields1 or [])] or None,
        exclude_fields=[*(exclude_fields or []), *(exclude_fields1 or [])] or None,
        exclude_default=exclude_default if exclude_default is not None else exclude_default1,
    )
    return (Filter(expressions) if expressions else None), selection


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``Range: bytes=a-b``; None to send everything; a 416
    problem when it cannot be satisfied (RFC 9110 14.2)."""
    if header is None:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: a server may ignore Range
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last N bytes
        count = int(last_text)
        first, last = max(0, size - count), size - 1
        unsatisfiable = count == 0
    else:
        first = int(first_text)
        last = min(int(last_text), size - 1) if last_text else size - 1
        unsatisfiable = first >= size or (bool(last_text) and int(last_text) < first)
    if unsatisfiable or size == 0:
        raise ProblemError(
            416,
            f"range {header} is outside the package's {size} bytes",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return first, last


async def read_zip(request: Request, limit: int) -> bytes:
    """The request body as a package archive: 415 unless sent as a zip, 413 above ``limit``."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media and media not in ZIP_TYPES:
        raise ProblemError(415, f"send the package as application/zip, not {media}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(413, f"a package may not exceed {limit} bytes")
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise ProblemError(413, f"a package may not exceed {limit} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise ProblemError(400, "the body is empty: send the package's zip archive")
    return data


def check_filters(body: AppPkgSubscription) -> None:
    """The rules the GS gives AppPkgFilter (clause 6.2.3.8); InvalidField naming the attribute."""
    for i, flt in enumerate(body.appPkgFilter or []):
        if flt.appPkgInfoId is not None and flt.appDId is not None:
            raise InvalidField(
                f"appPkgFilter[{i}]",
                "give appPkgInfoId or appDId, not both (they are alternatives)",
            )
        if body.subscriptionType is not AppPkgSubscriptionType.CHANGE:
            for name in ("operationalState", "usageState"):
                if getattr(flt, name) is not None:
                    raise InvalidField(
                        f"appPkgFilter[{i}].{name}",
                        "only an AppPackageChangeSubscription may filter on it",
                    )


def build_router(service: "AppPkgm") -> APIRouter:
    """The routes of ``app_pkgm/v1``."""
    router = PrefixedRouter(
        prefix=BASE_PATH,
        tags=["MEC 010-2 application package management"],
        dependencies=[Depends(reject_unknown_query)],
    )
    packages = service.packages
    registry = service.platforms.subscriptions

    def info(package: OnboardedPackage) -> dict[str, Any]:
        return service.info(package).wire()

    async def package_of(appDId: str) -> OnboardedPackage:
        return packages.get(appDId)

    async def owned_package(appDId: str) -> OnboardedPackage:
        """A package the caller is about to change: its owner's (the service's docstring)."""
        package = packages.get(appDId)
        await service.owners.check(package.id, f"application package {package.id}")
        return package

    Package = Annotated[OnboardedPackage, Depends(package_of)]
    Owned = Annotated[OnboardedPackage, Depends(owned_package)]
    current = matching(owned_package, lambda p: etag_of(info(p)))
    Current = Annotated[OnboardedPackage, Depends(current)]

    async def subscription_of(subscriptionId: str) -> Subscription:
        return registry.owned(SYSTEM_HOST, API, subscriptionId)

    def subscription_body(sub: Subscription) -> dict[str, Any]:
        return AppPkgSubscriptionInfo.model_validate(
            {**{k: v for k, v in sub.body.items() if k != "appPkgFilter"}, "id": sub.id}
        ).wire()

    current_subscription = matching(subscription_of, lambda s: etag_of(subscription_body(s)))

    # --- packages ---------------------------------------------------------------------------

    @router.get(
        "/onboarded_app_packages",
        response_model=list[AppPkgInfo],
        summary="Query the onboarded application packages",
    )
    async def list_packages(flt: FilterParam, selection: SelectionParam) -> JSONResponse:
        items = [info(p) for p in packages.all()]
        chosen = flt.apply(items) if flt is not None else items
        body = select(
            chosen, selection, default_excluded=PACKAGE_DEFAULT_EXCLUDED, mandatory=("_links",)
        )
        return JSONResponse(body)

    @router.post(
        "/onboarded_app_packages",
        status_code=201,
        response_model=AppPkgInfo,
        openapi_extra=body_doc(CreateAppPkg),
        summary="Create an application package resource",
    )
    async def create_package(request: Request) -> Response:
        body = parse(CreateAppPkg, await read_json(request))
        package = await packages.create(
            name=body.appPkgName,
            version=body.appPkgVersion,
            checksum=body.checksum.wire(),
            provider=body.appProvider,
            user_defined_data=body.userDefinedData,
            pkg_path=body.appPkgPath,
        )
        await service.owners.created(package.id)
        return created(info(package), service.package_url(package))

    @router.get(
        "/onboarded_app_packages/{appDId}",
        response_model=AppPkgInfo,
        summary="Read an application package resource",
    )
    async def get_package(package: Package) -> Response:
        return resource(info(package))

    @router.patch(
        "/onboarded_app_packages/{appDId}",
        response_model=AppPkgInfoModifications,
        openapi_extra=body_doc(AppPkgInfoModifications),
        responses={
            409: {"description": "The package is not onboarded yet"},
            412: {"description": "If-Match names another ETag than the package's current one"},
        },
        summary="Enable or disable an application package",
    )
    async def patch_package(
        package: Current,
        body: Annotated[
            AppPkgInfoModifications, Depends(json_body(AppPkgInfoModifications, after=current))
        ],
    ) -> Response:
        await packages.set_operational(package.id, body.operationalState)
        return resource(body.wire())

    @router.delete(
        "/onboarded_app_packages/{appDId}",
        status_code=204,
        response_class=Response,
        responses={
            409: {"description": "The package is IN_USE or being onboarded"},
            412: {"description": "If-Match names another ETag than the package's current one"},
        },
        summary="Delete an application package",
    )
    async def delete_package(package: Current) -> Response:
        await packages.delete(package.id)
        return Response(status_code=204)

    @router.get(
        "/onboarded_app_packages/{appDId}/appd",
        summary="Read the AppD of an onboarded package",
        responses={
            409: {"description": "The package is not onboarded yet"},
            412: {"description": "If-Match names another ETag than the package's current one"},
        },
    )
    async def get_appd(
        package: Package,
        selectors: Annotated[tuple[Filter | None, Selection], Depends(appd_selectors)],
    ) -> Response:
        if package.appd is None:
            raise Conflict(f"application package {package.id} has no AppD yet (not onboarded)")
        flt, selection = selectors
        appd = package.appd.wire()
        if flt is not None and not flt.matches(appd):
            raise NotFound(f"the AppD of package {package.id} does not match the filter")
        return resource(select(appd, selection, default_excluded=APPD_DEFAULT_EXCLUDED))

    @router.get(
        "/onboarded_app_packages/{appDId}/package_content",
        response_class=Response,
        responses={
            200: {"content": {"application/zip": {}}},
            206: {"content": {"application/zip": {}}, "description": "The range asked"},
            409: {"description": "The package is not onboarded yet"},
            416: {"description": "The range is outside the package"},
        },
        summary="Fetch an onboarded package's archive",
    )
    async def get_content(package: Package, request: Request) -> Response:
        if not package.onboarded:
            raise Conflict(
                f"application package {package.id} is {package.onboarding_state}, not ONBOARDED"
            )
        data = package.archive.read_bytes()
        headers = {"Accept-Ranges": "bytes", "ETag": f'"{package.sha256}"'}
        wanted = byte_range(request.headers.get("range"), len(data))
        if wanted is None:
            return Response(data, media_type="application/zip", headers=headers)
        first, last = wanted
        headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
        return Response(
            data[first : last + 1], status_code=206, media_type="application/zip", headers=headers
        )

    @router.put(
        "/onboarded_app_packages/{appDId}/package_content",
        status_code=202,
        response_class=Response,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        responses={
            409: {"description": "The package is not CREATED (nor in ERROR)"},
            413: {"description": "The archive is larger than meclab accepts"},
            415: {"description": "The body is not sent as application/zip"},
        },
        summary="Upload a package's archive (processed in the background)",
    )
    async def put_content(package: Owned, request: Request) -> Response:
        data = await read_zip(request, packages.limits.max_bytes)
        await packages.upload(package.id, data)
        return Response(status_code=202)

    # --- subscriptions ----------------------------------------------------------------------

    @router.get(
        "/subscriptions",
        response_model=AppPkgSubscriptionLinkList,
        summary="The subscriptions, by link",
    )
    async def list_subscriptions() -> Response:
        return resource(link_list(service.url("/subscriptions"), service.subscriptions()))

    @router.post(
        "/subscriptions",
        status_code=201,
        response_model=AppPkgSubscriptionInfo,
        openapi_extra=body_doc(AppPkgSubscription),
        summary="Subscribe to package onboarding, changes or deletion",
    )
    async def create_subscription(request: Request) -> Response:
        body = parse(AppPkgSubscription, await read_json(request))
        check_filters(body)
        wire = body.wire()
        sub = await registry.create(
            host=SYSTEM_HOST,
            api=API,
            type=body.subscriptionType.value,
            body=wire,
            href=lambda sub_id: service.url(f"/subscriptions/{sub_id}"),
            criteria=body.appPkgFilter or [],
            callback=body.callbackUri,
        )
        return created(subscription_body(sub), sub.href)

    @router.get(
        "/subscriptions/{subscriptionId}",
        response_model=AppPkgSubscriptionInfo,
        summary="Read a subscription",
    )
    async def get_subscription(sub: Annotated[Subscription, Depends(subscription_of)]) -> Response:
        return resource(subscription_body(sub))

    @router.delete(
        "/subscriptions/{subscriptionId}",
        status_code=204,
        response_class=Response,
        summary="Terminate a subscription",
    )
    async def delete_subscription(
        sub: Annotated[Subscription, Depends(current_subscription)],
    ) -> Response:
        await registry.delete(sub)
        return Response(status_code=204)

    @router.post(
        "/user_defined_notification",
        status_code=204,
        response_class=Response,
        openapi_extra=body_doc(AppPkgNotification),
        summary="Receive an AppPkgNotification, as a subscriber does",
    )
    async def user_defined_notification(request: Request) -> Response:
        note = parse(AppPkgNotification, await read_json(request))
        registry.get(SYSTEM_HOST, API, note.subscriptionId)  # NotFound: not one of ours
        return Response(status_code=204)

    return router
