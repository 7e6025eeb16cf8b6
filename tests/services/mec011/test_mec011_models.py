"""MEC 011 bodies as they travel: bare objects that parse and dump back unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from meclab.services.mec011 import models

BODIES: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (
        models.AppInfo,
        {
            "appName": "ar-guide",
            "appProvider": "acme",
            "appDId": "appd-1",
            "appInstanceId": "i-1",
            "endpoint": {"addresses": [{"host": "10.0.0.1", "port": 8080}]},
            "appServiceRequired": [
                {
                    "serName": "rni",
                    "version": "2.2.1",
                    "serTransportDependencies": [
                        {
                            "transport": {
                                "name": "REST",
                                "type": "REST_HTTP",
                                "protocol": "HTTP",
                                "version": "1.1",
                                "security": {
                                    "oAuth2Info": {"grantTypes": ["OAUTH2_CLIENT_CREDENTIALS"]}
                                },
                            },
                            "serializers": ["JSON"],
                            "labels": ["default"],
                        }
                    ],
                }
            ],
            "appFeatureOptional": [{"featureName": "UEIdentity", "version": "1"}],
            "isInsByMec": True,
            "appProfile": {"easId": "eas-1", "endPt": {"uris": ["http://x"]}},
        },
    ),
    (
        models.SerAvailabilityNotificationSubscription,
        {
            "subscriptionType": "SerAvailabilityNotificationSubscription",
            "callbackReference": "http://client.example/cb",
            "_links": {"self": {"href": "http://meclab.test/sub/1"}},
            "filteringCriteria": {"serNames": ["rni"], "states": ["ACTIVE"], "isLocal": True},
        },
    ),
    (
        models.ServiceAvailabilityNotification,
        {
            "notificationType": "SerAvailabilityNotification",
            "serviceReferences": [
                {
                    "serName": "rni",
                    "serInstanceId": "s-1",
                    "state": "ACTIVE",
                    "changeType": "REMOVED",
                }
            ],
            "_links": {"subscription": {"href": "http://meclab.test/sub/1"}},
        },
    ),
    (
        models.AppTerminationNotification,
        {
            "notificationType": "AppTerminationNotification",
            "operationAction": "STOPPING",
            "maxGracefulTimeout": 10,
            "_links": {
                "subscription": {"href": "http://meclab.test/sub/2"},
                "confirmTermination": {"href": "http://meclab.test/confirm"},
            },
        },
    ),
    (
        models.TimingCaps,
        {
            "timeStamp": {"seconds": 1, "nanoSeconds": 2},
            "ntpServers": [
                {
                    "ntpServerAddrType": "DNS_NAME",
                    "ntpServerAddr": "pool.ntp.org",
                    "minPollingInterval": 3,
                    "maxPollingInterval": 17,
                    "localPriority": 1,
                    "authenticationOption": "SYMMETRIC_KEY",
                    "authenticationKeyNum": 7,
                }
            ],
            "ptpMasters": [
                {
                    "ptpMasterIpAddress": "10.0.0.9",
                    "ptpMasterLocalPriority": 1,
                    "delayReqMaxRate": 10,
                }
            ],
        },
    ),
    (models.CurrentTime, {"seconds": 1, "nanoSeconds": 0, "timeSourceStatus": "TRACEABLE"}),
    (
        models.ServiceLivenessInfo,
        {"state": "INACTIVE", "timeStamp": {"seconds": 1, "nanoSeconds": 0}, "interval": 5},
    ),
    (models.AppTerminationConfirmation, {"operationAction": "TERMINATING"}),
    (models.AppReadyConfirmation, {"indication": "READY"}),
]


@pytest.mark.parametrize(("model", "body"), BODIES, ids=lambda v: getattr(v, "__name__", ""))
def test_bare_body_round_trips(model: type[BaseModel], body: dict[str, Any]) -> None:
    parsed = model.model_validate(body)
    assert parsed.wire() == body  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (models.AppReadyConfirmation, {"AppReadyConfirmation": {"indication": "READY"}}),
        (models.AppInfo, {"AppInfo": {"appName": "x"}}),
    ],
)
def test_wrapped_bodies_are_refused(model: type[BaseModel], body: dict[str, Any]) -> None:
    # The doc2oas files wrap bodies in their type name; the wire does not (INVENTORY §3.10).
    with pytest.raises(ValidationError):
        model.model_validate(body)


def test_filtering_criteria_selectors_are_exclusive() -> None:
    with pytest.raises(ValidationError, match="mutually exclusive"):
        models.FilteringCriteria(serNames=["a"], serInstanceIds=["b"])
    assert models.FilteringCriteria(serNames=["a"], serInstanceIds=[]).serNames == ["a"]


def test_platform_models_are_re_exported_under_spec_names() -> None:
    for name in ("ServiceInfo", "TransportInfo", "DnsRule", "TrafficRule", "Addresses", "LinkType"):
        assert isinstance(getattr(models, name), type), name
