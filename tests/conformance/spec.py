"""Reading the ETSI MEC OpenAPI files that the conformance tests check meclab against.

The files are reference material kept outside the repository (DESIGN.md, "The ETSI
specifications"): the folder named by ``$MECLAB_SPECS``, else ``<repo>/../shared/etsi-mec-openapi``.
When neither exists, :func:`specs_dir` skips the calling test and says where it looked.

What this module knows about the files (``INVENTORY.md`` in that folder, section 0 and 3.10):

* Top-level files are the newest versions, produced by ETSI's doc2oas generator. It wraps a
  single-object body in an object whose only property is named after the type
  (``{"ServiceInfo": {...}}``); on the wire the body is bare. Arrays are not wrapped.
  :class:`BodyUse` marks such a wrapper ``doc2oas_wrapper=True``; a wrapper whose property is
  named otherwise (MEC 013's ``{"userList": {...}}``) is genuine wire format and is kept as
  ``wrapper`` with ``doc2oas_wrapper=False``.
* ``etsi-forge-mirror/`` holds the older first-party files, whose body shapes are the wire
  shapes where the newer file is a known artefact.

Only local references (``#/...``) are followed; every file here is self-contained.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

SPECS_ENV = "MECLAB_SPECS"
"""Environment variable naming the folder of ETSI OpenAPI files."""

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPECS = REPO.parent / "shared" / "etsi-mec-openapi"
MIRROR = "etsi-forge-mirror"
"""Subfolder of the first-party (pre-doc2oas) files."""

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

Role = Literal["request", "response", "callback"]


def find_specs_dir() -> Path | None:
    """The spec folder if it exists (``$MECLAB_SPECS`` first), else None."""
    configured = os.environ.get(SPECS_ENV)
    folder = Path(configured) if configured else DEFAULT_SPECS
    return folder if folder.is_dir() else None


def specs_dir() -> Path:
    """The spec folder; skips the calling test, naming the folder and the variable, if absent."""
    folder = find_specs_dir()
    if folder is None:
        looked = os.environ.get(SPECS_ENV) or str(DEFAULT_SPECS)
        pytest.skip(
            f"ETSI MEC OpenAPI files not found at {looked}; set {SPECS_ENV} to the folder "
            f"holding them (e.g. a copy of shared/etsi-mec-openapi)"
        )
    return folder


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class JsonDoc:
    """A JSON/YAML document whose local ``$ref`` pointers can be followed.

    Serves both an OpenAPI file (``#/components/schemas/X``) and a JSON Schema made by pydantic
    (``#/$defs/X``); the last path segment of a reference is its name.
    """

    def __init__(self, doc: Mapping[str, Any], label: str) -> None:
        self.doc = doc
        self.label = label

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label}>"

    def pointer(self, ref: str) -> Any:
        """The node at a local reference such as ``#/components/schemas/ServiceInfo``."""
        if not ref.startswith("#"):
            raise ValueError(f"{self.label}: only local references are supported, got {ref!r}")
        node: Any = self.doc
        for token in filter(None, ref[1:].split("/")):
            key = _unescape(token)
            try:
                node = node[int(key)] if isinstance(node, list) else node[key]
            except (KeyError, IndexError, ValueError) as exc:
                raise KeyError(f"{self.label}: dangling reference {ref!r} (at {key!r})") from exc
        return node

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        """Follow a chain of ``$ref`` to a node; returns it and the last reference's name.

        Keys beside ``$ref`` (OpenAPI 3.1 allows a description there) are dropped: they never
        change the shape of a value.
        """
        name = None
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise ValueError(f"{self.label}: reference cycle through {ref!r}")
            seen.add(ref)
            name = _unescape(ref.rsplit("/", 1)[-1])
            node = self.pointer(ref)
        return node, name


@dataclass(frozen=True)
class BodyUse:
    """One place an operation uses a named schema as (part of) a body."""

    method: str
    """Upper case, e.g. ``POST``."""
    path: str
    role: Role
    """``callback`` is the body of a notification the server sends to a callback URI."""
    status: str | None
    """Response status code, for ``response``."""
    schema: str
    """Name of the schema under ``components/schemas``."""
    wrapper: str | None = None
    """Property that wraps the schema in the file, if any."""
    doc2oas_wrapper: bool = False
    """The wrapper is the doc2oas artefact (named after the type): the wire body is bare."""
    array: bool = False
    """The body is an array of the schema."""

    def __str__(self) -> str:
        where = f"{self.method} {self.path} {self.role}"
        if self.status:
            where += f" {self.status}"
        shape = f"[{self.schema}]" if self.array else self.schema
        if self.wrapper and not self.doc2oas_wrapper:
            shape = f"{{{self.wrapper}: {shape}}}"
        return f"{where}: {shape}"


@dataclass(frozen=True)
class Operation:
    """One HTTP operation of a file (callbacks appear as their own operations)."""

    method: str
    path: str
    node: Mapping[str, Any]
    callback_of: str | None = None
    """``METHOD path`` of the operation that declares this callback."""

    @property
    def operation_id(self) -> str | None:
        return self.node.get("operationId")


class Spec(JsonDoc):
    """One OpenAPI file."""

    def __init__(self, path: Path, doc: Mapping[str, Any]) -> None:
        self.path = path
        super().__init__(doc, self.name)

    @property
    def name(self) -> str:
        """File name relative to the spec folder, e.g. ``etsi-forge-mirror/MEC011_...yaml``."""
        parent = self.path.parent.name
        return f"{parent}/{self.path.name}" if parent == MIRROR else self.path.name

    @property
    def version(self) -> str:
        return str(self.doc.get("info", {}).get("version", "?"))

    @property
    def schemas(self) -> Mapping[str, Any]:
        return self.doc.get("components", {}).get("schemas", {})

    def schema(self, name: str) -> Mapping[str, Any]:
        """A schema under ``components/schemas``; KeyError listing the names that exist."""
        try:
            return self.schemas[name]
        except KeyError:
            raise KeyError(
                f"{self.name} has no schema {name!r}; it has: {', '.join(sorted(self.schemas))}"
            ) from None

    def operations(self, *, callbacks: bool = True) -> Iterator[Operation]:
        """Every operation, in file order, each followed by its callbacks."""
        for path, item in self.doc.get("paths", {}).items():
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, Mapping):
                    continue
                yield Operation(method.upper(), path, op)
                if not callbacks:
                    continue
                for callback in op.get("callbacks", {}).values():
                    callback, _ = self.resolve(callback)
                    for expression, cb_item in callback.items():
                        for cb_method in HTTP_METHODS:
                            cb_op = cb_item.get(cb_method)
                            if isinstance(cb_op, Mapping):
                                yield Operation(
                                    cb_method.upper(), expression, cb_op, f"{method.upper()} {path}"
                                )

    def body_uses(self, *, errors: bool = False, callbacks: bool = True) -> list[BodyUse]:
        """The named schemas used by request, response and callback bodies.

        ``errors`` adds 4xx/5xx/default responses (ProblemDetails).
        """
        uses: list[BodyUse] = []
        for op in self.operations(callbacks=callbacks):
            role: Role = "callback" if op.callback_of else "request"
            if "requestBody" in op.node:
                body, _ = self.resolve(op.node["requestBody"])
                for found in self._in_content(body):
                    uses.append(BodyUse(op.method, op.path, role, None, **found))
            if op.callback_of:
                continue  # the callback's responses are the client's answer (204)
            for status, response in op.node.get("responses", {}).items():
                if not errors and not str(status).startswith(("1", "2", "3")):
                    continue
                response, _ = self.resolve(response)
                for found in self._in_content(response):
                    uses.append(BodyUse(op.method, op.path, "response", str(status), **found))
        return uses

    def used_schemas(self, **kwargs: bool) -> dict[str, list[BodyUse]]:
        """Schema name → its uses, in order of first use (see :meth:`body_uses`)."""
        out: dict[str, list[BodyUse]] = {}
        for use in self.body_uses(**kwargs):
            out.setdefault(use.schema, []).append(use)
        return out

    def _in_content(self, holder: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        for media, entry in holder.get("content", {}).items():
            if "json" in media and isinstance(entry, Mapping) and "schema" in entry:
                yield from body_schemas(self, entry["schema"])


def body_schemas(doc: JsonDoc, node: Any, *, array: bool = False) -> Iterator[dict[str, Any]]:
    """Named schemas in a body schema, following ``$ref``, ``items``, ``allOf``/``oneOf``/``anyOf``
    and unwrapping single-object wrappers (module docstring).

    Yields the keyword arguments of :class:`BodyUse` that depend on the body:
    ``schema``, ``wrapper``, ``doc2oas_wrapper``, ``array``.
    """
    target, name = doc.resolve(node)
    if name is not None:
        yield {"schema": name, "array": array}
        return
    if not isinstance(target, Mapping):
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in target.get(key, []):
            yield from body_schemas(doc, part, array=array)
    if "items" in target:
        yield from body_schemas(doc, target["items"], array=True)
    for prop, sub in target.get("properties", {}).items():
        for found in body_schemas(doc, sub, array=array):
            yield {**found, "wrapper": prop, "doc2oas_wrapper": prop == found["schema"]}


@cache
def load_spec(name: str) -> Spec:
    """A file of the spec folder by relative name, e.g. ``MEC011_AppSupport.yaml`` or
    ``etsi-forge-mirror/MEC011_AppSupport_v2.1.1.yaml``. Skips if the folder is absent; a missing
    file in a present folder is an error."""
    path = specs_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"no spec file {name} in {path.parent}")
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    return Spec(path, doc)
