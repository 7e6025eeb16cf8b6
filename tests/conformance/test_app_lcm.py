"""MEC 010-2 lifecycle and granting bodies against the ETSI files.

Every schema that an operation of ``MEC010-2_AppLcm.yaml`` or ``MEC010-2_AppGrant.yaml``
(v3.1.1) uses as a request, response or callback body, and the four notifications, are checked
against the class of the same name in :mod:`meclab.services.app_lcm.models` and
:mod:`meclab.services.granting.models` with the rules of :mod:`conformance.checker`. A missing
class fails its schema's test; only an absent spec folder skips.
"""

from __future__ import annotations

import importlib
from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, check, stale_rules
from conformance.spec import find_specs_dir, load_spec

LCM = "MEC010-2_AppLcm.yaml"
GRANT = "MEC010-2_AppGrant.yaml"
MODELS = {LCM: "meclab.services.app_lcm.models", GRANT: "meclab.services.granting.models"}

NOTIFICATIONS = {
    LCM: (
        "AppInstNotification",
        "AppLcmOpOccNotification",
        "AppInstanceIdentifierCreationNotification",
        "AppInstanceIdentifierDeletionNotification",
    ),
    GRANT: (),
}
"""Notification bodies, added by hand: the v3.1.1 callback declares the *subscription* request
types as its body (a doc2oas artefact); its user_defined_notification path lists only the first
of the four (INVENTORY §2, MEC010-2_AppLcm notes)."""

APPD_PART = (
    "an AppD part, passed through as a JSON object and validated by the lifecycle with the AppD "
    "models of meclab.lifecycle.appd (models module docstring)"
)

ALLOW: dict[str, dict[tuple[str, str] | tuple[str, str, str], str]] = {
    LCM: {
        **{
            ("InstantiateAppRequest", name, "type"): APPD_PART
            for name in (
                "virtualComputeDescriptor",
                "osContainerDescriptor[]",
                "virtualStorageDescriptor[]",
            )
        },
        **{
            ("ConfigPlatformForAppRequest", name, "type"): APPD_PART
            for name in (
                "appServiceRequired[]",
                "appServiceOptional[]",
                "appServiceProduced[]",
                "appFeatureRequired[]",
                "appFeatureOptional[]",
                "transportDependencies[]",
                "appTrafficRule[]",
                "appDNSRule[]",
                "appLatency",
                "userContextTransferCapability",
                "appNetworkPolicy",
            )
        },
        ("InstantiateAppRequest", "appTermCandsForCoord", "type"): (
            "pre-emption candidates (clause 5.3.1 step 3): meclab never pre-empts, so it keeps "
            "the object as given"
        ),
        ("LocationInformation", "civicAddress", "type"): (
            "meclab places instances on hosts with coordinates only; a civic address is kept "
            "as given"
        ),
        ("LocationConstraints", "civicAddressElement[]", "type"): (
            "location constraints by civic address are kept as given (meclab places by "
            "latency and users)"
        ),
        ("AppLcmOpOcc", "operationParams", "type"): (
            "the file refers to InstantiateAppRequest only, yet its description says the "
            "attribute is InstantiateAppRequest, OperateAppRequest or TerminateAppRequest after "
            "lcmOperation; the model is that union, and each member is checked on its own"
        ),
        ("CancelMode", "CancelMode", "enum"): (
            "FORCEFUL is accepted too: AppLcmOpOcc.cancelMode's own description and NFV-SOL 013 "
            "use that word for FORCED; it is stored as FORCED"
        ),
    },
    GRANT: {
        ("Grant", "extVirtualLinks[]", "type"): (
            "external virtual links of a VIM: meclab has none to grant and never sets it"
        ),
    },
}


EXTENSIONS: dict[str, dict[tuple[str, str], str]] = {
    LCM: {
        ("AppLcmOpOcc", "error"): (
            "meclab's addition (as NFV-SOL 003 VnfLcmOpOcc.error): why an operation failed, "
            "which MEC 010-2 has no attribute for"
        ),
    },
    GRANT: {},
}
"""Attributes meclab adds, which the file does not have (and must not come to have unnoticed)."""


@cache
def rules(file: str, extensions: bool = True) -> Rules:
    added = {(*key, "presence"): why for key, why in EXTENSIONS[file].items()}
    return Rules(allow={**ALLOW[file], **(added if extensions else {})})


def schemas_of(file: str) -> list[str]:
    names = list(load_spec(file).used_schemas())
    return names + [n for n in NOTIFICATIONS[file] if n not in names]


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param(LCM, None, id="spec-folder-absent")]
    return [
        pytest.param(file, name, id=f"{file.removesuffix('.yaml')}-{name}")
        for file in (LCM, GRANT)
        for name in schemas_of(file)
    ]


def model_for(file: str, name: str) -> type[BaseModel]:
    module = importlib.import_module(MODELS[file])
    model = getattr(module, name, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        pytest.fail(f"{MODELS[file]} has no pydantic model {name!r} for the spec schema")
    return model


@pytest.mark.parametrize(("file", "schema"), _params())
def test_model_conforms(file: str, schema: str | None) -> None:
    spec = load_spec(file)  # skips when the spec folder is absent
    assert schema is not None
    report = check(model_for(file, schema), spec, schema, rules(file))
    if not report.ok:
        pytest.fail(str(report), pytrace=False)


@pytest.mark.parametrize("file", [LCM, GRANT])
def test_rules_name_real_attributes(file: str) -> None:
    spec = load_spec(file)
    assert stale_rules(rules(file, extensions=False), [spec]) == []
    for schema, name in EXTENSIONS[file]:
        assert name not in spec.schema(schema).get("properties", {}), (schema, name)


def test_every_operation_is_served() -> None:
    """The 18 operations of the v3.1.1 AppLcm file and the 2 of AppGrant, each a route."""
    from meclab.services.app_lcm.routes import build_router as lcm_router
    from meclab.services.granting.routes import build_router as grant_router

    class Stub:  # building the routers only keeps references to these
        lifecycle = urls = None

        class platforms:
            subscriptions = None

    served = {
        (method, route.path)
        for router in (lcm_router(Stub()), grant_router(Stub()))  # type: ignore[arg-type]
        for route in router.routes
        for method in getattr(route, "methods", ())
    }
    for file, base in ((LCM, "/app_lcm/v1"), (GRANT, "/granting/v1")):
        operations = list(load_spec(file).operations(callbacks=False))
        wanted = {(op.method.upper(), f"{base}{op.path}") for op in operations}
        assert len(wanted) == {LCM: 18, GRANT: 2}[file]
        assert wanted <= served, sorted(wanted - served)
