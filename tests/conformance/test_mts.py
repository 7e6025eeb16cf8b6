"""MEC 015 MTS (v2.2.1) bodies against the ETSI file ``MEC015_MTS.yaml``.

Each schema an MTS operation uses as a body is checked against meclab's model of it
(:mod:`conformance.checker`); the file wraps single-object bodies (INVENTORY §3.10), which
the checker unwraps. Only an absent spec folder skips.
"""

from __future__ import annotations

from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, check, stale_rules
from conformance.spec import find_specs_dir, load_spec
from meclab.services.mts import models

MTS = "MEC015_MTS.yaml"

ALLOW: dict[tuple[str, str] | tuple[str, str, str], str] = {}
"""Known differences, with their reasons (checker module docstring)."""

CHECKS: list[tuple[str, str, type[BaseModel]]] = [
    (MTS, "MtsCapabilityInfo", models.MtsCapabilityInfo),
    (MTS, "MtsSessionInfo", models.MtsSessionInfo),
]


@cache
def rules() -> Rules:
    return Rules(allow=ALLOW)


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param(MTS, "", BaseModel, id="spec-folder-absent")]
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
    assert stale_rules(rules(), [load_spec(MTS)]) == []


def test_every_body_schema_is_checked() -> None:
    """Every schema the file uses as a body has a check above (a new one would show here)."""
    used = set(load_spec(MTS).used_schemas())
    assert used == {schema for _, schema, _ in CHECKS}
