"""What the Location routes share: strict query strings, JSON bodies read in the right order,
error documentation, and checks of the values a subscription names.

Order of checks, for every route (the first failure answers): an unknown query parameter (400),
an unknown MEC host or subscription in the path (404), ``If-Match`` (412), a body that is not
JSON (415), a malformed or invalid body (400 naming the field), a body of another subscription
type than the resource's (422), a user, zone or access point outside the host's scope (400).
Bodies are read by a dependency placed after the path ones, since FastAPI would parse a
declared body before any dependency runs (the same arrangement as MEC 011's routes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends

from meclab.http.query import reject_unknown_query
from meclab.platform.errors import InvalidField
from meclab.services.location.southbound import Scope

STRICT = [Depends(reject_unknown_query)]
"""Dependencies of every Location route."""

PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request: the problem names the bad parameter or field", **PROBLEM},
    404: {"description": "Not found", **PROBLEM},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    412: {"description": "If-Match does not match the current ETag", **PROBLEM},
    415: {"description": "The body is not application/json", **PROBLEM},
    422: {"description": "The body is of another subscription type", **PROBLEM},
}


def check_url(url: str, field: str) -> str:
    """An absolute http(s) URL for notifications, or InvalidField (MEC 013: ``format: uri``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidField(field, f"{url!r} is not an absolute http(s) URL")
    return url


ADDRESS_FIELDS = ("address", "addressList", "monitoredAddress", "referenceAddress")
ZONE_FIELDS = ("zoneId",)
AP_FIELDS = ("accessPointList",)


def check_scope(scope: Scope, body: dict[str, Any], path: str) -> None:
    """InvalidField unless every user, zone and access point ``body`` names (at any depth)
    belongs to the host's scope; ``path`` prefixes field names (the root element)."""
    for key, value in body.items():
        where = f"{path}.{key}"
        if key in ADDRESS_FIELDS:
            for k, address in _items(value):
                if scope.user(address) is None:
                    raise InvalidField(
                        f"{where}{k}",
                        f"no user {address!r} on operator {scope.domain!r}, whose terminals "
                        f"this MEC host's location service covers",
                    )
        elif key in ZONE_FIELDS and isinstance(value, str):
            if value not in scope.zone_poas:
                raise InvalidField(
                    where, f"no zone {value!r} on operator {scope.domain!r}: {_names(scope.zones)}"
                )
        elif key in AP_FIELDS:
            for k, ap in _items(value):
                if ap not in scope.poa_zone:
                    raise InvalidField(
                        f"{where}{k}", f"no access point {ap!r} on operator {scope.domain!r}"
                    )
        elif isinstance(value, dict):
            check_scope(scope, value, where)


def _items(value: Any) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        return [("", value)]
    return [(f"[{k}]", str(v)) for k, v in enumerate(value or [])]


def _names(names: Iterable[str]) -> str:
    listed = list(names)
    return "zones are " + ", ".join(listed) if listed else "it has no zone"
