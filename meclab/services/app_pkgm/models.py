"""The bodies of MEC 010-2 V3.1.1 ``app_pkgm/v1`` (clause 6.2.3), bare as on the wire.

The AppD itself is :class:`meclab.lifecycle.appd.AppD`. Where the v3.1.1 file says
``SEE_DESCRIPTION``, the values come from the description (onboarding, operational and usage
states); meclab adds the onboarding state ``ERROR`` (ETSI GS NFV-SOL 005), which the
``onboardingFailureDetails`` attribute presupposes. Pydantic and the platform's wire pieces only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from meclab.lifecycle.packages import OnboardingState, OperationalState, UsageState
from meclab.platform.wire import LinkType, ProblemDetails, TimeStamp, WireModel

__all__ = [
    "AppPkgFilter",
    "AppPkgInfo",
    "AppPkgInfoLinks",
    "AppPkgInfoModifications",
    "AppPkgNotification",
    "AppPkgNotificationLinks",
    "AppPkgSubscription",
    "AppPkgSubscriptionInfo",
    "AppPkgSubscriptionLinkList",
    "AppPkgSubscriptionType",
    "Checksum",
    "CreateAppPkg",
    "NotificationType",
    "OnboardingState",
    "OperationalState",
    "UsageState",
]


class Checksum(WireModel):
    algorithm: str = Field(min_length=1)
    """``SHA-256``, ``SHA-512`` ... (ETSI GS NFV-SOL 004 names)."""
    hash: str = Field(min_length=1)
    """Hexadecimal."""


class CreateAppPkg(WireModel):
    """Create a package resource (clause 6.2.3.2).

    ``appPkgPath`` (``file://``, ``http://`` or ``https://``) makes meclab fetch the content;
    left out, the content is uploaded by PUT ``.../package_content`` (which is what that
    operation is for: the spec requires the attribute, meclab does not).
    """

    appPkgName: str = Field(min_length=1)
    appPkgVersion: str = Field(min_length=1)
    appProvider: str | None = None
    checksum: Checksum
    userDefinedData: dict[str, Any] | None = None
    appPkgPath: str | None = Field(None, min_length=1)


class AppPkgInfoLinks(WireModel):
    self: LinkType
    appD: LinkType
    appPkgContent: LinkType
    vnfPkgInfo: LinkType | None = None


class AppPkgInfo(WireModel):
    """A package resource (clause 6.2.3.3). Until its content is onboarded, ``appDId``,
    ``appDVersion`` and ``mecInfo`` are empty and name and version are those of CreateAppPkg."""

    id: str
    appDId: str
    appProvider: str | None = None
    appName: str
    appSoftwareVersion: str
    appDVersion: str
    checksum: Checksum
    signingCertificate: str | None = None
    softwareImages: list[dict[str, Any]]
    """The AppD's swImageDescriptor entries."""
    additionalArtifacts: list[dict[str, Any]] | None = None
    onboardingState: OnboardingState
    operationalState: OperationalState
    usageState: UsageState
    mecInfo: list[str]
    userDefinedData: dict[str, Any] | None = None
    onboardingFailureDetails: ProblemDetails | None = None
    links: AppPkgInfoLinks = Field(alias="_links")


class AppPkgInfoModifications(WireModel):
    """PATCH body and answer (clause 6.2.3.4)."""

    operationalState: OperationalState


class AppPkgSubscriptionType(StrEnum):
    ON_BOARDING = "AppPackageOnBoardingSubscription"
    CHANGE = "AppPackageChangeSubscription"
    DELETION = "AppPackageDeletionSubscription"


class AppPkgFilter(WireModel):
    """Which packages a subscription is about; every attribute given must match."""

    appPkgInfoId: str | None = None
    appDId: str | None = None
    appProvider: str | None = None
    appName: str | None = None
    appSoftwareVersion: str | None = None
    appDVersion: str | None = None
    operationalState: OperationalState | None = None
    """Only for AppPackageChangeSubscription."""
    usageState: UsageState | None = None
    """Only for AppPackageChangeSubscription."""


class AppPkgSubscription(WireModel):
    """POST /subscriptions body (clause 6.2.3.5)."""

    callbackUri: str = Field(min_length=1)
    subscriptionType: AppPkgSubscriptionType
    appPkgFilter: list[AppPkgFilter] | None = None


class AppPkgSubscriptionInfoLinks(WireModel):
    self: LinkType


class AppPkgSubscriptionInfo(WireModel):
    """A subscription resource (clause 6.2.3.6)."""

    id: str
    subscriptionType: AppPkgSubscriptionType
    callbackUri: str
    links: AppPkgSubscriptionInfoLinks = Field(alias="_links")


class AppPkgSubscriptionLink(WireModel):
    href: str
    subscriptionType: AppPkgSubscriptionType


class AppPkgSubscriptionLinks(WireModel):
    self: LinkType
    subscriptions: list[AppPkgSubscriptionLink] | None = None


class AppPkgSubscriptionLinkList(WireModel):
    links: AppPkgSubscriptionLinks = Field(alias="_links")


NotificationType = Literal[
    "AppPackageOnBoarded", "AppPackageEnabled", "AppPackageDisabled", "AppPackageDeleted"
]


class AppPkgNotificationLinks(WireModel):
    subscription: LinkType


class AppPkgNotification(WireModel):
    """A package notification (clause 6.2.3.7)."""

    id: str
    """The same for every subscription told of one change."""
    notificationType: NotificationType
    subscriptionId: str
    timeStamp: TimeStamp
    appPkgId: str
    appDId: str
    operationalState: OperationalState
    links: AppPkgNotificationLinks = Field(alias="_links")
