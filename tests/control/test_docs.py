"""The API documents: OpenAPI for every API, Swagger UI from local files (no CDN)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema

from meclab.app import SYSTEM_APIS


async def test_swagger_ui_is_served_from_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "/meclab/static/docs/swagger-ui-bundle.js" in page.text
    assert "/meclab/static/docs/swagger-ui.css" in page.text
    assert "cdn" not in page.text.lower()
    script = await client.get("/meclab/static/docs/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert (await client.get("/meclab/static/docs/swagger-ui.css")).status_code == 200


async def test_openapi_lists_every_api(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/meclab/v1/world",
        "/mec_app_support/v1/registrations",
        "/mec_service_mgmt/v1/services",
        "/rni/v2/queries/rab_info",
        "/location/v2/queries/users",
        "/wai/v2/queries/ap/ap_information",
        "/ui/v1/{appInstanceId}/ue_identity_tag_info",
    ):
        assert path in paths, path
    discovery = paths["/mec_service_mgmt/v1/services"]["get"]
    assert {p["name"] for p in discovery["parameters"]} == {
        "ser_instance_id",
        "ser_name",
        "ser_category_id",
        "scope_of_locality",
        "consumed_local_only",
        "is_local",
    }


# --- the document against the answers ---------------------------------------------------------

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
JSON = {"Content-Type": "application/json"}
PROBE = "meclabProbe"
"""A query parameter no operation takes."""


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def is_etsi(path: str) -> bool:
    """A path of an ETSI API (the others are meclab's own)."""
    return not path.startswith(("/meclab/", "/metrics"))


def is_per_host(path: str) -> bool:
    """A path of an API every MEC host serves (the MEC system's are served once)."""
    return is_etsi(path) and not path.startswith(SYSTEM_APIS)


async def test_errors_are_documented_as_problem_details(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    for path, method, op in operations(doc):
        statuses = set(op["responses"])
        for status, response in op["responses"].items():
            if status[0] in "45":
                assert response["content"] == PROBLEM, (method, path, status)
                assert response["description"], (method, path, status)
        if path == "/metrics":
            continue
        assert "400" in statuses, (method, path)
        if is_per_host(path) or "{" in path:
            assert "404" in statuses, (method, path)
        if "requestBody" in op:
            assert "415" in statuses, (method, path)
        if is_per_host(path) and method in ("put", "patch", "delete"):
            assert "412" in statuses, (method, path)
    # a real answer has the documented shape
    answer = await client.get("/rni/v2/queries/rab_info", params={PROBE: "1"})
    problem = json.dumps({**schemas["ProblemDetails"], "$defs": schemas})
    jsonschema.validate(
        answer.json(), json.loads(problem.replace("/components/schemas/", "/$defs/"))
    )
    assert answer.json()["invalidParams"][0]["name"] == PROBE


def probes(path: str, method: str, op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Requests any operation must answer with a documented status: an unknown query
    parameter, ids and filters that name nothing, an unknown MEC host, bodies of the wrong
    kind."""
    url = re.sub(r"\{[^}]+\}", "nothing-here", path)
    query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    tries: dict[str, dict[str, Any]] = {
        "as is": {"url": url},
        "unknown query parameter": {"url": url, "params": {PROBE: "1"}},
        "filters naming nothing": {"url": url, "params": dict.fromkeys(query, "nothing-here")},
    }
    if is_per_host(path):
        tries["unknown host"] = {"url": f"/hosts/no-such-host{url}"}
    if "requestBody" in op:
        tries["text body"] = {
            "url": url,
            "content": b"x",
            "headers": {"Content-Type": "text/plain"},
        }
        tries["empty object"] = {"url": url, "json": {}}
        tries["malformed JSON"] = {"url": url, "content": b"{", "headers": JSON}
        tries["a list"] = {"url": url, "json": [None], "headers": {"If-Match": '"stale"'}}
    return tries


async def test_every_answer_to_a_probe_is_documented(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    undocumented = []
    for path, method, op in operations(doc):
        if path in ("/meclab/v1/events/stream", "/meclab/v1/trace/stream"):
            continue  # endless streams; their errors come before they start, as any GET's
        for name, request in probes(path, method, op).items():
            response = await client.request(method.upper(), **request)
            if str(response.status_code) not in op["responses"]:
                undocumented.append(f"{method.upper()} {path} {name}: {response.status_code}")
    assert undocumented == []
