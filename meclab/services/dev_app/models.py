"""MEC 016 data types (ETSI GS MEC 016 V2.2.1 clause 6), bare on the wire.

Attribute names, types, lengths and required lists are those of the GS's data model. Where
the GS states a rule in words, the models check it:

* LocationConstraints: ``area`` and ``civicAddressElement`` exclude each other, and
  ``countryCode`` is needed when ``area`` is absent (clause 6.5.2);
* AppContext: ``appLocationUpdates`` and ``appAutoInstantiation`` are not both true (note 4).

A Polygon may carry GeoJSON's ``"type": "Polygon"`` member (RFC 7946, which the GS cites), which
the data type's table leaves out: it is accepted and dropped. The attributes a request shall
not carry (a ``contextId`` at creation, an ``appInstanceId`` or ``referenceURI`` of an
instance) are refused by the routes, which know whether a body is a request or a response.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from meclab.platform.wire import WireModel


class ServiceContinuity(IntEnum):
    """``serviceCont``: whether the application needs service continuity."""

    NOT_REQUIRED = 0
    REQUIRED = 1


# --- location (clause 6.5.2) -------------------------------------------------------------


class Polygon(WireModel):
    """A GeoJSON polygon: rings of ``[longitude, latitude]`` positions, the first the outline.

    A request may carry GeoJSON's ``"type": "Polygon"`` (module docstring); it is read and
    dropped, as the GS's table has no such attribute to answer with.
    """

    coordinates: list[list[list[float]]] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _geojson_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "type" in data:
            if data["type"] != "Polygon":
                raise ValueError(f"type must be 'Polygon', not {data['type']!r}")
            data = {k: v for k, v in data.items() if k != "type"}
        return data


class CivicAddressElement(WireModel):
    """One element of a civic address (IETF RFC 4776 section 3.4)."""

    caType: int
    caValue: str


class LocationConstraints(WireModel):
    """Where an application instance is, or should be."""

    area: Polygon | None = None
    civicAddressElement: list[CivicAddressElement] | None = None
    countryCode: str | None = Field(None, max_length=2)

    @model_validator(mode="after")
    def _one_kind_of_place(self) -> LocationConstraints:
        if self.area is not None and self.civicAddressElement is not None:
            raise ValueError("give either area or civicAddressElement, not both")
        if self.area is None and self.countryCode is None:
            raise ValueError("countryCode is required when area is absent")
        return self


# --- ApplicationList (clause 6.2.2) ------------------------------------------------------


class AppCharcs(WireModel):
    """Resources an application's instance uses, for the device to weigh cost or experience."""

    memory: int | None = Field(None, ge=0, description="Mbytes")
    storage: int | None = Field(None, ge=0, description="Mbytes")
    latency: int | None = Field(None, ge=0, description="target round-trip time, ms")
    bandwidth: int | None = Field(None, ge=0, description="kbit/s")
    serviceCont: ServiceContinuity | None = None


class ListedAppInfo(WireModel):
    """``appList[].appInfo``: an application available to the device application."""

    appDId: str
    appName: str = Field(max_length=32)
    appProvider: str = Field(max_length=32)
    appSoftVersion: str = Field(max_length=32)
    appDVersion: str
    appDescription: str = Field(max_length=128)
    appLocation: list[LocationConstraints] | None = None
    appCharcs: AppCharcs | None = None


class VendorSpecificExt(WireModel):
    """Vendor extension: only ``vendorId`` is defined, the rest is the vendor's."""

    model_config = ConfigDict(extra="allow")

    vendorId: str = Field(max_length=32)


class ListedApp(WireModel):
    """One entry of ``appList``."""

    appInfo: ListedAppInfo
    vendorSpecificExt: VendorSpecificExt | None = None


class ApplicationList(WireModel):
    """The body of ``GET /app_list``."""

    appList: list[ListedApp] | None = None


# --- AppContext (clause 6.2.3) -----------------------------------------------------------


class UserAppInstanceInfo(WireModel):
    """An instance of the context; ``appInstanceId`` and ``referenceURI`` only in responses."""

    appInstanceId: str | None = None
    referenceURI: str | None = None
    appLocation: LocationConstraints | None = None


class ContextAppInfo(WireModel):
    """``AppContext.appInfo``: which application, and its instances."""

    appDId: str | None = None
    appName: str = Field(max_length=32)
    appProvider: str = Field(max_length=32)
    appSoftVersion: str | None = Field(None, max_length=32)
    appDVersion: str
    appDescription: str | None = Field(None, max_length=128)
    userAppInstanceInfo: list[UserAppInstanceInfo] = Field(min_length=1)
    appPackageSource: str | None = None


class AppContext(WireModel):
    """An application context: a device application's use of a user application."""

    contextId: str | None = Field(None, max_length=32)
    associateDevAppId: str = Field(max_length=32)
    callbackReference: str | None = None
    appLocationUpdates: bool | None = None
    appAutoInstantiation: bool | None = None
    appInfo: ContextAppInfo

    @model_validator(mode="after")
    def _updates_or_auto(self) -> AppContext:
        if self.appLocationUpdates and self.appAutoInstantiation:
            raise ValueError("appLocationUpdates and appAutoInstantiation are not both true")
        return self


# --- ApplicationLocationAvailability (clause 6.2.4) --------------------------------------


class AvailableLocation(WireModel):
    """``appInfo.availableLocations[]``: a location available for the application."""

    appLocation: LocationConstraints | None = None


class AvailabilityAppInfo(WireModel):
    """``ApplicationLocationAvailability.appInfo``."""

    appName: str = Field(max_length=32)
    appProvider: str = Field(max_length=32)
    appSoftVersion: str | None = Field(None, max_length=32)
    appDVersion: str
    appDescription: str | None = Field(None, max_length=128)
    appPackageSource: str | None = None
    availableLocations: list[AvailableLocation] | None = None


class ApplicationLocationAvailability(WireModel):
    """Body of ``POST /obtain_app_loc_availability``, asked and answered."""

    associateDevAppId: str = Field(max_length=32)
    appInfo: AvailabilityAppInfo


# --- notifications (clause 6.4) ----------------------------------------------------------


class AddressChangeNotification(WireModel):
    """The instance of a context is reached at another address."""

    notificationType: Literal["AddressChangeNotification"]
    contextId: str
    appInstanceId: str
    referenceURI: str


class ApplicationContextDeleteNotification(WireModel):
    """The MEC system deleted a context."""

    notificationType: Literal["ApplicationContextDeleteNotification"]
    contextId: str


class UpdatedInstanceInfo(WireModel):
    """``ApplicationContextUpdateNotification.userAppInstanceInfo[]``."""

    appInstanceId: str
    referenceURI: str
    appLocation: LocationConstraints | None = None


class ApplicationContextUpdateNotification(WireModel):
    """A context now uses other instances."""

    notificationType: Literal["ApplicationContextUpdateNotification"]
    contextId: str
    userAppInstanceInfo: list[UpdatedInstanceInfo] = Field(min_length=1)


class NotifiedLocation(WireModel):
    """``ApplicationLocationAvailabilityNotification.availableLocations[]``."""

    appLocation: LocationConstraints


class ApplicationLocationAvailabilityNotification(WireModel):
    """Locations where the application can now be instantiated."""

    notificationType: Literal["ApplicationLocationAvailabilityNotification"]
    contextId: str | None = None
    availableLocations: list[NotifiedLocation] = Field(min_length=1)
