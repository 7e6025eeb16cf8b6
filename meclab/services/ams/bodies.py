"""Between MEC 021 bodies and the mobility manager's records: parsing, checks, representations.

Checks a schema cannot express, each a 400 naming the attribute:

* ``serviceConsumerId`` names exactly one of ``appInstanceId`` and ``mepId``;
* ``appMobilityServiceId`` is absent in POST and, in PUT, the id of the resource;
* a ``contextTransferState`` of 1 is refused in POST (the initial registration has the
  default, 0, clause 7.2.2);
* every ``associateId`` names a terminal of the world (:func:`meclab.services.ueid.registry.
  tag_index`: its address with or without ``acr:``, its name or its IMSI).
"""

from __future__ import annotations

from typing import Any

from meclab.http.body import parse
from meclab.mobility.notices import AdjacentInstance, InstanceAddress
from meclab.mobility.registry import Device, Registration, ServiceLevel, TransferState
from meclab.platform.errors import InvalidField, Unprocessable
from meclab.services.ams.models import (
    SUBSCRIPTION_MODELS,
    AdjacentAppInstanceInfo,
    AmsSubscription,
    AssociateId,
    CommunicationInterface,
    ContextTransferState,
    RegistrationInfo,
)


def parse_subscription(body: Any) -> AmsSubscription:
    """A subscription body of either type, chosen by ``subscriptionType``."""
    if not isinstance(body, dict):
        raise InvalidField("", "the body must be a JSON object")
    kind = body.get("subscriptionType")
    if kind is None:
        raise InvalidField("subscriptionType", f"required; one of {', '.join(SUBSCRIPTION_MODELS)}")
    model = SUBSCRIPTION_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise Unprocessable(
            f"subscriptionType {kind!r} is not an AMS subscription type; "
            f"one of {', '.join(SUBSCRIPTION_MODELS)}"
        )
    return parse(model, body)


def parse_registration(body: Any, registration_id: str | None) -> RegistrationInfo:
    """A RegistrationInfo of a POST (``registration_id`` None) or of a PUT to that id."""
    info = parse(RegistrationInfo, body)
    given = info.appMobilityServiceId
    if registration_id is None and given is not None:
        raise InvalidField("appMobilityServiceId", "shall be absent in POST; the AMS assigns it")
    if registration_id is not None and given != registration_id:
        raise InvalidField(
            "appMobilityServiceId",
            f"shall be this resource's id {registration_id!r}"
            + ("" if given is None else f", not {given!r}"),
        )
    consumer = info.serviceConsumerId
    if (consumer.appInstanceId is None) == (consumer.mepId is None):
        raise InvalidField(
            "serviceConsumerId", "give exactly one of appInstanceId (an application) and mepId"
        )
    if registration_id is None:
        for i, device in enumerate(info.deviceInformation or []):
            if device.contextTransferState is ContextTransferState.USER_CONTEXT_TRANSFER_COMPLETED:
                raise InvalidField(
                    f"deviceInformation[{i}].contextTransferState",
                    "the initial registration has the default value 0 (NOT_TRANSFERRED)",
                )
    return info


def terminal_of(index: dict[str, str], associate: AssociateId, field: str) -> str:
    """The terminal an AssociateId names; 400 naming ``field`` when none."""
    ue = index.get(associate.value)
    if ue is None:
        raise InvalidField(
            field,
            f"{associate.value!r} names no terminal of this world "
            "(give its IP address, acr: address, name or IMSI)",
        )
    return ue


def devices_of(info: RegistrationInfo, index: dict[str, str]) -> list[Device]:
    """The registration's devices, each with the terminal it names."""
    devices = []
    for i, entry in enumerate(info.deviceInformation or []):
        level = entry.appMobilityServiceLevel
        devices.append(
            Device(
                associate_id=entry.associateId.wire(),
                ue=terminal_of(index, entry.associateId, f"deviceInformation[{i}].associateId"),
                level=ServiceLevel(int(level)) if level is not None else None,
                transfer=TransferState(int(entry.contextTransferState or 0)),
            )
        )
    return devices


def registration_body(registration: Registration) -> dict[str, Any]:
    """The RegistrationInfo representation of a registration."""
    consumer = {"appInstanceId": registration.app_instance_id, "mepId": registration.mep_id}
    devices = []
    for device in registration.devices:
        entry: dict[str, Any] = {"associateId": device.associate_id}
        if device.level is not None:
            entry["appMobilityServiceLevel"] = int(device.level)
        entry["contextTransferState"] = int(device.transfer)
        devices.append(entry)
    body: dict[str, Any] = {
        "appMobilityServiceId": registration.id,
        "serviceConsumerId": {k: v for k, v in consumer.items() if v is not None},
        "deviceInformation": devices,
    }
    if registration.expiry_s:
        body["expiryTime"] = registration.expiry_s
    return RegistrationInfo.model_validate(body).wire()


def comm_interface(address: InstanceAddress) -> CommunicationInterface:
    """Where an instance is reached: one entry point, or none the data plane knows."""
    if address.address is None or address.port is None:
        return CommunicationInterface()
    return CommunicationInterface.model_validate(
        {"ipAddresses": [{"host": address.address, "port": address.port}]}
    )


def adjacent_body(adjacent: AdjacentInstance) -> dict[str, Any]:
    """The AdjacentAppInstanceInfo of an instance on another host."""
    return AdjacentAppInstanceInfo(
        appInstanceId=adjacent.instance.app_instance_id,
        appDId=adjacent.app_d_id,
        appInstanceCommLink=[comm_interface(adjacent.instance)],
        mecHostInformation={
            "hostName": adjacent.host_name,
            "hostId": {"name": adjacent.instance.host},
        },
        registeredInstanceId=adjacent.registered_instance_id,
    ).wire()
