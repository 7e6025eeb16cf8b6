"""MEC 013 Location bodies against the ETSI files, with the rules of :mod:`conformance.checker`.

* v3.1.1 (``MEC013_Location.yaml``): every schema an operation or callback uses, plus the
  parts meclab builds on its own (TestNotification, LocationInfo ...), against the class of the
  same name in :mod:`meclab.services.location.models` or ``models_v3``.
* v2.2.1 (``etsi-forge-mirror/MEC013_Location_v2.2.1.yaml``): the subscription, notification
  and query types of the v2.2.1 API meclab serves under ``/location/v2.2.1`` for ETSI MEC
  Sandbox clients, against :mod:`meclab.services.location.models_v2` and ``models_v2_queries``
  (and the v3.1.1 classes where both versions agree: zones, distances).

Root elements (``{"userList": {...}}``) are MEC 013's genuine wire format (INVENTORY §3.10) and
are not doc2oas wrappers: the checked schemas are the types inside them.
"""

from __future__ import annotations

from functools import cache

import pytest
from pydantic import BaseModel

from conformance.checker import Rules, Substitute, check, stale_rules
from conformance.spec import JsonDoc, find_specs_dir, load_spec
from meclab.services.location import (
    models,
    models_v2,
    models_v2_queries,
    models_v3,
    models_v3_notifications,
)

V3 = "MEC013_Location.yaml"
V2 = "etsi-forge-mirror/MEC013_Location_v2.2.1.yaml"

EXTRA_V3 = (
    "TestNotification",
    "LocationInfo",
    "Velocity",
    "UserInfo",
    "RelativeLocationInfo",
    "MapInfo",
    "Origin",
    "CivicAddress",
    "AreaInfo",
    "Point",
    "ReportingCtrl",
    "UserEventPara",
    "PeriodicEventInfo",
    "WebsockNotifConfig",
    "TimeStamp",
    "LinkType",
    "ServiceError",
)
"""Schemas meclab builds or parses that no operation names directly (bodies' parts, and the
TestNotification of MEC 009 clause 6.12a, which no callback declares)."""

V2_SCHEMAS: dict[str, type[BaseModel]] = {
    "UserTrackingSubscription": models_v2.UserTrackingSubscription,
    "ZonalTrafficSubscription": models_v2.ZonalTrafficSubscription,
    "ZoneStatusSubscription": models_v2.ZoneStatusSubscriptionV2,
    "CircleNotificationSubscription": models_v2.CircleNotificationSubscription,
    "DistanceNotificationSubscription": models_v2.DistanceNotificationSubscription,
    "PeriodicNotificationSubscription": models_v2.PeriodicNotificationSubscription,
    "ZonalPresenceNotification": models_v2.ZonalPresenceNotification,
    "ZoneStatusNotification": models_v2.ZoneStatusNotificationV2,
    "SubscriptionNotification": models_v2.SubscriptionNotification,
    "TerminalLocation": models_v2.TerminalLocation,
    "LocationInfo": models_v2.LocationInfoV2,
    "CallbackReference": models_v2.CallbackReference,
    "Link": models_v2.Link,
    "UserInfo": models_v2_queries.UserInfoV2,
    "UserList": models_v2_queries.UserListV2,
    "AccessPointInfo": models_v2_queries.AccessPointInfoV2,
    "AccessPointList": models_v2_queries.AccessPointListV2,
    "ZoneInfo": models.ZoneInfo,
    "ZoneList": models.ZoneList,
    "TerminalDistance": models.TerminalDistance,
}
"""v2.2.1 schema -> meclab model (two names collide with v3's and carry a V2 suffix)."""

NOTIFICATIONS = (
    "TestNotification",
    "UserLocationEventNotification",
    "UserLocationPeriodicNotification",
    "ZoneLocationEventNotification",
    "ZoneStatusNotification",
    "UserAreaNotification",
    "UserDistanceNotification",
)

GS_NOTIFICATION_LINKS = JsonDoc(
    {
        "components": {
            "schemas": {
                "Notification": {
                    "type": "object",
                    "properties": {
                        "_links": {
                            "type": "object",
                            "required": ["subscription"],
                            "properties": {
                                "subscription": {
                                    "type": "object",
                                    "required": ["href"],
                                    "properties": {"href": {"type": "string"}},
                                }
                            },
                        }
                    },
                }
            }
        }
    },
    "MEC 013 v3.1.1 GS tables of clause 6.4 (notification _links)",
)
"""The shape the GS tables give every notification's ``_links``: ``subscription``, a LinkType
(a link to the related subscription), as the file's own callback examples carry it. The
doc2oas file reuses its subscriptions' ``_links`` schema, which has ``self`` only."""

SUBSTITUTES = {
    (name, "_links"): Substitute(
        GS_NOTIFICATION_LINKS,
        "Notification",
        "the doc2oas file types notification _links with the subscriptions' 'self' link; the "
        "GS tables (and the file's callback examples) give '_links > subscription'",
    )
    for name in NOTIFICATIONS
}

USER_INFO_TYPO = (
    "the file spells the property 'AccessPointId' while its own 'required' list, its callback "
    "examples and the v2.2.1 file's UserInfo say 'accessPointId': a typo; meclab sends "
    "'accessPointId'"
)

ALLOW: dict[str, dict[tuple[str, str] | tuple[str, str, str], str]] = {
    V3: {
        ("UserInfo", "AccessPointId"): USER_INFO_TYPO,
        ("UserInfo", "accessPointId"): USER_INFO_TYPO,
    },
    V2: {},
}
"""Known differences that are not meclab's fault, per file (see the checker's docstring)."""


def v3_model(name: str) -> type[BaseModel]:
    for module in (models_v3, models_v3_notifications, models):
        model = getattr(module, name, None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model
    if name == "Subscription":
        return models_v3.SubscriptionReference
    pytest.fail(f"no model for the v3.1.1 schema {name!r} in meclab.services.location")


@cache
def rules(file: str) -> Rules:
    return Rules(allow=ALLOW[file], substitutes=SUBSTITUTES if file == V3 else {})


def _params() -> list[object]:
    if find_specs_dir() is None:  # collected anyway, so that the run says why it skipped
        return [pytest.param(V3, None, id="spec-folder-absent")]
    used = list(load_spec(V3).used_schemas())
    v3 = [
        pytest.param(V3, n, id=f"v3-{n}") for n in [*used, *(e for e in EXTRA_V3 if e not in used)]
    ]
    return v3 + [pytest.param(V2, n, id=f"v2-{n}") for n in V2_SCHEMAS]


@pytest.mark.parametrize(("file", "schema"), _params())
def test_model_conforms(file: str, schema: str | None) -> None:
    spec = load_spec(file)  # skips when the spec folder is absent
    assert schema is not None
    model = V2_SCHEMAS[schema] if file == V2 else v3_model(schema)
    report = check(model, spec, schema, rules(file))
    if not report.ok:
        pytest.fail(str(report), pytrace=False)


@pytest.mark.parametrize("file", [V3, V2])
def test_rules_name_real_attributes(file: str) -> None:
    stale = stale_rules(rules(file), [load_spec(file)])
    if file == V3:  # the spelling the v3.1.1 file lacks, by its typo (USER_INFO_TYPO)
        assert [p.split(": no such attribute")[0] for p in stale] == [
            "allow ('UserInfo', 'accessPointId')"
        ]
    else:
        assert stale == []


def test_every_v3_body_is_found() -> None:
    """The walk over the v3.1.1 file finds the bodies INVENTORY §2 lists for MEC 013."""
    used = set(load_spec(V3).used_schemas())
    assert {
        "UserList",
        "ZoneList",
        "ZoneInfo",
        "AccessPointList",
        "AccessPointInfo",
        "TerminalDistance",
        "NotificationSubscriptionList",
        "UserLocationEventSubscription",
        "UserLocationPeriodicSubscription",
        "ZoneLocationEventSubscription",
        "ZoneStatusSubscription",
        "UserAreaSubscription",
        "UserDistanceSubscription",
        "UserLocationEventNotification",
        "UserLocationPeriodicNotification",
        "ZoneLocationEventNotification",
        "ZoneStatusNotification",
        "UserAreaNotification",
        "UserDistanceNotification",
    } <= used
