"""MEC 015 V2.2.1: bandwidth management (base ``/bwm/v1``) and multi-access traffic steering
(base ``/mts/v1``); data types in clause 6 and resources in clause 7, named by path."""

from __future__ import annotations

from meclab.conformance.catalogue.common import time_stamp
from meclab.conformance.catalogue.model import Api, Operation, schemas
from meclab.conformance.schema import Schema, opt, req

C = "MEC 015 §"


def _resource_ops(collection: str, item: str, schema: str, clause: str) -> dict[str, Operation]:
    one = f"{collection}/{{{item}}}"
    return {
        "list": Operation("GET", collection, 200, f"{clause} GET", f"[{schema}]"),
        "create": Operation("POST", collection, 201, f"{clause} POST", schema),
        "read": Operation("GET", one, 200, f"{clause}/{{id}} GET", schema),
        "replace": Operation("PUT", one, 200, f"{clause}/{{id}} PUT", schema, conditional=True),
        "delete": Operation("DELETE", one, 204, f"{clause}/{{id}} DELETE"),
    }


BWM = Api(
    key="bwm",
    title="MEC 015 bandwidth management",
    spec="ETSI GS MEC 015 V2.2.1",
    base="/bwm/v1",
    probe="/bw_allocations",
    operations={
        **_resource_ops("/bw_allocations", "allocationId", "BwInfo", f"{C}7 bw_allocations"),
        "patch": Operation(
            "PATCH",
            "/bw_allocations/{allocationId}",
            200,
            f"{C}7 bw_allocations/{{id}} PATCH",
            "BwInfo",
            conditional=True,
        ),
    },
    schemas=schemas(
        time_stamp(f"{C}6.5.2"),
        Schema(
            "BwInfo",
            f"{C}6.2.2",
            opt("allocationId"),
            opt("timeStamp", "object", schema="TimeStamp"),
            req("appInsId"),
            req("requestType", "integer", enum=(0, 1)),
            opt("sessionFilter", "array"),
            req("fixedAllocation"),
            req("allocationDirection", enum=("00", "01", "10")),
        ),
    ),
)

MTS = Api(
    key="mts",
    title="MEC 015 multi-access traffic steering",
    spec="ETSI GS MEC 015 V2.2.1",
    base="/mts/v1",
    probe="/mts_capability_info",
    operations={
        "capability": Operation(
            "GET", "/mts_capability_info", 200, f"{C}7 mts_capability_info GET", "MtsCapabilityInfo"
        ),
        **_resource_ops("/mts_sessions", "sessionId", "MtsSessionInfo", f"{C}7 mts_sessions"),
    },
    schemas=schemas(
        time_stamp(f"{C}6.5.2"),
        Schema(
            "MtsCapabilityInfo",
            f"{C}6.2.4",
            opt("timeStamp", "object", schema="TimeStamp"),
            req("mtsAccessInfo", "array"),
            req("mtsMode", "array", items="integer"),
        ),
        Schema(
            "MtsSessionInfo",
            f"{C}6.2.5",
            opt("sessionId"),
            opt("timeStamp", "object", schema="TimeStamp"),
            req("appInsId"),
            req("requestType", "integer", enum=(0, 1)),
            req("flowFilter", "array"),
            req("qosD", "object"),
            req("mtsMode", "integer"),
            req("trafficDirection", enum=("00", "01", "10")),
        ),
    ),
)
