"""One keep-alive HTTP session to a MEC platform, and the one place its answers become types.

Every client of :mod:`meclab.sdk` sends through :class:`HttpClient`: it joins paths to the
platform's URL and API root, adds the bearer token (the config's own, or one its
:class:`~meclab.sdk.tokens.TokenSource` obtains, with one retry on a fresh token when an API
refuses the one sent as invalid), turns an error status into
:class:`~meclab.sdk.errors.MecApiError` with the platform's ProblemDetails, a failed connection
into :class:`~meclab.sdk.errors.PlatformUnreachable` naming the URL, and a body into the
shared wire model (one definition of each body, the server's own).

The server's models refuse unknown members in requests, which is right for a server and wrong
for a client: a newer or another vendor's platform may send members meclab does not know. So
answers are read leniently: unknown members are dropped (and logged at debug level) before
validation, everything else must match.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDict
from pydantic import BaseModel, TypeAdapter, ValidationError

from meclab.platform.wire import ProblemDetails
from meclab.sdk.config import PlatformConfig
from meclab.sdk.errors import ConfigError, MecApiError, PlatformUnreachable, UnexpectedResponse
from meclab.sdk.tokens import TokenSource, bearer_error

log = logging.getLogger("meclab.sdk")

M = TypeVar("M", bound=BaseModel)

JSON = "application/json"
ParamValue = str | int | float | bool
Params = Mapping[str, ParamValue | Sequence[ParamValue] | None]
Body = BaseModel | Mapping[str, Any] | Sequence[Any] | None

_MAX_LENIENT_PASSES = 8
"""Unknown members are dropped pass by pass (a dropped member may hide one beneath it)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer as received: status, headers (case-insensitive) and the parsed JSON body
    (None when empty)."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def location(self) -> str | None:
        """The ``Location`` header: where a created resource lives (MEC 009, 201)."""
        return self.headers.get("Location")

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


@dataclass(frozen=True, slots=True)
class Created(Generic[M]):
    """A resource the platform created (201): its body, its URL and its ETag."""

    value: M
    location: str
    etag: str | None


@dataclass(frozen=True, slots=True)
class Tagged(Generic[M]):
    """A resource's body and the ETag it came with (None if the platform sent none), so that
    a later change can be guarded with ``If-Match`` (MEC 009 clause 6.16, RFC 9110 8.8.3)."""

    value: M
    etag: str | None


def segment(value: str) -> str:
    """``value`` quoted as one path segment (an id holding ``/`` or ``?`` stays one)."""
    return quote(value, safe="")


def short_type(subscription_type: str | None, short_types: Mapping[str, str]) -> str | None:
    """The ``subscription_type`` query value of a short or full type name, by an API's
    ``{short: full}`` table (any other value goes as it is, for the platform to judge)."""
    if subscription_type is None:
        return None
    full_to_short = {full: short for short, full in short_types.items()}
    return full_to_short.get(subscription_type, subscription_type)


def model_named(reply: Reply, models: Mapping[str, type[M]], member: str) -> type[M]:
    """The model of a body that names its own type in ``member`` (a subscription's
    ``subscriptionType``); :class:`UnexpectedResponse` when it names none of ``models``."""
    named = reply.body.get(member) if isinstance(reply.body, dict) else None
    model = models.get(named) if isinstance(named, str) else None
    if model is None:
        known = ", ".join(models)
        raise UnexpectedResponse(
            reply.method, reply.url, reply.status, f"{member} {named!r} is not one of {known}"
        )
    return model


def _if_match(etag: str | None) -> dict[str, str] | None:
    return {"If-Match": etag} if etag else None


@lru_cache(maxsize=256)
def _adapter(shape: Any) -> TypeAdapter[Any]:
    # Building a TypeAdapter costs far more than validating a body: one per model, not per call.
    return TypeAdapter(shape)


def body_json(body: Body) -> Any:
    """A request body as JSON data: wire models by alias, without absent members."""
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True, exclude_none=True)
    return body


def query(params: Params | None) -> list[tuple[str, str]]:
    """Query parameters as pairs: a sequence repeats its name (``?cell_id=a&cell_id=b``)."""
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        values = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
        for item in values:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            pairs.append((name, text))
    return pairs


def _drop(data: Any, loc: tuple[int | str, ...]) -> bool:
    node = data
    for key in loc[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) and loc and loc[-1] in node:
        del node[loc[-1]]
        return True
    return False


def parse(adapter: TypeAdapter[Any], data: Any, *, method: str, url: str, status: int) -> Any:
    """``data`` validated by ``adapter``; unknown members dropped, any other mismatch raised
    as :class:`UnexpectedResponse` naming the member."""
    for _ in range(_MAX_LENIENT_PASSES):
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            errors = exc.errors()
            unknown = [e for e in errors if e["type"] == "extra_forbidden"]
            if len(unknown) < len(errors):
                first = next(e for e in errors if e["type"] != "extra_forbidden")
                where = ".".join(str(part) for part in first["loc"]) or "(body)"
                raise UnexpectedResponse(method, url, status, f"{where}: {first['msg']}") from exc
            if data is not None and not isinstance(data, (dict, list)):
                break
            data = copy.deepcopy(data) if _ == 0 else data
            dropped = [e["loc"] for e in unknown if _drop(data, tuple(e["loc"]))]
            if not dropped:
                break
            log.debug("%s %s: ignored unknown members %s", method, url, dropped)
    raise UnexpectedResponse(method, url, status, "the body does not match the API's model")


def _decoded(raw: bytes) -> tuple[Any, bool]:
    """A body as JSON (None when empty), and whether it was JSON."""
    if not raw.strip():
        return None, True
    try:
        return json.loads(raw.decode("utf-8", "replace")), True
    except ValueError:
        return None, False


@dataclass(frozen=True, slots=True)
class _Answer:
    """An answer as it came, before the SDK reads it."""

    status: int
    reason: str
    headers: CIMultiDict[str]
    raw: bytes
    media: str


def _problem(status: int, reason: str, body: Any, text: str) -> ProblemDetails:
    if isinstance(body, dict):
        try:
            return ProblemDetails.model_validate(body)
        except ValidationError:
            pass
    detail = text.strip()[:500] or None
    return ProblemDetails(status=status, title=reason or None, detail=detail)


class HttpClient:
    """A keep-alive session to one platform (async context manager).

    ``session``: share an aiohttp session of the application's own; it is then not closed here.
    ``tokens``: where access tokens come from; by default a new
    :class:`~meclab.sdk.tokens.TokenSource` when ``config`` has client credentials (give one
    source to several clients of the same config so that they share its token).
    Paths are relative to the platform's URL and API root; absolute URLs are used as they are.
    """

    def __init__(
        self,
        config: PlatformConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        tokens: TokenSource | None = None,
    ) -> None:
        self.config = config
        if tokens is None and config.client_id:
            tokens = TokenSource(config)
        self.tokens = tokens
        self._session = session
        self._owned = session is None

    async def __aenter__(self) -> Self:
        self.session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session (made on first use, inside the running event loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config.timeout_s),
                connector=aiohttp.TCPConnector(ssl=self.config.ssl_context()),
            )
            self._owned = True
        return self._session

    async def close(self) -> None:
        """Close the session if this client made it."""
        if self._owned and self._session is not None:
            await self._session.close()
        self._session = None

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on the platform."""
        return self.config.api_url(path)

    async def bearer_token(self) -> str | None:
        """The access token to send now: the config's static one, or one from the token
        source (fetched or renewed first if need be); None when there are no credentials.

        AuthenticationFailed when the token endpoint refuses the client, PlatformUnreachable
        when it does not answer.
        """
        if self.tokens is None:
            return self.config.token
        return await self.tokens.token(self._post_form)

    def refused(self, token: str | None, status: int, headers: Mapping[str, str]) -> bool:
        """Whether an answer refused ``token`` as invalid (401 with a Bearer challenge
        ``error="invalid_token"``, RFC 6750 §3.1) and a new token from the source may do
        better; the refused token is dropped then, so the next :meth:`bearer_token` fetches."""
        if self.tokens is None or token is None or status != 401:
            return False
        if bearer_error(headers.get("WWW-Authenticate")) != "invalid_token":
            return False
        self.tokens.invalidate(token)
        return True

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Body = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str = JSON,
        expect: Sequence[int] = (200,),
    ) -> Reply:
        """Send one request; the answer if its status is in ``expect``, else the typed error.

        With a token source, a request whose token an API refuses as invalid is sent once more
        with a new token; a second refusal is the MecApiError of that answer.
        """
        url = self.url(path)
        data: bytes | None = None
        if json_body is not None:
            data = json.dumps(body_json(json_body)).encode()
        pairs = query(params)
        token = await self.bearer_token()
        sent = self._headers(token, data is not None, content_type, headers)
        answer = await self._exchange(method, url, params=pairs, data=data, headers=sent)
        if self.refused(token, answer.status, answer.headers):
            log.debug("%s %s: access token refused; once more with a new one", method, url)
            token = await self.bearer_token()
            sent = self._headers(token, data is not None, content_type, headers)
            answer = await self._exchange(method, url, params=pairs, data=data, headers=sent)
        body, readable = _decoded(answer.raw)
        status = answer.status
        if status not in expect:
            if status >= 400:
                text = answer.raw.decode("utf-8", "replace")
                problem = _problem(status, answer.reason, body, text)
                raise MecApiError(method, url, status, problem)
            raise UnexpectedResponse(method, url, status, f"expected {_statuses(expect)}")
        if not readable:
            raise UnexpectedResponse(method, url, status, f"body is not JSON ({answer.media})")
        return Reply(method, url, status, answer.headers, body)

    @staticmethod
    def _headers(
        token: str | None, has_body: bool, content_type: str, extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        sent = {"Accept": f"{JSON}, application/problem+json"}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if has_body:
            sent["Content-Type"] = content_type
        sent.update(extra or {})
        return sent

    async def _exchange(
        self,
        method: str,
        url: str,
        *,
        params: list[tuple[str, str]] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str],
    ) -> _Answer:
        """One request and its whole answer; aiohttp's failures as the SDK's errors."""
        try:
            async with self.session().request(
                method, url, params=params, data=data, headers=headers
            ) as response:
                raw = await response.read()
                return _Answer(
                    response.status,
                    response.reason or "",
                    CIMultiDict(response.headers),
                    raw,
                    response.content_type,
                )
        except aiohttp.InvalidURL as exc:
            raise ConfigError(f"{method} {url}: not a valid URL") from exc
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise PlatformUnreachable(method, url, str(exc) or type(exc).__name__) from exc
        except TimeoutError as exc:
            raise PlatformUnreachable(
                method, url, f"no answer within {self.config.timeout_s:g} s"
            ) from exc
        except asyncio.CancelledError:
            raise

    async def _post_form(
        self, url: str, form: bytes, headers: Mapping[str, str]
    ) -> tuple[int, Any]:
        """The token source's request (:data:`meclab.sdk.tokens.Post`), on this session."""
        answer = await self._exchange("POST", url, data=form, headers=headers)
        return answer.status, _decoded(answer.raw)[0]

    def read(self, reply: Reply, model: type[M]) -> M:
        """The reply's body as ``model``."""
        return parse(
            _adapter(model), reply.body, method=reply.method, url=reply.url, status=reply.status
        )

    def read_list(self, reply: Reply, model: type[M]) -> list[M]:
        """The reply's body as a list of ``model``."""
        adapter = _adapter(list[model])  # type: ignore[valid-type]
        return parse(adapter, reply.body, method=reply.method, url=reply.url, status=reply.status)

    async def get(self, path: str, model: type[M], *, params: Params | None = None) -> M:
        """GET a resource as ``model``."""
        return self.read(await self.request("GET", path, params=params), model)

    async def get_tagged(self, path: str, model: type[M]) -> Tagged[M]:
        """GET a resource as ``model``, with its ETag."""
        reply = await self.request("GET", path)
        return Tagged(self.read(reply, model), reply.etag)

    async def get_list(self, path: str, model: type[M], *, params: Params | None = None) -> list[M]:
        """GET a JSON array of ``model``."""
        return self.read_list(await self.request("GET", path, params=params), model)

    async def post(self, path: str, body: Body, model: type[M]) -> Created[M]:
        """POST that creates a resource: 201 with its body and ``Location`` (MEC 009)."""
        reply = await self.request("POST", path, json_body=body, expect=(201,))
        if not reply.location:
            raise UnexpectedResponse("POST", reply.url, 201, "201 without a Location header")
        return Created(self.read(reply, model), reply.location, reply.etag)

    async def put(self, path: str, body: Body, model: type[M], *, if_match: str | None = None) -> M:
        """PUT (replace) a resource; ``if_match`` guards it with its ETag (412 if stale)."""
        return (await self.put_tagged(path, body, model, if_match=if_match)).value

    async def put_tagged(
        self, path: str, body: Body, model: type[M], *, if_match: str | None = None
    ) -> Tagged[M]:
        """PUT (replace) a resource; what it became, with its new ETag."""
        reply = await self.request("PUT", path, json_body=body, headers=_if_match(if_match))
        return Tagged(self.read(reply, model), reply.etag)

    async def patch(
        self,
        path: str,
        body: Body,
        model: type[M],
        *,
        if_match: str | None = None,
        content_type: str = JSON,
    ) -> M:
        """PATCH a resource and read what it became."""
        reply = await self.request(
            "PATCH", path, json_body=body, headers=_if_match(if_match), content_type=content_type
        )
        return self.read(reply, model)

    async def delete(self, path: str, *, if_match: str | None = None) -> None:
        """DELETE a resource (204)."""
        await self.request("DELETE", path, headers=_if_match(if_match), expect=(204,))


def _statuses(expect: Sequence[int]) -> str:
    return " or ".join(str(s) for s in expect)
