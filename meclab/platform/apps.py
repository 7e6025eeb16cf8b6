"""Application instances on a MEC host and the states they go through.

The legal moves, as a table (ETSI GS MEC 011 clauses 5.2.2 start-up, 5.2.3 graceful
termination/stop)::

    INSTANTIATED --confirm_ready--------> READY
    INSTANTIATED --terminate------------> TERMINATING
    READY        --terminate------------> TERMINATING
    TERMINATING  --confirm_termination--> TERMINATING   (the platform then removes it)

Anything else raises :class:`IllegalTransition` (409 Conflict) and changes nothing: a second
confirm_ready, a confirm_termination nobody asked for.

Until an instance is READY its DNS and traffic rules do not act and it cannot offer services
(MEC 011 clause 5.2.2: the platform configures them once the instance has confirmed it runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from meclab.platform.errors import Conflict
from meclab.platform.rules import DnsRule, TrafficRule


class AppState(StrEnum):
    INSTANTIATED = "INSTANTIATED"
    READY = "READY"
    TERMINATING = "TERMINATING"


class AppAction(StrEnum):
    CONFIRM_READY = "confirm_ready"
    TERMINATE = "terminate"
    CONFIRM_TERMINATION = "confirm_termination"


TRANSITIONS: dict[tuple[AppState, AppAction], AppState] = {
    (AppState.INSTANTIATED, AppAction.CONFIRM_READY): AppState.READY,
    (AppState.INSTANTIATED, AppAction.TERMINATE): AppState.TERMINATING,
    (AppState.READY, AppAction.TERMINATE): AppState.TERMINATING,
    (AppState.TERMINATING, AppAction.CONFIRM_TERMINATION): AppState.TERMINATING,
}


class IllegalTransition(Conflict):
    """The action is not allowed in the instance's current state."""

    def __init__(self, app_instance_id: str, state: AppState, action: AppAction) -> None:
        super().__init__(
            f"application instance {app_instance_id} is {state}; {action} is not allowed now"
        )
        self.state = state
        self.action = action


class OperationAction(StrEnum):
    """MEC 011 OperationActionType: why an instance is asked to wind down."""

    STOPPING = "STOPPING"
    TERMINATING = "TERMINATING"


@dataclass(slots=True)
class AppInstance:
    """One application instance on one MEC host."""

    app_instance_id: str
    host: str
    app_name: str
    app_provider: str
    state: AppState
    name: str | None = None
    """Scenario element name, when the scenario declares it."""
    emulated: bool = False
    """meclab plays this instance (see the scenario's ``emulated``)."""
    version: str | None = None
    registration: dict[str, Any] | None = None
    """The MEC 011 v3 AppInfo it registered with (``/registrations``), wire form."""
    dns_rules: dict[str, DnsRule] = field(default_factory=dict)
    traffic_rules: dict[str, TrafficRule] = field(default_factory=dict)
    operation: OperationAction | None = None
    """Set while TERMINATING: what was asked."""
    termination_confirmed: bool = False
    address: str | None = None
    """Its emulated address, for an instance the lifecycle deployed (a scenario application's
    is in the scenario)."""
    endpoint: str | None = None
    """``host:port`` where its process listens, for an instance the lifecycle deployed."""

    def apply(self, action: AppAction) -> AppState:
        """Move to the state the table gives, or raise IllegalTransition (state unchanged)."""
        target = TRANSITIONS.get((self.state, action))
        if target is None:
            raise IllegalTransition(self.app_instance_id, self.state, action)
        self.state = target
        return target

    @property
    def app_key(self) -> tuple[str, str]:
        """(appName, appProvider): what every instance of this application shares."""
        return self.app_name, self.app_provider

    @property
    def ready(self) -> bool:
        return self.state is AppState.READY

    def to_store(self) -> dict[str, Any]:
        return {
            "app_instance_id": self.app_instance_id,
            "host": self.host,
            "app_name": self.app_name,
            "app_provider": self.app_provider,
            "state": self.state.value,
            "name": self.name,
            "emulated": self.emulated,
            "version": self.version,
            "registration": self.registration,
            "dns_rules": [r.wire() for r in self.dns_rules.values()],
            "traffic_rules": [r.wire() for r in self.traffic_rules.values()],
            "operation": self.operation.value if self.operation else None,
            "termination_confirmed": self.termination_confirmed,
            "address": self.address,
            "endpoint": self.endpoint,
        }

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> AppInstance:
        dns = [DnsRule.model_validate(r) for r in data["dns_rules"]]
        traffic = [TrafficRule.model_validate(r) for r in data["traffic_rules"]]
        return cls(
            app_instance_id=data["app_instance_id"],
            host=data["host"],
            app_name=data["app_name"],
            app_provider=data["app_provider"],
            state=AppState(data["state"]),
            name=data["name"],
            emulated=data["emulated"],
            version=data["version"],
            registration=data["registration"],
            dns_rules={r.dnsRuleId: r for r in dns},
            traffic_rules={r.trafficRuleId: r for r in traffic},
            operation=OperationAction(data["operation"]) if data["operation"] else None,
            termination_confirmed=data["termination_confirmed"],
            address=data.get("address"),
            endpoint=data.get("endpoint"),
        )
