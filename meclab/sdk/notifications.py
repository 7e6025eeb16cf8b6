"""Notification bodies read into the typed models of their API, one definition each.

Each ETSI API frames its notifications its own way:

==================  ==========================================================================
RNIS (MEC 012)      bare body keyed by ``notificationType``
WAI (MEC 028)       bare body keyed by ``notificationType``
Location v3         body in its root element, ``{"userAreaNotification": {...}}`` (MEC 013
                    clause 6.4); no ExpiryNotification exists in MEC 013
Location v2.2.1     body in its root element, without ``notificationType``
                    (``zonalPresenceNotification``, ``zoneStatusNotification``,
                    ``subscriptionNotification``)
MEC 011             bare body keyed by ``notificationType`` (AppTermination,
                    SerAvailability)
AMS (MEC 021)       bare body keyed by ``notificationType``
==================  ==========================================================================

:func:`parse_notification` turns a body (bytes, text or decoded JSON) into the model, or raises
:class:`UnparseableNotification` naming the API and what was wrong.
"""

from __future__ import annotations

import enum
import json
from typing import Any

from pydantic import ValidationError

from meclab.platform.wire import WireModel
from meclab.sdk.errors import UnparseableNotification
from meclab.services.ams import models as ams
from meclab.services.location import models_v2 as loc2
from meclab.services.location import models_v3_notifications as loc3
from meclab.services.mec011 import models as mec011
from meclab.services.rnis import models_notifications as rnis
from meclab.services.wai import models_subs as wai


class Api(enum.StrEnum):
    """The API (and version) a notification belongs to: it decides how the body is framed."""

    RNIS = "rnis"
    WAI = "wai"
    LOCATION_V3 = "location-v3"
    LOCATION_V2 = "location-v2"
    MEC011 = "mec011"
    AMS = "ams"


def _by_type(*models: type[WireModel]) -> dict[str, type[WireModel]]:
    """Models by the ``notificationType`` each declares as its only allowed value."""
    out: dict[str, type[WireModel]] = {}
    for model in models:
        literal = model.model_fields["notificationType"].annotation
        (value,) = getattr(literal, "__args__", ())
        out[value] = model
    return out


_TYPED: dict[Api, dict[str, type[WireModel]]] = {
    Api.RNIS: _by_type(
        rnis.CellChangeNotification,
        rnis.RabEstNotification,
        rnis.RabModNotification,
        rnis.RabRelNotification,
        rnis.S1BearerNotification,
        rnis.ExpiryNotification,
        rnis.TestNotification,
    ),
    Api.WAI: _by_type(
        wai.AssocStaNotification,
        wai.StaDataRateNotification,
        wai.MeasurementReportNotification,
        wai.ExpiryNotification,
        wai.TestNotification,
    ),
    Api.MEC011: _by_type(mec011.AppTerminationNotification, mec011.ServiceAvailabilityNotification),
    Api.AMS: _by_type(
        ams.MobilityProcedureNotification,
        ams.AdjacentAppInfoNotification,
        ams.ExpiryNotification,
        ams.TestNotification,
    ),
}

# MEC 013 v3 models take ``notificationType: str``; the root element names the type.
_LOCATION_V3: dict[str, type[WireModel]] = {
    "testNotification": loc3.TestNotification,
    "userLocationEventNotification": loc3.UserLocationEventNotification,
    "userLocationPeriodicNotification": loc3.UserLocationPeriodicNotification,
    "zoneLocationEventNotification": loc3.ZoneLocationEventNotification,
    "zoneStatusNotification": loc3.ZoneStatusNotification,
    "userAreaNotification": loc3.UserAreaNotification,
    "userDistanceNotification": loc3.UserDistanceNotification,
}

_LOCATION_V2: dict[str, type[WireModel]] = {
    "zonalPresenceNotification": loc2.ZonalPresenceNotification,
    "zoneStatusNotification": loc2.ZoneStatusNotificationV2,
    "subscriptionNotification": loc2.SubscriptionNotification,
}


def _decode(api: Api, body: bytes | str | Any) -> Any:
    if not isinstance(body, bytes | str):
        return body
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnparseableNotification(api, f"not JSON: {exc}") from exc


def _rooted(api: Api, data: Any, models: dict[str, type[WireModel]]) -> WireModel:
    if not isinstance(data, dict) or len(data) != 1:
        raise UnparseableNotification(
            api, f"expected one root element of {sorted(models)}, got {_shape(data)}"
        )
    ((root, inner),) = data.items()
    model = models.get(root)
    if model is None:
        known = sorted(models)
        raise UnparseableNotification(api, f"unknown root element {root!r}; known: {known}")
    return _validate(api, model, inner, root)


def _typed(api: Api, data: Any, models: dict[str, type[WireModel]]) -> WireModel:
    if not isinstance(data, dict):
        raise UnparseableNotification(api, f"expected an object, got {_shape(data)}")
    kind = data.get("notificationType")
    model = models.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise UnparseableNotification(
            api, f"notificationType {kind!r} is not one of {sorted(models)}"
        )
    return _validate(api, model, data, kind)


def _validate(api: Api, model: type[WireModel], data: Any, where: str) -> WireModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in (where, *first["loc"]))
        raise UnparseableNotification(api, f"{path}: {first['msg']}") from exc


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        return f"keys {sorted(data)}"
    return type(data).__name__


def known_notifications(api: Api) -> dict[str, type[WireModel]]:
    """The models :func:`parse_notification` reads for ``api``, by ``notificationType`` (or, for
    Location, by root element)."""
    if api is Api.LOCATION_V3:
        return dict(_LOCATION_V3)
    if api is Api.LOCATION_V2:
        return dict(_LOCATION_V2)
    return dict(_TYPED[api])


def parse_notification(api: Api, body: bytes | str | Any) -> WireModel:
    """The typed notification in ``body`` for ``api``; raises :class:`UnparseableNotification`."""
    data = _decode(api, body)
    if api is Api.LOCATION_V3:
        return _rooted(api, data, _LOCATION_V3)
    if api is Api.LOCATION_V2:
        return _rooted(api, data, _LOCATION_V2)
    return _typed(api, data, _TYPED[api])
