"""The control API's relocations: application mobility procedures as the operator sees them.

Every procedure the mobility manager ran since the world was loaded, with each step's time,
and the policy it follows::

    GET /meclab/v1/relocations                 every procedure, newest first (?ue=, ?state=)
    GET /meclab/v1/relocations/policy          the relocation policy
    PUT /meclab/v1/relocations/policy          replace it (400 naming a bad field)
    GET /meclab/v1/relocations/{id}            one procedure
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from meclab.http.body import body_doc, json_body
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.mobility.manager import Mobility
from meclab.mobility.policy import MobilityPolicy
from meclab.mobility.procedure import State

PATH = "/relocations"


def build_relocations_router(mobility: Mobility, prefix: str) -> APIRouter:
    """The relocation routes under ``prefix`` (the control API's, ``/meclab/v1``)."""
    router = PrefixedRouter(
        prefix=prefix + PATH,
        tags=["meclab relocations"],
        dependencies=[Depends(reject_unknown_query)],
    )

    @router.get("", summary="Every relocation procedure, newest first")
    async def list_relocations(
        ue: Annotated[str | None, Query(description="only this terminal's")] = None,
        state: Annotated[State | None, Query(description="only those in this state")] = None,
    ) -> list[dict[str, Any]]:
        found = sorted(mobility.procedures.values(), key=lambda p: p.started, reverse=True)
        return [
            p.to_dict()
            for p in found
            if (ue is None or p.ue == ue) and (state is None or p.state is state)
        ]

    @router.get("/policy", response_model=MobilityPolicy, summary="The relocation policy")
    async def get_policy() -> MobilityPolicy:
        return mobility.policy

    @router.put(
        "/policy",
        response_model=MobilityPolicy,
        summary="Replace the relocation policy",
        openapi_extra=body_doc(MobilityPolicy),
    )
    async def put_policy(
        policy: Annotated[MobilityPolicy, Depends(json_body(MobilityPolicy))],
    ) -> MobilityPolicy:
        mobility.set_policy(policy)
        return policy

    @router.get("/{procedure_id}", summary="One relocation procedure with its steps")
    async def get_relocation(procedure_id: str) -> dict[str, Any]:
        return mobility.procedure(procedure_id).to_dict()

    return router
