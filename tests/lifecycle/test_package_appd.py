"""The AppD model's own rules, beyond types: where the GS text constrains attributes."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from package_lab import EXAMPLE
from pydantic import ValidationError

from meclab.lifecycle.appd import AppD


def _example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLE / "appd.yaml").read_text(encoding="utf-8"))
    return data


def _errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        AppD.model_validate(data)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


RULE = {"trafficRuleId": "t", "filterType": "FLOW", "priority": 0, "trafficFilter": [{}]}


def test_traffic_rules_take_the_interfaces_their_action_uses() -> None:
    data = _example()
    ip = {"interfaceType": "IP", "dstIPAddress": "10.0.0.9"}
    data["appTrafficRule"] = [
        {**RULE, "trafficRuleId": "drop", "action": "DROP", "dstInterface": [ip]},
        {
            **RULE,
            "trafficRuleId": "dup",
            "action": "DUPLICATE_DECAPSULATED",
            "dstInterface": [ip, ip],
        },
        {**RULE, "trafficRuleId": "fwd", "action": "FORWARD_DECAPSULATED", "dstInterface": ip},
    ]
    errors = _errors(data)
    assert [loc for loc, _ in errors] == [("appTrafficRule", 0, "dstInterface")]
    data["appTrafficRule"].pop(0)
    parsed = AppD.model_validate(data).appTrafficRule
    assert (
        parsed is not None and len(parsed[1].dstInterface or []) == 1
    )  # one object, read as a list


def test_storage_data_follows_its_type_and_sizes_add_up() -> None:
    data = _example()
    data["virtualStorageDescriptor"] = [
        {"id": "a", "typeOfStorage": "FILE", "blockStorageData": {"sizeOfStorage": 1}},
    ]
    assert "fileStorageData is required" in _errors(data)[0][1]
    data["virtualStorageDescriptor"] = [
        {"id": "a", "typeOfStorage": "BLOCK", "blockStorageData": {"sizeOfStorage": 2}},
        {"id": "b", "typeOfStorage": "FILE", "fileStorageData": {"sizeOfStorage": 0.5}},
        {"id": "c", "typeOfStorage": "OBJECT", "objectStorageData": {"maxSizeOfStorage": 9}},
    ]
    assert AppD.model_validate(data).storage_gb == 2.5


def test_user_context_transfer_support_only_for_stateful_apps() -> None:
    data = _example()
    data["userContextTransferCapability"] = {"statefulApplication": True}
    assert "required for a stateful" in _errors(data)[0][1]
    data["userContextTransferCapability"] = {
        "statefulApplication": False,
        "userContextTransferSupport": True,
    }
    assert "only for a stateful" in _errors(data)[0][1]


def test_identifiers_are_unique_and_versions_listed() -> None:
    data = _example()
    data["appDNSRule"].append(dict(data["appDNSRule"][0]))
    assert "dnsRuleId 'hello-edge-dns' is used twice" in _errors(data)[0][1]
    data = _example()
    data["mecVersion"] = "3.1.1, 2.2.1"
    appd = AppD.model_validate(data)
    assert appd.mecVersion == ["3.1.1", "2.2.1"] and appd.wire()["mecVersion"] == "3.1.1,2.2.1"
    data["mecVersion"] = "three"
    assert _errors(data)[0][0] == ("mecVersion", 0)


def test_a_dns_rule_address_matches_its_type() -> None:
    data = _example()
    data["appDNSRule"][0].update(ipAddressType="IP_V6", ipAddress="::")
    assert AppD.model_validate(data).appDNSRule[0].names_instance  # type: ignore[index]
    data["appDNSRule"][0].update(ipAddress="10.1.2.3")
    assert _errors(data) == [
        (("appDNSRule", 0, "ipAddress"), "Value error, 10.1.2.3 is not an IP_V6 address")
    ]
