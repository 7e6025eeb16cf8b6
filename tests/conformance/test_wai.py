"""MEC 028 WAI (v2.3.1) and MEC 014 UE identity (v3.1.1) bodies against the ETSI files.

Each spec schema a WAI operation uses as a body, and each notification body of clause 6.4, is
checked against meclab's model of it (:mod:`conformance.checker`). Attribute presence and
required flags come from the v2.3.1 file (``MEC028_WAI.yaml``); where that file is a doc2oas
artefact (INVENTORY §3.10) the first-party ``etsi-forge-mirror/MEC028_WAI_v2.2.6.yaml`` (the
repository's v2.3.1 tag) gives the shape:

* the v2.3.1 file collapses the subscription bodies into AssocStaSubscription, and lists the
  other two types only as callback bodies; each type is checked by its own schema;
* its schema named ``MeasurementConfig`` is the *link* entry of MeasurementConfigLinkList
  (``href``, ``measurementId``), which it also uses as the body of ``/measurements``; the
  resource itself (clause 6.2.4) is checked against the mirror's ``MeasurementConfig``.

MEC 014: ``UeIdentityTagInfo`` of ``MEC014_UEIdentity.yaml`` (the bare object; v3.1.1's integer
``state``). Only an absent spec folder skips.
"""

from __future__ import annotations

from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, check, stale_rules
from conformance.spec import find_specs_dir, load_spec
from meclab.services.ueid import models as ueid
from meclab.services.wai import models, models_measure, models_subs

WAI = "MEC028_WAI.yaml"
WAI_MIRROR = "etsi-forge-mirror/MEC028_WAI_v2.2.6.yaml"
UEID = "MEC014_UEIdentity.yaml"

NOT_MODELLED = (
    "optional; meclab's emulated APs have nothing true to put there (IEEE 802.11 capability bit "
    "fields, neighbouring BSS loads, civic addresses, frame counters), so the attribute is "
    "never sent (see meclab/services/wai/models.py)"
)

ALLOW: dict[tuple[str, str] | tuple[str, str, str], str] = {
    ("ApInfo", "wlanCap", "presence"): NOT_MODELLED,
    ("ApInfo", "extBssLoad", "presence"): NOT_MODELLED,
    ("ApInfo", "oBssLoad", "presence"): NOT_MODELLED,
    ("ApLocation", "civicLocation", "presence"): NOT_MODELLED,
    ("StaInfo", "staStatistics", "presence"): NOT_MODELLED,
    ("MeasurementReportNotification", "staStatistics", "presence"): NOT_MODELLED,
}
"""Known differences, with their reasons (checker module docstring)."""

CHECKS: list[tuple[str, str, type[BaseModel]]] = [
    (WAI, "ApInfo", models.ApInfo),
    (WAI, "StaInfo", models.StaInfo),
    (WAI, "SubscriptionLinkList", models_subs.SubscriptionLinkList),
    (WAI, "AssocStaSubscription", models_subs.AssocStaSubscription),
    (WAI, "StaDataRateSubscription", models_subs.StaDataRateSubscription),
    (WAI, "MeasurementReportSubscription", models_subs.MeasurementReportSubscription),
    (WAI, "MeasurementConfigLinkList", models_measure.MeasurementConfigLinkList),
    (WAI, "MeasurementConfig", models_measure.MeasurementConfigLink),
    (WAI_MIRROR, "MeasurementConfig", models_measure.MeasurementConfig),
    (WAI, "AssocStaNotification", models_subs.AssocStaNotification),
    (WAI, "StaDataRateNotification", models_subs.StaDataRateNotification),
    (WAI, "MeasurementReportNotification", models_subs.MeasurementReportNotification),
    (WAI, "ExpiryNotification", models_subs.ExpiryNotification),
    (WAI, "TestNotification", models_subs.TestNotification),
    (UEID, "UeIdentityTagInfo", ueid.UeIdentityTagInfo),
]


@cache
def rules() -> Rules:
    return Rules(allow=ALLOW)


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param(WAI, "", BaseModel, id="spec-folder-absent")]
    return [
        pytest.param(
            file, schema, model, id=f"{file.rsplit('/', 1)[-1].removesuffix('.yaml')}-{schema}"
        )
        for file, schema, model in CHECKS
    ]


@pytest.mark.parametrize(("file", "schema", "model"), _params())
def test_model_conforms(file: str, schema: str, model: type[BaseModel]) -> None:
    spec = load_spec(file)  # skips when the spec folder is absent
    report = check(model, spec, schema, rules())
    if not report.ok:
        pytest.fail(str(report), pytrace=False)


def test_rules_name_real_attributes() -> None:
    assert stale_rules(rules(), [load_spec(WAI)]) == []


def test_every_body_schema_is_checked() -> None:
    """Every schema the files use as a body has a check above (a new one would show here)."""
    for file in (WAI, WAI_MIRROR, UEID):
        used = set(load_spec(file).used_schemas())
        checked = {schema for f, schema, _ in CHECKS}
        # InlineNotification: the mirror's callback body, the union of the notifications checked
        assert used - checked <= {"InlineNotification"}, file
