"""The control API's deployments: the operator's view of the MEC 010-2 lifecycle.

``meclab app ...`` uses these; they do what the ETSI lifecycle API (``app_lcm/v1``) does, in
fewer steps (create and instantiate are one request), plus what the ETSI API has no resource
for: where each instance runs now, its process and its output::

    GET    /meclab/v1/deployments                       every instance of every package
    POST   /meclab/v1/deployments                       create + instantiate (202)
    GET    /meclab/v1/deployments/{id}                  one instance
    DELETE /meclab/v1/deployments/{id}                  forget a terminated instance (204)
    POST   /meclab/v1/deployments/{id}/operate          stop, start, terminate (202)
    GET    /meclab/v1/deployments/{id}/logs?tail=N      its process's output
    GET    /meclab/v1/deployments/operations/{op}       one operation occurrence
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from meclab.control.deployment_wire import (
    DeploymentInfo,
    DeployRequest,
    OperateRequest,
    OperationInfo,
    OperationStarted,
    ProcessInfo,
)
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.lifecycle.manager import Lifecycle
from meclab.lifecycle.records import LcmInstance, OpOcc

PATH = "/deployments"


def operation_info(op: OpOcc) -> OperationInfo:
    return OperationInfo(
        id=op.id,
        operation=op.operation.value,
        state=op.state.value,
        start_time=op.start_time,
        state_entered_time=op.state_entered_time,
        record=list(op.record),
        error=op.error,
    )


def deployment_info(lifecycle: Lifecycle, instance: LcmInstance) -> DeploymentInfo:
    status = lifecycle.backend.status(instance.id)
    platform_app = lifecycle.platforms.apps.get(instance.id)
    latest = max(
        (o for o in lifecycle.occurrences() if o.instance_id == instance.id),
        key=lambda o: o.start_time,
        default=None,
    )
    return DeploymentInfo(
        id=instance.id,
        name=instance.name,
        app_d_id=instance.app_d_id,
        app_name=instance.app_name,
        app_provider=instance.app_provider,
        version=instance.app_soft_version,
        instantiation_state=instance.instantiation_state.value,
        operational_state=instance.operational_state.value if instance.operational_state else None,
        host=instance.host,
        address=instance.address,
        endpoint=f"{instance.endpoint[0]}:{instance.endpoint[1]}" if instance.endpoint else None,
        platform_state=platform_app.state.value if platform_app is not None else None,
        process=None
        if status is None
        else ProcessInfo(
            pid=status.pid,
            running=status.running,
            restarts=status.restarts,
            returncode=status.returncode,
        ),
        operation=operation_info(latest) if latest is not None else None,
    )


def build_deployments_router(lifecycle: Lifecycle, prefix: str) -> APIRouter:
    """The deployments routes under ``prefix`` (the control API's, ``/meclab/v1``)."""
    router = PrefixedRouter(
        prefix=prefix + PATH,
        tags=["meclab deployments"],
        dependencies=[Depends(reject_unknown_query)],
    )

    def started(instance: LcmInstance, op: OpOcc, response: Response) -> OperationStarted:
        url = f"{prefix}{PATH}/operations/{op.id}"
        response.headers["Location"] = url
        return OperationStarted(
            deployment=deployment_info(lifecycle, instance),
            operation=operation_info(op),
            operation_url=url,
        )

    @router.get("", response_model=list[DeploymentInfo], summary="Every deployed instance")
    async def list_deployments() -> list[DeploymentInfo]:
        return [deployment_info(lifecycle, i) for i in lifecycle.instances()]

    @router.post(
        "",
        response_model=OperationStarted,
        status_code=202,
        summary="Create an instance of an onboarded package and instantiate it",
        responses={404: {"description": "No such package"}, 409: {"description": "Refused"}},
    )
    async def deploy(body: DeployRequest, response: Response) -> OperationStarted:
        request = {"selectedMECHostInfo": [{"hostId": body.host}] if body.host else []}
        lifecycle.hosts_asked(request)  # an unknown host is refused before anything is created
        instance = await lifecycle.create(body.app_d_id, body.name, users=body.users)
        try:
            op = await lifecycle.instantiate(instance.id, request)
        except Exception:
            await lifecycle.delete(instance.id)  # nothing is left behind by a refused request
            raise
        return started(instance, op, response)

    @router.get(
        "/operations/{op_id}", response_model=OperationInfo, summary="One operation occurrence"
    )
    async def get_operation(op_id: str) -> OperationInfo:
        return operation_info(lifecycle.occurrence(op_id))

    @router.get("/{instance_id}", response_model=DeploymentInfo, summary="One deployed instance")
    async def get_deployment(instance_id: str) -> DeploymentInfo:
        return deployment_info(lifecycle, lifecycle.instance(instance_id))

    @router.delete("/{instance_id}", status_code=204, summary="Forget a terminated instance")
    async def delete_deployment(instance_id: str) -> Response:
        await lifecycle.delete(instance_id)
        return Response(status_code=204)

    @router.post(
        "/{instance_id}/operate",
        response_model=OperationStarted,
        status_code=202,
        summary="Stop, start or terminate an instance",
    )
    async def operate(
        instance_id: str, body: OperateRequest, response: Response
    ) -> OperationStarted:
        instance = lifecycle.instance(instance_id)
        graceful = body.graceful_timeout_s > 0
        if body.action == "terminate":
            op = await lifecycle.terminate(
                instance_id,
                {
                    "terminationType": "GRACEFUL" if graceful else "FORCEFUL",
                    "gracefulTerminationTimeout": body.graceful_timeout_s,
                },
            )
        else:
            request: dict[str, object] = {
                "changeStateTo": "STARTED" if body.action == "start" else "STOPPED"
            }
            if body.action == "stop":
                request["stopType"] = "GRACEFUL" if graceful else "FORCEFUL"
                request["gracefulStopTimeout"] = body.graceful_timeout_s
            op = await lifecycle.operate(instance_id, request)
        return started(instance, op, response)

    @router.get("/{instance_id}/logs", summary="The instance's process output")
    async def logs(
        instance_id: str, tail: Annotated[int | None, Query(ge=1, le=100_000)] = None
    ) -> dict[str, list[str]]:
        return {"lines": lifecycle.logs(instance_id, tail)}

    return router
