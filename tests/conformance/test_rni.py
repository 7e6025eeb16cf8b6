"""MEC 012 RNI bodies against the ETSI files (ETSI GS MEC 012 V2.2.1).

Every schema an operation of ``MEC012_RNI.yaml`` (v2.2.1) uses as a request, response or
callback body, plus the notifications (which that file's single callback does not name), is
checked against the class of the same name in :mod:`meclab.services.rnis.models`, with the
rules of :mod:`conformance.checker`: attribute presence and required flags from the v2.2.1 file,
shapes from the v2.1.1 mirror (``etsi-forge-mirror/``) where the v2.2.1 file is a known doc2oas
artefact. A missing class fails its schema's test; only an absent spec folder skips.
"""

from __future__ import annotations

from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, Substitute, check, stale_rules
from conformance.spec import Spec, find_specs_dir, load_spec
from meclab.services.rnis import models

RNI = "MEC012_RNI.yaml"
MIRROR = "etsi-forge-mirror/MEC012_RNI_v2.1.1.yaml"

NOTIFICATIONS = (
    "CellChangeNotification",
    "RabEstNotification",
    "RabModNotification",
    "RabRelNotification",
    "MeasRepUeNotification",
    "NrMeasRepUeNotification",
    "MeasTaNotification",
    "CaReconfNotification",
    "S1BearerNotification",
    "ExpiryNotification",
    "TestNotification",
)
"""Callback bodies, added by hand: the v2.2.1 callback declares each *subscription* type as its
body (``{subscriptionNotification: RabEstSubscription}``), a doc2oas artefact; the v2.1.1
mirror's InlineNotification lists the nine event notifications, and the GS clause 6.4 the two
others."""

PARTS = ("S1UeInfo", "S1BearerInfoDetailed")
"""Parts of the s1_bearer_info response, checked on their own against the v2.2.1 file, since
that response as a whole is checked against the mirror (see :data:`FROM_MIRROR`)."""

FROM_MIRROR = {
    "S1BearerInfo": (
        "the v2.2.1 file names the inner bearer record {erabId, enbInfo, sGwInfo} S1BearerInfo and "
        "makes it the s1_bearer_info response; the GS (clause 6.2.4) and the v2.1.1 mirror have "
        "S1BearerInfo = {timeStamp, s1UeInfo[]}"
    ),
}
"""Schemas whose v2.2.1 definition is not the body at all: checked against the mirror."""

_LINKS = (
    "doc2oas flattens the GS row '_links > subscription' into an array '_links' and a sibling "
    "'subscription'; the GS table (clause 6.4) and INVENTORY §3.5 have _links.subscription.href, "
    "as meclab sends"
)
_EVENT_NOTIFICATIONS = NOTIFICATIONS[:9]
_TYPO = (
    "the v2.2.1 CellInfo spells these with a space ('selected _preambles'); its own L2Meas1_ and "
    "the v2.1.1 mirror's CellInfo spell them without, as meclab does"
)

ALLOW: dict[str, dict[tuple[str, str] | tuple[str, str, str], str]] = {
    RNI: {
        **{(n, "_links"): _LINKS for n in _EVENT_NOTIFICATIONS},
        **{(n, "subscription"): _LINKS for n in _EVENT_NOTIFICATIONS},
        **{
            ("CellInfo", f"received_randomly_selected _preambles_{rng}_range_cell"): _TYPO
            for rng in ("low", "high")
        },
    },
    MIRROR: {
        **{
            (owner, field, "required"): (
                "the v2.1.1 mirror requires nothing here; the v2.2.1 file (S1UeInfo, "
                "S1BearerInfoDetailed, AssociateId: clause 6.2.4 and 6.5.3) requires it, as the "
                "model does"
            )
            for owner, fields in {
                "S1UeInfo": ("associateId", "ecgi", "s1BearerInfoDetailed"),
                "S1BearerInfoDetailed": ("erabId", "enbInfo", "sGwInfo"),
                "AssociateId": ("type", "value"),
            }.items()
            for field in fields
        }
    },
}
"""Known differences that are not meclab's fault, per file (see the checker's docstring)."""

ALLOW_NAMED_BY_MIRROR = {
    ("CellInfo", f"received_randomly_selected_preambles_{rng}_range_cell"): _TYPO
    for rng in ("low", "high")
}
"""Allowances for the v2.2.1 file that name attributes only the mirror has (the GS spelling of
the two attributes above), checked against the mirror by :func:`test_rules_name_real_attributes`."""


@cache
def rules(file: str) -> Rules:
    if file == MIRROR:
        return Rules(allow=ALLOW[MIRROR])
    return Rules(
        allow={**ALLOW[RNI], **ALLOW_NAMED_BY_MIRROR},
        substitutes={
            ("S1BearerNotification", "s1Event"): Substitute(
                load_spec(MIRROR),
                "S1BearerNotification",
                "the v2.2.1 file types s1Event as a string with enum [SEE_DESCRIPTION]; its "
                "description and the v2.1.1 mirror make it an integer (1 establish, 2 modify, "
                "3 release)",
            ),
        },
    )


def schemas() -> list[tuple[str, str]]:
    """(file, schema) pairs to check."""
    used = [n for n in load_spec(RNI).used_schemas() if n not in FROM_MIRROR]
    return [(RNI, n) for n in (*used, *NOTIFICATIONS, *PARTS)] + [(MIRROR, n) for n in FROM_MIRROR]


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param(RNI, None, id="spec-folder-absent")]
    return [
        pytest.param(f, n, id=f"{f.rsplit('/', 1)[-1].removesuffix('.yaml')}-{n}")
        for f, n in schemas()
    ]


def model_for(name: str) -> type[BaseModel]:
    model = getattr(models, name, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        pytest.fail(f"meclab.services.rnis.models has no pydantic model {name!r}")
    return model


@pytest.mark.parametrize(("file", "schema"), _params())
def test_model_conforms(file: str, schema: str | None) -> None:
    spec: Spec = load_spec(file)  # skips when the spec folder is absent
    assert schema is not None
    report = check(model_for(schema), spec, schema, rules(file))
    if not report.ok:
        pytest.fail(str(report), pytrace=False)


def test_rules_name_real_attributes() -> None:
    own = Rules(allow=ALLOW[RNI], substitutes=rules(RNI).substitutes)
    assert stale_rules(own, [load_spec(RNI)]) == []
    assert stale_rules(Rules(allow=ALLOW_NAMED_BY_MIRROR), [load_spec(MIRROR)]) == []
    assert stale_rules(rules(MIRROR), [load_spec(MIRROR)]) == []


def test_every_used_schema_is_found() -> None:
    """The walk over the v2.2.1 file finds the bodies INVENTORY §2 lists for MEC 012."""
    assert set(load_spec(RNI).used_schemas()) == {
        "RabInfo",
        "PlmnInfo",
        "S1BearerInfo",
        "L2Meas",
        "SubscriptionLinkList",
        "CellChangeSubscription",
        "RabEstSubscription",
        "RabModSubscription",
        "RabRelSubscription",
        "MeasRepUeSubscription",
        "NrMeasRepUeSubscription",
        "MeasTaSubscription",
        "CaReconfSubscription",
        "S1BearerSubscription",
    }
