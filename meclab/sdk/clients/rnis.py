"""ETSI GS MEC 012 V2.2.1 Radio Network Information (``/rni/v2``, clause 7), as a client.

Every operation of the API, typed with the bodies the server uses:

=======================================  ====================================================
queries (clauses 7.3 to 7.5a)            :meth:`~RnisClient.rab_info`, ``plmn_info``,
                                         ``s1_bearer_info``, ``layer2_meas``
subscriptions (clauses 7.6, 7.7)         ``subscriptions``, ``subscribe``, ``subscription``,
                                         ``update_subscription``, ``unsubscribe``
=======================================  ====================================================

Query filters are keyword arguments named as the GS's query parameters; a sequence repeats the
parameter (``cell_id=["1A", "1B"]``), and filters combine with AND. A subscription is any of the
nine types of :data:`~meclab.services.rnis.models_subscriptions.AnySubscription`; it is named by
its URL (the ``Location`` of its creation, or an ``href`` of the subscription list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

from meclab.sdk.clients.subscribing import TypedSubscriptions
from meclab.sdk.http import HttpClient, Params
from meclab.services.rnis.models import L2Meas, PlmnInfo, RabInfo, S1BearerInfo
from meclab.services.rnis.models_common import SubscriptionLinkList
from meclab.services.rnis.models_subscriptions import (
    SHORT_TYPES,
    SUBSCRIPTION_MODELS,
    AnySubscription,
)

BASE = "/rni/v2"

Texts = str | Sequence[str] | None
Numbers = int | Sequence[int] | None


class UeFilters(TypedDict, total=False):
    """The UE address filters of every query but plmn_info (clause 7.3.3.1): UEs whose
    associateId is one of these."""

    ue_ipv4_address: Texts
    ue_ipv6_address: Texts
    nated_ip_address: Texts
    gtp_teid: Texts


class RabFilters(UeFilters, total=False):
    """The filters of ``rab_info`` (clause 7.3.3.1)."""

    app_ins_id: str | None
    cell_id: Texts
    erab_id: Numbers
    qci: Numbers
    erab_mbr_dl: Numbers
    erab_mbr_ul: Numbers
    erab_gbr_dl: Numbers
    erab_gbr_ul: Numbers


class S1Filters(UeFilters, total=False):
    """The filters of ``s1_bearer_info`` (clause 7.5.3.1)."""

    temp_ue_id: Texts
    cell_id: Texts
    erab_id: Numbers


class L2Filters(UeFilters, total=False):
    """The filters of ``layer2_meas`` besides the figures (clause 7.5a.3.1)."""

    app_ins_id: str | None
    cell_id: Texts


class RnisClient(TypedSubscriptions[SubscriptionLinkList, AnySubscription]):
    """MEC 012 RNI on the platform ``http`` speaks to."""

    BASE = BASE
    MODELS = SUBSCRIPTION_MODELS
    SHORT_TYPES = SHORT_TYPES
    LIST_MODEL = SubscriptionLinkList

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    # --- queries -------------------------------------------------------------------------

    async def rab_info(self, **filters: Unpack[RabFilters]) -> RabInfo:
        """The E-RABs of the UEs on the platform's cells, filtered (see :class:`RabFilters`)."""
        return await self.http.get(f"{BASE}/queries/rab_info", RabInfo, params=_params(filters))

    async def plmn_info(self, app_ins_id: str | Sequence[str]) -> list[PlmnInfo]:
        """The mobile network each named application instance is associated with."""
        return await self.http.get_list(
            f"{BASE}/queries/plmn_info", PlmnInfo, params={"app_ins_id": app_ins_id}
        )

    async def s1_bearer_info(self, **filters: Unpack[S1Filters]) -> S1BearerInfo:
        """The S1 bearers of the UEs on the platform's cells; MecApiError 404 when none
        matches (the body needs one at least, clause 6.2.4)."""
        return await self.http.get(
            f"{BASE}/queries/s1_bearer_info", S1BearerInfo, params=_params(filters)
        )

    async def layer2_meas(
        self,
        figures: Mapping[str, Numbers] | None = None,
        **filters: Unpack[L2Filters],
    ) -> L2Meas:
        """Layer 2 measurements of the platform's cells and their UEs.

        ``figures`` filters on measurement values by their names (``{"dl_gbr_prb_usage_cell":
        [10, 20]}``: cells whose figure is one of these; ``*_ue`` names select UE entries).
        """
        params = {**(figures or {}), **_params(filters)}
        return await self.http.get(f"{BASE}/queries/layer2_meas", L2Meas, params=params)


def _params(filters: Mapping[str, Any]) -> Params:
    return dict(filters)
