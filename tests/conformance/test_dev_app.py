"""MEC 016 device application interface (v2.2.1) bodies against the ETSI file.

Each schema ``MEC016_DevApp.yaml`` uses as a body, and each notification of clause 6.4, is
checked against meclab's model of it (:mod:`conformance.checker`). The file is the first-party
copy (INVENTORY.md), whose body shapes are the wire's. Only an absent spec folder skips.
"""

from __future__ import annotations

from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, check, stale_rules
from conformance.spec import find_specs_dir, load_spec
from meclab.services.dev_app import models

DEVAPP = "MEC016_DevApp.yaml"

MISPLACED_REQUIRED = (
    "the file puts this required list on the array instead of its items (cardinality 1 in the "
    "GS table); meclab requires the attribute of each item"
)

ALLOW: dict[tuple[str, str] | tuple[str, str, str], str] = {
    ("Polygon", "coordinates", "required"): (
        "x-etsi-mec-cardinality 1 and minItems 1 in the file, which gives Polygon no required "
        "list; a polygon without coordinates is no area"
    ),
    ("LocationConstraints.civicAddressElement[]", "caType", "required"): MISPLACED_REQUIRED,
    ("LocationConstraints.civicAddressElement[]", "caValue", "required"): MISPLACED_REQUIRED,
    ("ApplicationList.appList[]", "appInfo", "required"): MISPLACED_REQUIRED,
    (
        "ApplicationContextUpdateNotification.userAppInstanceInfo[]",
        "appInstanceId",
        "required",
    ): MISPLACED_REQUIRED,
    (
        "ApplicationContextUpdateNotification.userAppInstanceInfo[]",
        "referenceURI",
        "required",
    ): MISPLACED_REQUIRED,
    (
        "ApplicationLocationAvailabilityNotification.availableLocations[]",
        "appLocation",
        "required",
    ): MISPLACED_REQUIRED,
}
"""Known differences, with their reasons (checker module docstring)."""

CHECKS: list[tuple[str, type[BaseModel]]] = [
    ("ApplicationList", models.ApplicationList),
    ("AppContext", models.AppContext),
    ("ApplicationLocationAvailability", models.ApplicationLocationAvailability),
    ("AddressChangeNotification", models.AddressChangeNotification),
    ("ApplicationContextDeleteNotification", models.ApplicationContextDeleteNotification),
    ("ApplicationContextUpdateNotification", models.ApplicationContextUpdateNotification),
    (
        "ApplicationLocationAvailabilityNotification",
        models.ApplicationLocationAvailabilityNotification,
    ),
    ("LocationConstraints", models.LocationConstraints),
]


@cache
def rules() -> Rules:
    return Rules(allow=ALLOW)


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param("", BaseModel, id="spec-folder-absent")]
    return [pytest.param(schema, model, id=schema) for schema, model in CHECKS]


@pytest.mark.parametrize(("schema", "model"), _params())
def test_model_conforms(schema: str, model: type[BaseModel]) -> None:
    spec = load_spec(DEVAPP)  # skips when the spec folder is absent
    report = check(model, spec, schema, rules())
    if not report.ok:
        pytest.fail(str(report), pytrace=False)


def test_rules_name_real_attributes() -> None:
    assert stale_rules(rules(), [load_spec(DEVAPP)]) == []


def test_every_body_schema_is_checked() -> None:
    """Every schema the file uses as a body has a check above (a new one would show here)."""
    used = set(load_spec(DEVAPP).used_schemas())
    checked = {schema for schema, _ in CHECKS}
    # InlineNotification: the callback body, the union of the notifications checked
    assert used - checked <= {"InlineNotification"}
