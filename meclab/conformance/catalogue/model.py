"""The catalogue's vocabulary: an :class:`Api` is a base path, its operations and its schemas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from meclab.conformance.schema import Schema


@dataclass(frozen=True)
class Operation:
    """One operation of an API, as its spec states it."""

    method: str
    path: str
    """The path template under the API's base, e.g. ``/services/{serviceId}``."""
    success: int
    """The status code of success."""
    clause: str
    """The clause that defines the operation (its resource and method)."""
    body: str | None = None
    """The schema of the success body (``[Name]``: an array), ``None`` for none."""
    wrapper: str | None = None
    """The root element the body sits in, where the API wraps bodies (MEC 013:
    ``userList``); the schema applies inside it."""
    conditional: bool = False
    """PUT/PATCH/DELETE that the spec lets fail with 412 on a stale ``If-Match`` (a GET of
    the resource then carries an ``ETag``)."""

    @property
    def name(self) -> str:
        """``METHOD /path``, as reports name it."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Api:
    """One ETSI API: what the runner needs to probe it and the suite to test it."""

    key: str
    """The name on the command line (``--api mec011``)."""
    title: str
    spec: str
    """Specification and version, e.g. ``ETSI GS MEC 011 V3.1.1``."""
    base: str
    """The base path under apiRoot, e.g. ``/mec_service_mgmt/v1``."""
    probe: str
    """The path (under ``base``) of a GET that any platform serving the API answers."""
    operations: Mapping[str, Operation]
    probe_missing_ok: bool = False
    """The probe names a resource that cannot exist (the API has no collection to GET
    without test data), so a 404 ProblemDetails to it still shows the API is there."""
    schemas: Mapping[str, Schema] = field(default_factory=dict)

    def op(self, key: str) -> Operation:
        """The operation ``key`` (a KeyError names the API and lists the keys if absent)."""
        try:
            return self.operations[key]
        except KeyError:
            raise KeyError(
                f"{self.key} has no operation {key!r}: {sorted(self.operations)}"
            ) from None


def schemas(*items: Schema) -> dict[str, Schema]:
    """A schema table keyed by name."""
    return {item.name: item for item in items}
