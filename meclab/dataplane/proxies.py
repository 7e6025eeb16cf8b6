"""toxiproxy's proxies and toxics, as data, and which flows each acts on.

toxiproxy (Shopify/toxiproxy ``proxy.go``, ``toxic_collection.go``) has named proxies, each a
listener relaying to an upstream, each with a chain of toxics per direction (``upstream``:
client to server; ``downstream``: back). meclab keeps that model and ties it to its flows:

* **One proxy per application**, named after it (``ar-guide-backend``), made at start. Its
  listener is the application's own data-plane port (:mod:`.listeners`), its upstream where the
  application really runs. Its toxics act on **every flow to that application**, whichever entry
  the client used (SOCKS5 or the port).
* **A proxy named ``<ue>@<app>``** (``car-circuit-1@ar-guide-backend``), made by a client with
  ``POST /proxies``, acts on that UE's flows to that application only; with a ``listen``
  address it is also an entry where every client acts as that UE. (``upstream`` is required by
  toxiproxy's API; meclab reads it only to name the application when the name does not.)
* **Any other proxy** a client makes is a plain toxiproxy proxy: a listener relaying to its
  upstream with its toxics. When the upstream names an application (by name, address or DNS
  name) the flows are that application's, shaped by the emulated network for the UE the client
  address stands for (its loopback alias), else only the toxics act.

A flow takes the toxics of its application's proxy, then of its ``<ue>@<app>`` proxy, then of
the proxy it came in through, in that order. A proxy with ``enabled: false`` ("down") closes
its flows and refuses new ones, as toxiproxy stops listening and drops connections.

``toxicity`` is drawn per connection and toxic when the toxic takes effect, as toxiproxy's
``ToxicStub.Run`` does. Updating a toxic rebuilds its stage for every flow; ``limit_data``
keeps its byte count (toxiproxy keeps a stateful toxic's state until the toxic is removed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meclab.dataplane.flows import Flow
from meclab.dataplane.shaping.toxics import FACTORIES, LimitDataToxic, ToxicStage

STREAMS = ("upstream", "downstream")


class ProxyError(Exception):
    """An API error as toxiproxy states it: a message and an HTTP status (toxiproxy api.go)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def missing(field_name: str) -> ProxyError:
    return ProxyError(f"missing required field: {field_name}", 400)


PROXY_NOT_FOUND = ProxyError("proxy not found", 404)
PROXY_EXISTS = ProxyError("proxy already exists", 409)
INVALID_STREAM = ProxyError("stream was invalid, can be either upstream or downstream", 400)
INVALID_TYPE = ProxyError("invalid toxic type", 400)
TOXIC_EXISTS = ProxyError("toxic already exists", 409)
TOXIC_NOT_FOUND = ProxyError("toxic not found", 404)


@dataclass(slots=True)
class ToxicSpec:
    """A toxic as the API shows it."""

    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "stream": self.stream,
            "toxicity": self.toxicity,
            "attributes": dict(self.attributes),
        }


ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "latency": ("latency", "jitter"),
    "bandwidth": ("rate",),
    "slicer": ("average_size", "size_variation", "delay"),
    "timeout": ("timeout",),
    "reset_peer": ("timeout",),
    "limit_data": ("bytes",),
}
"""Attributes of each supported toxic type (all numbers; toxiproxy shows them all, 0 when unset)."""


def _attributes(kind: str, given: Any, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ProxyError("bad request body: attributes must be an object", 400)
    out = {key: (base or {}).get(key, 0) for key in ATTRIBUTES[kind]}
    for key, value in given.items():
        if key not in out:
            continue  # toxiproxy's JSON decoding ignores unknown attributes too
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProxyError(f"bad request body: attribute {key} must be a number", 400)
        if value < 0:
            raise ProxyError(f"bad request body: attribute {key} must not be negative", 400)
        out[key] = value
    return out


@dataclass(slots=True)
class ProxyRecord:
    """One proxy: a listener, an upstream and toxics."""

    name: str
    listen: str
    upstream: str
    enabled: bool = True
    toxics: dict[str, ToxicSpec] = field(default_factory=dict)
    app: str | None = None
    """The application the proxy's flows reach, when it names one."""
    ue: str | None = None
    """The UE every client of this proxy acts as (a ``<ue>@<app>`` proxy)."""
    builtin: bool = False
    """Made by meclab for an application (removed by DELETE only until the next scenario)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "listen": self.listen,
            "upstream": self.upstream,
            "enabled": self.enabled,
            "toxics": [t.to_json() for t in self.toxics.values()],
        }

    def add_toxic(self, body: Any) -> ToxicSpec:
        """A toxic from a ``POST /proxies/{name}/toxics`` body (toxic_collection.go rules)."""
        if not isinstance(body, Mapping):
            raise ProxyError("bad request body: expected a JSON object", 400)
        stream = body.get("stream") or "downstream"
        if stream not in STREAMS:
            raise INVALID_STREAM
        kind = body.get("type")
        if kind not in ATTRIBUTES:
            raise INVALID_TYPE
        name = body.get("name") or f"{kind}_{stream}"
        if name in self.toxics:
            raise TOXIC_EXISTS
        toxicity = _toxicity(body.get("toxicity", 1.0))
        spec = ToxicSpec(name, kind, stream, toxicity, _attributes(kind, body.get("attributes")))
        self.toxics[name] = spec
        return spec

    def update_toxic(self, name: str, body: Any) -> ToxicSpec:
        """Change a toxic's attributes and toxicity (type and stream stay)."""
        spec = self.toxics.get(name)
        if spec is None:
            raise TOXIC_NOT_FOUND
        if not isinstance(body, Mapping):
            raise ProxyError("bad request body: expected a JSON object", 400)
        attributes = _attributes(spec.type, body.get("attributes"), spec.attributes)
        spec.toxicity = _toxicity(body.get("toxicity", spec.toxicity))
        spec.attributes = attributes
        return spec


def _toxicity(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ProxyError("bad request body: toxicity must be a number in [0, 1]", 400)
    return float(value)


class ProxyTable:
    """Every proxy by name; builds the toxic stages of flows (the switch's ToxicSource)."""

    def __init__(self) -> None:
        self.proxies: dict[str, ProxyRecord] = {}

    def get(self, name: str) -> ProxyRecord:
        proxy = self.proxies.get(name)
        if proxy is None:
            raise PROXY_NOT_FOUND
        return proxy

    def attached(self, ue: str | None, app: str | None, entry: str | None) -> list[str]:
        names = []
        if app is not None:
            names.append(app)
            if ue is not None:
                names.append(f"{ue}@{app}")
        if entry is not None:
            names.append(entry)
        seen: list[str] = []
        for name in names:
            if name in self.proxies and name not in seen:
                seen.append(name)
        return seen

    def is_enabled(self, name: str) -> bool:
        proxy = self.proxies.get(name)
        return proxy is None or proxy.enabled

    def stages(self, flow: Flow, stream: str, now: float) -> list[ToxicStage]:
        """The stages of ``flow``'s toxics on ``stream``, reusing those already made for it
        when the toxic did not change, so per-connection state and toxicity draws persist."""
        out: list[ToxicStage] = []
        kept: dict[tuple[str, str, str], Any] = {}
        rng = flow.up.rng if stream == "upstream" else flow.down.rng
        for proxy_name in flow.proxies:
            proxy = self.proxies.get(proxy_name)
            if proxy is None:
                continue
            for spec in proxy.toxics.values():
                if spec.stream != stream:
                    continue
                key = (proxy_name, spec.name, stream)
                version = (spec.type, tuple(sorted(spec.attributes.items())), spec.toxicity)
                previous = flow.toxic_stages.get(key)
                if previous is not None and previous[0] == version:
                    stage = previous[1]
                else:
                    applies = spec.toxicity >= 1.0 or float(rng.random()) < spec.toxicity
                    stage = (
                        FACTORIES[spec.type](spec.name, spec.attributes, now) if applies else None
                    )
                    if (
                        previous is not None
                        and isinstance(previous[1], LimitDataToxic)
                        and isinstance(stage, LimitDataToxic)
                    ):
                        stage.sent = previous[1].sent
                kept[key] = (version, stage)
                if stage is not None:
                    out.append(stage)
        # forget stages of toxics gone from this stream, keep the other stream's
        flow.toxic_stages = {k: v for k, v in flow.toxic_stages.items() if k[2] != stream}
        flow.toxic_stages.update(kept)
        return out
