"""MEC 010-2 (v3.1.1) app_pkgm bodies and the AppD against the ETSI files.

Every schema the v3.1.1 file uses as a body is checked against meclab's model, the AppD with all
its parts. Presence and required flags come from ``MEC010-2_AppPkgMgmt.yaml``; where its shape
is a doc2oas artefact, ``etsi-forge-mirror/MEC010-2_AppPkgMgmt_v2.1.1.yaml`` gives it
(:class:`~conformance.checker.Substitute`). Only an absent spec folder skips.
"""

from __future__ import annotations

from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, Substitute, check, stale_rules
from conformance.spec import find_specs_dir, load_spec
from meclab.lifecycle.appd import AppD
from meclab.services.app_pkgm import models

PKGM = "MEC010-2_AppPkgMgmt.yaml"
MIRROR = "etsi-forge-mirror/MEC010-2_AppPkgMgmt_v2.1.1.yaml"

KEPT_AS_GIVEN = (
    "an NFV descriptor part meclab does not act on; the AppD keeps it as the package gives it "
    "(see meclab/lifecycle/appd.py)"
)

ALLOW: dict[tuple[str, str] | tuple[str, str, str], str] = {
    ("TunnelInfo", "tunnelSpecificData", "type"): (
        "the tunnel's own parameters: an object in the v3.1.1 file, the 2.1.1 mirror's "
        "Not_specified placeholder a string; meclab keeps the v3.1.1 object"
    ),
    ("FileStorageData", "intVirtualLinkDesc", "type"): KEPT_AS_GIVEN,
    ("VirtualStorageDescriptor", "nfviMaintenanceInfo", "type"): KEPT_AS_GIVEN,
    ("ServiceDependency", "requestedPermissions", "type"): (
        "MEC 009 clause 7.2 leaves its format to the data model design stage (Not_specified); "
        "the model, shared with MEC 011 AppInfo, accepts any value"
    ),
    ("SwImageDescriptor", "swImage", "type"): (
        "its description says 'a reference to the actual software image ... relative to the "
        "root of the package or a URL', a string as in NFV-SOL 001; the file's object type is "
        "a doc2oas artefact (the 2.1.1 mirror has no SwImageDescriptor attributes at all)"
    ),
    ("SwImageDesc", "swImage", "type"): (
        "the same reference, declared as a SwImageDesc inside SwImageDesc, which no document "
        "could satisfy (every SwImageDesc would require another one)"
    ),
    ("AppPkgInfo", "onboardingState", "enum"): (
        "meclab adds ERROR (ETSI GS NFV-SOL 005 VnfPkgInfo), the state whose "
        "onboardingFailureDetails the same table defines"
    ),
    ("CreateAppPkg", "appPkgPath", "required"): (
        "the file notes that how to convey appPkgPath is 'for further study'; PUT package_content "
        "uploads the content instead, so meclab makes the address optional"
    ),
}
"""Known differences, with their reasons (checker module docstring)."""

CHECKS: list[tuple[str, type[BaseModel]]] = [
    ("AppD", AppD),
    ("AppPkgInfo", models.AppPkgInfo),
    ("CreateAppPkg", models.CreateAppPkg),
    ("AppPkgInfoModifications", models.AppPkgInfoModifications),
    ("AppPkgSubscription", models.AppPkgSubscription),
    ("AppPkgSubscriptionInfo", models.AppPkgSubscriptionInfo),
    ("AppPkgSubscriptionLinkList", models.AppPkgSubscriptionLinkList),
    ("AppPkgNotification", models.AppPkgNotification),
]


@cache
def rules() -> Rules:
    mirror = load_spec(MIRROR)
    return Rules(
        allow=ALLOW,
        substitutes={
            ("AppD", "mecVersion"): Substitute(
                mirror,
                "AppD",
                "v3.1.1 writes the versions as one comma-separated string, v2.1.1 as a list; "
                "meclab reads both into a list and sends the v3.1.1 string",
            ),
            ("TrafficRuleDescriptor", "dstInterface"): Substitute(
                mirror,
                "TrafficRuleDescriptor",
                "the v3.1.1 file declares one interface while its description wants two for "
                "the DUPLICATE actions; the 2.1.1 mirror has a list of at most two",
            ),
            ("DNSRuleDescriptor", "ipAddressType"): Substitute(
                mirror,
                "DNSRuleDescriptor",
                "the v3.1.1 enum holds only IP_V4 while its description says 'IP_V6, IP_V4'; "
                "the 2.1.1 mirror's IpAddressType has both",
            ),
        },
    )


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param("", BaseModel, id="spec-folder-absent")]
    return [pytest.param(schema, model, id=schema) for schema, model in CHECKS]


@pytest.mark.parametrize(("schema", "model"), _params())
def test_model_conforms(schema: str, model: type[BaseModel]) -> None:
    spec = load_spec(PKGM)  # skips when the spec folder is absent
    report = check(model, spec, schema, rules())
    if not report.ok:
        pytest.fail(str(report), pytrace=False)


def test_rules_name_real_attributes() -> None:
    assert stale_rules(rules(), [load_spec(PKGM)]) == []


def test_every_body_schema_is_checked() -> None:
    used = set(load_spec(PKGM).used_schemas())
    assert used == {schema for schema, _ in CHECKS}
