"""How services look from a MEC host: representations, URLs, transports and discovery queries.

A service's representation depends on who looks: ``isLocal`` is relative to the queried host
(MEC 011 clause 8.1.2.2 note 4), ``_links.self`` is the URL it was reached by (the global
``/services/{id}`` or the producer's ``/applications/{appInstanceId}/services/{id}``), and
``_links.liveness`` is where its producer sends heartbeats, on its own host. Its ETag, however,
is that of the service as registered, so that a GET through one URL guards a PUT through the
other (RFC 9110 8.8.3: the tag identifies the resource's state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import QueryParams

from meclab.http.etag import etag_of
from meclab.http.problem import ProblemError
from meclab.platform.platform import Platforms
from meclab.platform.service_info import ServiceLinks, TransportInfo
from meclab.platform.services import HostView, ServiceRecord
from meclab.platform.wire import LinkType
from meclab.scenario.model import LocalityType
from meclab.services.mec011.routing import SERVICE_MGMT
from meclab.services.platform_service import rest_transport


def service_url(platforms: Platforms, host: str, ser_instance_id: str) -> str:
    """The service as any application on ``host`` reaches it (``/services/{id}``)."""
    return platforms.url(host, f"{SERVICE_MGMT}/services/{ser_instance_id}")


def app_service_url(platforms: Platforms, record: ServiceRecord) -> str:
    """The service under its producer (``/applications/{appInstanceId}/services/{id}``)."""
    path = f"{SERVICE_MGMT}/applications/{record.owner}/services/{record.id}"
    return platforms.url(record.host, path)


def liveness_url(platforms: Platforms, record: ServiceRecord) -> str:
    """Where the producer sends heartbeats: a URI the platform allocates (clause 8.2.10)."""
    return platforms.url(record.host, f"{SERVICE_MGMT}/liveness/{record.id}")


def service_body(platforms: Platforms, record: ServiceRecord, host: str, self_href: str) -> Any:
    """The ServiceInfo of ``record`` as ``host`` sees it, reached at ``self_href``."""
    links = ServiceLinks(
        self=LinkType(href=self_href),
        liveness=LinkType(href=liveness_url(platforms, record))
        if record.info.livenessInterval
        else None,
    )
    local = platforms.services.is_local(record, host)
    return record.info.model_copy(update={"isLocal": local, "links": links}).wire()


class BodyCache:
    """Serialised ServiceInfo bodies, per service and viewing host.

    Discovery answers with every visible service on each request; serialising a thousand
    pydantic models each time costs more than the rest of the request together. A body stays
    valid as long as the service's ``info`` object is the same one: the registry replaces it on
    every change (and a body's ``isLocal`` and links depend only on the service and the host).
    """

    def __init__(self, platforms: Platforms) -> None:
        self.platforms = platforms
        self._bodies: dict[tuple[str, str], tuple[object, bytes]] = {}
        self._whole: dict[str, tuple[int, bytes]] = {}

    def json(self, record: ServiceRecord, host: str) -> bytes:
        """The body of ``record`` as ``host`` lists it (``_links.self`` = ``/services/{id}``)."""
        key = (record.id, host)
        cached = self._bodies.get(key)
        if cached is not None and cached[0] is record.info:
            return cached[1]
        href = service_url(self.platforms, host, record.id)
        body = orjson.dumps(service_body(self.platforms, record, host, href))
        if len(self._bodies) > 4 * len(self.platforms.services.records) + 1024:
            self._bodies.clear()  # forget removed services now and then, rather than track them
        self._bodies[key] = (record.info, body)
        return body

    def listing(self, query: ServiceQuery, host: str) -> bytes:
        """The JSON array of the services ``host`` sees that pass ``query``.

        The unfiltered listing is kept whole until the registry changes: it is what most
        discovery requests ask for, and joining a thousand bodies again costs more than
        sending them.
        """
        services = self.platforms.services
        if query.unfiltered:
            whole = self._whole.get(host)
            if whole is not None and whole[0] == services.revision:
                return whole[1]
        records = query.select(services.host_view(host))
        body = b"[" + b",".join(self.json(r, host) for r in records) + b"]"
        if query.unfiltered:
            self._whole[host] = (services.revision, body)
        return body


def service_etag(record: ServiceRecord) -> str:
    """The ETag of a service, whatever URL it was reached by (module docstring)."""
    return etag_of(record.info.wire())


def platform_transports(platforms: Platforms, host: str) -> list[TransportInfo]:
    """The transports a host's platform provides: REST over HTTP, on the host's API root.

    meclab relays no service traffic itself: a service registered with this transport is
    reached where its producer serves it; the entry tells consumers it speaks REST/JSON.
    """
    return [rest_transport(platforms, host)]


def _values(values: list[str] | None) -> frozenset[str]:
    # Form style repeats the parameter (?ser_name=a&ser_name=b); MEC 009 lists also take
    # comma-separated values (?ser_name=a,b). Both are accepted.
    return frozenset(p for v in values or () for p in v.split(",") if p)


@dataclass(frozen=True, slots=True)
class ServiceQuery:
    """The service availability query's filters (MEC 011 clause 8.2.3.3.1 / 8.2.6.3.1)."""

    ser_instance_ids: frozenset[str] = frozenset()
    ser_names: frozenset[str] = frozenset()
    ser_category_ids: frozenset[str] = frozenset()
    scope_of_locality: LocalityType | None = None
    consumed_local_only: bool | None = None
    is_local: bool | None = None

    @property
    def unfiltered(self) -> bool:
        """No filter given: every service the host sees."""
        return self == _EVERYTHING

    def select(self, view: HostView) -> list[ServiceRecord]:
        """The services of ``view`` passing every filter, in registration order.

        The three selectors are mutually exclusive (clause 8.2.3.3.1); whichever is given
        narrows the candidates through the view's index before the other filters run.
        """
        if self.ser_instance_ids:
            candidates = view.pick(
                view.position[i] for i in self.ser_instance_ids if i in view.position
            )
        elif self.ser_names:
            candidates = view.pick(i for n in self.ser_names for i in view.by_name.get(n, ()))
        elif self.ser_category_ids:
            candidates = view.pick(
                i for c in self.ser_category_ids for i in view.by_category.get(c, ())
            )
        elif self.unfiltered:
            return [record for record, _ in view.entries]
        else:
            candidates = view.entries
        return [record for record, local in candidates if self.matches(record, local)]

    def matches(self, record: ServiceRecord, local: bool) -> bool:
        """Whether the service passes every filter; ``local`` is its isLocal on the host."""
        info = record.info
        if self.ser_instance_ids and record.id not in self.ser_instance_ids:
            return False
        if self.ser_names and info.serName not in self.ser_names:
            return False
        if self.ser_category_ids and (
            info.serCategory is None or info.serCategory.id not in self.ser_category_ids
        ):
            return False
        scope = info.scopeOfLocality or LocalityType.MEC_HOST  # its default (clause 8.1.2.2)
        if self.scope_of_locality is not None and scope is not self.scope_of_locality:
            return False
        consumed_local_only = info.consumedLocalOnly is not False  # absent means true
        if self.consumed_local_only is not None and consumed_local_only != self.consumed_local_only:
            return False
        return self.is_local is None or local == self.is_local


_EVERYTHING = ServiceQuery()
_STRINGS = {"type": "array", "items": {"type": "string"}}

QUERY_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **({"style": "form", "explode": True} if schema.get("type") == "array" else {}),
    }
    for name, description, schema in (
        (
            "ser_instance_id",
            "serInstanceIds; repeat or comma-separate",
            _STRINGS,
        ),
        ("ser_name", "serNames; repeat or comma-separate", _STRINGS),
        ("ser_category_id", "serCategory ids; repeat or comma-separate", _STRINGS),
        (
            "scope_of_locality",
            "LocalityType",
            {"type": "string", "enum": [t.value for t in LocalityType]},
        ),
        ("consumed_local_only", "consumedLocalOnly", {"type": "boolean"}),
        ("is_local", "isLocal on the queried host", {"type": "boolean"}),
    )
]
"""The discovery query as OpenAPI parameters (the dependency below reads them by hand)."""

_NAMES = frozenset(p["name"] for p in QUERY_PARAMETERS)
_BOOL = TypeAdapter(bool)


def _bad(name: str, reason: str) -> ProblemError:
    return ProblemError(
        400,
        f"query parameter '{name}': {reason}",
        invalidParams=[{"name": name, "in": "query", "reason": reason}],
    )


def _one(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise _bad(name, "give it once")
    return values[0] if values else None


def _flag(params: QueryParams, name: str) -> bool | None:
    value = _one(params, name)
    if value is None:
        return None
    try:
        return _BOOL.validate_python(value)
    except ValidationError:
        raise _bad(name, f"{value!r} is not a boolean (true or false)") from None


async def service_query(request: Request) -> ServiceQuery:
    """The discovery query of a request: 400 for an unknown parameter, a bad value, or more
    than one service selector.

    It reads the query string itself, in one dependency: discovery is the hottest route of the
    platform, and FastAPI's per-parameter resolution cost more than the rest of the request
    (bench/mec011.py). The parameters are documented by :data:`QUERY_PARAMETERS`.
    """
    params = request.query_params
    unknown = sorted(set(params.keys()) - _NAMES)
    if unknown:
        raise ProblemError(
            400,
            f"unknown query parameter(s): {', '.join(unknown)} "
            f"(this resource takes: {', '.join(sorted(_NAMES))})",
            invalidParams=[
                {"name": n, "in": "query", "reason": "unknown parameter"} for n in unknown
            ],
        )
    selectors = {
        name: params.getlist(name) for name in ("ser_instance_id", "ser_name", "ser_category_id")
    }
    given = [name for name, value in selectors.items() if value]
    if len(given) > 1:
        # "Either ser_instance_id or ser_name or ser_category_id or none of them shall be
        # present" (MEC 011 2.1.1 file; clause 8.2.3.3.1 note in v3).
        raise ProblemError(
            400,
            f"query parameters {', '.join(given)} are mutually exclusive: give only one",
            invalidParams=[
                {
                    "name": name,
                    "in": "query",
                    "reason": "mutually exclusive with "
                    + ", ".join(other for other in given if other != name),
                }
                for name in given
            ],
        )
    scope = _one(params, "scope_of_locality")
    try:
        locality = None if scope is None else LocalityType(scope)
    except ValueError:
        known = ", ".join(t.value for t in LocalityType)
        raise _bad("scope_of_locality", f"{scope!r} is not one of {known}") from None
    return ServiceQuery(
        ser_instance_ids=_values(selectors["ser_instance_id"]),
        ser_names=_values(selectors["ser_name"]),
        ser_category_ids=_values(selectors["ser_category_id"]),
        scope_of_locality=locality,
        consumed_local_only=_flag(params, "consumed_local_only"),
        is_local=_flag(params, "is_local"),
    )
