"""MEC 011 bodies (application support, service management) against the ETSI files.

Every schema that an operation of ``MEC011_AppSupport.yaml`` or ``MEC011_ServiceMgmt.yaml``
(v3.1.1) uses as a request, response or callback body is checked against the class of the same
name in :mod:`meclab.services.mec011.models`, with the rules of :mod:`conformance.checker`:
attribute presence and required flags from the v3.1.1 file, shapes from the 2.1.1 mirror
(``etsi-forge-mirror/``) where the v3.1.1 file is a known doc2oas artefact. A missing module
or class fails its schema's test; only an absent spec folder skips.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, Substitute, check, stale_rules
from conformance.spec import find_specs_dir, load_spec

MODELS = "meclab.services.mec011.models"
APP_SUPPORT = "MEC011_AppSupport.yaml"
SERVICE_MGMT = "MEC011_ServiceMgmt.yaml"
MIRRORS = {
    APP_SUPPORT: "etsi-forge-mirror/MEC011_AppSupport_v2.1.1.yaml",
    SERVICE_MGMT: "etsi-forge-mirror/MEC011_ServiceMgmt_v2.1.1.yaml",
}

NOTIFICATIONS = {
    APP_SUPPORT: ("AppTerminationNotification",),
    SERVICE_MGMT: ("ServiceAvailabilityNotification",),
}
"""Notification bodies, added by hand: the v3.1.1 callbacks declare the *subscription* type
as their body (``{subscriptionNotification: AppTerminationNotificationSubscription}``), a
doc2oas artefact; the 2.1.1 ServiceMgmt file's callback carries ServiceAvailabilityNotification,
and INVENTORY §2 (MEC011_AppSupport notes) names AppTerminationNotification."""

ALLOW: dict[str, dict[tuple[str, str] | tuple[str, str, str], str]] = {
    APP_SUPPORT: {
        ("TimingCaps", "timeStamp", "required"): (
            "the v3.1.1 file requires it, yet its own TimeStamp schema is annotated '0..1'; "
            "the 2.1.1 mirror's TimingCaps requires nothing"
        ),
        ("TimingCaps", "ntpServers", "required"): (
            "the v3.1.1 file requires it, yet its NtpServers schema is annotated '0..N'; "
            "the 2.1.1 mirror's TimingCaps requires nothing"
        ),
        ("TimingCaps", "ptpMasters", "required"): (
            "the v3.1.1 file requires it, yet its PtpMasters schema is annotated '0..N'; "
            "the 2.1.1 mirror's TimingCaps requires nothing"
        ),
        ("TimingCaps.NtpServers", "authenticationKeyNum", "required"): (
            "the v3.1.1 NtpServers annotates authenticationKeyNum '0..1' (every other "
            "attribute '1'); the 2.1.1 mirror lists it as required"
        ),
    },
    SERVICE_MGMT: {
        ("ServiceInfo", "_links", "required"): (
            "required in the v3.1.1 file, but its _links1 schema says 'Shall be absent in HTTP "
            "requests': optional in the model (which also parses requests), and the server "
            "always sets it in responses"
        ),
    },
}
"""Known differences that are not meclab's fault, per file (see checker module docstring)."""


def _mirror_rules(file: str) -> dict[tuple[str, str], Substitute]:
    mirror = load_spec(MIRRORS[file])
    common = {
        "serName": "the v3.1.1 file leaves SerName untyped (a doc2oas placeholder schema with a "
        "description only); the 2.1.1 mirror types it string",
        "serInstanceId": "the v3.1.1 file leaves SerInstanceId untyped (a doc2oas placeholder "
        "schema with a description only); the 2.1.1 mirror types it string",
    }
    if file == APP_SUPPORT:
        return {
            ("TimingCaps", "*"): Substitute(
                mirror,
                "TimingCaps",
                "the v3.1.1 file types every single value of TimingCaps as an array (timeStamp, "
                "and each attribute of TimeStamp, NtpServers and PtpMasters: INVENTORY §3.7 says "
                "TimeStamp is two integers); the 2.1.1 mirror has the scalar shapes",
            ),
            ("CurrentTime", "timeSourceStatus"): Substitute(
                mirror,
                "CurrentTime",
                "the v3.1.1 enum is ['source'] while its description lists TRACEABLE and "
                "NONTRACEABLE; the 2.1.1 mirror's TimeSourceStatus has those two",
            ),
            ("TrafficRule", "action"): Substitute(
                mirror,
                "TrafficRule",
                "the v3.1.1 enum holds only DUPLICATE_ENCAPSULATED while its description lists six "
                "actions; the 2.1.1 mirror's TrafficRule.Action has all six",
            ),
            ("AppTerminationConfirmation", "operationAction"): Substitute(
                mirror,
                "AppTerminationConfirmation",
                "the v3.1.1 description lists 'STOPPPING' (sic); the 2.1.1 mirror's "
                "OperationActionType is STOPPING, TERMINATING",
            ),
            ("AppTerminationNotification", "operationAction"): Substitute(
                mirror,
                "AppTerminationNotification",
                "the v3.1.1 enum holds only TERMINATING while its description lists STOPPING too; "
                "the 2.1.1 mirror's OperationActionType has both",
            ),
        }
    return {
        ("OAuth2Info", "grantTypes"): Substitute(
            mirror,
            "SecurityInfo.OAuth2Info",
            "the v3.1.1 ServiceMgmt file types grantTypes as one string although its description "
            "says 'List of'; the AppSupport file of the same version and the 2.1.1 mirror "
            "(SecurityInfo.OAuth2Info) have an array of grant types",
        ),
        **{
            (owner, prop): Substitute(mirror, mirror_schema, common[prop])
            for owner, mirror_schema in (
                ("ServiceInfo", "ServiceInfo"),
                ("ServiceReferences", "ServiceAvailabilityNotification.ServiceReferences"),
            )
            for prop in ("serName", "serInstanceId")
        },
        ("FilteringCriteria", "serNames"): Substitute(
            mirror, "SerAvailabilityNotificationSubscription.FilteringCriteria", common["serName"]
        ),
        ("FilteringCriteria", "serInstanceIds"): Substitute(
            mirror,
            "SerAvailabilityNotificationSubscription.FilteringCriteria",
            common["serInstanceId"],
        ),
    }


@cache
def rules(file: str) -> Rules:
    return Rules(allow=ALLOW[file], substitutes=_mirror_rules(file))


def schemas_of(file: str) -> list[str]:
    names = list(load_spec(file).used_schemas())
    return names + [n for n in NOTIFICATIONS[file] if n not in names]


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param(APP_SUPPORT, None, id="spec-folder-absent")]
    return [
        pytest.param(file, name, id=f"{file.removesuffix('.yaml')}-{name}")
        for file in (APP_SUPPORT, SERVICE_MGMT)
        for name in schemas_of(file)
    ]


def _models() -> ModuleType:
    try:
        return importlib.import_module(MODELS)
    except ModuleNotFoundError as exc:
        pytest.fail(f"{MODELS} does not exist ({exc}); every MEC 011 body needs a model there")


def model_for(name: str) -> type[BaseModel]:
    model = getattr(_models(), name, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        pytest.fail(f"{MODELS} has no pydantic model {name!r} for the spec schema of that name")
    return model


@pytest.mark.parametrize(("file", "schema"), _params())
def test_model_conforms(file: str, schema: str | None) -> None:
    spec = load_spec(file)  # skips when the spec folder is absent
    assert schema is not None
    report = check(model_for(schema), spec, schema, rules(file))
    if not report.ok:
        uses = spec.used_schemas().get(schema, [])
        shown = "; ".join(str(u) for u in uses[:3]) or "notifications (callback bodies)"
        pytest.fail(f"{report}\nused by: {shown}", pytrace=False)


@pytest.mark.parametrize("file", [APP_SUPPORT, SERVICE_MGMT])
def test_rules_name_real_attributes(file: str) -> None:
    assert stale_rules(rules(file), [load_spec(file)]) == []


@pytest.mark.parametrize("file", [APP_SUPPORT, SERVICE_MGMT])
def test_every_used_schema_is_found(file: str) -> None:
    """The walk over the file finds the bodies INVENTORY §2 lists for MEC 011."""
    expected = {
        APP_SUPPORT: {
            "SubscriptionLinkList",
            "AppTerminationNotificationSubscription",
            "TimingCaps",
            "CurrentTime",
            "TrafficRule",
            "DnsRule",
            "AppTerminationConfirmation",
            "AppReadyConfirmation",
            "AppInfo",
        },
        SERVICE_MGMT: {
            "ServiceInfo",
            "TransportInfo",
            "SubscriptionLinkList",
            "SerAvailabilityNotificationSubscription",
            "ServiceLivenessInfo",
            "ServiceLivenessUpdate",
        },
    }[file]
    assert set(load_spec(file).used_schemas()) == expected
