"""A tiny MEC 011 platform for the runner's tests: right by default, wrong on purpose.

It serves what the MEC 011 suite exercises (service management and app support: services,
transports, subscriptions with availability notifications, registrations, rules, timing) by the
rules the suite checks. Each name in ``breaks`` makes it break exactly one rule in one place:

* ``status``: registering a service answers 200, not 201;
* ``location``: registering a service answers without ``Location``;
* ``content_type``: GET /transports answers ``Content-Type: application/JSON``;
* ``missing_field``: GET /services/{id} leaves out the mandatory ``serializer``;
* ``if_match``: PUT of a service ignores ``If-Match`` (no 412 when it is stale);
* ``no_notification``: service availability subscribers are never notified.

``v2`` is no break but an older platform: MEC 011 V2 had no ``/registrations``.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BREAKS = (
    "status",
    "location",
    "content_type",
    "missing_field",
    "if_match",
    "no_notification",
    "v2",
)
SM = "/mec_service_mgmt/v1"
AS = "/mec_app_support/v1"


def _etag(body: Any) -> str:
    return '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16] + '"'


def _json(
    body: Any, status: int = 200, media: str = "application/json", **headers: str
) -> Response:
    return Response(json.dumps(body), status, headers=headers, media_type=media)


def _problem(status: int, detail: str) -> Response:
    titles = {404: "Not Found", 412: "Precondition Failed", 400: "Bad Request"}
    body = {
        "type": "about:blank",
        "title": titles.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    return _json(body, status, "application/problem+json")


def make_app(base_url: str, breaks: frozenset[str] = frozenset()) -> Starlette:
    """The fake platform, answering at ``base_url``, breaking the rules named in ``breaks``."""
    unknown = breaks - set(BREAKS)
    assert not unknown, f"unknown breaks {unknown}; known: {BREAKS}"
    services: dict[str, dict[str, Any]] = {}
    owner: dict[str, str] = {}
    sm_subs: dict[str, dict[str, Any]] = {}
    as_subs: dict[str, dict[str, Any]] = {}
    registrations: dict[str, dict[str, Any]] = {}
    # The platform's own service, as a MEC platform registers its services (MEC 011 §3.8 of
    # the inventory): discovery has something to list and read.
    own = {
        "serInstanceId": "fake-rni",
        "serName": "rni",
        "version": "2.2.1",
        "state": "ACTIVE",
        "serializer": "JSON",
        "transportInfo": {
            "id": "rest",
            "name": "REST",
            "type": "REST_HTTP",
            "protocol": "HTTP",
            "version": "1.1",
            "endpoint": {"uris": [f"{base_url}/rni/v2"]},
            "security": {},
        },
        "_links": {"self": {"href": f"{base_url}{SM}/services/fake-rni"}},
    }
    services["fake-rni"], owner["fake-rni"] = own, "platform"

    async def notify(service: dict[str, Any], change: str) -> None:
        if "no_notification" in breaks:
            return
        for sub in list(sm_subs.values()):
            names = sub.get("filteringCriteria", {}).get("serNames")
            if names and service["serName"] not in names:
                continue
            note = {
                "notificationType": "SerAvailabilityNotification",
                "serviceReferences": [
                    {
                        "serName": service["serName"],
                        "serInstanceId": service["serInstanceId"],
                        "state": service["state"],
                        "changeType": change,
                    }
                ],
                "_links": {"subscription": {"href": sub["_links"]["self"]["href"]}},
            }
            async with httpx.AsyncClient() as client:
                await client.post(sub["callbackReference"], json=note)

    # --- service management ---------------------------------------------------------------

    async def list_services(request: Request) -> Response:
        found = list(services.values())
        if name := request.query_params.get("ser_name"):
            found = [s for s in found if s["serName"] == name]
        if sid := request.query_params.get("ser_instance_id"):
            found = [s for s in found if s["serInstanceId"] == sid]
        return _json(found)

    async def one_service(request: Request) -> Response:
        service = services.get(request.path_params["sid"])
        if service is None:
            return _problem(404, "no such service")
        if "missing_field" in breaks:
            service = {k: v for k, v in service.items() if k != "serializer"}
        return _json(service)

    async def transports(request: Request) -> Response:
        media = "application/JSON" if "content_type" in breaks else "application/json"
        body = [
            {
                "id": "rest",
                "name": "REST",
                "type": "REST_HTTP",
                "protocol": "HTTP",
                "version": "1.1",
                "endpoint": {"uris": [base_url]},
                "security": {},
            }
        ]
        return _json(body, media=media)

    async def app_services(request: Request) -> Response:
        app = request.path_params["app"]
        if request.method == "GET":
            return _json([s for sid, s in services.items() if owner[sid] == app])
        body = await request.json()
        sid = uuid.uuid4().hex
        url = f"{base_url}{SM}/applications/{app}/services/{sid}"
        service = {**body, "serInstanceId": sid, "_links": {"self": {"href": url}}}
        services[sid], owner[sid] = service, app
        await notify(service, "ADDED")
        status = 200 if "status" in breaks else 201
        headers = {} if "location" in breaks else {"Location": url}
        return _json(service, status, ETag=_etag(service), **headers)

    async def app_service(request: Request) -> Response:
        sid = request.path_params["sid"]
        service = services.get(sid)
        if service is None or owner[sid] != request.path_params["app"]:
            return _problem(404, "no such service")
        if request.method == "GET":
            return _json(service, ETag=_etag(service))
        if request.method == "DELETE":
            del services[sid]
            await notify(service, "REMOVED")
            return Response(status_code=204)
        match = request.headers.get("if-match")
        if match is not None and match != _etag(service) and "if_match" not in breaks:
            return _problem(412, "stale If-Match")
        body = await request.json()
        services[sid] = {**body, "serInstanceId": sid, "_links": service["_links"]}
        return _json(services[sid], ETag=_etag(services[sid]))

    def subscriptions(store: dict[str, dict[str, Any]], base: str) -> tuple[Any, Any]:
        async def collection(request: Request) -> Response:
            app = request.path_params["app"]
            url = f"{base_url}{base}/applications/{app}/subscriptions"
            if request.method == "GET":
                links = [
                    {"href": s["_links"]["self"]["href"], "subscriptionType": s["subscriptionType"]}
                    for s in store.values()
                ]
                return _json({"_links": {"self": {"href": url}, "subscriptions": links}})
            body = await request.json()
            sub_id = uuid.uuid4().hex
            sub = {**body, "_links": {"self": {"href": f"{url}/{sub_id}"}}}
            store[sub_id] = sub
            return _json(sub, 201, Location=sub["_links"]["self"]["href"])

        async def individual(request: Request) -> Response:
            sub = store.get(request.path_params["sub"])
            if sub is None:
                return _problem(404, "no such subscription")
            if request.method == "DELETE":
                del store[request.path_params["sub"]]
                return Response(status_code=204)
            return _json(sub)

        return collection, individual

    sm_collection, sm_individual = subscriptions(sm_subs, SM)
    as_collection, as_individual = subscriptions(as_subs, AS)

    # --- app support ------------------------------------------------------------------------

    async def current_time(request: Request) -> Response:
        now = time.time()
        return _json({"seconds": int(now), "nanoSeconds": 0, "timeSourceStatus": "NONTRACEABLE"})

    async def timing_caps(request: Request) -> Response:
        return _json(
            {
                "timeStamp": {"seconds": int(time.time()), "nanoSeconds": 0},
                "ntpServers": [],
                "ptpMasters": [],
            }
        )

    async def register(request: Request) -> Response:
        body = await request.json()
        app = uuid.uuid4().hex
        registrations[app] = {**body, "appInstanceId": app}
        info = registrations[app]
        return _json(info, 201, Location=f"{base_url}{AS}/registrations/{app}", ETag=_etag(info))

    async def registration(request: Request) -> Response:
        app = request.path_params["app"]
        info = registrations.get(app)
        if info is None:
            return _problem(404, "no such registration")
        if request.method == "GET":
            return _json(info, ETag=_etag(info))
        if request.method == "DELETE":
            del registrations[app]
            return Response(status_code=204)
        if request.headers.get("if-match") not in (None, _etag(info)):
            return _problem(412, "stale If-Match")
        registrations[app] = {**(await request.json()), "appInstanceId": app}
        return Response(status_code=204)

    async def confirm_ready(request: Request) -> Response:
        return Response(status_code=204)

    async def no_rules(request: Request) -> Response:
        return _json([])

    app_path = "/applications/{app}"
    registration_routes = [
        Route(f"{AS}/registrations", register, methods=["POST"]),
        Route(f"{AS}/registrations/{{app}}", registration, methods=["GET", "PUT", "DELETE"]),
    ]
    if "v2" in breaks:
        registration_routes = []
    return Starlette(
        routes=[
            Route(f"{SM}/services", list_services),
            Route(f"{SM}/services/{{sid}}", one_service),
            Route(f"{SM}/transports", transports),
            Route(f"{SM}{app_path}/services", app_services, methods=["GET", "POST"]),
            Route(
                f"{SM}{app_path}/services/{{sid}}", app_service, methods=["GET", "PUT", "DELETE"]
            ),
            Route(f"{SM}{app_path}/subscriptions", sm_collection, methods=["GET", "POST"]),
            Route(
                f"{SM}{app_path}/subscriptions/{{sub}}", sm_individual, methods=["GET", "DELETE"]
            ),
            Route(f"{AS}/timing/current_time", current_time),
            Route(f"{AS}/timing/timing_caps", timing_caps),
            *registration_routes,
            Route(f"{AS}{app_path}/confirm_ready", confirm_ready, methods=["POST"]),
            Route(f"{AS}{app_path}/dns_rules", no_rules),
            Route(f"{AS}{app_path}/traffic_rules", no_rules),
            Route(f"{AS}{app_path}/subscriptions", as_collection, methods=["GET", "POST"]),
            Route(
                f"{AS}{app_path}/subscriptions/{{sub}}", as_individual, methods=["GET", "DELETE"]
            ),
        ]
    )
