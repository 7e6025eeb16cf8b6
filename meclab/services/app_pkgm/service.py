"""MEC 010-2 application package management, once for the MEC system (not per host).

Served at ``{api_root}/app_pkgm/v1``. The packages themselves are the
:class:`~meclab.lifecycle.packages.PackageRegistry`'s; this object turns them into AppPkgInfo
resources and their changes into notifications. Subscriptions are filed in the platforms'
shared registry under :data:`~meclab.lifecycle.SYSTEM_HOST`.

===========================  ==========================================  =========================
registry change              notification (clause 6.2.3.7)               sent to
===========================  ==========================================  =========================
content onboarded            AppPackageOnBoarded                         AppPackageOnBoarding-
                                                                         Subscription
enabled / disabled (PATCH)   AppPackageEnabled / AppPackageDisabled      AppPackageChange-
                                                                         Subscription
deleted                      AppPackageDeleted                           AppPackageDeletion-
                                                                         Subscription
===========================  ==========================================  =========================

A subscription with ``appPkgFilter`` is told of a package when any of its filters matches it
(every attribute a filter gives must equal the package's, as its AppPkgInfo shows it).

Ownership (issue 12, :mod:`meclab.services.app_lcm.owners`): a package belongs to the client
that created it, and only it (or the operator) may change it: upload its content, enable or
disable it, delete it; another client is refused (403). Reading packages, their AppDs and
archives stays open to every client of the API: the onboarded packages are the MEC system's
catalogue, from which any app_lcm client instantiates by appDId. A
subscription is its subscriber's: another client cannot read or delete it, and lists only its
own.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from meclab.lifecycle import SYSTEM_HOST
from meclab.lifecycle.packages import OnboardedPackage, PackageRegistry
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.subscriptions import SubscriptionApi
from meclab.platform.wire import TimeStamp
from meclab.services.app_lcm.owners import PACKAGES, Owners
from meclab.services.app_pkgm.models import (
    AppPkgFilter,
    AppPkgInfo,
    AppPkgSubscriptionType,
    NotificationType,
)

BASE_PATH = "/app_pkgm/v1"
API = "app_pkgm"
"""The API's name in the subscription registry."""

_FILTERS = TypeAdapter(list[AppPkgFilter])

NOTIFIED: dict[str, tuple[AppPkgSubscriptionType, NotificationType]] = {
    "onboarded": (AppPkgSubscriptionType.ON_BOARDING, "AppPackageOnBoarded"),
    "enabled": (AppPkgSubscriptionType.CHANGE, "AppPackageEnabled"),
    "disabled": (AppPkgSubscriptionType.CHANGE, "AppPackageDisabled"),
    "deleted": (AppPkgSubscriptionType.DELETION, "AppPackageDeleted"),
}
"""Registry change -> (the subscriptions told, notificationType)."""


def parse_criteria(_: str, body: dict[str, Any]) -> list[AppPkgFilter]:
    """A stored subscription body's filters (none: every package)."""
    return _FILTERS.validate_python(body.get("appPkgFilter") or [])


def matches(filters: list[AppPkgFilter], info: dict[str, Any]) -> bool:
    """Whether a package (its AppPkgInfo wire form) passes a subscription's filters."""
    if not filters:
        return True
    renamed = {"appPkgInfoId": "id"}
    return any(
        all(info.get(renamed.get(name, name)) == value for name, value in f.wire().items())
        for f in filters
    )


class AppPkgm:
    """ETSI GS MEC 010-2 ``app_pkgm/v1`` over a package registry (module docstring)."""

    def __init__(self, platforms: Platforms, packages: PackageRegistry) -> None:
        self.platforms = platforms
        self.packages = packages
        self.owners = Owners(platforms.store, PACKAGES)
        platforms.subscriptions.register_api(SubscriptionApi(name=API, parse=parse_criteria))
        packages.on_change(self._changed)

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` under the API's base."""
        return f"{self.platforms.base_url}{self.platforms.api_root}{BASE_PATH}{path}"

    def package_url(self, package: OnboardedPackage, tail: str = "") -> str:
        # An onboarded package is addressed by its appDId; before that only its id exists.
        return self.url(f"/onboarded_app_packages/{package.app_d_id or package.id}{tail}")

    def info(self, package: OnboardedPackage) -> AppPkgInfo:
        """The package's AppPkgInfo."""
        appd = package.appd
        if package.sha256 is not None:
            checksum = {"algorithm": "SHA-256", "hash": package.sha256}
        else:
            checksum = package.checksum
        return AppPkgInfo.model_validate(
            {
                "id": package.id,
                "appDId": appd.appDId if appd else "",
                "appProvider": appd.appProvider if appd else package.provider,
                "appName": appd.appName if appd else package.name,
                "appSoftwareVersion": appd.appSoftVersion if appd else package.version,
                "appDVersion": appd.appDVersion if appd else "",
                "checksum": checksum,
                "softwareImages": [i.wire() for i in appd.swImageDescriptor] if appd else [],
                "onboardingState": package.onboarding_state,
                "operationalState": package.operational_state,
                "usageState": package.usage_state,
                "mecInfo": list(appd.mecVersion) if appd else [],
                "userDefinedData": package.user_defined_data,
                "onboardingFailureDetails": package.failure,
                "_links": {
                    "self": {"href": self.package_url(package)},
                    "appD": {"href": self.package_url(package, "/appd")},
                    "appPkgContent": {"href": self.package_url(package, "/package_content")},
                },
            }
        )

    def subscriptions(self) -> list[Subscription]:
        return self.platforms.subscriptions.list(SYSTEM_HOST, API)

    async def _changed(self, kind: str, package: OnboardedPackage) -> None:
        if kind == "deleted":
            await self.owners.forget(package.id)
        told = NOTIFIED.get(kind)
        if told is None:
            return
        subscription_type, notification_type = told
        info = self.info(package).wire()
        note_id = uuid.uuid4().hex  # one id for every copy of this notification
        stamp = TimeStamp.of(self.platforms.wall()).wire()
        for sub in self.platforms.subscriptions.subscribers(API, SYSTEM_HOST):
            if sub.type != subscription_type or not matches(sub.criteria, info):
                continue
            self.platforms.subscriptions.notify(
                sub,
                {
                    "id": note_id,
                    "notificationType": notification_type,
                    "subscriptionId": sub.id,
                    "timeStamp": stamp,
                    "appPkgId": package.id,
                    "appDId": info["appDId"],
                    "operationalState": info["operationalState"],
                    "_links": {"subscription": {"href": sub.href}},
                },
            )

    def mount(self, app: FastAPI) -> None:
        """Serve the API once, at ``{api_root}/app_pkgm/v1``."""
        from meclab.services.app_pkgm.routes import build_router

        app.include_router(build_router(self), prefix=self.platforms.api_root)
