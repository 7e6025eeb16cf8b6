"""The control API's data-plane routes (mounted with the rest of ``/meclab/v1``).

* ``GET /meclab/v1/dataplane``: the entry points (SOCKS5, DNS, toxiproxy API, the UE address
  block) and, per application, its names, emulated address, own port and where it runs.
* ``GET /meclab/v1/dataplane/flows``: open flows (``?closed=true`` adds the recently closed;
  ``?ue=``, ``?app=``, ``?source_app=`` filter) with bytes each way, throughput over the last
  second, measured RTT, the UE or the sending application, the application reached, the rule
  that acted, the shaping applied now and, for a flow an MTS session steers, ``steering``:
  its ``session_id``, ``mode``, and the ``poas`` and ``access_ids`` carrying it (two for
  REDUNDANCY; :mod:`.steering`), null otherwise.
* ``GET /meclab/v1/dataplane/flows/{id}``: one flow.
* ``GET /meclab/v1/dataplane/access``: the real load of each element (point of access, MEC
  host, zone, cloud, terminal, application) whose throughput its flows share (:mod:`.capacity`),
  named by ``element`` with its ``kind`` (and ``poa`` for a PoA), per direction of the element
  (``up``: its ``ul``, ``down``; null when that direction has no throughput):
  ``capacity_mbps``, ``used_mbps`` (what its flows delivered over the last second),
  ``utilisation`` (used over capacity), ``flows``, ``active_ues`` (UEs whose flows delivered
  bytes), ``ue_throughput_mbps`` per UE, ``guarantees_met``.
* ``GET /meclab/v1/dataplane/access/{element}``: one element (404 when unknown; its
  directions null when it shares nothing).
* ``GET /meclab/v1/dataplane/toxiproxy/openapi.json``: the OpenAPI document of the
  toxiproxy-compatible API, whose own port refuses browsers as toxiproxy does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Query

from meclab.dataplane.toxiproxy import VERSION
from meclab.dataplane.toxiproxy_doc import openapi_document
from meclab.http.problem import ProblemError
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter

if TYPE_CHECKING:
    from meclab.dataplane.plane import DataPlane

PREFIX = "/meclab/v1/dataplane"


def build_router(plane: DataPlane) -> APIRouter:
    # Strict query strings, as the rest of the control API (a misspelt ?ue= would list all).
    router = PrefixedRouter(
        prefix=PREFIX, tags=["data plane"], dependencies=[Depends(reject_unknown_query)]
    )

    @router.get("", summary="Entry points of the data plane")
    async def entry_points() -> dict[str, Any]:
        return plane.entry_points().to_dict()

    @router.get("/flows", summary="Flows through the relay, with counters and shaping")
    async def flows(
        ue: str | None = Query(None, description="Only this UE's flows"),
        app: str | None = Query(None, description="Only flows to this application"),
        source_app: str | None = Query(
            None, description="Only flows this edge or cloud application sends"
        ),
        closed: bool = Query(False, description="Add the recently closed flows"),
    ) -> dict[str, Any]:
        rows = plane.flows(include_closed=closed)
        if ue is not None:
            rows = [r for r in rows if r["ue"] == ue]
        if app is not None:
            rows = [r for r in rows if r["app"] == app]
        if source_app is not None:
            rows = [r for r in rows if r["source_app"] == source_app]
        return {"flows": rows, "open": len(plane.registry.open)}

    @router.get("/flows/{flow_id}", summary="One flow")
    async def flow(flow_id: int) -> dict[str, Any]:
        for row in plane.flows(include_closed=True):
            if row["id"] == flow_id:
                return row
        raise ProblemError(404, f"no flow {flow_id}")

    @router.get("/access", summary="Load of each element whose capacity is shared")
    async def accesses() -> dict[str, Any]:
        return {"access": plane.accesses()}

    @router.get("/access/{element}", summary="Load of one element (a PoA or any other)")
    async def access(element: str) -> dict[str, Any]:
        switch = plane.switch
        try:
            if switch is None:
                raise KeyError(element)
            return switch.capacity.load(element)
        except KeyError:
            raise ProblemError(404, f"no element {element}") from None

    @router.get("/toxiproxy/openapi.json", summary="OpenAPI document of the toxiproxy API")
    async def toxiproxy_document() -> dict[str, Any]:
        address = plane.entry_points().toxiproxy
        if address is None:
            raise ProblemError(404, "the toxiproxy API is off (meclab up --toxiproxy-port)")
        return {**openapi_document(VERSION), "servers": [{"url": f"http://{address}"}]}

    return router
