"""Reading a subscription body into what RNIS matches events against (ETSI GS MEC 012 clause 6.3).

:func:`read_subscription` validates a request body: its ``subscriptionType`` first (missing
or not a string: 400 naming it, like any missing member; a name RNIS does not offer: 422, a
capability it does not support), then the attributes of that type (400 naming each bad one),
then the identities in its filter (cell identities, associateId values: 400 naming the
attribute). It fills in the
defaults RNIS applies, which the response then shows (clause 6.3.2: "the default value 3 =
COMPLETED shall be used and included in the response"; meclab does the same for a measurement
report subscription without triggers, which would otherwise never report: it gets the periodic
report of the strongest cells, 1 or NR_PERIODICAL).

Filter semantics, for every type: attributes combine with AND, the values of one attribute
with OR; an absent or empty list does not narrow. ``associateId`` matches a UE having any of
the identities (its address; for type 4 GTP_TEID, either end of its S1 bearer; type 3
NATED_IP_ADDRESS never matches, meclab has no NAT). ``ecgi``/``nrcgi`` match an event about
any of the cells (a cell change: its source or its target). ``appInstanceId`` identifies the
consumer: it must name an application instance of the MEC host (else 422, checked by the
service), and it does not narrow the UEs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from meclab.http.problem import ProblemError
from meclab.platform.errors import InvalidField, Unprocessable
from meclab.services.rnis import identity
from meclab.services.rnis.identity import AssociateKey, CellKey
from meclab.services.rnis.models_common import (
    AssociateId,
    Ecgi,
    HoStatus,
    Nrcgi,
    Trigger,
    TriggerNr,
)
from meclab.services.rnis.models_subscriptions import (
    SUBSCRIPTION_MODELS,
    AnySubscription,
    CaReconfSubscription,
    CellChangeSubscription,
    MeasRepUeSubscription,
    MeasTaSubscription,
    NrMeasRepUeSubscription,
    RabEstSubscription,
    RabModSubscription,
    RabRelSubscription,
    S1BearerSubscription,
)


@dataclass(frozen=True, slots=True)
class Criteria:
    """A subscription's filter, in the form events are matched against."""

    type: str
    app_instance_id: str | None = None
    associates: frozenset[AssociateKey] | None = None
    """None: any UE."""
    cells: frozenset[CellKey] | None = None
    """None: any cell."""
    ho_status: frozenset[int] = frozenset()
    triggers: tuple[int, ...] = ()
    qci: int | None = None
    erab_ids: frozenset[int] | None = None
    """None: any E-RAB."""
    s1_events: frozenset[int] = frozenset()

    def ue_matches(self, keys: Iterable[AssociateKey]) -> bool:
        return self.associates is None or not self.associates.isdisjoint(keys)

    def cells_match(self, cells: Iterable[CellKey]) -> bool:
        return self.cells is None or not self.cells.isdisjoint(cells)

    def erab_matches(self, erab_id: int, qci: int) -> bool:
        return (self.erab_ids is None or erab_id in self.erab_ids) and (
            self.qci is None or qci == self.qci
        )


def read_subscription(body: Any) -> tuple[AnySubscription, Criteria]:
    """The model of a request body, with RNIS's defaults, and its criteria (module docstring)."""
    if not isinstance(body, dict):
        raise ProblemError(
            400,
            "the body must be a JSON object: one of the subscription types",
            invalidParams=[{"name": "", "in": "body", "reason": "not an object"}],
        )
    kind = body.get("subscriptionType")
    if not isinstance(kind, str):
        reason = "required" if kind is None else "must be a string"
        raise InvalidField("subscriptionType", f"{reason}: one of {', '.join(SUBSCRIPTION_MODELS)}")
    model_type = SUBSCRIPTION_MODELS.get(kind)
    if model_type is None:
        raise Unprocessable(
            f"subscriptionType {kind!r} is not one RNIS offers; one of: "
            + ", ".join(SUBSCRIPTION_MODELS),
            invalidParams=[
                {"name": "subscriptionType", "in": "body", "reason": "unknown subscription type"}
            ],
        )
    try:
        model = model_type.model_validate(body)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors, body=body) from None
    model = with_defaults(model)
    return model, criteria_of(model)


def parse_stored(kind: str, body: dict[str, Any]) -> Criteria:
    """Criteria of a stored body (it was validated when created): for the registry's restore."""
    return criteria_of(SUBSCRIPTION_MODELS[kind].model_validate(body))


def with_defaults(model: AnySubscription) -> AnySubscription:
    """The subscription with the defaults RNIS applies written in (module docstring)."""
    if isinstance(model, CellChangeSubscription) and not model.filterCriteriaAssocHo.hoStatus:
        model.filterCriteriaAssocHo.hoStatus = [HoStatus.COMPLETED]
    elif isinstance(model, MeasRepUeSubscription) and not model.filterCriteriaAssocTri.trigger:
        model.filterCriteriaAssocTri.trigger = [Trigger.PERIODICAL_REPORT_STRONGEST_CELLS]
    elif isinstance(model, NrMeasRepUeSubscription) and not model.filterCriteriaNrMrs.triggerNr:
        model.filterCriteriaNrMrs.triggerNr = [TriggerNr.NR_PERIODICAL]
    return model


def criteria_of(model: AnySubscription) -> Criteria:
    """The criteria of a validated subscription; InvalidField for a bad identity in it."""
    kind = model.subscriptionType
    if isinstance(model, CellChangeSubscription):
        f = model.filterCriteriaAssocHo
        return Criteria(
            kind,
            f.appInstanceId,
            _associates(f.associateId, "filterCriteriaAssocHo"),
            _ecgis(f.ecgi, "filterCriteriaAssocHo"),
            ho_status=frozenset(int(s) for s in f.hoStatus or ()),
        )
    if isinstance(model, MeasRepUeSubscription):
        t = model.filterCriteriaAssocTri
        return Criteria(
            kind,
            t.appInstanceId,
            _associates(t.associateId, "filterCriteriaAssocTri"),
            _ecgis(t.ecgi, "filterCriteriaAssocTri"),
            triggers=tuple(dict.fromkeys(int(x) for x in t.trigger or ())),
        )
    if isinstance(model, NrMeasRepUeSubscription):
        n = model.filterCriteriaNrMrs
        return Criteria(
            kind,
            n.appInstanceId,
            _associates(n.associateId, "filterCriteriaNrMrs"),
            _nrcgis(n.nrcgi, "filterCriteriaNrMrs"),
            triggers=tuple(dict.fromkeys(int(x) for x in n.triggerNr or ())),
        )
    if isinstance(model, MeasTaSubscription | CaReconfSubscription):
        a = model.filterCriteriaAssoc
        return Criteria(
            kind,
            a.appInstanceId,
            _associates(a.associateId, "filterCriteriaAssoc"),
            _ecgis(a.ecgi, "filterCriteriaAssoc"),
        )
    if isinstance(model, RabEstSubscription):
        q = model.filterCriteriaQci
        return Criteria(kind, q.appInstanceId, cells=_ecgis(q.ecgi, "filterCriteriaQci"), qci=q.qci)
    if isinstance(model, RabModSubscription | RabRelSubscription):
        q1 = model.filterCriteriaQci
        return Criteria(
            kind,
            q1.appInstanceId,
            cells=_ecgis(q1.ecgi, "filterCriteriaQci"),
            qci=q1.qci,
            erab_ids=frozenset({q1.erabId}),
        )
    assert isinstance(model, S1BearerSubscription)
    s = model.S1BearerSubscriptionCriteria
    return Criteria(
        kind,
        associates=_associates(s.associateId, "S1BearerSubscriptionCriteria"),
        cells=_ecgis(s.ecgi, "S1BearerSubscriptionCriteria"),
        erab_ids=frozenset(s.erabId) if s.erabId else None,
        s1_events=frozenset(int(e) for e in model.eventType),
    )


def app_instance_field(model: AnySubscription) -> str | None:
    """Path of the filter's appInstanceId attribute, for error messages (None if it has none)."""
    for name in (
        "filterCriteriaAssocHo",
        "filterCriteriaAssocTri",
        "filterCriteriaNrMrs",
        "filterCriteriaAssoc",
        "filterCriteriaQci",
    ):
        if getattr(getattr(model, name, None), "appInstanceId", None) is not None:
            return f"{name}.appInstanceId"
    return None


def _associates(ids: list[AssociateId] | None, owner: str) -> frozenset[AssociateKey] | None:
    if not ids:
        return None
    keys = []
    for i, a in enumerate(ids):
        try:
            keys.append(identity.normalise_associate(int(a.type), a.value))
        except ValueError as exc:
            raise InvalidField(f"{owner}.associateId[{i}].value", str(exc)) from None
    return frozenset(keys)


def ecgi_key(ecgi: Ecgi) -> CellKey:
    """The key of an ECGI from a request; ValueError for a bad cell identity."""
    return CellKey(ecgi.plmn.mcc, ecgi.plmn.mnc, False, identity.parse_cell_id(ecgi.cellId, False))


def nrcgi_key(nrcgi: Nrcgi) -> CellKey:
    """The key of an NR CGI from a request; ValueError for a bad cell identity."""
    return CellKey(
        nrcgi.plmn.mcc, nrcgi.plmn.mnc, True, identity.parse_cell_id(nrcgi.nrCellId, True)
    )


def _ecgis(cells: list[Ecgi] | None, owner: str) -> frozenset[CellKey] | None:
    if not cells:
        return None
    keys = []
    for i, c in enumerate(cells):
        try:
            keys.append(ecgi_key(c))
        except ValueError as exc:
            raise InvalidField(f"{owner}.ecgi[{i}].cellId", str(exc)) from None
    return frozenset(keys)


def _nrcgis(cells: list[Nrcgi] | None, owner: str) -> frozenset[CellKey] | None:
    if not cells:
        return None
    keys = []
    for i, c in enumerate(cells):
        try:
            keys.append(nrcgi_key(c))
        except ValueError as exc:
            raise InvalidField(f"{owner}.nrcgi[{i}].nrCellId", str(exc)) from None
    return frozenset(keys)
