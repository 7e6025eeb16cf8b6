"""meclab's secure mode (``meclab up --secure``), assembled on the HTTP app (issue 12).

Who may call what, and with which token:

================================  ============================  ===============================
path                              token from                    scope
================================  ============================  ===============================
``<root>[/hosts/H]/<api>/...``    host H's token endpoint       ``<api>:read|write``
                                  (or the operator's)
``<root>/app_lcm/v1`` and the     any host's, or the            ``app_lcm:...`` ...
other MEC system APIs             operator's
``/meclab/v1/...``, ``/metrics``  the operator's                ``control:read|write``
``.../oauth2/token``, ``jwks``,   nobody (public)
``/docs``, ``/openapi.json``
================================  ============================  ===============================

A host's token endpoint is ``<root>/hosts/H/oauth2/token`` (the default host's also at
``<root>/oauth2/token``); it serves the app instances of host H only, and its tokens' audience
is host H and the MEC system: a token of one host is refused on another (401). The operator's
endpoint is ``/meclab/v1/oauth2/token``; its tokens are good everywhere, for the operator
holds every scope and may act on every resource.

An app instance's credential is issued when the operator asks for it over the control API
(``POST /meclab/v1/apps/{name}/credentials``, or ``/meclab/v1/credentials`` for an id not yet
registered), and by the lifecycle for each instance it starts (in the process's environment);
it is revoked when the instance goes. Its scopes: read and write on MEC 011, read on every
other API of its host, and write on those its descriptor says it requires
(``services_required``, ``appServiceRequired``). Ownership of resources is then checked in the
platform core (:mod:`meclab.platform.access`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Query, WebSocket
from pydantic import BaseModel, Field

from meclab.control.routes import PREFIX as CONTROL_API
from meclab.http.auth import AuthLayer, Requirement, refusal_of
from meclab.http.limits import LimitsMiddleware, client_key
from meclab.http.problem import problem_response
from meclab.metrics import Metrics
from meclab.platform.apps import AppInstance
from meclab.platform.errors import Forbidden, InvalidField, NotFound
from meclab.platform.platform import Platforms
from meclab.security.audit import Kind
from meclab.security.authority import Authority
from meclab.security.credentials import OPERATOR, Client
from meclab.security.errors import (
    InvalidToken,
    MissingToken,
    OAuthError,
    OAuthErrorCode,
    UnknownScope,
)
from meclab.security.oauth import token_router
from meclab.security.scopes import Access, for_method, parse_scope, scope
from meclab.services.ams.service import SERVICE as AMS
from meclab.services.bwm.service import SERVICE as BWM
from meclab.services.location.service import SERVICE as LOCATION
from meclab.services.mts.service import SERVICE as MTS
from meclab.services.rnis.service import SERVICE as RNIS
from meclab.services.ueid.service import SERVICE as UEID
from meclab.services.wai.service import SERVICE as WAI

SCOPE_OF_API: dict[str, str] = {
    "/mec_app_support/v1": "mec011_app_support",
    "/mec_service_mgmt/v1": "mec011_service_mgmt",
    "/rni/v2": "rnis",
    "/location/v2": "location",
    "/location/v2.2.1": "location",
    "/wai/v2": "wai",
    "/ui/v1": "ueid",
    "/amsi/v1": "ams",
    "/bwm/v1": "bwm",
    "/mts/v1": "mts",
    "/app_pkgm/v1": "app_pkgm",
    "/app_lcm/v1": "app_lcm",
    "/granting/v1": "granting",
    "/dev_app/v1": "dev_app",
}
"""Each API's base path -> its scope's API name. A test checks that every API meclab serves
is here: an API missing from it would be served unprotected."""

SYSTEM_SCOPES = frozenset({"app_pkgm", "app_lcm", "granting", "dev_app"})
"""The MEC system's APIs (served once under the API root, not per host)."""

HOST_SCOPES = ("rnis", "location", "wai", "ueid", "ams", "bwm", "mts")
"""The per-host APIs besides MEC 011: every app instance of the host may read them."""

SCOPE_OF_SERVICE = {
    RNIS.name: "rnis",
    LOCATION.name: "location",
    WAI.name: "wai",
    UEID.name: "ueid",
    AMS.name: "ams",
    BWM.name: "bwm",
    MTS.name: "mts",
}
"""serName of a platform service an app requires -> the API it may then write to."""

PUBLIC = ("/docs", "/openapi.json", "/meclab/static/", "/meclab/v1/oauth2/")
"""Paths (or path prefixes) open to anyone: documentation and the operator's token endpoint."""

REMEMBERED_PATHS = 4096
"""Paths whose requirement is kept (all are forgotten when there are more)."""

SOCKETS = "/meclab/ws/"

DENIAL = "websocket.http.response"
"""The ASGI extension that lets a refused websocket handshake get a real HTTP answer."""
"""Notification websockets: authenticated by their route, which knows the subscription's host."""


def app_scopes(required: Iterable[str] = ()) -> frozenset[str]:
    """The scopes of an app instance requiring the platform services named ``required``."""
    granted = {
        scope(api, access)
        for api in SCOPE_OF_API.values()
        if api.startswith("mec011")
        for access in Access
    }
    granted |= {scope(api, Access.READ) for api in HOST_SCOPES}
    granted |= {
        scope(SCOPE_OF_SERVICE[name], Access.WRITE) for name in required if name in SCOPE_OF_SERVICE
    }
    return frozenset(granted)


@dataclass(frozen=True, slots=True)
class Limits:
    """The request limits of secure mode, per app instance (or client address). An app
    instance's rate and burst are its host's (the scenario's ``api`` of each MEC host);
    these rates are for other clients (the token endpoint's, by address)."""

    rate_per_s: float = 200.0
    burst: float = 400.0
    max_body_bytes: int = 1 << 20
    max_concurrent: int = 16
    max_queued: int = 64


class CredentialRequest(BaseModel):
    """A client to enrol (an app instance id not registered yet, a device app ...)."""

    client_id: str = Field(min_length=1, max_length=256)
    scope: str | None = Field(None, description="space-separated scopes; default an app's")


class IssuedCredential(BaseModel):
    """A client id with its new secret: shown once, never again."""

    client_id: str
    client_secret: str
    scope: str
    token_url: str


class SecureMode:
    """The secure mode of one app: its authority, its token endpoints, its checks."""

    def __init__(
        self,
        authority: Authority,
        platforms: Platforms,
        *,
        base_url: str,
        limits: Limits | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.authority = authority
        self.metrics = metrics
        if metrics is not None:
            authority.audit.count_on(metrics)
        self.platforms = platforms
        self.base_url = base_url.rstrip("/")
        self.limits = limits or Limits()
        self.control_issuer = f"{self.base_url}{CONTROL_API}"
        self.system_audience = f"{self.base_url}{platforms.api_root}"
        authority.operator_secret()  # made, or checked, now: the CLI reads it from the start
        self._seen_world: object = None
        self._issuers_by_host: dict[str, str] = {}
        self._all_issuers: tuple[str, ...] = ()
        self._required: dict[tuple[str, str], Requirement | None] = {}
        self._generation = 0
        """How many worlds this mode has seen (rate-limit keys carry it)."""

    # --- issuers and audiences ----------------------------------------------------------------

    def issuer(self, host: str | None) -> str:
        """The issuer of host ``host``'s tokens (None: the default host); NotFound if unknown."""
        name = host or self.platforms.default_host
        if name is None:
            raise NotFound("this scenario has no MEC host")
        self.platforms.host(name)
        return f"{self.base_url}{self.platforms.api_root}/hosts/{name}"

    def _host_issuers(self) -> list[str]:
        return list(self._issuer_of().values())

    def _issuer_of(self) -> dict[str, str]:
        """Each host's issuer, worked out once per world (every request needs them)."""
        world = self.platforms.world
        if world is not self._seen_world:
            self._seen_world = world
            base = f"{self.base_url}{self.platforms.api_root}/hosts/"
            self._issuers_by_host = {host: f"{base}{host}" for host in self.platforms.hosts}
            self._all_issuers = (*self._issuers_by_host.values(), self.control_issuer)
            self._required.clear()
            self._generation += 1
        return self._issuers_by_host

    def _everywhere(self) -> list[str]:
        """The audience of the operator's tokens: every host, the system, the control API."""
        return [self.control_issuer, self.system_audience, *self._host_issuers()]

    def _issuers(self) -> tuple[str, ...]:
        # Any of meclab's endpoints: the audience is what keeps a token to its host.
        self._issuer_of()
        return self._all_issuers

    def _admit_host(self, host: str | None, client: Client) -> list[str] | None:
        name = host or self.platforms.default_host
        if client.client_id == OPERATOR:
            return self._everywhere()
        app = self.platforms.apps.get(client.client_id)
        if app is not None and app.host != name:
            raise OAuthError(
                OAuthErrorCode.UNAUTHORIZED_CLIENT,
                f"application instance {client.client_id} runs on {app.host}: ask that host's "
                f"token endpoint ({self.issuer(app.host)}/oauth2/token)",
            )
        return None

    @staticmethod
    def _admit_operator(_: str | None, client: Client) -> None:
        if client.client_id != OPERATOR:
            raise OAuthError(
                OAuthErrorCode.UNAUTHORIZED_CLIENT,
                "this endpoint serves the operator only: an app asks its MEC host's",
            )

    # --- what each request needs -------------------------------------------------------------

    def requirement_of(self, path: str, method: str) -> Requirement | None:
        """What a request to ``path`` needs (the table of the module docstring); the answers
        for the paths seen last are kept (a client asks the same paths again and again)."""
        self._issuer_of()  # a new world clears what is kept
        key = (path, method)
        try:
            return self._required[key]
        except KeyError:
            pass
        if len(self._required) >= REMEMBERED_PATHS:
            self._required.clear()
        need = self._required[key] = self._requirement(path, method)
        return need

    def _requirement(self, path: str, method: str) -> Requirement | None:
        access = for_method(method)
        if path.startswith(PUBLIC) or path.startswith(SOCKETS):
            return None
        if path.startswith("/meclab/") or path == "/metrics":
            return Requirement(self.control_issuer, self._issuers(), f"control:{access}")
        root = self.platforms.api_root
        if root:
            if not path.startswith(f"{root}/"):
                return None
            path = path[len(root) :]
        host = self.platforms.default_host
        if path.startswith("/hosts/"):
            host, _, rest = path.removeprefix("/hosts/").partition("/")
            path = f"/{rest}"
        if path.startswith("/oauth2/"):
            return None
        base = "/".join(path.split("/", 3)[:3])
        api = SCOPE_OF_API.get(base)
        if api is None:
            return None
        if api in SYSTEM_SCOPES:
            return Requirement(self.system_audience, self._issuers(), f"{api}:{access}")
        own = self._issuer_of().get(host or "")
        if own is None:
            return None  # an unknown host: 404 from the routes
        return Requirement(own, self._all_issuers, f"{api}:{access}")

    def key_of(self, asgi_scope: dict[str, Any]) -> str | None:
        """The rate-limit key of a request: its app instance, else its client's address;
        None (unlimited) for the operator."""
        client = asgi_scope.get("meclab.client")
        if client == OPERATOR:
            return None
        # The world's number in the key: a new world's limits start with new buckets.
        return f"app:{self._generation}:{client}" if client else client_key(asgi_scope)

    def rate_of(self, key: str) -> tuple[float, float] | None:
        """An app instance's rate and burst: its MEC host's API limits in the scenario."""
        kind, _, rest = key.partition(":")
        client = rest.partition(":")[2]
        instance = self.platforms.apps.get(client) if kind == "app" else None
        world = self.platforms.world
        if instance is None or world is None:
            return None
        node = world.top.nodes.get(instance.host)
        api = getattr(node, "api", None)
        return None if api is None else (api.rate_per_s, api.burst)

    def install(self, app: FastAPI) -> None:
        """Secure ``app``: its token endpoints and control routes, the limits and, outside
        them, the authentication layer; credentials revoked with their instances."""
        self.attach()
        self.mount(app)
        app.add_middleware(
            LimitsMiddleware,
            key_of=self.key_of,
            rate_per_s=self.limits.rate_per_s,
            burst=self.limits.burst,
            max_body_bytes=self.limits.max_body_bytes,
            max_concurrent_per_key=self.limits.max_concurrent,
            max_queued_per_key=self.limits.max_queued,
            metrics=self.metrics,
            rate_of=self.rate_of,
        )
        app.add_middleware(
            AuthLayer,
            tokens=self.authority.tokens,
            requirement_of=self.requirement_of,
            audit=self.authority.audit,
        )

    async def authenticate_socket(self, websocket: WebSocket, host: str, owner: str | None) -> bool:
        """Whether a notification websocket may open: a token for ``host`` of the
        subscription's ``owner`` (or the operator's). Refused ones are audited and closed."""
        own = self.issuer(host)
        client_id = None
        try:
            claims = self.authority.tokens.authenticate(
                websocket.headers.get("authorization"), own, self._issuers()
            )
            client_id = claims.client_id
            if client_id not in (owner, OPERATOR):
                raise Forbidden("no websocket subscription with this id for this client")
        except (MissingToken, InvalidToken, Forbidden) as error:
            kind, reason = refusal_of(error)
            client = websocket.client
            self.authority.audit.record(
                kind,
                reason,
                status=error.status,
                client_id=client_id,
                address=client.host if client else None,
                method="GET",
                path=websocket.url.path,
                detail=error.detail,
            )
            if DENIAL in websocket.scope.get("extensions", {}):
                # The handshake answered as a request would be: 401 with the Bearer
                # challenge (a client renews its token), 403 for another's subscription.
                denial = problem_response(error.status, error.detail, headers=error.headers)
                await websocket.send_denial_response(denial)
            else:
                await websocket.close(1008, error.detail[:120])
            return False
        return True

    # --- credentials ----------------------------------------------------------------------------

    def scopes_for(self, instance: AppInstance, required: Iterable[str] = ()) -> frozenset[str]:
        """The scopes of an app instance, from the services it requires: ``required`` (its
        AppD's), its scenario declaration's and its MEC 011 registration's."""
        required = list(required)
        top = self.platforms.world.top if self.platforms.world is not None else None
        declared = top.apps.get(instance.name) if top is not None and instance.name else None
        if declared is not None:
            required += [s.name for s in declared.services_required]
        for entry in (instance.registration or {}).get("appServiceRequired") or []:
            name = (entry.get("serName") if isinstance(entry, dict) else None) or ""
            required.append(name)
        return app_scopes(required)

    def enrol(self, instance: AppInstance, required: Iterable[str] = ()) -> str:
        """A new secret for an instance (its old one stops working)."""
        scopes = self.scopes_for(instance, required)
        return self.authority.enrol(instance.app_instance_id, scopes)

    def environment(self, instance: AppInstance, required: Iterable[str] = ()) -> dict[str, str]:
        """What a process the lifecycle starts for ``instance`` needs to get its tokens."""
        env = {
            "MEC_CLIENT_ID": instance.app_instance_id,
            "MEC_CLIENT_SECRET": self.enrol(instance, required),
        }
        if self.base_url.startswith("https:"):
            env["MEC_CA_FILE"] = str(self.authority.ca.file)
        return env

    def attach(self) -> None:
        """Revoke an instance's credential when it goes, and every app's with a new world."""

        async def removed(instance: AppInstance) -> None:
            self.authority.revoke(instance.app_instance_id)

        async def reset() -> None:
            self.authority.revoke_apps()

        self.platforms.removal_listeners.append(removed)
        self.platforms.reset_listeners.append(reset)

    def token_url(self, host: str | None) -> str:
        """Where an app instance of ``host`` gets its tokens."""
        return f"{self.issuer(host)}/oauth2/token"

    # --- routes -------------------------------------------------------------------------------

    def mount(self, app: FastAPI) -> None:
        """The token endpoints (every host, the default host, the operator) and the control
        API's credential, key and audit routes."""
        tokens = self.authority.tokens
        root = self.platforms.api_root

        def host_audience(host: str | None) -> list[str]:
            return [self.issuer(host), self.system_audience]

        hosts = token_router(tokens, self.issuer, host_audience, self._admit_host)
        app.include_router(hosts, prefix=f"{root}/hosts/{{host}}", include_in_schema=False)
        app.include_router(hosts, prefix=root)
        operator = token_router(
            tokens,
            lambda _: self.control_issuer,
            lambda _: self._everywhere(),
            self._admit_operator,
        )
        app.include_router(operator, prefix=CONTROL_API)
        app.include_router(self._control_router())

    def _control_router(self) -> APIRouter:
        router = APIRouter(prefix=CONTROL_API, tags=["meclab security"])
        authority = self.authority

        @router.post(
            "/apps/{name}/credentials",
            response_model=IssuedCredential,
            summary="Issue an app instance a new client secret (the old one stops working)",
        )
        async def app_credentials(name: str) -> IssuedCredential:
            instance = self.platforms.app_named(name)
            secret = self.enrol(instance)
            return IssuedCredential(
                client_id=instance.app_instance_id,
                client_secret=secret,
                scope=" ".join(sorted(authority.credentials.scopes_of(instance.app_instance_id))),
                token_url=self.token_url(instance.host),
            )

        @router.post(
            "/credentials",
            response_model=IssuedCredential,
            summary="Enrol a client by id (an instance yet to register, a device app)",
        )
        async def enrol_client(
            request: Annotated[CredentialRequest, Body()],
        ) -> IssuedCredential:
            try:
                scopes = app_scopes() if request.scope is None else parse_scope(request.scope)
                secret = authority.enrol(request.client_id, scopes)
            except UnknownScope as error:
                raise InvalidField("scope", str(error)) from error
            except ValueError as error:
                raise InvalidField("client_id", str(error)) from error
            host = self.platforms.default_host
            return IssuedCredential(
                client_id=request.client_id,
                client_secret=secret,
                scope=" ".join(sorted(scopes)),
                token_url=self.token_url(host),
            )

        @router.delete(
            "/credentials/{client_id}", status_code=204, summary="Revoke a client's credential"
        )
        async def revoke(client_id: str) -> None:
            if client_id == OPERATOR or not authority.revoke(client_id):
                raise NotFound(f"no app client {client_id!r}")

        @router.post("/keys/rotate", summary="Sign new tokens with a new key")
        async def rotate_keys() -> dict[str, str]:
            return {"kid": authority.keys.rotate()}

        @router.get("/security/audit", summary="Recent refused requests, newest first")
        async def audit(
            kind: Annotated[Kind | None, Query()] = None,
            client_id: Annotated[str | None, Query()] = None,
            limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        ) -> dict[str, Any]:
            recent = authority.audit.recent(kind=kind, client_id=client_id, limit=limit)
            return {
                "total": authority.audit.total,
                "dropped": authority.audit.dropped,
                "refusals": [r.to_json() for r in recent],
            }

        return router
