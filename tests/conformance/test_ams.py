"""MEC 021 AMS (v2.2.1) bodies against the ETSI files.

Each schema ``MEC021_AMS.yaml`` uses as a body, and each notification of clause 7.4, is
checked against meclab's model of it (:mod:`conformance.checker`): attribute presence and
required flags from the v2.2.1 file, shapes from the first-party v2.1.1 mirror where the
v2.2.1 file is a doc2oas artefact. Only an absent spec folder skips.
"""

from __future__ import annotations

from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, check, stale_rules
from conformance.spec import find_specs_dir, load_spec
from meclab.services.ams import models

AMS = "MEC021_AMS.yaml"
MIRROR = "etsi-forge-mirror/MEC021_AMS_v2.1.1.yaml"

_ASSOCIATE = (
    "the v2.2.1 file types AssociateId as a string (a doc2oas artefact); MEC 012 clause 6.5.4 and "
    "the v2.1.1 mirror make it the object {type, value}, checked against the mirror below"
)

ALLOW: dict[tuple[str, str] | tuple[str, str, str], str] = {
    ("DeviceInformation", "associateId", "type"): _ASSOCIATE,
    ("FilterCriteria", "associateId[]", "type"): _ASSOCIATE,
    ("MobilityProcedureNotification", "associateId[]", "type"): _ASSOCIATE,
    ("DeviceInformation", "appMobilityServiceLevel", "type"): (
        "the v2.2.1 file wraps the level in an object {appMobilityServiceLevel}; the GS table "
        "(clause 7.2.2) types the attribute AppMobilityServiceLevel, the integer of clause 7.4.5"
    ),
}
"""Known differences of the v2.2.1 file, with their reasons (checker module docstring)."""

ALLOW_MIRROR: dict[tuple[str, str] | tuple[str, str, str], str] = {
    ("AssociateId", "type", "type"): (
        "the v2.1.1 mirror spells the types by name; MEC 012 v2.2.1 (which the v2.2.1 file "
        "cites) numbers them (1 = UE_IPv4_ADDRESS); meclab reads either and echoes what it got"
    ),
}
"""Known differences of the mirror."""

EXTENSIONS: dict[tuple[str, str] | tuple[str, str, str], str] = {
    ("MobilityProcedureNotification", "meclab", "presence"): (
        "meclab's extension object (procedure URL, prediction, failure reason); the spec's "
        "attributes are untouched and a consumer ignores what it does not know"
    ),
}
"""meclab's additions, which by nature name no attribute of the files."""

CHECKS: list[tuple[str, str, type[BaseModel]]] = [
    (AMS, "RegistrationInfo", models.RegistrationInfo),
    (AMS, "AdjacentAppInstanceInfo", models.AdjacentAppInstanceInfo),
    (AMS, "MobilityProcedureSubscription", models.MobilityProcedureSubscription),
    (AMS, "AdjacentAppInfoSubscription", models.AdjacentAppInfoSubscription),
    (AMS, "SubscriptionLinkList", models.SubscriptionLinkList),
    (AMS, "MobilityProcedureNotification", models.MobilityProcedureNotification),
    (AMS, "ExpiryNotification", models.ExpiryNotification),
    (AMS, "TestNotification", models.TestNotification),
    (MIRROR, "AssociateId", models.AssociateId),
]


@cache
def rules(file: str) -> Rules:
    if file == MIRROR:
        return Rules(allow=ALLOW_MIRROR)
    return Rules(allow={**ALLOW, **EXTENSIONS})


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param(AMS, "", BaseModel, id="spec-folder-absent")]
    return [
        pytest.param(
            file, schema, model, id=f"{file.rsplit('/', 1)[-1].removesuffix('.yaml')}-{schema}"
        )
        for file, schema, model in CHECKS
    ]


@pytest.mark.parametrize(("file", "schema", "model"), _params())
def test_model_conforms(file: str, schema: str, model: type[BaseModel]) -> None:
    spec = load_spec(file)  # skips when the spec folder is absent
    report = check(model, spec, schema, rules(file))
    if not report.ok:
        pytest.fail(str(report), pytrace=False)


def test_rules_name_real_attributes() -> None:
    assert stale_rules(Rules(allow=ALLOW), [load_spec(AMS)]) == []
    assert stale_rules(Rules(allow=ALLOW_MIRROR), [load_spec(MIRROR)]) == []


def test_every_body_schema_is_checked() -> None:
    """Every schema the file uses as a body has a check above (a new one would show here)."""
    used = set(load_spec(AMS).used_schemas())
    checked = {schema for _, schema, _ in CHECKS}
    # AssociateId: not a body itself; checked against the mirror for the attributes using it
    assert used - checked == set()
