"""WAI queries (ETSI GS MEC 028 clauses 7.2, 7.3) and measurement configurations (7.6, 7.7).

The queries take MEC 009 attribute-based filtering (``filter``, clause 6.19) and attribute
selectors (``all_fields``, ``fields``, ``exclude_fields``, ``exclude_default``, clause 6.18)
through :mod:`meclab.http.selectors`: the filter picks entries, the selectors then trim them.
MEC 028 excludes no attribute by default ("Not applicable"); ``apId`` and ``staId`` are
mandatory and never trimmed.
"""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, parse, read_json
from meclab.http.etag import etag_of, matching
from meclab.http.selectors import Filter, Selection, attribute_filter, attribute_selection, select
from meclab.platform.errors import InvalidField
from meclab.services.subscribing import created, resource
from meclab.services.wai.info import ap_info, matches, sta_info
from meclab.services.wai.measurements import MeasurementRecord
from meclab.services.wai.models_measure import MeasurementConfig, MeasurementConfigLinkList
from meclab.services.wai.reports import check_measurement

if TYPE_CHECKING:
    from meclab.services.wai.service import Wai

UNPROCESSABLE: dict[int | str, dict[str, Any]] = {
    422: {"description": "A valid body meclab cannot serve: an unknown type, station or report"}
}
FilterParam = Annotated[Filter | None, Depends(attribute_filter)]
SelectionParam = Annotated[Selection, Depends(attribute_selection)]
MEASUREMENT_BODY = body_doc(MeasurementConfig)


def _queried(items: list[dict[str, Any]], flt: Filter | None, selection: Selection, key: str):
    chosen = flt.apply(items) if flt is not None else items
    return select(chosen, selection, mandatory=(key,))


def add_info_routes(router: APIRouter, wai: "Wai", host_dep: Any) -> None:
    """Add the query and measurement routes to a WAI router."""
    measurements = wai.measurements

    @router.get("/queries/ap/ap_information", summary="The Wi-Fi access points of this host")
    async def ap_information(
        host: host_dep, flt: FilterParam, selection: SelectionParam
    ) -> JSONResponse:
        view, now = wai.view(), wai.runtime.wall()
        items = [ap_info(view, view.ap(n), now).wire() for n in view.ap_names(wai.zone(host))]
        return JSONResponse(_queried(items, flt, selection, "apId"))

    @router.get("/queries/sta/sta_information", summary="The stations of its access points")
    async def sta_information(
        host: host_dep, flt: FilterParam, selection: SelectionParam
    ) -> JSONResponse:
        view, now = wai.view(), wai.runtime.wall()
        items = []
        for name in view.ap_names(wai.zone(host)):
            for station in view.stations_of(view.ap(name)):
                configs = measurements.for_station(
                    host, lambda wanted, s=station: matches(wanted, s)
                )
                items.append(sta_info(view, station, now, configs).wire())
        return JSONResponse(_queried(items, flt, selection, "staId"))

    # --- measurement configurations -------------------------------------------------------

    async def config_of(request: Request) -> MeasurementConfig:
        config = parse(MeasurementConfig, await read_json(request))
        check_measurement(config.measurementInfo)
        wai.check_stations(wai.view(), config.staId, "staId")
        return config

    @router.get("/measurements", summary="List the measurement configurations")
    async def list_measurements(host: host_dep) -> JSONResponse:
        body = MeasurementConfigLinkList.model_validate(
            {
                "_links": {"self": {"href": wai.url(host, "/measurements")}},
                "measurementConfig": [
                    {"href": r.href, "measurementId": r.config.measurementId}
                    for r in measurements.listed(host)
                ],
            }
        )
        return JSONResponse(body.wire())

    @router.post(
        "/measurements",
        status_code=201,
        summary="Create a measurement configuration",
        openapi_extra=MEASUREMENT_BODY,
        responses=UNPROCESSABLE,
    )
    async def create_measurement(host: host_dep, request: Request) -> JSONResponse:
        config = await config_of(request)
        record = await measurements.add(
            host, config, lambda config_id: wai.url(host, f"/measurements/{config_id}")
        )
        return created(record.body(), record.href)

    async def measurement(host: host_dep, measurementConfigId: str) -> MeasurementRecord:
        return measurements.owned(host, measurementConfigId)

    Current = Annotated[
        MeasurementRecord, Depends(matching(measurement, lambda record: etag_of(record.body())))
    ]

    @router.get("/measurements/{measurementConfigId}", summary="Read one")
    async def get_measurement(
        record: Annotated[MeasurementRecord, Depends(measurement)],
    ) -> JSONResponse:
        return resource(record.body())

    @router.put(
        "/measurements/{measurementConfigId}",
        summary="Replace one",
        openapi_extra=MEASUREMENT_BODY,
        responses=UNPROCESSABLE,
    )
    async def put_measurement(record: Current, request: Request) -> JSONResponse:
        config = parse(MeasurementConfig, await read_json(request))
        if config.links is not None and config.links.self.href != record.href:
            raise InvalidField("_links.self.href", f"this configuration is {record.href}")
        check_measurement(config.measurementInfo)
        wai.check_stations(wai.view(), config.staId, "staId")
        await measurements.replace(record, config)
        return resource(record.body())

    @router.delete("/measurements/{measurementConfigId}", status_code=204, summary="Delete one")
    async def delete_measurement(record: Current) -> Response:
        await measurements.delete(record)
        return Response(status_code=204)
