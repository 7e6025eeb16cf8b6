"""The representations of app_lcm/v1 resources, from the lifecycle's records.

An application instance's ``_links`` name a task only when that task is possible in its state
(MEC 010-2 v3.1.1 AppInstanceInfo ``_links``): instantiate while NOT_INSTANTIATED; terminate,
operate and configure_platform_for_app while INSTANTIATED.
"""

from __future__ import annotations

from typing import Any

from meclab.lifecycle.records import InstantiationState, LcmInstance, LcmOperation, OpOcc
from meclab.platform.platform import Platforms
from meclab.services.app_lcm.models import (
    AppInstanceInfo,
    AppInstanceLinks,
    AppLcmOpOcc,
    AppLcmOpOccLinks,
    CancelMode,
    CommunicationInterface,
    InstantiateAppRequest,
    InstantiatedAppState,
    IpAddress,
    LinkType,
    OperateAppRequest,
    ProblemDetails,
    TerminateAppRequest,
    TimeStamp,
)

BASE_PATH = "/app_lcm/v1"

PARAMS_MODELS = {
    LcmOperation.INSTANTIATE: InstantiateAppRequest,
    LcmOperation.OPERATE: OperateAppRequest,
    LcmOperation.TERMINATE: TerminateAppRequest,
}


class Urls:
    """Absolute URLs of the API's resources (served once, at the API root)."""

    def __init__(self, platforms: Platforms) -> None:
        self.platforms = platforms

    @property
    def base(self) -> str:
        return f"{self.platforms.base_url}{self.platforms.api_root}{BASE_PATH}"

    def instance(self, instance_id: str) -> str:
        return f"{self.base}/app_instances/{instance_id}"

    def occurrence(self, op_id: str) -> str:
        return f"{self.base}/app_lcm_op_occs/{op_id}"

    def subscriptions(self) -> str:
        return f"{self.base}/subscriptions"


def instance_info(urls: Urls, inst: LcmInstance) -> dict[str, Any]:
    """The AppInstanceInfo of an instance."""
    href = urls.instance(inst.id)
    instantiated = inst.instantiation_state is InstantiationState.INSTANTIATED

    def task(name: str, possible: bool) -> LinkType | None:
        return LinkType(href=f"{href}/{name}") if possible else None

    links = AppInstanceLinks(
        self=LinkType(href=href),
        instantiate=task("instantiate", not instantiated),
        terminate=task("terminate", instantiated),
        operate=task("operate", instantiated),
        configure_platform_for_app=task("configure_platform_for_app", instantiated),
    )
    state = None
    if instantiated and inst.operational_state is not None:
        state = InstantiatedAppState(operationalState=inst.operational_state)
    interface = None
    if instantiated and inst.endpoint is not None:
        host, port = inst.endpoint
        interface = CommunicationInterface(ipAddresses=[IpAddress(host=host, port=port)])
    return AppInstanceInfo(
        id=inst.id,
        appInstanceName=inst.name,
        appInstanceDescription=inst.description,
        appDId=inst.app_d_id,
        appProvider=inst.app_provider,
        appName=inst.app_name,
        appSoftVersion=inst.app_soft_version,
        appDVersion=inst.app_d_version,
        appPkgId=inst.app_pkg_id,
        instantiationState=inst.instantiation_state,
        instantiatedAppState=state,
        communicationInterface=interface,
        links=links,
    ).wire()


def op_occ(urls: Urls, op: OpOcc) -> dict[str, Any]:
    """The AppLcmOpOcc of an operation occurrence."""
    params = None
    if op.params is not None:
        params = PARAMS_MODELS[op.operation].model_validate(op.params)
    return AppLcmOpOcc(
        id=op.id,
        operationState=op.state,
        stateEnteredTime=TimeStamp.of(op.state_entered_time),
        startTime=TimeStamp.of(op.start_time),
        lcmOperation=op.operation,
        operationParams=params,
        isCancelPending=op.is_cancel_pending,
        cancelMode=(
            CancelMode(CancelMode=op.cancel_mode)  # type: ignore[arg-type]
            if op.is_cancel_pending and op.cancel_mode
            else None
        ),
        error=ProblemDetails.model_validate(op.error) if op.error is not None else None,
        links=AppLcmOpOccLinks(
            self=LinkType(href=urls.occurrence(op.id)),
            appInstance=LinkType(href=urls.instance(op.instance_id)),
        ),
    ).wire()
