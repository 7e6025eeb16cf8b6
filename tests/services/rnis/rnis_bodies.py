"""Requests and expected bodies of the RNIS tests (the worlds they refer to: :mod:`rnis_lab`)."""

from __future__ import annotations

from typing import Any

from receiver import Receiver
from rnis_lab import Lab, ecgi, ipv4

RAB_INFO = "/rni/v2/queries/rab_info"
S1 = "/rni/v2/queries/s1_bearer_info"
L2 = "/rni/v2/queries/layer2_meas"
PLMN_INFO = "/rni/v2/queries/plmn_info"
SUBS = "/rni/v2/subscriptions"

PEAK = {"erabMbrDl": 150_000_000, "erabMbrUl": 50_000_000, "erabGbrDl": 0, "erabGbrUl": 0}
"""An E-RAB whose path nothing limits: the LTE carrier's peak (20 MHz x 7.5 / 2.5 bit/s/Hz)."""
QOS_PEAK = {"qci": 9, "qosInformation": PEAK}

EXAMPLES: dict[str, dict[str, Any]] = {
    "CellChangeSubscription": {"filterCriteriaAssocHo": {"hoStatus": [3]}},
    "RabEstSubscription": {"filterCriteriaQci": {"qci": 9}},
    "RabModSubscription": {"filterCriteriaQci": {"erabId": 5, "qci": 9}},
    "RabRelSubscription": {"filterCriteriaQci": {"erabId": 5, "qci": 9}},
    "MeasRepUeSubscription": {"filterCriteriaAssocTri": {"trigger": [12]}},
    "NrMeasRepUeSubscription": {"filterCriteriaNrMrs": {"triggerNr": [1]}},
    "MeasTaSubscription": {"filterCriteriaAssoc": {"associateId": [ipv4(1)]}},
    "CaReconfSubscription": {"filterCriteriaAssoc": {"ecgi": [ecgi("000001A")]}},
    "S1BearerSubscription": {"eventType": [1, 3], "S1BearerSubscriptionCriteria": {}},
}
"""The type-specific part of one body of each type, in the form RNIS returns it."""


def sub_body(kind: str, receiver: Receiver, path: str, **fields: Any) -> dict[str, Any]:
    """A subscription request delivering to ``receiver`` at ``path``."""
    return {"subscriptionType": kind, "callbackReference": receiver.url(path), **fields}


def links(sub: dict[str, Any]) -> dict[str, Any]:
    """The ``_links`` of a notification sent for subscription resource ``sub``."""
    return {"subscription": {"href": sub["_links"]["self"]["href"]}}


async def delivered(lab: Lab, receiver: Receiver, path: str | None = None) -> list[Any]:
    """What ``receiver`` received (at ``path``, or all), once every queued notification went out."""
    await lab.settle()
    return receiver.bodies(path)


def ue_info(n: int, qos: dict[str, Any] = QOS_PEAK) -> dict[str, Any]:
    """RabInfo's entry for terminal ``acr:10.0.0.n`` and its default bearer."""
    return {"associateId": [ipv4(n)], "erabInfo": [{"erabId": 5, "erabQosParameters": qos}]}


def s1_info(n: int, enb: str) -> dict[str, Any]:
    """The S1 bearer of terminal number ``n``: its TEIDs are (n << 4) | E-RAB 5, the eNB's with
    the top bit set; the operator's S-GW is 172.24.0.1."""
    number = (n << 4) | 5
    return {
        "erabId": 5,
        "enbInfo": {"ipAddress": enb, "tunnelId": f"{number | 0x80000000:08X}"},
        "sGwInfo": {"ipAddress": "172.24.0.1", "tunnelId": f"{number:08X}"},
    }


def s1_ue(n: int, enb: str, cell_id: str = "000001A") -> dict[str, Any]:
    """S1BearerInfo's entry for terminal number ``n`` on a cell whose eNB is at ``enb``."""
    return {
        "tempUeId": {"mmec": "01", "mtmsi": f"{n:08X}"},
        "associateId": [ipv4(n)],
        "ecgi": [ecgi(cell_id)],
        "s1BearerInfoDetailed": [s1_info(n, enb)],
    }
