"""meclab's SDK: write the terminal, edge and cloud parts of an edge application.

It speaks to a MEC platform through its public HTTP APIs only (meclab's or any ETSI MEC
platform's) and imports nothing of meclab's server side, so an application's process stays
small: pydantic, aiohttp and the shared wire models.

::

    config.py   where the platform is (PlatformConfig; from the environment)
    tokens.py   TokenSource: OAuth 2.0 access tokens obtained and renewed for the client
    errors.py   the one error tree (SdkError and below)
    http.py     the keep-alive session; answers to typed bodies, errors to SdkError
    clients/    one typed client per ETSI API (MEC 011, 012, 013 v3 and v2.2.1, 021, 028, 014)
    platform.py MecPlatform: every client of one platform (.host(name): one of meclab's)
    sync.py     SyncPlatform: the same, blocking, for scripts and notebooks
    control.py  ControlClient: meclab's own control API (/meclab/v1)
    notifications.py, receiver.py, websocket.py, subscriptions.py
                typed notifications, their embedded receiver, websocket delivery, renewal
    app.py      EdgeApp: the MEC 011 life of an edge application instance
    problem.py  problem_response: RFC 7807 answers from the app's own routes
    context.py  ContextStore: per-user state, exported and imported, versioned
    sealing.py  ContextKey: user contexts sealed (AES-256-GCM) for transit between hosts
    relocation.py UserContextRelocation: push a user's context to another instance
    mobility.py UserMobility: users followed across hosts (MEC 021), contexts moved for them
    dataplane.py DataPlane: connections through meclab's data plane as a UE or an app
    offload/    the offloader: tasks placed on the terminal, the edge or the cloud
"""

from meclab.sdk.app import EdgeApp
from meclab.sdk.config import PlatformConfig
from meclab.sdk.context import ContextStore
from meclab.sdk.control import ControlClient
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.errors import (
    AuthenticationFailed,
    ConfigError,
    MecApiError,
    PlatformUnreachable,
    SdkError,
    ServiceNotFound,
    SubscriptionGone,
    UnexpectedResponse,
    UnparseableNotification,
)
from meclab.sdk.http import Created, HttpClient, Reply, Tagged
from meclab.sdk.mobility import Mode, UserMobility, UserRelocated
from meclab.sdk.notifications import Api, known_notifications, parse_notification
from meclab.sdk.platform import MecPlatform
from meclab.sdk.receiver import NotificationReceiver
from meclab.sdk.relocation import (
    Direction,
    RelocationEvent,
    RelocationFailed,
    RelocationRefused,
    TargetUnreachable,
    UserContextRelocation,
)
from meclab.sdk.sealing import ContextIntegrityError, ContextKey
from meclab.sdk.subscriptions import Subscription
from meclab.sdk.sync import SyncPlatform
from meclab.sdk.tokens import TokenSource
from meclab.sdk.websocket import WebSocketDelivery

__all__ = [
    "Api",
    "AuthenticationFailed",
    "ConfigError",
    "ContextIntegrityError",
    "ContextKey",
    "ContextStore",
    "ControlClient",
    "Created",
    "DataPlane",
    "Direction",
    "EdgeApp",
    "HttpClient",
    "MecApiError",
    "MecPlatform",
    "Mode",
    "NotificationReceiver",
    "PlatformConfig",
    "PlatformUnreachable",
    "RelocationEvent",
    "RelocationFailed",
    "RelocationRefused",
    "Reply",
    "SdkError",
    "ServiceNotFound",
    "Subscription",
    "SubscriptionGone",
    "SyncPlatform",
    "Tagged",
    "TargetUnreachable",
    "TokenSource",
    "UnexpectedResponse",
    "UnparseableNotification",
    "UserContextRelocation",
    "UserMobility",
    "UserRelocated",
    "WebSocketDelivery",
    "known_notifications",
    "parse_notification",
]
