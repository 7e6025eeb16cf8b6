"""The MEC system's application lifecycle: instances of onboarded packages, placed, run, stopped.

What one instantiation does, in order, each step in the operation occurrence's record::

    instantiate(id, request)              202: an operation occurrence, STARTING
      │ package ONBOARDED and ENABLED, instance NOT_INSTANTIATED   (else 409 at once)
      │ host: the one asked for, or placement (latency to its users, then free capacity)
      │ grant: the host's capacity reserved for the AppD's requirements
      ▼ PROCESSING
      │ an emulated address, a loopback port, a working directory (a copy of the package)
      │ a MEC 011 application instance on the host: INSTANTIATED, with the AppD's DNS and
      │   traffic rules (they act once it is READY), its address and endpoint for the data plane
      │ the process, started by the runtime backend with its environment
      ▼ wait for the app's MEC 011 confirm_ready (or its exit, or the manifest's ready timeout)
    COMPLETED: INSTANTIATED, STARTED; the package IN_USE

Anything failing on the way undoes what was done, in reverse (process stopped, MEC 011 instance
removed, capacity released) before the occurrence enters FAILED_TEMP with a ProblemDetails
whose detail says why (for a process, its last lines of output): nothing is left half
instantiated. ``retry`` runs it again, ``fail`` closes it, ``cancel`` stops one under way.

Operate STOPPED ends the process (graceful: the MEC 011 AppTermination with STOPPING first, then
SIGTERM and SIGKILL after the timeout) and removes its MEC 011 instance, whose services go with
it; the host's capacity stays reserved, so STARTED brings it back on the same host with the same
appInstanceId, address and port. Terminate does what stop does and releases the host.

The records live in the world's store. Loading another scenario stops every process and forgets
every instance; resuming the same world starts the processes of the STARTED instances again
(their MEC 011 instances anew, so that the new processes register as they always do), and an
operation that meclab's stop interrupted is undone and left FAILED_TEMP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from meclab.engine.world import World
from meclab.errors import StatusError
from meclab.lifecycle.backend import ExitInfo, LaunchError, LaunchSpec, RuntimeBackend
from meclab.lifecycle.capacity import CapacityLedger, never_fits
from meclab.lifecycle.context_keys import ContextKeys
from meclab.lifecycle.occurrences import OpMove, apply
from meclab.lifecycle.packages import OnboardedPackage, PackageRegistry
from meclab.lifecycle.placement import Placement, place
from meclab.lifecycle.records import (
    InstantiationState,
    LcmInstance,
    LcmOperation,
    OperationalState,
    OperationState,
    OpOcc,
)
from meclab.lifecycle.requirements import latency_bound_of, requirements_of
from meclab.platform.apps import AppInstance, AppState, OperationAction
from meclab.platform.errors import Conflict, InvalidField, NotFound
from meclab.platform.platform import Platforms
from meclab.platform.rules import DnsRule, TrafficRule

log = logging.getLogger("meclab.lifecycle")

INSTANCES = "lcm_instances"
OCCURRENCES = "lcm_op_occs"
GRANTS = "lcm_grants"

DEPLOYED_NETWORK = IPv4Network("198.19.0.0/16")
"""Emulated addresses of deployed instances: the upper half of the data plane's application
block (198.18.0.0/15), whose lower half numbers the scenario's applications."""
ANY_HOST = "auto"
"""The hostId that leaves the choice of host to meclab's placement."""
UNSPECIFIED = {"0.0.0.0", "::"}
"""An AppD DNS rule answering this address answers the deployed instance's own address."""

ChangeListener = Callable[[str, LcmInstance, OpOcc | None], Awaitable[None]]
TerminationHook = Callable[[AppInstance, OperationAction, int], Awaitable[None]]
"""Begins a MEC 011 graceful termination or stop (AppTermination to the app's subscribers)."""


class OperationFailed(Exception):
    """A step of an operation failed; the message says why, in plain language."""

    def __init__(self, title: str, detail: str, status: int = 409) -> None:
        super().__init__(detail)
        self.title = title
        self.status = status


def _free_port() -> int:
    # The port is bound again by the app; another process taking it in between is possible but
    # rare on loopback, and the app then fails to start, which the operation reports.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Lifecycle:
    """Instances of onboarded packages on the MEC hosts of the running world."""

    def __init__(
        self,
        platforms: Platforms,
        packages: PackageRegistry,
        backend: RuntimeBackend,
        *,
        directory: Path,
        announce_termination: TerminationHook | None = None,
        environment: Callable[[AppInstance, list[str]], Mapping[str, str]] | None = None,
        context_keys: ContextKeys | None = None,
    ) -> None:
        """``directory`` holds each instance's working directory and output;
        ``environment(instance, required)`` gives what each process gets besides its own
        variables (e.g. the data plane's entry points, known only once it runs, and in secure
        mode the instance's credential for the ``serName``s its AppD requires);
        ``context_keys`` the ``MECLAB_CONTEXT_KEY`` each instance gets, the same for every
        instance of one application."""
        self.platforms = platforms
        self.packages = packages
        self.backend = backend
        self.directory = directory
        self.announce_termination = announce_termination
        self.environment = environment
        self.context_keys = context_keys
        self.wall = platforms.wall
        self.ledger: CapacityLedger | None = None
        self._instances: dict[str, LcmInstance] = {}
        self._ops: dict[str, OpOcc] = {}
        self._grants: dict[str, dict[str, Any]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, asyncio.Future[None]] = {}
        self._gone: dict[str, asyncio.Event] = {}
        self._stopping: dict[str, int] = {}
        """Instances whose process the lifecycle itself is ending: their exit is expected."""
        self._listeners: list[ChangeListener] = []
        self._closing = False
        platforms.loaded_listeners.append(self._on_loaded)
        platforms.rules_listeners.append(self._on_platform_app)
        backend.on_exit(self._on_exit)

    # --- reading ----------------------------------------------------------------------------

    def on_change(self, listener: ChangeListener) -> None:
        """Be told (awaited) of ``identifier_created``, ``identifier_deleted``,
        ``instance_state`` (instantiation or operational state changed) and ``op_state``."""
        self._listeners.append(listener)

    def instances(self) -> list[LcmInstance]:
        return sorted(self._instances.values(), key=lambda i: i.created)

    def instance(self, instance_id: str) -> LcmInstance:
        found = self._instances.get(instance_id)
        if found is None:
            raise NotFound(f"no application instance {instance_id!r}")
        return found

    def occurrences(self) -> list[OpOcc]:
        return sorted(self._ops.values(), key=lambda o: o.start_time)

    def occurrence(self, op_id: str) -> OpOcc:
        found = self._ops.get(op_id)
        if found is None:
            raise NotFound(f"no application LCM operation occurrence {op_id!r}")
        return found

    def logs(self, instance_id: str, tail: int | None = None) -> list[str]:
        """The instance's process output (stdout and stderr), the last ``tail`` lines."""
        self.instance(instance_id)
        return self.backend.logs(instance_id, tail)

    def world(self) -> World:
        if self.platforms.world is None:
            raise Conflict("no world is loaded")
        return self.platforms.world

    # --- identifiers ------------------------------------------------------------------------

    async def create(
        self,
        app_d_id: str,
        name: str | None = None,
        description: str | None = None,
        placement: dict[str, Any] | None = None,
        *,
        users: list[str] | None = None,
    ) -> LcmInstance:
        """A new NOT_INSTANTIATED instance of an onboarded, enabled package."""
        package = self._usable(app_d_id)
        appd = package.appd
        instance = LcmInstance(
            id=str(uuid.uuid4()),
            app_d_id=appd.appDId,
            app_pkg_id=package.id,
            app_name=appd.appName,
            app_provider=appd.appProvider,
            app_soft_version=appd.appSoftVersion,
            app_d_version=appd.appDVersion,
            created=self.wall(),
            name=name,
            description=description,
            placement=placement,
            users=list(users or []),
        )
        self._instances[instance.id] = instance
        await self._save(instance)
        await self._tell("identifier_created", instance, None)
        return instance

    async def delete(self, instance_id: str) -> None:
        """Forget a NOT_INSTANTIATED instance (Conflict while it is instantiated)."""
        instance = self.instance(instance_id)
        if instance.instantiation_state is not InstantiationState.NOT_INSTANTIATED:
            raise Conflict(
                f"application instance {instance_id} is instantiated: terminate it first"
            )
        if self._busy(instance_id) is not None:
            raise Conflict(f"application instance {instance_id} has an operation under way")
        del self._instances[instance_id]
        await self.platforms.store.delete(INSTANCES, instance_id)
        shutil.rmtree(self.directory / instance_id, ignore_errors=True)
        await self._tell("identifier_deleted", instance, None)

    # --- operations -------------------------------------------------------------------------

    async def instantiate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        """Start instantiating (see the module docstring); the occurrence tells how it ends."""
        instance = self.instance(instance_id)
        if instance.instantiation_state is not InstantiationState.NOT_INSTANTIATED:
            raise Conflict(f"application instance {instance_id} is already instantiated")
        package = self._usable(instance.app_d_id)
        hosts = self.hosts_asked(request)  # a bad host list is refused now, not in the occurrence
        candidates = hosts or list(self.platforms.hosts)
        never = never_fits(self.capacity(), requirements_of(package.appd), candidates)
        if never:
            raise Conflict(f"{package.appd.appName} cannot be instantiated: {never}")
        return await self._begin(instance, LcmOperation.INSTANTIATE, request)

    async def terminate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        """Start terminating: GRACEFUL tells the app first (MEC 011 AppTermination) and waits
        up to ``gracefulTerminationTimeout`` s; FORCEFUL ends it at once."""
        instance = self.instance(instance_id)
        if instance.instantiation_state is not InstantiationState.INSTANTIATED:
            raise Conflict(f"application instance {instance_id} is not instantiated")
        kind = request.get("terminationType")
        if kind not in ("GRACEFUL", "FORCEFUL"):
            raise InvalidField("terminationType", "GRACEFUL or FORCEFUL")
        return await self._begin(instance, LcmOperation.TERMINATE, request)

    async def operate(self, instance_id: str, request: dict[str, Any]) -> OpOcc:
        """Start or stop an instantiated instance (``changeStateTo`` STARTED or STOPPED)."""
        instance = self.instance(instance_id)
        if instance.instantiation_state is not InstantiationState.INSTANTIATED:
            raise Conflict(f"application instance {instance_id} is not instantiated")
        target = request.get("changeStateTo")
        if target not in ("STARTED", "STOPPED"):
            raise InvalidField("changeStateTo", "STARTED or STOPPED")
        if target == instance.operational_state:
            raise Conflict(f"application instance {instance_id} is already {target}")
        if request.get("stopType") not in (None, "GRACEFUL", "FORCEFUL"):
            raise InvalidField("stopType", "GRACEFUL or FORCEFUL")
        return await self._begin(instance, LcmOperation.OPERATE, request)

    async def cancel(self, op_id: str, mode: str = "FORCEFUL") -> None:
        """Stop an operation under way; what it did is undone and it enters FAILED_TEMP."""
        op = self.occurrence(op_id)
        if op.state not in (OperationState.STARTING, OperationState.PROCESSING):
            raise Conflict(f"operation occurrence {op_id} is {op.state}; only one under way can")
        if mode not in ("GRACEFUL", "FORCED", "FORCEFUL"):
            raise InvalidField("cancelMode", "GRACEFUL or FORCED")
        op.is_cancel_pending = True
        op.cancel_mode = mode
        await self._save_op(op)
        task = self._tasks.get(op_id)
        if task is not None:
            task.cancel()

    async def settled(self, op: OpOcc, timeout_s: float) -> OpOcc:
        """The occurrence once it is no longer under way; cancelled (FORCED) when it still is
        after ``timeout_s`` seconds, and then as the cancellation left it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while op.state in (OperationState.STARTING, OperationState.PROCESSING):
            if loop.time() > deadline:
                await self.cancel(op.id, "FORCED")
                deadline = float("inf")  # the cancellation ends it: wait for that
            await asyncio.sleep(0.02)
            op = self.occurrence(op.id)
        return op

    async def fail(self, op_id: str) -> OpOcc:
        """Close a FAILED_TEMP operation for good (FAILED)."""
        op = self.occurrence(op_id)
        apply(op, OpMove.FAIL, self.wall())
        await self._save_op(op)
        await self._tell("op_state", self.instance(op.instance_id), op)
        return op

    async def retry(self, op_id: str) -> None:
        """Run a FAILED_TEMP operation again."""
        op = self.occurrence(op_id)
        instance = self.instance(op.instance_id)
        other = self._busy(instance.id)
        if other is not None and other.id != op_id:
            raise Conflict(f"application instance {instance.id} has operation {other.id} under way")
        apply(op, OpMove.RETRY, self.wall())
        op.error = None
        op.is_cancel_pending = False
        op.cancel_mode = None
        self._note(op, "retried")
        await self._save_op(op)
        await self._tell("op_state", instance, op)
        self._spawn(op, instance)

    async def configure_platform(self, instance_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Replace the running instance's DNS and traffic rules with those given (the AppD's
        rule descriptors' form); the answer is the request as applied."""
        instance = self.instance(instance_id)
        app = self.platforms.apps.get(instance_id)
        if app is None:
            raise Conflict(f"application instance {instance_id} is not running on a MEC host")
        address = instance.address or ""
        dns = [_dns_rule(r, address) for r in request.get("appDNSRule") or []]
        traffic = [_traffic_rule(r) for r in request.get("appTrafficRule") or []]
        await self.platforms.replace_rules(
            app,
            dns_rules=dns if "appDNSRule" in request else None,
            traffic_rules=traffic if "appTrafficRule" in request else None,
        )
        return request

    # --- grants -----------------------------------------------------------------------------

    async def grant(self, request: dict[str, Any]) -> dict[str, Any]:
        """Decide a GrantRequest: for INSTANTIATE, a host with room for the AppD's needs
        (Conflict naming the shortfall otherwise); other operations need nothing new."""
        for name in ("appInstanceId", "appLcmOpOccId", "appDId", "operation"):
            if not request.get(name):
                raise InvalidField(name, "required")
        operation = request["operation"]
        if operation not in {o.value for o in LcmOperation}:
            raise InvalidField("operation", f"one of {', '.join(o.value for o in LcmOperation)}")
        zones: list[dict[str, Any]] = []
        if operation == LcmOperation.INSTANTIATE:
            package = self._usable(request["appDId"])
            chosen = self._place(package, [], [])
            zones = [self._zone_info(chosen.host)]
        return await self._record_grant(request, zones)

    async def _record_grant(
        self, request: dict[str, Any], zones: list[dict[str, Any]]
    ) -> dict[str, Any]:
        grant = {
            "id": str(uuid.uuid4()),
            "appInstanceId": request["appInstanceId"],
            "appLcmOpOccId": request["appLcmOpOccId"],
            "zones": zones,
            "addResources": [],
        }
        self._grants[grant["id"]] = grant
        await self.platforms.store.put(GRANTS, grant["id"], grant)
        return grant

    def grant_of(self, grant_id: str) -> dict[str, Any]:
        found = self._grants.get(grant_id)
        if found is None:
            raise NotFound(f"no grant {grant_id!r}")
        return found

    def _zone_info(self, host: str) -> dict[str, Any]:
        info = self.platforms.host(host)
        return {"id": host, "zoneId": info.zone or host}

    # --- running an operation ---------------------------------------------------------------

    async def _begin(
        self, instance: LcmInstance, operation: LcmOperation, request: dict[str, Any]
    ) -> OpOcc:
        other = self._busy(instance.id)
        if other is not None:
            raise Conflict(
                f"application instance {instance.id} has operation {other.id} "
                f"({other.operation}) {other.state}: wait for it, or fail/retry it"
            )
        now = self.wall()
        op = OpOcc(
            id=str(uuid.uuid4()),
            instance_id=instance.id,
            operation=operation,
            state=OperationState.STARTING,
            start_time=now,
            state_entered_time=now,
            params=request,
        )
        self._ops[op.id] = op
        await self._save_op(op)
        await self._tell("op_state", instance, op)
        self._spawn(op, instance)
        return op

    def _busy(self, instance_id: str) -> OpOcc | None:
        """The operation of this instance not yet COMPLETED or FAILED, if any."""
        for op in self._ops.values():
            if op.instance_id == instance_id and not op.finished:
                return op
        return None

    def _spawn(self, op: OpOcc, instance: LcmInstance) -> None:
        task = asyncio.get_running_loop().create_task(
            self._run(op, instance), name=f"meclab-lcm-{op.operation.lower()}-{op.id}"
        )
        self._tasks[op.id] = task
        task.add_done_callback(lambda _: self._tasks.pop(op.id, None))

    async def _run(self, op: OpOcc, instance: LcmInstance) -> None:
        started = time.monotonic()
        try:
            if op.operation is LcmOperation.INSTANTIATE:
                await self._do_instantiate(op, instance)
            elif op.operation is LcmOperation.TERMINATE:
                await self._do_terminate(op, instance)
            else:
                await self._do_operate(op, instance)
        except asyncio.CancelledError:
            reason = (
                OperationFailed("Interrupted", "meclab stopped while the operation was under way")
                if self._closing
                else OperationFailed("Cancelled", f"cancelled ({op.cancel_mode}) on request")
            )
            await self._failed(op, instance, reason)
            if self._closing:
                raise
            return
        except OperationFailed as failure:
            await self._failed(op, instance, failure)
            return
        except StatusError as refusal:  # refused on the way: no host fits, package disabled...
            failure = OperationFailed(refusal.title, str(refusal), refusal.status)
            await self._failed(op, instance, failure)
            return
        except Exception as exc:  # anything unexpected still fails the operation cleanly
            log.exception("operation %s failed", op.id)
            await self._failed(op, instance, OperationFailed("Internal error", repr(exc), 500))
            return
        self._note(op, f"completed in {time.monotonic() - started:.2f} s")
        apply(op, OpMove.COMPLETE, self.wall())
        await self._save_op(op)
        await self._tell("op_state", instance, op)

    async def _failed(self, op: OpOcc, instance: LcmInstance, failure: OperationFailed) -> None:
        if op.operation is LcmOperation.INSTANTIATE:
            await self._undo_instantiation(instance)
        elif (
            op.operation is LcmOperation.OPERATE
            and (op.params or {}).get("changeStateTo") == "STARTED"
        ):
            await self._end_process(instance, forceful=True)
        self._note(op, f"failed: {failure}")
        op.error = {"title": failure.title, "status": failure.status, "detail": str(failure)}
        if op.state in (OperationState.STARTING, OperationState.PROCESSING):
            apply(op, OpMove.CANCEL if op.is_cancel_pending else OpMove.ERROR, self.wall())
        await self._save_op(op)
        await self._tell("op_state", instance, op)
        log.warning("%s of %s failed: %s", op.operation, instance.id, failure)

    async def _proceed(self, op: OpOcc, instance: LcmInstance) -> None:
        if op.state is OperationState.STARTING:
            apply(op, OpMove.PROCEED, self.wall())
            await self._save_op(op)
            await self._tell("op_state", instance, op)

    # --- instantiate ------------------------------------------------------------------------

    async def _do_instantiate(self, op: OpOcc, instance: LcmInstance) -> None:
        package = self._usable(instance.app_d_id)
        request = op.params or {}
        chosen = self._place(package, self.hosts_asked(request), instance.users)
        self._note(op, f"placement: {chosen.explanation}")
        requirements = requirements_of(package.appd)
        ledger = self.capacity()
        ledger.reserve(chosen.host, instance.id, requirements)  # InsufficientCapacity: 409
        instance.host = chosen.host
        grant = await self._record_grant(
            {"appInstanceId": instance.id, "appLcmOpOccId": op.id},
            [self._zone_info(chosen.host)],
        )
        op.grant_id = grant["id"]
        self._note(
            op,
            f"granted: {requirements.cpu_cores:g} cores, {requirements.memory_mb:g} MB memory, "
            f"{requirements.storage_gb:g} GB storage reserved on {chosen.host}",
        )
        await self._proceed(op, instance)
        instance.address = self._address_for(instance.id)
        instance.endpoint = ("127.0.0.1", _free_port())
        self._prepare_workdir(instance, package)
        await self._start(op, instance, package)
        instance.instantiation_state = InstantiationState.INSTANTIATED
        instance.operational_state = OperationalState.STARTED
        await self._save(instance)
        await self.packages.set_in_use(instance.app_d_id, True, instance.id)
        await self._tell("instance_state", instance, op)

    def _place(self, package: OnboardedPackage, hosts: list[str], users: list[str]) -> Placement:
        world = self.world()
        everyone = sorted({*self._scenario_users(package.appd.appName), *users})
        return place(
            world,
            requirements_of(package.appd),
            self.capacity(),
            max_latency_ms=latency_bound_of(package.appd),
            users=everyone,
            hosts=hosts or None,
        )

    def _scenario_users(self, app_name: str) -> list[str]:
        """Terminals whose terminal applications are parts of this application."""
        return [
            t.name
            for t in self.world().top.terminals
            if any(a.app_name == app_name for a in t.apps)
        ]

    def hosts_asked(self, request: dict[str, Any]) -> list[str]:
        """The MEC hosts an InstantiateAppRequest allows (empty: meclab chooses among all).

        A ``hostId`` names a host (or is an object whose ``name`` or ``id`` does); the hostId
        ``auto`` leaves the choice to meclab; several entries let it choose among them.
        """
        hosts: list[str] = []
        for index, info in enumerate(request.get("selectedMECHostInfo") or []):
            host_id = info.get("hostId") if isinstance(info, dict) else None
            if isinstance(host_id, dict):
                host_id = host_id.get("name") or host_id.get("id")
            if not host_id:
                raise InvalidField(f"selectedMECHostInfo[{index}].hostId", "required")
            if host_id == ANY_HOST:
                return []
            if host_id not in self.platforms.hosts:
                raise InvalidField(
                    f"selectedMECHostInfo[{index}].hostId",
                    f"no MEC host {host_id!r}; the world has {', '.join(self.platforms.hosts)}",
                )
            if host_id not in hosts:
                hosts.append(host_id)
        return hosts

    def _address_for(self, instance_id: str) -> str:
        taken = {i.address for i in self._instances.values() if i.id != instance_id}
        for offset in range(1, DEPLOYED_NETWORK.num_addresses - 1):
            address = str(IPv4Address(int(DEPLOYED_NETWORK.network_address) + offset))
            if address not in taken:
                return address
        raise OperationFailed("No address", f"every address of {DEPLOYED_NETWORK} is taken")

    def _prepare_workdir(self, instance: LcmInstance, package: OnboardedPackage) -> None:
        """A copy of the package for this instance alone, so that what it writes stays its own."""
        target = self.directory / instance.id / "package"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(package.root, target, symlinks=False)

    async def _start(
        self, op: OpOcc | None, instance: LcmInstance, package: OnboardedPackage
    ) -> None:
        """Put the instance on its host's platform, start its process, wait until READY."""
        assert instance.host is not None and instance.endpoint is not None
        address = instance.address or ""
        appd = package.appd
        manifest = package.manifest
        endpoint = f"{instance.endpoint[0]}:{instance.endpoint[1]}"
        app = AppInstance(
            app_instance_id=instance.id,
            host=instance.host,
            app_name=appd.appName,
            app_provider=appd.appProvider,
            state=AppState.INSTANTIATED,
            version=appd.appSoftVersion,
            dns_rules={
                r.dnsRuleId: r
                for r in (
                    _dns_rule(d.model_dump(mode="json"), address) for d in appd.appDNSRule or []
                )
            },
            traffic_rules={
                r.trafficRuleId: r
                for r in (
                    _traffic_rule(d.model_dump(mode="json")) for d in appd.appTrafficRule or []
                )
            },
            address=address,
            endpoint=endpoint,
        )
        stale = self.platforms.apps.get(instance.id)
        if stale is not None:  # left by a process that is gone: its registration goes with it
            await self.platforms.remove_app(stale)
        await self.platforms.add_app(app)
        ready = asyncio.get_running_loop().create_future()
        self._ready[instance.id] = ready
        copy = self.directory / instance.id / "package"
        workdir = copy / manifest.workdir
        command = manifest.argv()
        if manifest.program_in_package is not None:  # a file of the package, wherever it runs
            command[0] = str(copy / manifest.program_in_package)
        env = {
            **(
                self.environment(app, [s.serName for s in appd.appServiceRequired or []])
                if self.environment is not None
                else {}
            ),
            **(
                {"MECLAB_CONTEXT_KEY": self.context_keys.key_for(instance.app_d_id)}
                if self.context_keys is not None
                else {}
            ),
            **manifest.env,  # an app may bring its own key
            "MEC_PLATFORM_URL": self.platforms.base_url,
            "MEC_API_ROOT": self.platforms.prefix(instance.host),
            "MEC_APP_INSTANCE_ID": instance.id,
            "MEC_APP_ENDPOINT": endpoint,
            "MECLAB_APP_ADDRESS": address,
            "MECLAB_HOST": instance.host,
        }
        spec = LaunchSpec(
            instance_id=instance.id,
            command=command,
            workdir=workdir,
            env=env,
            restart=instance.restart or manifest.restart,
            max_restarts=manifest.max_restarts,
            graceful_timeout_s=manifest.graceful_timeout_s,
            log_dir=self.directory / instance.id,
        )
        started = time.monotonic()
        try:
            try:
                status = await self.backend.start(spec)
            except LaunchError as exc:
                raise OperationFailed("Process did not start", str(exc)) from exc
            if op is not None:
                self._note(op, f"process {status.pid} started in {workdir}")
            try:
                await asyncio.wait_for(asyncio.shield(ready), manifest.ready_timeout_s)
            except TimeoutError:
                raise OperationFailed(
                    "Not ready in time",
                    f"the application did not confirm ready (MEC 011 confirm_ready) within "
                    f"{manifest.ready_timeout_s:g} s; its last output:\n" + self._tail(instance.id),
                ) from None
        finally:
            self._ready.pop(instance.id, None)
        if op is not None:
            self._note(op, f"READY {time.monotonic() - started:.2f} s after its start")

    def _tail(self, instance_id: str, lines: int = 15) -> str:
        return "\n".join(self.backend.logs(instance_id, lines)) or "(no output)"

    async def _undo_instantiation(self, instance: LcmInstance) -> None:
        """Everything instantiation may have done, undone (each step is harmless if not done)."""
        await self._end_process(instance, forceful=True)
        self.capacity().release(instance.id)
        instance.instantiation_state = InstantiationState.NOT_INSTANTIATED
        instance.operational_state = None
        instance.host = None
        instance.address = None
        instance.endpoint = None
        await self._save(instance)

    # --- stop, start, terminate -------------------------------------------------------------

    async def _do_operate(self, op: OpOcc, instance: LcmInstance) -> None:
        request = op.params or {}
        await self._proceed(op, instance)
        if request["changeStateTo"] == "STARTED":
            package = self._usable(instance.app_d_id)
            await self._start(op, instance, package)
            instance.operational_state = OperationalState.STARTED
        else:
            graceful = request.get("stopType", "FORCEFUL") == "GRACEFUL"
            timeout = int(request.get("gracefulStopTimeout") or 0) if graceful else 0
            await self._wind_down(op, instance, OperationAction.STOPPING, timeout)
            instance.operational_state = OperationalState.STOPPED
        await self._save(instance)
        await self._tell("instance_state", instance, op)

    async def _do_terminate(self, op: OpOcc, instance: LcmInstance) -> None:
        request = op.params or {}
        await self._proceed(op, instance)
        graceful = request.get("terminationType") == "GRACEFUL"
        timeout = int(request.get("gracefulTerminationTimeout") or 0) if graceful else 0
        await self._wind_down(op, instance, OperationAction.TERMINATING, timeout)
        self.capacity().release(instance.id)
        self._note(op, f"released its capacity on {instance.host}")
        instance.instantiation_state = InstantiationState.NOT_INSTANTIATED
        instance.operational_state = None
        instance.host = None
        instance.address = None
        instance.endpoint = None
        await self._save(instance)
        await self.packages.set_in_use(instance.app_d_id, False, instance.id)
        await self._tell("instance_state", instance, op)

    async def _wind_down(
        self, op: OpOcc, instance: LcmInstance, action: OperationAction, timeout_s: int
    ) -> None:
        """Tell the app (graceful), wait for its MEC 011 instance to go, end its process.

        An app may well exit by itself once it has confirmed: that exit is expected, no crash.
        """
        app = self.platforms.apps.get(instance.id)
        with self._expecting_exit(instance.id):
            if app is not None and timeout_s > 0 and self.announce_termination is not None:
                gone = self._gone.setdefault(instance.id, asyncio.Event())
                if app.state is not AppState.TERMINATING:
                    await self.announce_termination(app, action, timeout_s)
                self._note(op, f"AppTermination ({action}) sent; up to {timeout_s} s to confirm")
                # MEC 011 removes the instance on confirmation or at the deadline.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(gone.wait(), timeout_s + 5)
                self._gone.pop(instance.id, None)
                confirmed = app.termination_confirmed
                self._note(
                    op,
                    "the app confirmed its termination"
                    if confirmed
                    else f"the app did not confirm within {timeout_s} s",
                )
            outcome = await self._end_process(instance, forceful=timeout_s == 0)
        if outcome is not None:
            self._note(op, outcome)

    async def _end_process(self, instance: LcmInstance, *, forceful: bool) -> str | None:
        """Stop the process and remove its MEC 011 instance; how the process ended, in words.

        Graceful: SIGTERM, then SIGKILL once the manifest's ``graceful_timeout_s`` has passed.
        Forceful: SIGKILL at once.
        """
        with self._expecting_exit(instance.id):
            outcome = None
            if self.backend.status(instance.id) is not None:
                result = await self.backend.stop(instance.id, 0 if forceful else None)
                outcome = (
                    "process killed (SIGKILL): it had not ended after SIGTERM and its graceful "
                    "timeout"
                    if result.killed and not forceful
                    else "process killed (SIGKILL)"
                    if result.killed
                    else _ended(result.returncode)
                )
            app = self.platforms.apps.get(instance.id)
            if app is not None:
                await self.platforms.remove_app(app)
            return outcome

    # --- what the platform and the backend tell ---------------------------------------------

    async def _on_platform_app(self, app: AppInstance) -> None:
        waiter = self._ready.get(app.app_instance_id)
        if waiter is not None and not waiter.done() and app.ready:
            waiter.set_result(None)
        if self.platforms.apps.get(app.app_instance_id) is not app:  # removed
            gone = self._gone.get(app.app_instance_id)
            if gone is not None:
                gone.set()

    async def _on_exit(self, info: ExitInfo) -> None:
        instance = self._instances.get(info.instance_id)
        if instance is None or info.stopped or info.instance_id in self._stopping:
            return
        tail = "\n".join(info.tail) or "(no output)"
        waiter = self._ready.get(info.instance_id)
        if waiter is not None and not waiter.done():
            waiter.set_exception(
                OperationFailed(
                    "Process exited",
                    f"the process exited with status {info.returncode} before it confirmed "
                    f"ready; its last output:\n{tail}",
                )
            )
            return
        app = self.platforms.apps.get(info.instance_id)
        if info.restarting:
            log.warning(
                "application instance %s exited with status %d; restarting (restart %d)",
                info.instance_id,
                info.returncode,
                info.restarts + 1,
            )
            if app is not None:  # the new process registers afresh, as any new one does
                await self._reset_platform_instance(app)
            return
        log.warning(
            "application instance %s exited with status %d; not restarted. Last output:\n%s",
            info.instance_id,
            info.returncode,
            tail,
        )
        if app is not None:
            await self.platforms.remove_app(app)
        instance.operational_state = OperationalState.STOPPED
        await self._save(instance)
        await self._tell("instance_state", instance, None)

    async def _reset_platform_instance(self, app: AppInstance) -> None:
        fresh = AppInstance(
            app_instance_id=app.app_instance_id,
            host=app.host,
            app_name=app.app_name,
            app_provider=app.app_provider,
            state=AppState.INSTANTIATED,
            version=app.version,
            dns_rules=dict(app.dns_rules),
            traffic_rules=dict(app.traffic_rules),
            address=app.address,
            endpoint=app.endpoint,
        )
        await self.platforms.remove_app(app)
        await self.platforms.add_app(fresh)

    # --- loading, stopping ------------------------------------------------------------------

    async def _on_loaded(self, world: World, resumed: bool) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        for instance_id in list(self._instances):
            if self.backend.status(instance_id) is not None:
                with self._expecting_exit(instance_id):
                    await self.backend.stop(instance_id, 0)
        self._instances.clear()
        self._ops.clear()
        self._grants.clear()
        self.ledger = CapacityLedger(world)
        store = self.platforms.store
        if not resumed:
            for instance_id, _ in await store.items(INSTANCES):  # this world's, not another's
                shutil.rmtree(self.directory / instance_id, ignore_errors=True)
            for collection in (INSTANCES, OCCURRENCES, GRANTS):
                await store.clear(collection)
            return
        self._instances = {k: LcmInstance.from_store(v) for k, v in await store.items(INSTANCES)}
        self._ops = {k: OpOcc.from_store(v) for k, v in await store.items(OCCURRENCES)}
        self._grants = {k: v for k, v in await store.items(GRANTS)}
        for instance in self._instances.values():
            if instance.instantiation_state is InstantiationState.INSTANTIATED and instance.host:
                try:
                    package = self._package(instance)
                    self.ledger.reserve(instance.host, instance.id, requirements_of(package.appd))
                    await self.packages.set_in_use(instance.app_d_id, True, instance.id)
                except Exception as exc:  # its package deleted, its host gone: say so, go on
                    log.warning("application instance %s cannot be restored: %s", instance.id, exc)
        for op in self._ops.values():
            if op.state in (OperationState.STARTING, OperationState.PROCESSING):
                await self._interrupted(op)
        for instance in self._instances.values():
            stale = self.platforms.apps.get(instance.id)
            started = instance.operational_state is OperationalState.STARTED
            if stale is not None and started:
                # Its process ended with meclab: the MEC 011 instance is no longer READY, nor
                # are its services offered, until the new process registers again.
                await self._reset_platform_instance(stale)
            elif stale is not None:
                await self.platforms.remove_app(stale)
            if started:
                self._spawn_resume(instance)

    async def _interrupted(self, op: OpOcc) -> None:
        instance = self._instances.get(op.instance_id)
        if instance is None:
            return
        failure = OperationFailed(
            "Interrupted", "meclab stopped while this operation was under way; retry it"
        )
        if op.operation is LcmOperation.TERMINATE:
            # Asked to end: it ends now (its process did, with meclab).
            await self._do_terminate(op, instance)
            self._note(op, "completed when meclab started again")
            apply(op, OpMove.COMPLETE, self.wall())
            await self._save_op(op)
            return
        await self._failed(op, instance, failure)

    def _spawn_resume(self, instance: LcmInstance) -> None:
        async def resume() -> None:
            try:
                # At start-up the platform may not accept connections yet, and the app's first
                # act is to call it (confirm_ready).
                await self._platform_serving()
                await self._start(None, instance, self._package(instance))
                log.info("application instance %s started again on %s", instance.id, instance.host)
            except Exception as exc:  # logged: the instance stays STARTED in name only
                log.warning("application instance %s did not start again: %s", instance.id, exc)
                await self._end_process(instance, forceful=True)
                instance.operational_state = OperationalState.STOPPED
                await self._save(instance)
                await self._tell("instance_state", instance, None)

        task = asyncio.get_running_loop().create_task(
            resume(), name=f"meclab-lcm-resume-{instance.id}"
        )
        self._tasks[f"resume-{instance.id}"] = task
        task.add_done_callback(lambda _: self._tasks.pop(f"resume-{instance.id}", None))

    async def _platform_serving(self, timeout_s: float = 30.0) -> None:
        """Return once the platform's address accepts TCP connections (or after the timeout,
        when the app's own start-up reports what is wrong)."""
        address = urlsplit(self.platforms.base_url)
        host = address.hostname or "127.0.0.1"
        port = address.port or (443 if address.scheme == "https" else 80)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def close(self) -> None:
        """meclab is stopping: operations under way stop (a restart undoes them), and every
        process ends; the records stay, so a restart brings the STARTED instances back."""
        self._closing = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for instance_id in self._instances:
            self._stopping[instance_id] = self._stopping.get(instance_id, 0) + 1
        await self.backend.close()
        self._stopping.clear()

    # --- helpers ----------------------------------------------------------------------------

    def _usable(self, app_d_id: str) -> OnboardedPackage:
        package = self.packages.get(app_d_id)  # NotFound
        if package.onboarding_state != "ONBOARDED":
            raise Conflict(f"package {app_d_id} is {package.onboarding_state}, not ONBOARDED")
        if package.operational_state != "ENABLED":
            raise Conflict(f"package {app_d_id} is DISABLED: enable it first")
        return package

    def _package(self, instance: LcmInstance) -> OnboardedPackage:
        return self.packages.get(instance.app_d_id)

    def capacity(self) -> CapacityLedger:
        """The hosts' capacity and what the instances reserve of it, for the running world."""
        if self.ledger is None:
            self.ledger = CapacityLedger(self.world())
        return self.ledger

    def _note(self, op: OpOcc, text: str) -> None:
        """Add a step to the operation's record, with the seconds since the operation began."""
        op.record.append(f"{self.wall() - op.start_time:8.3f} s  {text}")

    @contextlib.contextmanager
    def _expecting_exit(self, instance_id: str) -> Iterator[None]:
        """While the lifecycle itself ends an instance's process, its exit is no crash."""
        self._stopping[instance_id] = self._stopping.get(instance_id, 0) + 1
        try:
            yield
        finally:
            self._stopping[instance_id] -= 1
            if not self._stopping[instance_id]:
                del self._stopping[instance_id]

    async def _save(self, instance: LcmInstance) -> None:
        await self.platforms.store.put(INSTANCES, instance.id, instance.to_store())

    async def _save_op(self, op: OpOcc) -> None:
        await self.platforms.store.put(OCCURRENCES, op.id, op.to_store())

    async def _tell(self, kind: str, instance: LcmInstance, op: OpOcc | None) -> None:
        for listener in list(self._listeners):
            try:
                await listener(kind, instance, op)
            except Exception:  # one listener's fault must not stop the lifecycle
                log.exception("lifecycle listener failed on %s", kind)


def _ended(returncode: int | None) -> str:
    """How a process ended, in words: its exit status, or the signal that ended it."""
    if returncode is not None and returncode < 0:
        return f"process ended by {signal.Signals(-returncode).name}"
    return f"process ended with status {returncode}"


def _dns_rule(descriptor: dict[str, Any], address: str) -> DnsRule:
    """An AppD DNS rule descriptor as the MEC 011 DNS rule of a deployed instance."""
    rule = {k: v for k, v in descriptor.items() if v is not None}
    if rule.get("ipAddress") in UNSPECIFIED:
        rule["ipAddress"] = address
        rule["ipAddressType"] = "IP_V6" if ":" in address else "IP_V4"
    rule.setdefault("state", "ACTIVE")
    return DnsRule.model_validate(rule)


def _traffic_rule(descriptor: dict[str, Any]) -> TrafficRule:
    """An AppD traffic rule descriptor as the MEC 011 traffic rule of a deployed instance."""
    rule = {k: v for k, v in descriptor.items() if v is not None}
    rule.setdefault("state", "ACTIVE")
    return TrafficRule.model_validate(rule)
