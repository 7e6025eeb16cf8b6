"""A small fluent builder of a world: describe it in a few calls, get the validated scenario.

::

    world = (
        WorldBuilder("two-cells", origin=(7.42, 43.73))
        .zone("town")
        .cell("cell-west", "4G", east_m=-200)
        .cell("cell-east", "4G", east_m=200)
        .mec_host("mec-town")
        .edge_app("my-app", host="mec-town", emulated=False)
        .terminal("walker", path_m=[(-200, 0), (200, 0)], velocity_mps=10)
        .build()
    )

Places are given in metres east and north of ``origin`` (``east_m``/``north_m``, ``path_m``;
a local flat projection, plenty at city scale), or as ``[lon, lat]`` with ``at``/``path``.
Each element goes into the domain and zone added last, unless ``zone=`` names another; the
first zone without a domain gets one (``op``, MCC 001, MNC 01). Terminals get the address
``acr:10.0.0.<n>`` in the order added unless given one. :meth:`WorldBuilder.build` validates
the whole document with :class:`~meclab.scenario.model.Scenario`, so a mistake raises the
model's ValidationError naming the field's path. The builder is pure data, like the rest of
the scenario layer (STYLE.md §10: describe a network first, build it second).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Self

from meclab.scenario.model import Scenario

METRES_PER_DEGREE = 111_320.0
"""Of latitude (and of longitude at the equator)."""
DEFAULT_DOMAIN = {"name": "op", "mcc": "001", "mnc": "01"}


class WorldBuilderError(ValueError):
    """A builder call that names a zone, host or cloud that was not added (or none yet)."""


class WorldBuilder:
    """A scenario built call by call (see the module docstring). ``origin``: the [lon, lat]
    that metre offsets count from."""

    def __init__(
        self,
        name: str,
        *,
        origin: tuple[float, float] = (0.0, 0.0),
        seed: int = 1,
        description: str = "",
    ) -> None:
        self.origin = origin
        self._doc: dict[str, Any] = {
            "meclab": 1,
            "name": name,
            "seed": seed,
            "description": description,
            "domains": [],
        }
        self._zones: dict[str, dict[str, Any]] = {}
        self._hosts: dict[str, dict[str, Any]] = {}
        self._clouds: dict[str, dict[str, Any]] = {}
        self._terminals = 0

    # --- places ---------------------------------------------------------------------------

    def point(self, east_m: float = 0.0, north_m: float = 0.0) -> list[float]:
        """[lon, lat] ``east_m`` east and ``north_m`` north of the origin."""
        lon0, lat0 = self.origin
        return [
            lon0 + east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat0))),
            lat0 + north_m / METRES_PER_DEGREE,
        ]

    def _place(self, at: Sequence[float] | None, east_m: float, north_m: float) -> list[float]:
        return [float(at[0]), float(at[1])] if at is not None else self.point(east_m, north_m)

    # --- structure ------------------------------------------------------------------------

    def domain(self, name: str, *, mcc: str = "001", mnc: str = "01", **fields: Any) -> Self:
        """An operator; zones and terminals added next belong to it."""
        self._doc["domains"].append(
            {"name": name, "mcc": mcc, "mnc": mnc, "zones": [], "terminals": [], **fields}
        )
        return self

    def _domain(self) -> dict[str, Any]:
        if not self._doc["domains"]:
            self.domain(**DEFAULT_DOMAIN)
        domain: dict[str, Any] = self._doc["domains"][-1]
        return domain

    def zone(self, name: str, **fields: Any) -> Self:
        """A zone of the last domain; cells and MEC hosts added next go into it."""
        zone = {"name": name, "mec_hosts": [], "poas": [], **fields}
        self._domain()["zones"].append(zone)
        self._zones[name] = zone
        return self

    def _zone(self, name: str | None) -> dict[str, Any]:
        if name is not None:
            if name not in self._zones:
                known = ", ".join(self._zones) or "none yet"
                raise WorldBuilderError(f"no zone {name!r} (zones: {known})")
            return self._zones[name]
        if not self._zones:
            raise WorldBuilderError("add a zone before its cells and MEC hosts")
        return list(self._zones.values())[-1]

    def cell(
        self,
        name: str,
        type: str = "4G",
        *,
        at: Sequence[float] | None = None,
        east_m: float = 0.0,
        north_m: float = 0.0,
        radius_m: float = 500.0,
        zone: str | None = None,
        **fields: Any,
    ) -> Self:
        """A point of access (``4G``, ``5G`` or ``WIFI``). A 4G or 5G cell without ``cell_id``
        gets the next hex one (0x1, 0x2 ...), a Wi-Fi AP without ``bssid`` a local MAC."""
        count = sum(len(z["poas"]) for z in self._zones.values()) + 1
        poa: dict[str, Any] = {
            "name": name,
            "type": type,
            "position": self._place(at, east_m, north_m),
            "radius_m": radius_m,
        }
        if type == "WIFI":
            poa["bssid"] = fields.pop("bssid", f"02:00:00:00:{count // 256:02x}:{count % 256:02x}")
        else:
            poa["cell_id"] = fields.pop("cell_id", f"0x{count:x}")
        self._zone(zone)["poas"].append({**poa, **fields})
        return self

    def mec_host(
        self,
        name: str,
        *,
        at: Sequence[float] | None = None,
        east_m: float = 0.0,
        north_m: float = 0.0,
        zone: str | None = None,
        **fields: Any,
    ) -> Self:
        """A MEC host in a zone (with a MEC platform of its own)."""
        host = {"name": name, "position": self._place(at, east_m, north_m), "apps": [], **fields}
        self._zone(zone)["mec_hosts"].append(host)
        self._hosts[name] = host
        return self

    def edge_app(self, name: str, *, host: str | None = None, **fields: Any) -> Self:
        """An application on a MEC host (the last one added unless ``host``); ``emulated=False``
        for one your own code plays (the Application model's fields go in ``fields``)."""
        if host is None and not self._hosts:
            raise WorldBuilderError("add a MEC host before its applications")
        if host is not None and host not in self._hosts:
            known = ", ".join(self._hosts) or "none yet"
            raise WorldBuilderError(f"no MEC host {host!r} (hosts: {known})")
        target = self._hosts[host] if host is not None else list(self._hosts.values())[-1]
        target["apps"].append({"name": name, **fields})
        return self

    def cloud(self, name: str, *, apps: Sequence[str] = (), **fields: Any) -> Self:
        """A public cloud (outside every operator) with applications named ``apps``."""
        cloud = {"name": name, "apps": [{"name": a} for a in apps], **fields}
        self._doc.setdefault("clouds", []).append(cloud)
        self._clouds[name] = cloud
        return self

    def terminal(
        self,
        name: str,
        *,
        at: Sequence[float] | None = None,
        east_m: float = 0.0,
        north_m: float = 0.0,
        path: Sequence[Sequence[float]] | None = None,
        path_m: Sequence[tuple[float, float]] | None = None,
        address: str | None = None,
        velocity_mps: float = 0.0,
        end_of_path: str = "stop",
        radio: Sequence[str] | None = None,
        **fields: Any,
    ) -> Self:
        """A terminal of the last domain: fixed at a place, or moving along ``path`` ([lon,
        lat] points) or ``path_m`` (metre offsets) at ``velocity_mps``; ``radio``: its radio
        types in order of priority (default the model's)."""
        self._terminals += 1
        if path is not None:
            points = [[float(p[0]), float(p[1])] for p in path]
        elif path_m is not None:
            points = [self.point(e, n) for e, n in path_m]
        else:
            points = [self._place(at, east_m, north_m)]
        terminal: dict[str, Any] = {
            "name": name,
            "address": address or f"acr:10.0.0.{self._terminals}",
            "path": points,
            "velocity_mps": velocity_mps,
            "end_of_path": end_of_path,
            **fields,
        }
        if radio is not None:
            terminal["radio_priority"] = list(radio)
        self._domain()["terminals"].append(terminal)
        return self

    # --- result ---------------------------------------------------------------------------

    def build(self) -> Scenario:
        """The validated scenario (pydantic's ValidationError names a bad field's path)."""
        return Scenario.model_validate(self._doc)
