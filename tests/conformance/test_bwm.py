"""MEC 015 BWM (v2.2.1) bodies against the ETSI file ``MEC015_BWM.yaml``.

Each schema a BWM operation uses as a body is checked against meclab's model of it
(:mod:`conformance.checker`); the file wraps single-object bodies (INVENTORY §3.10), which
the checker unwraps. Only an absent spec folder skips.
"""

from __future__ import annotations

from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, check, stale_rules
from conformance.spec import find_specs_dir, load_spec
from meclab.services.bwm import models

BWM = "MEC015_BWM.yaml"

PORTS = (
    "a list of port strings, as the first-party etsi-forge-mirror/MEC015_BWM_v2.1.1.yaml has "
    "them (cardinality 0..N; the v2.2.1 harvest flattens them to one string)"
)
ALLOW: dict[tuple[str, str] | tuple[str, str, str], str] = {
    **{
        (schema, port, "type"): PORTS
        for schema in ("SessionFilter", "SessionFilter1")
        for port in ("sourcePort", "dstPort")
    },
    ("BwInfoDeltas", "allocationId", "required"): (
        "optional, as in etsi-forge-mirror/MEC015_BWM_v2.1.1.yaml (required: appInsId, "
        "requestType only): the path names the allocation; when given it must be the path's"
    ),
}
"""Known differences, with their reasons (checker module docstring)."""

CHECKS: list[tuple[str, str, type[BaseModel]]] = [
    (BWM, "BwInfo", models.BwInfo),
    (BWM, "BwInfoDeltas", models.BwInfoDeltas),
]


@cache
def rules() -> Rules:
    return Rules(allow=ALLOW)


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param(BWM, "", BaseModel, id="spec-folder-absent")]
    return [
        pytest.param(file, schema, model, id=f"{file.removesuffix('.yaml')}-{schema}")
        for file, schema, model in CHECKS
    ]


@pytest.mark.parametrize(("file", "schema", "model"), _params())
def test_model_conforms(file: str, schema: str, model: type[BaseModel]) -> None:
    spec = load_spec(file)  # skips when the spec folder is absent
    report = check(model, spec, schema, rules())
    if not report.ok:
        pytest.fail(str(report), pytrace=False)


def test_rules_name_real_attributes() -> None:
    assert stale_rules(rules(), [load_spec(BWM)]) == []


def test_every_body_schema_is_checked() -> None:
    """Every schema the file uses as a body has a check above (a new one would show here)."""
    used = set(load_spec(BWM).used_schemas())
    assert used == {schema for _, schema, _ in CHECKS}
