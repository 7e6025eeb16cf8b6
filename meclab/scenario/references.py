"""Rules that span elements: unique names and identifiers, references, per-type identities.

These checks read the raw document, tolerating parts that are malformed, so that a file with a
structural error *and* a duplicate name reports both at once. Structural checks (types, ranges,
unknown fields) are pydantic's, in :mod:`.model`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from meclab.scenario.errors import Issue, PathPart, format_path

LTE_CELL_ID_BITS = 28
"""E-UTRAN cell identity, 3GPP TS 36.413 (ECGI = PLMN + 28-bit cell identity)."""
NR_CELL_ID_BITS = 36
"""NR cell identity, 3GPP TS 38.413 (NCGI = PLMN + 36-bit cell identity)."""


@dataclass(frozen=True, slots=True)
class Element:
    """A named element found in the raw document."""

    kind: str
    path: tuple[PathPart, ...]
    data: Mapping[str, Any]
    domain: Mapping[str, Any] | None


def _items(parent: Mapping[str, Any], key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    value = parent.get(key)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                yield index, item


def _apps(
    node: Mapping[str, Any], path: tuple[PathPart, ...], kind: str, domain: Mapping[str, Any] | None
) -> Iterator[Element]:
    for i, app in _items(node, "apps"):
        yield Element(kind, (*path, "apps", i), app, domain)


def _node(
    kind: str, node: Mapping[str, Any], path: tuple[PathPart, ...], domain: Mapping[str, Any] | None
) -> Iterator[Element]:
    yield Element(kind, path, node, domain)
    yield from _apps(node, path, "app", domain)


def iter_elements(doc: Mapping[str, Any]) -> Iterator[Element]:
    """Every named element of a raw scenario document, with its path, in document order."""
    for i, cloud in _items(doc, "clouds"):
        yield from _node("cloud", cloud, ("clouds", i), None)
    for d, domain in _items(doc, "domains"):
        dpath: tuple[PathPart, ...] = ("domains", d)
        yield Element("domain", dpath, domain, domain)
        for z, zone in _items(domain, "zones"):
            zpath = (*dpath, "zones", z)
            yield Element("zone", zpath, zone, domain)
            for h, host in _items(zone, "mec_hosts"):
                yield from _node("mec_host", host, (*zpath, "mec_hosts", h), domain)
            for p, poa in _items(zone, "poas"):
                ppath = (*zpath, "poas", p)
                yield Element("poa", ppath, poa, domain)
                for f, fog in _items(poa, "fog_nodes"):
                    yield from _node("fog", fog, (*ppath, "fog_nodes", f), domain)
        # Zones before clouds, as Domain declares them and dump_yaml writes them.
        for i, cloud in _items(domain, "clouds"):
            yield from _node("cloud", cloud, (*dpath, "clouds", i), domain)
        for t, terminal in _items(domain, "terminals"):
            tpath = (*dpath, "terminals", t)
            yield Element("terminal", tpath, terminal, domain)
            yield from _apps(terminal, tpath, "terminal_app", domain)


class _Unique:
    """Remembers where each value was first seen and reports later repeats."""

    def __init__(self, what: str, issues: list[Issue]) -> None:
        self.what = what
        self.issues = issues
        self.seen: dict[Any, str] = {}

    def add(self, value: Any, path: tuple[PathPart, ...], key: Any = None) -> None:
        if not isinstance(value, str | int) or isinstance(value, bool):
            return
        key = value if key is None else key
        here = format_path(path)
        first = self.seen.setdefault(key, here)
        if first != here:
            self.issues.append(Issue(here, f"{self.what} {value!r} is already used at {first}"))


def _hex_bits(value: str) -> int | None:
    digits = value[2:] if value[:2].lower() == "0x" else value
    try:
        return int(digits, 16).bit_length()
    except ValueError:
        return None


def _check_poa_identity(element: Element, issues: list[Issue]) -> None:
    poa, path = element.data, element.path
    radio, cell_id, bssid = poa.get("type"), poa.get("cell_id"), poa.get("bssid")
    if radio in ("4G", "5G"):
        limit = LTE_CELL_ID_BITS if radio == "4G" else NR_CELL_ID_BITS
        if cell_id is None:
            issues.append(Issue(format_path((*path, "cell_id")), f"a {radio} cell needs a cell_id"))
        elif isinstance(cell_id, str) and (bits := _hex_bits(cell_id)) is not None and bits > limit:
            issues.append(
                Issue(
                    format_path((*path, "cell_id")),
                    f"{cell_id!r} has {bits} bits; a {radio} cell identity has at most {limit}",
                )
            )
        if bssid is not None:
            issues.append(Issue(format_path((*path, "bssid")), f"a {radio} cell has no bssid"))
    elif radio == "WIFI":
        if bssid is None:
            issues.append(
                Issue(format_path((*path, "bssid")), "a Wi-Fi access point needs a bssid")
            )
        if cell_id is not None:
            issues.append(
                Issue(format_path((*path, "cell_id")), "a Wi-Fi access point has no cell_id")
            )


def check_references(doc: Any) -> list[Issue]:
    """Problems that span elements; an empty list when there are none."""
    if not isinstance(doc, Mapping):
        return []
    issues: list[Issue] = []
    names = _Unique("name", issues)
    cell_ids = _Unique("cell_id", issues)
    bssids = _Unique("bssid", issues)
    addresses = _Unique("address", issues)
    imsis = _Unique("imsi", issues)
    instance_ids = _Unique("app_instance_id", issues)
    kinds: dict[str, str] = {}
    connections: list[tuple[tuple[PathPart, ...], Any]] = []

    for element in iter_elements(doc):
        data, path = element.data, element.path
        name = data.get("name")
        names.add(name, (*path, "name"))
        if isinstance(name, str):
            kinds.setdefault(name, element.kind)
        if element.kind == "poa":
            _check_poa_identity(element, issues)
            domain_name = element.domain.get("name") if element.domain else None
            cell_id = data.get("cell_id")
            if isinstance(cell_id, str):
                # Compare values, not spellings: "0x101", "101" and "0000101" are one cell.
                digits = cell_id.lower().removeprefix("0x").lstrip("0")
                identity = (domain_name, data.get("type"), digits)
                cell_ids.add(cell_id, (*path, "cell_id"), key=identity)
            bssid = data.get("bssid")
            if isinstance(bssid, str):
                bssids.add(bssid, (*path, "bssid"), key=bssid.lower())
        elif element.kind == "terminal":
            addresses.add(data.get("address"), (*path, "address"))
            imsi = data.get("imsi")
            imsis.add(imsi, (*path, "imsi"))
            _check_imsi_plmn(imsi, element.domain, path, issues)
        elif element.kind == "app":
            instance_ids.add(data.get("app_instance_id"), (*path, "app_instance_id"))
            _check_app_ids(data, path, issues)
        elif element.kind == "terminal_app":
            targets = data.get("connects_to")
            if isinstance(targets, list):
                connections.extend(((*path, "connects_to", i), t) for i, t in enumerate(targets))

    for path, target in connections:
        if not isinstance(target, str):
            continue
        kind = kinds.get(target)
        if kind is None:
            issues.append(Issue(format_path(path), f"no application is named {target!r}"))
        elif kind != "app":
            issues.append(
                Issue(format_path(path), f"{target!r} is a {kind}, not an edge or cloud app")
            )
    return issues


def _check_imsi_plmn(
    imsi: Any, domain: Mapping[str, Any] | None, path: tuple[PathPart, ...], issues: list[Issue]
) -> None:
    if not isinstance(imsi, str) or domain is None:
        return
    mcc, mnc = domain.get("mcc"), domain.get("mnc")
    if isinstance(mcc, str) and isinstance(mnc, str) and not imsi.startswith(mcc + mnc):
        issues.append(
            Issue(
                format_path((*path, "imsi")),
                f"imsi {imsi} does not start with its operator's MCC+MNC {mcc}{mnc}",
            )
        )


def _check_app_ids(app: Mapping[str, Any], path: tuple[PathPart, ...], issues: list[Issue]) -> None:
    for key, field, what in (
        ("dns_rules", "id", "DNS rule id"),
        ("traffic_rules", "id", "traffic rule id"),
        ("services_produced", "name", "service name"),
    ):
        unique = _Unique(what, issues)
        for i, item in _items(app, key):
            unique.add(item.get(field), (*path, key, i, field))
