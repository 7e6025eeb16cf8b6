"""Small worlds with round numbers, built for exact expectations."""

from __future__ import annotations

from typing import Any

from helpers import LAT0, lat_at, lon_at

from meclab.scenario.model import Scenario


def cell(
    name: str, radio: str, x_m: float, radius_m: float, n: int, y_m: float = 0.0, **extra: Any
) -> dict[str, Any]:
    ident = {
        "4G": {"cell_id": f"{n:X}"},
        "5G": {"cell_id": f"{n:X}"},
        "WIFI": {"bssid": f"02:00:00:00:00:{n:02x}"},
    }
    return {
        "name": name,
        "type": radio,
        "position": [lon_at(x_m), lat_at(y_m)],
        "radius_m": radius_m,
        **ident[radio],
        **extra,
    }


def terminal(
    name: str, n: int, path_x_m: list[float], velocity_mps: float, **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "address": f"acr:10.0.0.{n}",
        "imsi": f"00101000000{n:04d}",
        "path": [[lon_at(x), LAT0] for x in path_x_m],
        "velocity_mps": velocity_mps,
        **extra,
    }


def world_doc(
    poas_by_zone: dict[str, list[dict[str, Any]]], terminals: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "name": "test",
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "zones": [{"name": zone, "poas": poas} for zone, poas in poas_by_zone.items()],
                "terminals": terminals,
            }
        ],
        **extra,
    }


def two_cells(terminals: list[dict[str, Any]], hysteresis_db: float = 3.0) -> Scenario:
    """4G cells A at x=0 (zone za) and B at x=1000 m (zone zb), radius 800 m, same power."""
    doc = world_doc(
        {"za": [cell("A", "4G", 0.0, 800.0, 1)], "zb": [cell("B", "4G", 1000.0, 800.0, 2)]},
        terminals,
        radio={"hysteresis_db": hysteresis_db},
    )
    return Scenario.model_validate(doc)
