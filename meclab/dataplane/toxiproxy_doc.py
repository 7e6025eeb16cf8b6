"""The OpenAPI document of the toxiproxy-compatible API (:mod:`.toxiproxy`).

That API is toxiproxy's, on a port of its own, and refuses web browsers as toxiproxy does; its
document is served by the control API instead (``GET /meclab/v1/dataplane/toxiproxy/openapi.json``,
:mod:`.routes`), where Swagger UI or a browser can read it. :data:`OPERATIONS` has one row per
operation; :func:`openapi_document` turns the rows into the document.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from meclab.dataplane.proxies import ATTRIBUTES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_PROXY_FIELDS: dict[str, Any] = {
    "name": {"type": "string"},
    "listen": {"type": "string", "description": "host:port the proxy listens on"},
    "upstream": {"type": "string", "description": "host:port; an application's name works"},
    "enabled": {"type": "boolean", "description": "false: the proxy is down"},
}
_TOXIC_FIELDS: dict[str, Any] = {
    "name": {"type": "string", "description": "default: <type>_<stream>"},
    "type": {"type": "string", "enum": sorted(ATTRIBUTES)},
    "stream": {"type": "string", "enum": ["upstream", "downstream"]},
    "toxicity": {"type": "number", "minimum": 0, "maximum": 1},
    "attributes": {
        "type": "object",
        "description": "; ".join(
            f"{kind}: {', '.join(names)}" for kind, names in ATTRIBUTES.items()
        )
        + " (latency, jitter, timeout in ms; rate in KB/s; delay in µs)",
        "additionalProperties": {"type": "number", "minimum": 0},
    },
}
SCHEMAS: dict[str, Any] = {
    "Proxy": {
        "type": "object",
        "properties": {**_PROXY_FIELDS, "toxics": {"type": "array", "items": _ref("Toxic")}},
    },
    "NewProxy": {
        "type": "object",
        "required": ["name", "upstream"],
        "properties": _PROXY_FIELDS,
    },
    "ProxyChange": {"type": "object", "properties": _PROXY_FIELDS},
    "Toxic": {"type": "object", "properties": _TOXIC_FIELDS},
    "NewToxic": {"type": "object", "required": ["type"], "properties": _TOXIC_FIELDS},
    "Error": {
        "type": "object",
        "description": "toxiproxy's error shape",
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
    },
}

_ERRORS = {
    400: "Bad request body",
    403: "A web browser's request (a Mozilla/ user agent): refused, as toxiproxy does",
    404: "No such proxy or toxic",
    409: "A proxy or toxic of that name exists",
}


class Operation(NamedTuple):
    method: str
    path: str
    summary: str
    status: int
    """The success status."""
    request: dict[str, Any] | None
    answer: dict[str, Any] | None
    errors: tuple[int, ...]


_PROXIES = {"type": "object", "additionalProperties": _ref("Proxy")}
_TOXICS = {"type": "array", "items": _ref("Toxic")}
_NEW_PROXIES = {"type": "array", "items": _ref("NewProxy")}
_POPULATED = {
    "type": "object",
    "properties": {"proxies": {"type": "array", "items": _ref("Proxy")}},
}
_VERSION = {"type": "object", "properties": {"version": {"type": "string"}}}

OPERATIONS: tuple[Operation, ...] = (
    Operation("get", "/version", "The toxiproxy API version", 200, None, _VERSION, ()),
    Operation("post", "/reset", "Enable every proxy, remove every toxic", 204, None, None, ()),
    Operation("get", "/proxies", "Every proxy, by name", 200, None, _PROXIES, ()),
    Operation(
        "post", "/proxies", "Create a proxy", 201, _ref("NewProxy"), _ref("Proxy"), (400, 409)
    ),
    Operation(
        "post", "/populate", "Create or replace proxies", 201, _NEW_PROXIES, _POPULATED, (400,)
    ),
    Operation("get", "/proxies/{proxy}", "One proxy", 200, None, _ref("Proxy"), (404,)),
    Operation(
        "post",
        "/proxies/{proxy}",
        "Change a proxy",
        200,
        _ref("ProxyChange"),
        _ref("Proxy"),
        (400, 404),
    ),
    Operation(
        "patch",
        "/proxies/{proxy}",
        "Change a proxy",
        200,
        _ref("ProxyChange"),
        _ref("Proxy"),
        (400, 404),
    ),
    Operation("delete", "/proxies/{proxy}", "Remove a proxy", 204, None, None, (404,)),
    Operation("get", "/proxies/{proxy}/toxics", "A proxy's toxics", 200, None, _TOXICS, (404,)),
    Operation(
        "post",
        "/proxies/{proxy}/toxics",
        "Add a toxic",
        200,
        _ref("NewToxic"),
        _ref("Toxic"),
        (400, 404, 409),
    ),
    Operation(
        "get", "/proxies/{proxy}/toxics/{toxic}", "One toxic", 200, None, _ref("Toxic"), (404,)
    ),
    Operation(
        "post",
        "/proxies/{proxy}/toxics/{toxic}",
        "Change a toxic",
        200,
        _ref("Toxic"),
        _ref("Toxic"),
        (400, 404),
    ),
    Operation(
        "patch",
        "/proxies/{proxy}/toxics/{toxic}",
        "Change a toxic",
        200,
        _ref("Toxic"),
        _ref("Toxic"),
        (400, 404),
    ),
    Operation(
        "delete", "/proxies/{proxy}/toxics/{toxic}", "Remove a toxic", 204, None, None, (404,)
    ),
)


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(op: Operation) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": op.summary}
    if op.answer is not None:
        answer["content"] = _json(op.answer)
    responses: dict[str, Any] = {str(op.status): answer}
    for status in sorted((*op.errors, 403)):
        responses[str(status)] = {"description": _ERRORS[status], "content": _json(_ref("Error"))}
    out: dict[str, Any] = {"summary": op.summary, "responses": responses}
    names = [part[1:-1] for part in op.path.split("/") if part.startswith("{")]
    if names:
        out["parameters"] = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
        ]
    if op.request is not None:
        out["requestBody"] = {"required": True, "content": _json(op.request)}
    return out


def openapi_document(version: str) -> dict[str, Any]:
    """The API's OpenAPI 3.1 document; ``version``: the version ``/version`` answers."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "meclab toxiproxy-compatible API",
            "version": version,
            "description": "Fault injection on the data plane with toxiproxy's API: every "
            "application is a proxy, and `<ue>@<app>` proxies act on one UE's flows.",
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
