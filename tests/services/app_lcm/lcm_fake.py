"""A small, faithful lifecycle for the app_lcm/v1 and granting/v1 route tests.

It implements :class:`~meclab.services.app_lcm.port.LcmPort` and
:class:`~meclab.services.granting.port.GrantPort` over dicts: packages are given by the test,
every operation runs at once through STARTING, PROCESSING and COMPLETED (telling the change
listeners at each step, as the lifecycle manager does), unless ``outcome`` says it stops in
PROCESSING (``"hold"``, to cancel it) or fails temporarily (``"fail_temp"``, to fail or retry it).
State rules are MEC 010-2's: instantiate a NOT_INSTANTIATED instance, terminate and operate an
INSTANTIATED one, delete only a NOT_INSTANTIATED one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Literal

from meclab.lifecycle.records import (
    InstantiationState,
    LcmInstance,
    LcmOperation,
    OperationalState,
    OperationState,
    OpOcc,
)
from meclab.platform.errors import Conflict, InvalidField, NotFound
from meclab.services.app_lcm.models import InstantiateAppRequest
from meclab.services.app_lcm.port import ChangeListener

ONGOING = (OperationState.STARTING, OperationState.PROCESSING, OperationState.FAILED_TEMP)


@dataclass
class Package:
    app_d_id: str
    app_name: str
    app_provider: str
    app_soft_version: str = "1.0"
    app_d_version: str = "1"
    enabled: bool = True

    @property
    def pkg_id(self) -> str:
        return f"pkg-{self.app_d_id}"


class FakeLifecycle:
    """LcmPort and GrantPort over dicts (module docstring)."""

    def __init__(self, hosts: list[str], packages: list[Package], now: float = 1.7e9) -> None:
        self.hosts = hosts
        self.packages = {p.app_d_id: p for p in packages}
        self.now = now
        self.outcome: Literal["complete", "hold", "fail_temp"] = "complete"
        self.insts: dict[str, LcmInstance] = {}
        self.ops: dict[str, OpOcc] = {}
        self.grants: dict[str, dict[str, Any]] = {}
        self.configured: dict[str, dict[str, Any]] = {}
        self.cancelled: dict[str, str] = {}
        self.listeners: list[ChangeListener] = []
        self._ids = itertools.count(1)

    # --- helpers ----------------------------------------------------------------------------

    def _next(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    async def _tell(self, kind: str, inst: LcmInstance, op: OpOcc | None = None) -> None:
        for listener in self.listeners:
            await listener(kind, inst, op)

    async def _enter(self, op: OpOcc, state: OperationState) -> None:
        op.state = state
        self.now += 1
        op.state_entered_time = self.now
        await self._tell("op_state", self.insts[op.instance_id], op)

    async def _run(self, inst: LcmInstance, operation: LcmOperation, params: dict) -> OpOcc:
        op = OpOcc(
            id=self._next("op"),
            instance_id=inst.id,
            operation=operation,
            state=OperationState.STARTING,
            start_time=self.now,
            state_entered_time=self.now,
            params=params,
        )
        self.ops[op.id] = op
        await self._tell("op_state", inst, op)
        await self._progress(op)
        return op

    async def _progress(self, op: OpOcc) -> None:
        await self._enter(op, OperationState.PROCESSING)
        if self.outcome == "hold":
            return
        if self.outcome == "fail_temp":
            op.error = {"status": 409, "detail": "the fake was told to fail"}
            await self._enter(op, OperationState.FAILED_TEMP)
            return
        inst = self.insts[op.instance_id]
        self._apply(inst, op)
        await self._tell("instance_state", inst, op)
        await self._enter(op, OperationState.COMPLETED)

    def _apply(self, inst: LcmInstance, op: OpOcc) -> None:
        params = op.params or {}
        if op.operation is LcmOperation.INSTANTIATE:
            hosts = InstantiateAppRequest.model_validate(params).hosts() or self.hosts
            inst.instantiation_state = InstantiationState.INSTANTIATED
            inst.operational_state = OperationalState.STARTED
            inst.host = hosts[0]
            inst.endpoint = ("127.0.0.1", 40000 + len(self.ops))
        elif op.operation is LcmOperation.OPERATE:
            inst.operational_state = OperationalState(params["changeStateTo"])
        else:
            inst.instantiation_state = InstantiationState.NOT_INSTANTIATED
            inst.operational_state = None
            inst.host = inst.endpoint = None

    def _instantiated(self, inst: LcmInstance) -> None:
        if inst.instantiation_state is not InstantiationState.INSTANTIATED:
            raise Conflict(f"application instance {inst.id} is not instantiated")

    def _busy(self, inst: LcmInstance) -> None:
        for op in self.ops.values():
            if op.instance_id == inst.id and op.state in ONGOING:
                raise Conflict(f"operation {op.id} on {inst.id} is still {op.state}")

    # --- LcmPort ----------------------------------------------------------------------------

    def instances(self) -> list[LcmInstance]:
        return list(self.insts.values())

    def instance(self, instance_id: str) -> LcmInstance:
        inst = self.insts.get(instance_id)
        if inst is None:
            raise NotFound(f"no application instance {instance_id!r}")
        return inst

    async def create(
        self,
        app_d_id: str,
        name: str | None,
        description: str | None,
        placement: dict[str, Any] | None,
    ) -> LcmInstance:
        package = self.packages.get(app_d_id)
        if package is None:
            raise NotFound(f"no onboarded package with appDId {app_d_id!r}")
        if not package.enabled:
            raise Conflict(f"package {package.pkg_id} is DISABLED")
        inst = LcmInstance(
            id=self._next("inst"),
            app_d_id=app_d_id,
            app_pkg_id=package.pkg_id,
            name=name,
            description=description,
            app_name=package.app_name,
            app_provider=package.app_provider,
            app_soft_version=package.app_soft_version,
            app_d_version=package.app_d_version,
            instantiation_state=InstantiationState.NOT_INSTANTIATED,
            operational_state=None,
            host=None,
            address=None,
            endpoint=None,
            created=self.now,
        )
        self.insts[inst.id] = inst
        await self._tell("identifier_created", inst)
        return inst

    async def delete(self, instance_id: str) -> None:
        inst = self.instance(instance_id)
        if inst.instantiation_state is not InstantiationState.NOT_INSTANTIATED:
            raise Conflict(f"application instance {instance_id} is instantiated; terminate it")
        del self.insts[instance_id]
        await self._tell("identifier_deleted", inst)

    async def instantiate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        inst = self.instance(instance_id)
        if inst.instantiation_state is InstantiationState.INSTANTIATED:
            raise Conflict(f"application instance {instance_id} is already instantiated")
        self._busy(inst)
        for i, host in enumerate(InstantiateAppRequest.model_validate(request).hosts() or []):
            if host not in self.hosts:
                raise InvalidField(f"selectedMECHostInfo[{i}].hostId", f"no MEC host {host!r}")
        return await self._run(inst, LcmOperation.INSTANTIATE, request)

    async def terminate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        inst = self.instance(instance_id)
        self._instantiated(inst)
        self._busy(inst)
        return await self._run(inst, LcmOperation.TERMINATE, request)

    async def operate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        inst = self.instance(instance_id)
        self._instantiated(inst)
        self._busy(inst)
        if inst.operational_state == request["changeStateTo"]:
            raise Conflict(
                f"application instance {instance_id} is already {inst.operational_state}"
            )
        return await self._run(inst, LcmOperation.OPERATE, request)

    def occurrences(self) -> list[OpOcc]:
        return list(self.ops.values())

    def occurrence(self, op_id: str) -> OpOcc:
        op = self.ops.get(op_id)
        if op is None:
            raise NotFound(f"no operation occurrence {op_id!r}")
        return op

    async def cancel(self, op_id: str, mode: str) -> None:
        op = self.occurrence(op_id)
        if op.state not in ONGOING:
            raise Conflict(f"operation {op_id} is {op.state}; only an ongoing one is cancelled")
        op.is_cancel_pending = True
        op.cancel_mode = mode
        self.cancelled[op_id] = mode

    async def fail(self, op_id: str) -> OpOcc:
        op = self.occurrence(op_id)
        if op.state is not OperationState.FAILED_TEMP:
            raise Conflict(f"operation {op_id} is {op.state}, not FAILED_TEMP")
        await self._enter(op, OperationState.FAILED)
        return op

    async def retry(self, op_id: str) -> None:
        op = self.occurrence(op_id)
        if op.state is not OperationState.FAILED_TEMP:
            raise Conflict(f"operation {op_id} is {op.state}, not FAILED_TEMP")
        op.error = None
        await self._progress(op)

    async def configure_platform(self, instance_id: str, request: dict[str, Any]) -> dict[str, Any]:
        inst = self.instance(instance_id)
        self._instantiated(inst)
        self.configured[instance_id] = request
        return request

    def on_change(self, listener: ChangeListener) -> None:
        self.listeners.append(listener)

    # --- GrantPort --------------------------------------------------------------------------

    async def grant(self, request: dict[str, Any]) -> dict[str, Any]:
        inst = self.instance(request["appInstanceId"])
        self.occurrence(request["appLcmOpOccId"])
        grant_id = self._next("grant")
        host = inst.host or self.hosts[0]
        grant = {
            "id": grant_id,
            "appInstanceId": inst.id,
            "appLcmOpOccId": request["appLcmOpOccId"],
            "zones": [{"id": "zone-0", "zoneId": host}],
            "addResources": [
                {"resourceDefinitionId": r["id"], "zoneId": "zone-0"}
                for r in request.get("addResources", [])
            ],
        }
        self.grants[grant_id] = grant
        return grant

    def grant_of(self, grant_id: str) -> dict[str, Any]:
        grant = self.grants.get(grant_id)
        if grant is None:
            raise NotFound(f"no grant {grant_id!r}")
        return grant
