"""MEC 016 models on their own: the rules the GS states in words, and a light import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from meclab.services.dev_app.models import AppContext, LocationConstraints, Polygon

RING = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]


def test_light_import() -> None:
    """Device-side code (the SDK) can use the bodies without meclab's server side."""
    probe = (
        "import json, sys, meclab.services.dev_app.models, meclab.lifecycle.device_apps; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    heavy = {
        "fastapi",
        "starlette",
        "numpy",
        "aiohttp",
        "meclab.engine",
        "meclab.platform.platform",
    }
    assert loaded & heavy == set()


def test_polygon_takes_geojson_type_and_drops_it() -> None:
    assert Polygon.model_validate({"type": "Polygon", "coordinates": RING}).wire() == {
        "coordinates": RING
    }
    with pytest.raises(ValidationError, match="type must be 'Polygon'"):
        Polygon.model_validate({"type": "Point", "coordinates": RING})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "countryCode is required when area is absent"),
        ({"civicAddressElement": [{"caType": 1, "caValue": "x"}]}, "countryCode is required"),
        (
            {"area": {"coordinates": RING}, "civicAddressElement": []},
            "either area or civicAddressElement",
        ),
        ({"countryCode": "FRA"}, "at most 2 characters"),
    ],
)
def test_location_constraints_rules(body: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LocationConstraints.model_validate(body)


def test_location_constraints_valid_forms() -> None:
    LocationConstraints.model_validate({"area": {"coordinates": RING}})
    LocationConstraints.model_validate({"area": {"coordinates": RING}, "countryCode": "FR"})
    LocationConstraints.model_validate(
        {"countryCode": "FR", "civicAddressElement": [{"caType": 3, "caValue": "Paris"}]}
    )


def test_updates_and_auto_instantiation_exclude_each_other() -> None:
    info = {"appName": "a", "appProvider": "p", "appDVersion": "1", "userAppInstanceInfo": [{}]}
    base = {"associateDevAppId": "ue", "appInfo": info}
    AppContext.model_validate({**base, "appLocationUpdates": True, "appAutoInstantiation": False})
    with pytest.raises(ValidationError, match="not both true"):
        AppContext.model_validate(
            {**base, "appLocationUpdates": True, "appAutoInstantiation": True}
        )
