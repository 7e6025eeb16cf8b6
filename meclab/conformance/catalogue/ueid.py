"""MEC 014 UE identity (base ``/ui/v1``): an app instance's UE identity tags."""

from __future__ import annotations

from meclab.conformance.catalogue.model import Api, Operation, schemas
from meclab.conformance.schema import Schema, req

C = "MEC 014 §"
PATH = "/{appInstanceId}/ue_identity_tag_info"

UEID = Api(
    key="ueid",
    title="MEC 014 UE identity",
    spec="ETSI GS MEC 014",
    base="/ui/v1",
    probe="/conformance-probe/ue_identity_tag_info?ueIdentityTag=probe",
    probe_missing_ok=True,
    operations={
        "tags": Operation("GET", PATH, 200, f"{C}7 ue_identity_tag_info GET", "UeIdentityTagInfo"),
        "register": Operation(
            "PUT",
            PATH,
            200,
            f"{C}7 ue_identity_tag_info PUT",
            "UeIdentityTagInfo",
            conditional=True,
        ),
    },
    schemas=schemas(
        Schema(
            "UeIdentityTag", f"{C}6.2.2", req("ueIdentityTag"), req("state", "integer", enum=(0, 1))
        ),
        Schema(
            "UeIdentityTagInfo", f"{C}6.2.2", req("ueIdentityTags", "array", schema="UeIdentityTag")
        ),
    ),
)
